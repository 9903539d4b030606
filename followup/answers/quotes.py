"""Quotes: comments whose authors said yes to being quoted, reviewed by a coordinator.

Only a comment with a "yes" to `quote_consent` becomes a quote; every other comment stays in its
response, which nothing outside the database reads. A quote is shown for review as its text and
its wave alone: never the code, a date, the cohort or any other answer of the same response.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from peewee import Database

from followup.answers.surveys import TEXT_LIMITS
from followup.i18n import _l
from followup.models import Invitation, Quote, Response, User, Wave

COMMENT = "comment"
CONSENT = "quote_consent"
CONSENTED = "yes"


class QuoteNotFound(Exception):
    """No quote with that id in this programme (or none that can be reviewed)."""


class ReviewRefused(Exception):
    """The review cannot be saved as given; the message says why, for a person."""


def consented_comment(answers: dict) -> str | None:
    """Return the comment its author agreed may be quoted, or None (no comment, or no "yes")."""
    comment = answers.get(COMMENT)
    if answers.get(CONSENT) != CONSENTED or not isinstance(comment, str) or not comment.strip():
        return None
    return comment.strip()


def queue_quote(response: Response, answers: dict) -> Quote | None:
    """Put a consented comment up for review (inside the transaction storing the response)."""
    comment = consented_comment(answers)
    if comment is None:
        return None
    wave = (
        Wave.select(Wave.id, Wave.programme).join(Invitation).where(Invitation.id == response.invitation_id)
    )
    wave = wave.get()
    return Quote.create(response=response, programme=wave.programme_id, wave=wave.id, submitted_text=comment)


@dataclass(frozen=True)
class QuoteForReview:
    """What the review page may show of a quote: its text and the wave, nothing that leads to a person."""

    id: int
    text: str
    months: int
    state: str


def quotes_for_review(programme_id: int, state: str) -> list[QuoteForReview]:
    """Return the programme's quotes in `state`, by wave and then by text (no order of arrival)."""
    shown = Quote.approved_text if state == Quote.APPROVED else Quote.submitted_text
    query = (
        Quote.select(Quote.id, Quote.submitted_text, Quote.approved_text, Quote.state, Wave.offset_months)
        .join(Wave)
        .where((Quote.programme == programme_id) & (Quote.state == state))
        .order_by(Wave.offset_months, shown, Quote.id)
    )
    return [
        QuoteForReview(
            quote.id,
            quote.approved_text if state == Quote.APPROVED else quote.submitted_text,
            quote.wave.offset_months,
            quote.state,
        )
        for quote in query
    ]


def approve_quote(
    db: Database, now: datetime, programme_id: int, quote_id: int, reviewer: User, text: str
) -> bool:
    """Publish a quote as `text` (the coordinator's edit, or the comment as it was); return whether edited."""
    text = text.strip()
    with db.atomic():
        quote = _find(programme_id, quote_id)
        if not text:
            raise ReviewRefused(str(_l("Write the text to publish, or reject the quote.")))
        if len(text) > TEXT_LIMITS["long_text"]:
            raise ReviewRefused(str(_l("The text is longer than a comment can be.")))
        Quote.update(state=Quote.APPROVED, approved_text=text, reviewed_by=reviewer, reviewed_at=now).where(
            Quote.id == quote.id
        ).execute()
    return text != quote.submitted_text


def reject_quote(db: Database, now: datetime, programme_id: int, quote_id: int, reviewer: User) -> None:
    """Keep a quote out of every result (also one approved before): it is never published."""
    with db.atomic():
        quote = _find(programme_id, quote_id)
        Quote.update(state=Quote.REJECTED, approved_text=None, reviewed_by=reviewer, reviewed_at=now).where(
            Quote.id == quote.id
        ).execute()


def _find(programme_id: int, quote_id: int) -> Quote:
    quote = Quote.get_or_none((Quote.id == quote_id) & (Quote.programme == programme_id))
    if quote is None:
        raise QuoteNotFound()
    return quote
