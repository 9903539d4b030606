"""Reviewing quotes: comments whose authors agreed they may be quoted, approved or rejected.

Coordinators never see answers. The one exception is this page: a comment whose author answered
yes to "may we quote your comment, without anything that could identify you?" is meant to be read
and published, and someone must remove what could identify a person before it is. So the page
shows that comment alone, with its wave: never the code, a date, the cohort or another answer.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from followup.answers.quotes import (
    QuoteNotFound,
    ReviewRefused,
    approve_quote,
    quotes_for_review,
    reject_quote,
)
from followup.i18n import _l
from followup.models import Programme, Quote
from followup.web.roles import COORDINATOR, requires
from followup.web.staff.common import _db, _now, bp, record, submitted
from followup.web.staff.forms import ActionForm, ApproveQuoteForm


def _review_page(programme: Programme, status: int = 200, edits=None, errors=None):
    waiting = quotes_for_review(programme.id, Quote.WAITING)
    edits = edits or {}
    forms = {
        quote.id: ApproveQuoteForm(formdata=None, text=edits.get(quote.id, quote.text)) for quote in waiting
    }
    return (
        render_template(
            "staff/quotes.html",
            programme=programme,
            waiting=waiting,
            approved=quotes_for_review(programme.id, Quote.APPROVED),
            forms=forms,
            errors=errors or {},
        ),
        status,
    )


@bp.get("/programmes/<int:programme_id>/quotes")
@requires(COORDINATOR)
def quotes(programme: Programme):
    """List the comments waiting for review (text and wave only) and the quotes published."""
    return _review_page(programme)


@bp.post("/programmes/<int:programme_id>/quotes/<int:quote_id>/approve")
@requires(COORDINATOR)
def approve(programme: Programme, quote_id: int):
    """Publish a quote, as the coordinator edited it; the audit log keeps no text."""
    form = ApproveQuoteForm()
    submitted(form)  # a missing CSRF token is a 400 page; approve_quote checks the text itself
    text = form.text.data or ""
    try:
        edited = approve_quote(_db(), _now(), programme.id, quote_id, current_user.user, text)
    except QuoteNotFound:
        abort(404)
    except ReviewRefused as exc:
        return _review_page(programme, 400, edits={quote_id: text}, errors={quote_id: str(exc)})
    record("quote.approved", programme=programme, quote=quote_id, edited=edited)
    flash(_l("The quote is approved: it appears in the results."))
    return redirect(url_for("staff.quotes", programme_id=programme.id), code=303)


@bp.post("/programmes/<int:programme_id>/quotes/<int:quote_id>/reject")
@requires(COORDINATOR)
def reject(programme: Programme, quote_id: int):
    """Keep a quote out of the results for good (also one approved before); the audit log keeps no text."""
    if not submitted(ActionForm()):
        abort(400)
    try:
        reject_quote(_db(), _now(), programme.id, quote_id, current_user.user)
    except QuoteNotFound:
        abort(404)
    record("quote.rejected", programme=programme, quote=quote_id)
    flash(_l("The quote is rejected: it appears nowhere."))
    return redirect(url_for("staff.quotes", programme_id=programme.id), code=303)
