"""The former participant's pages: a link becomes a short session, then intro, pages, review, thanks.

The link's token is used once per visit: it is exchanged for a session bound to the invitation and
the browser is sent on to /enkat, so the token stays out of history and Referer headers.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from babel.dates import format_date
from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale, gettext
from flask_wtf.csrf import generate_csrf

from followup.answers.answering import Visit, decline, load_visit, save_draft, visit_ticket
from followup.answers.optout import opt_out, opted_out_at
from followup.answers.responses import record_response
from followup.answers.surveys import AnswerError, Page, Survey, latest
from followup.answers.tokens import AlreadyAnswered, ExpiredToken, UnknownToken, lookup, resolve
from followup.i18n import use_language
from followup.models import Invitation, Programme, Token, window_open
from followup.plan.organiser import has_notice, organiser_of, organiser_of_participant
from followup.plan.scheduling import what_comes_next
from followup.web.forms import CsrfForm, error_messages, page_fields, render_fields, submitted_answers
from followup.web.redirects import local_path
from followup.web.roles import PUBLIC, requires

bp = Blueprint("participant", __name__)
# The pages print the token with csrf_token() rather than through a form object: cheaper, and a
# GET needs no form. CsrfForm checks what comes back.
bp.record_once(lambda state: state.app.jinja_env.globals.setdefault("csrf_token", generate_csrf))

SESSION_LENGTH = timedelta(hours=2)


def _runtime():
    return current_app.extensions["followup"]


@bp.get("/")
def index():
    """Show what this service is to someone who arrives without a link."""
    return render_template("participant/index.html")


@bp.get("/favicon.ico")
def favicon():
    """Answer browsers' automatic icon request without a page: the service has no icon."""
    return "", 204


@bp.get("/tillganglighet")
def accessibility():
    """Show the accessibility statement."""
    return render_template("participant/accessibility.html")


@bp.get("/integritet/<int:programme_id>")
@requires(PUBLIC)
def privacy(programme_id: int):
    """Show a programme's privacy notice: who holds the data, why, on what ground, how long, one's rights.

    Addressed by the programme, not by the participant: it says nothing about anyone who answers,
    and the survey pages link to it without their session or link showing in the address.
    """
    programme = Programme.get_or_none(Programme.id == programme_id)
    if programme is None or not has_notice(programme):
        abort(404)
    return render_template(
        "participant/privacy.html",
        programme=programme,
        # This page is the notice: no link to itself.
        organisation=replace(organiser_of(programme, _default_organiser(), None), privacy_url=None),
    )


def _default_organiser():
    return current_app.config["WHO_IS_ASKING"]


def _organiser(participant_id: int):
    """Return who is asking this participant: their programme's organiser, else the instance's."""
    return organiser_of_participant(participant_id, _default_organiser())


@bp.get("/sprak/<language>")
def switch_language(language: str):
    """Show the pages in another language from now on."""
    if language in current_app.config["LANGUAGES"]:
        session["lang"] = language
    # Only our own paths: an open redirect would let a link take a person anywhere.
    return redirect(local_path(request.args.get("next")) or url_for("participant.index"), code=303)


@bp.get("/s/<token>")
def arrive(token: str):
    """Exchange a link for a session bound to its invitation, then leave the token behind."""
    now = _runtime().clock.now()
    try:
        invitation = resolve(token, now)
    except UnknownToken:
        abort(404)
    except ExpiredToken as exc:
        return _closed_page("expired", 410, exc.args[0])
    except AlreadyAnswered as exc:
        _start_session(exc.args[0], now)
        return redirect(url_for("participant.thanks"), code=303)
    _start_session(invitation, now)
    return redirect(url_for("participant.intro"), code=303)


def _start_session(invitation: Invitation, now: datetime) -> None:
    session.clear()
    session["ticket"] = visit_ticket(invitation)
    session["until"] = (now + SESSION_LENGTH).isoformat()
    session["lang"] = invitation.participant.language


@bp.get("/enkat")
def intro():
    """Say who is asking, why, how long it takes, and that it is voluntary."""
    visit, survey = _current()
    resume = survey.first_incomplete(visit.answers) if visit.answers else None
    stopped = opted_out_at(visit.participant_id)
    return _render(
        "participant/intro.html",
        visit,
        survey,
        resume=resume,
        started=bool(visit.answers),
        stopped_on=stopped and stopped.astimezone(_runtime().settings.zone).date(),
    )


@bp.route("/enkat/sida/<page_id>", methods=["GET", "POST"])
def page(page_id: str):
    """Show one page of questions, and save what is given on it."""
    visit, survey = _current()
    answers = visit.answers
    current = next((p for p in survey.pages if p.id == page_id), None)
    if current is None:
        abort(404)
    if request.method == "GET":
        return _page(visit, survey, current, answers)
    form = CsrfForm()
    submitted = submitted_answers(current)
    if not form.validate_on_submit():
        return _page(visit, survey, current, {**answers, **submitted}, stale=True, status=400)
    going_back = request.form.get("action") == "back"
    runtime = _runtime()
    try:
        answers = survey.clean_page(current, submitted, answers)
    except AnswerError as exc:
        if not going_back:
            return _page(visit, survey, current, {**answers, **submitted}, errors=exc.errors, status=400)
        answers = _keep_valid(current, submitted, answers)
    if not save_draft(runtime.db, visit.invitation_id, answers, runtime.clock.now()):
        # Closed meanwhile (sent from another tab, skipped, expired): the page says which.
        return redirect(url_for("participant.page", page_id=current.id), code=303)
    pages = survey.shown_pages(answers)
    index = next((i for i, p in enumerate(pages) if p.id == current.id), 0)
    if going_back:
        target = (
            url_for("participant.page", page_id=pages[index - 1].id)
            if index
            else url_for("participant.intro")
        )
    elif index + 1 < len(pages):
        target = url_for("participant.page", page_id=pages[index + 1].id)
    else:
        target = url_for("participant.review")
    return redirect(target, code=303)


@bp.get("/enkat/granska")
def review():
    """Show every answer once more, with a way back to each page, and the Submit button."""
    visit, survey = _current()
    answers = visit.answers
    incomplete = survey.first_incomplete(answers)
    if incomplete is not None:
        return redirect(url_for("participant.page", page_id=incomplete.id), code=303)
    return _render(
        "participant/review.html",
        visit,
        survey,
        answers=answers,
        pages=survey.shown_pages(answers),
    )


@bp.post("/enkat/skicka")
def submit():
    """Store the answers once; a second press of the button lands on the thank-you page too."""
    visit, survey = _current(allow_answered=True)
    if visit.state == Invitation.ANSWERED:
        return redirect(url_for("participant.thanks"), code=303)
    form = CsrfForm()
    if not form.validate_on_submit():
        return redirect(url_for("participant.review"), code=303)
    runtime = _runtime()
    try:
        record_response(runtime.db, visit.invitation_id, survey, visit.answers, runtime.clock.now())
    except AlreadyAnswered:
        pass
    except ExpiredToken:
        return _closed_page("expired", 410)
    except AnswerError:
        incomplete = survey.first_incomplete(visit.answers) or survey.pages[0]
        return redirect(url_for("participant.page", page_id=incomplete.id), code=303)
    return redirect(url_for("participant.thanks"), code=303)


@bp.get("/enkat/tack")
def thanks():
    """Thank the person; the link now leads here rather than to the form."""
    visit, survey = _current(allow_answered=True)
    settings = _runtime().settings
    upcoming = what_comes_next(visit.invitation_id, settings.zone, settings.send_hour)
    next_month = upcoming.next_due and format_date(upcoming.next_due, "LLLL y", locale=str(get_locale()))
    return _render(
        "participant/thanks.html", visit, survey, next_month=next_month, stopped=upcoming.opted_out
    )


@bp.route("/enkat/hoppa-over", methods=["GET", "POST"])
def skip():
    """Skip this follow-up only, after one confirmation."""
    visit, survey = _current()
    form = CsrfForm()
    if request.method == "POST" and form.validate_on_submit():
        runtime = _runtime()
        decline(runtime.db, visit.invitation_id, runtime.clock.now())
        return _render("participant/skipped.html", visit, survey)
    return _render("participant/skip.html", visit, survey)


@bp.route("/enkat/avsluta", methods=["GET", "POST"])
def stop_all():
    """Stop all follow-ups for this person, after one confirmation."""
    visit, survey = _current(allow_answered=True)
    form = CsrfForm()
    if request.method == "POST" and form.validate_on_submit():
        runtime = _runtime()
        opt_out(runtime.db, visit.participant_id, runtime.clock.now(), "survey")
        return render_template(
            "participant/stopped.html",
            programme=visit.programme,
            organisation=_organiser(visit.participant_id),
        )
    return _render("participant/stop_all.html", visit, survey)


@bp.route("/u/<token>", methods=["GET", "POST"])
def stop(token: str):
    """Confirm, then stop all further follow-up messages (also RFC 8058 one-click from mail clients)."""
    invitation = lookup(token, Token.OPTOUT)
    if invitation is None:
        abort(404)
    participant = invitation.participant
    use_language(session.get("lang") or participant.language)
    context = {
        "programme": participant.programme.name,
        "organisation": organiser_of(
            participant.programme, _default_organiser(), _notice(participant.programme_id)
        ),
    }
    if request.method == "POST":
        one_click = request.form.get("List-Unsubscribe") == "One-Click"
        runtime = _runtime()
        opt_out(runtime.db, participant.id, runtime.clock.now(), "one-click" if one_click else "link")
        return render_template("participant/stopped.html", **context)
    if participant.opted_out_at is not None:
        return render_template("participant/stopped.html", **context)
    return render_template("participant/stop.html", **context)


def _notice(programme_id: int) -> str:
    return url_for("participant.privacy", programme_id=programme_id)


def _current(allow_answered: bool = False) -> tuple[Visit, Survey]:
    """Return the session's visit and its survey, or end the request with a kind page."""
    runtime = _runtime()
    now = runtime.clock.now()
    ticket, until = session.get("ticket"), session.get("until")
    if not ticket or not until or datetime.fromisoformat(until) <= now:
        abort(_closed_page("session", 403))
    visit = load_visit(runtime.db, ticket)
    if visit is None:
        abort(_closed_page("session", 403))
    # Renewed at most every few minutes, so most pages need not send a new cookie.
    if datetime.fromisoformat(until) - now < SESSION_LENGTH - timedelta(minutes=5):
        session["until"] = (now + SESSION_LENGTH).isoformat()
    use_language(session.get("lang") or visit.language)
    if visit.state == Invitation.ANSWERED and not allow_answered:
        abort(redirect(url_for("participant.thanks"), code=303))
    survey = latest(runtime.surveys, visit.survey)
    if visit.state == Invitation.DECLINED:
        abort(make_response(_render("participant/skipped.html", visit, survey)))
    if visit.state == Invitation.EXPIRED or (
        visit.state != Invitation.ANSWERED and not window_open(visit.expires_at, now)
    ):
        abort(_closed_page("expired", 410))
    return visit, survey


def _language(visit: Visit, survey: Survey) -> str:
    """Return the language to show the survey's own texts in: the chosen one if the survey has it."""
    language = session.get("lang") or visit.language
    return language if language in survey.languages else survey.languages[0]


def _render(template: str, visit: Visit, survey: Survey, **context):
    language = _language(visit, survey)
    zone = _runtime().settings.zone
    return render_template(
        template,
        survey=survey,
        language=language,
        programme=visit.programme,
        organisation=_organiser(visit.participant_id),
        last_day=(visit.expires_at - timedelta(seconds=1)).astimezone(zone).date(),
        **context,
    )


def _page(visit: Visit, survey: Survey, current: Page, answers: dict, errors=None, stale=False, status=200):
    pages = survey.shown_pages(answers)
    position = next((i for i, p in enumerate(pages) if p.id == current.id), 0)
    questions = [q for q in current.questions if q.is_shown(answers)]
    messages = error_messages(current, errors or {})
    language = _language(visit, survey)
    fields = page_fields(questions, answers, messages, language)
    response = _render(
        "participant/page.html",
        visit,
        survey,
        page=current,
        fields=fields,
        rendered=render_fields(survey, fields, language, gettext("optional"), gettext("Error:")),
        errors=messages,
        stale=stale,
        position=position + 1,
        total=len(pages),
        # The way on is the review only when no later page can still come in with this page's answers.
        last=position + 1 == len(pages) and not survey.may_bring_in_pages(current),
    )
    return response, status


def _keep_valid(current: Page, submitted: dict, answers: dict) -> dict:
    """On Back, keep what was valid on the page and let the rest wait."""
    kept = {key: value for key, value in answers.items() if key not in {q.id for q in current.questions}}
    for question in current.questions:
        try:
            value = question.clean(submitted.get(question.id))
        except ValueError:
            continue
        if value is not None:
            kept[question.id] = value
    return kept


def _closed_page(kind: str, status: int, invitation: Invitation | None = None):
    use_language(session.get("lang") or (invitation.participant.language if invitation else None))
    context = {"organisation": _organiser(invitation.participant_id)} if invitation else {}
    return make_response(render_template(f"participant/{kind}_closed.html", **context), status)


def unknown_link(response) -> bool:
    """Tell whether a link page's response counts as a guess (the link was unknown)."""
    return response.status_code == 404


def too_many(_error):
    """Ask the person to wait: too many unknown links came from their address."""
    use_language(session.get("lang"))
    return render_template("participant/too_many.html"), 429


def not_found(_error):
    """Say kindly that a link or page does not exist."""
    use_language(session.get("lang"))
    return render_template("participant/not_found.html"), 404
