"""A programme's report: the measures counted by the database, laid out, and disclosure-controlled."""

from __future__ import annotations

from datetime import datetime

from peewee import Database

from followup.models import Programme
from followup.results.disclosure import protect
from followup.results.measures import Assumptions, collect, self_sufficiency_of, survey_versions, tabulate
from followup.results.quotes import published_quotes
from followup.results.tables import Publication


def assumptions_for(programme: Programme, monthly_norm: int, months: int) -> Assumptions:
    """Return the programme's definitions and the configured estimate assumptions."""
    return Assumptions(
        self_sufficiency=self_sufficiency_of(programme), monthly_norm=monthly_norm, months=months
    )


def make_report(
    db: Database, programme: Programme, now: datetime, threshold: int, assumptions: Assumptions
) -> Publication:
    """Return every table of the programme's report, sensitive figures hidden, and its approved quotes."""
    counts = collect(db, programme.id)
    publication = tabulate(counts, assumptions, programme.name, now, survey_versions(programme.id))
    publication = protect(publication, threshold)
    publication.quotes = published_quotes(programme.id, threshold)
    return publication
