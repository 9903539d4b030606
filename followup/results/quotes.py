"""Participants' own words: the quotes a coordinator approved, as the results publish them.

A quote carries its text and at most its wave, and the wave only when that wave of the programme
has at least `threshold` answers, so a label never narrows a quote down to a few people. Never a
code, a date or a cohort.
"""

from __future__ import annotations

from peewee import fn

from followup.models import Invitation, Quote, Response, Wave
from followup.results.tables import PublishedQuote


def answers_per_wave(wave_ids: set[int]) -> dict[int, int]:
    """Return the number of responses in each of the waves `wave_ids` (by wave id)."""
    query = (
        Invitation.select(Invitation.wave, fn.COUNT(Response.id))
        .join(Response)
        .where(Invitation.wave.in_(wave_ids))
        .group_by(Invitation.wave)
    )
    return dict(query.tuples())


def published_quotes(programme_id: int, threshold: int) -> list[PublishedQuote]:
    """Return the programme's approved quotes, labelled with a wave only where it has enough answers."""
    approved = list(
        Quote.select(Quote.approved_text, Wave.id, Wave.offset_months)
        .join(Wave)
        .where((Quote.programme == programme_id) & (Quote.state == Quote.APPROVED))
    )
    if not approved:
        return []  # most reports: no counting at all
    # A quote is deleted with its response, so each quote's wave has at least that answer.
    answered = answers_per_wave({quote.wave.id for quote in approved})
    quotes = [
        PublishedQuote(
            quote.approved_text,
            quote.wave.offset_months if answered[quote.wave.id] >= threshold else None,
        )
        for quote in approved
    ]
    # Ordered by what is shown, never by arrival: an unlabelled quote's place says nothing of its wave.
    # (None is compared only with None: the first key puts every unlabelled quote after the labelled.)
    return sorted(quotes, key=lambda q: (q.months is None, q.months, q.text))
