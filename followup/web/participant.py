"""The former participant's pages: the survey behind a link, thanks, and kind error pages."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from followup.i18n import _l, use_language
from followup.optout import opt_out
from followup.responses import record_response
from followup.surveys import AnswerError, latest
from followup.tokens import AlreadyAnswered, ExpiredToken, UnknownToken, lookup, resolve
from followup.web.forms import answers_from, survey_form

bp = Blueprint("participant", __name__)


def _state():
    return current_app.extensions["followup"]


@bp.get("/")
def index():
    """Show what this service is to someone who arrives without a link."""
    return render_template("participant/index.html")


@bp.route("/s/<token>", methods=["GET", "POST"])
def survey(token: str):
    """Show the survey behind a link, or store the answers posted to it."""
    state = _state()
    now = state.clock.now()
    try:
        invitation = resolve(token, now)
    except UnknownToken:
        abort(404)
    except ExpiredToken as exc:
        return _page("expired", 410, exc)
    except AlreadyAnswered as exc:
        return _page("answered", 409 if request.method == "POST" else 200, exc)
    participant = invitation.participant
    use_language(participant.language)
    survey_def = latest(state.surveys, invitation.wave.survey)
    form = survey_form(survey_def, participant.language)
    if form.validate_on_submit():
        try:
            record_response(state.db, invitation.id, survey_def, answers_from(form, survey_def), now)
        except AlreadyAnswered:
            return _page("answered", 409)
        except ExpiredToken:
            return _page("expired", 410)
        except AnswerError as exc:
            for question_id in exc.errors:
                form[question_id].errors.append(_l("Please choose an answer."))
        else:
            return redirect(url_for("participant.thanks", lang=participant.language), code=303)
    status = 200
    if request.method == "POST":
        status = 400
        if "csrf_token" in form.errors:
            form.form_errors.append(
                _l(
                    "The page had been open for a long time. "
                    "Your answers are still here: please send them again."
                )
            )
    return (
        render_template(
            "participant/survey.html",
            survey=survey_def,
            form=form,
            language=participant.language,
            programme=participant.programme.name,
        ),
        status,
    )


@bp.get("/tack")
def thanks():
    """Thank the person after the answers are saved."""
    use_language(request.args.get("lang"))
    return render_template("participant/thanks.html")


def _page(kind: str, status: int, exc: Exception | None = None):
    if exc is not None and exc.args:
        use_language(exc.args[0].participant.language)
    return render_template(f"participant/{kind}.html"), status


def not_found(_error):
    """Say kindly that a link does not work."""
    return render_template("participant/not_found.html"), 404


@bp.route("/u/<token>", methods=["GET", "POST"])
def stop(token: str):
    """Confirm, then stop all further follow-up messages (also RFC 8058 one-click from mail clients)."""
    invitation = lookup(token)
    if invitation is None:
        abort(404)
    participant = invitation.participant
    use_language(participant.language)
    if request.method == "POST":
        one_click = request.form.get("List-Unsubscribe") == "One-Click"
        runtime = _state()
        opt_out(runtime.db, participant.id, runtime.clock.now(), "one-click" if one_click else "link")
        return render_template("participant/stopped.html", programme=participant.programme.name)
    if participant.opted_out_at is not None:
        return render_template("participant/stopped.html", programme=participant.programme.name)
    return render_template("participant/stop.html", programme=participant.programme.name)
