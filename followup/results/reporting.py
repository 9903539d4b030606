"""A programme's report: the measures counted by the database, laid out, and disclosure-controlled;
and a small cache so that a results page, its charts and its downloads compute it once."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from dataclasses import astuple
from datetime import datetime

from peewee import Database

from followup.models import AuditEvent, Invitation, Message, Outcome, Participant, Programme
from followup.results.disclosure import protect
from followup.results.measures import Assumptions, collect, self_sufficiency_of, survey_versions, tabulate
from followup.results.quotes import published_quotes
from followup.results.tables import Publication


def assumptions_for(programme: Programme, monthly_norm: int, months: int) -> Assumptions:
    """Return the programme's definitions and the configured estimate assumptions."""
    return Assumptions(
        self_sufficiency=self_sufficiency_of(programme), monthly_norm=monthly_norm, months=months
    )


def measure(db: Database, programme: Programme, now: datetime, assumptions: Assumptions) -> Publication:
    """Return every table of the programme's report, before disclosure control."""
    counts = collect(db, programme.id)
    return tabulate(counts, assumptions, programme.name, now, survey_versions(programme.id))


def make_report(
    db: Database, programme: Programme, now: datetime, threshold: int, assumptions: Assumptions
) -> Publication:
    """Return every table of the programme's report, sensitive figures hidden, and its approved quotes."""
    publication = protect(measure(db, programme, now, assumptions), threshold)
    publication.quotes = published_quotes(programme.id, threshold)
    return publication


def data_version(db: Database) -> tuple:
    """Return a fingerprint of the rows the figures count, read from the ends of primary keys only
    (no table is scanned): it changes with every answer, sent message, imported participant,
    invitation planned, and staff action on the audit log (an erasure, an edited participant)."""
    newest = [
        model.select(model.id).order_by(model.id.desc()).limit(1).scalar()
        for model in (Outcome, Message, Participant, Invitation)
    ]
    # Downloading results is audited too, and changes no figure.
    staff = (
        AuditEvent.select(AuditEvent.id)
        .where(~AuditEvent.action.startswith("results."))
        .order_by(AuditEvent.id.desc())
        .limit(1)
        .scalar()
    )
    return (*newest, staff)


class ReportCache:
    """The last few reports, each under what it was computed from, kept for at most `seconds`.

    The key holds the programme (its id, name and definition of self-sufficiency), the threshold,
    the assumptions and `data_version`; the publication itself is the same in every language
    (labels are translated when shown), so the page, each chart and each file in either language
    share one computation. What the data version does not see (a participant's cohort or language
    edited without an audit event, a message's delivery confirmed) shows at the latest after `seconds`.
    """

    def __init__(self, entries: int, seconds: float) -> None:
        self.entries, self.seconds = entries, seconds
        self._found: OrderedDict[tuple, tuple[float, Publication]] = OrderedDict()
        self._lock = threading.Lock()
        # A key's lock lives as long as a thread asking for that report refers to it, no longer.
        self._computing: weakref.WeakValueDictionary[tuple, threading.Lock] = weakref.WeakValueDictionary()
        self.computed = 0  # how many reports were computed, not found (the tests read it)

    def report(
        self,
        db: Database,
        programme: Programme,
        now: datetime,
        threshold: int,
        assumptions: Assumptions,
    ) -> Publication:
        """Return the programme's protected report, computing it only if no fresh one is kept."""
        rungs = tuple((r.id, r.activities) for r in assumptions.ladder)
        settings = (*astuple(assumptions)[:3], rungs)
        key = (programme.id, programme.name, threshold, settings, data_version(db))
        with self._lock:
            computing = self._computing.setdefault(key, threading.Lock())
        # One computation per key at a time: a page's charts asked for together wait for the first.
        with computing:
            with self._lock:
                found = self._found.get(key)
                if found and 0 <= now.timestamp() - found[0] <= self.seconds:
                    self._found.move_to_end(key)
                    return found[1]
            publication = make_report(db, programme, now, threshold, assumptions)
            with self._lock:
                self.computed += 1
                self._found[key] = (now.timestamp(), publication)
                self._found.move_to_end(key)
                while len(self._found) > self.entries:
                    self._found.popitem(last=False)
            return publication
