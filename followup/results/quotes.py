"""Participants' own words: the quotes a coordinator approved, as the results publish them.

A quote carries its text and at most its wave, and the wave only when that wave of the programme
has at least `threshold` answers, so a label never narrows a quote down to a few people. Never a
code, a date or a cohort.
"""

from __future__ import annotations

from peewee import fn

from followup.models import Invitation, Quote, Response, Wave
from followup.results.tables import PublishedQuote


def answers_per_wave(programme_id: int) -> dict[int, int]:
    """Return the number of responses per wave (months after exit) of the programme."""
    query = (
        Wave.select(Wave.offset_months, fn.COUNT(Response.id).alias("answered"))
        .join(Invitation)
        .join(Response)
        .where(Wave.programme == programme_id)
        .group_by(Wave.offset_months)
    )
    return {row.offset_months: row.answered for row in query}


def published_quotes(programme_id: int, threshold: int) -> list[PublishedQuote]:
    """Return the programme's approved quotes, labelled with a wave only where it has enough answers."""
    answered = answers_per_wave(programme_id)
    query = (
        Quote.select(Quote.approved_text, Wave.offset_months)
        .join(Wave)
        .where((Quote.programme == programme_id) & (Quote.state == Quote.APPROVED))
    )
    quotes = [
        PublishedQuote(
            quote.approved_text,
            quote.wave.offset_months if answered.get(quote.wave.offset_months, 0) >= threshold else None,
        )
        for quote in query
    ]
    # Ordered by what is shown, never by arrival: an unlabelled quote's place says nothing of its wave.
    return sorted(quotes, key=lambda q: (q.months is None, q.months or 0, q.text))
