"""The report cache: a report is reused while fresh and computed from the same things, never longer."""

import threading
from dataclasses import replace
from datetime import timedelta

import pytest

from followup.answers.quotes import approve_quote
from followup.answers.responses import record_response
from followup.answers.surveys import latest, load_surveys
from followup.models import AuditEvent, Invitation, Participant, Quote, Role, Wave
from followup.results.measures import Assumptions
from followup.results.measures.vocabulary import Rung
from followup.results.reporting import ReportCache, assumptions_for, data_version, make_report
from followup.results.tables import PublishedQuote
from tests.factories import at, make_participants, make_programme, make_user, run_tick

ASSUMPTIONS = Assumptions(monthly_norm=4620, months=12)
SURVEY = latest(load_surveys(), "standard")
ANSWERS = {
    "main_activity": "work",
    "social_assistance": "no",
    **{f"who5_{n}": 3 for n in range(1, 6)},
    "next_step_start": "not_yet",
    "programme_helped": "a_little",
}


@pytest.fixture
def programme(db, clock):
    programme = make_programme(db, clock.now(), offsets=[6, 12])
    make_participants(db, clock.now(), programme, ["P1,2025-07-20,p1@example.org,,sv,G"])
    return programme


def test_a_report_is_reused_up_to_its_last_second_and_not_after(app, db, clock, programme):
    cache = ReportCache(entries=4, seconds=60)
    now = clock.now()
    with app.app_context():
        first = cache.report(db, programme, now, 5, ASSUMPTIONS)
        assert cache.report(db, programme, now + timedelta(seconds=60), 5, ASSUMPTIONS) is first
        assert cache.computed == 1
        later = cache.report(db, programme, now + timedelta(seconds=60, microseconds=1), 5, ASSUMPTIONS)
    assert later is not first and cache.computed == 2


def test_a_report_made_later_than_the_clock_says_is_not_reused(app, db, clock, programme):
    cache = ReportCache(entries=4, seconds=60)
    now = clock.now()
    with app.app_context():
        cache.report(db, programme, now, 5, ASSUMPTIONS)
        cache.report(db, programme, now - timedelta(microseconds=1), 5, ASSUMPTIONS)
    assert cache.computed == 2


def test_the_report_used_last_is_kept_and_the_one_used_longest_ago_goes(app, db, clock, programme):
    cache = ReportCache(entries=2, seconds=60)
    with app.app_context():
        for threshold in (3, 4, 3, 5):
            cache.report(db, programme, clock.now(), threshold, ASSUMPTIONS)
        assert cache.computed == 3
        cache.report(db, programme, clock.now(), 3, ASSUMPTIONS)
        assert cache.computed == 3
        cache.report(db, programme, clock.now(), 4, ASSUMPTIONS)
    assert cache.computed == 4


@pytest.mark.parametrize(
    "changed",
    [
        replace(ASSUMPTIONS, monthly_norm=5000),
        replace(ASSUMPTIONS, months=6),
        replace(ASSUMPTIONS, self_sufficiency=("work",)),
        replace(ASSUMPTIONS, ladder=(Rung("work", {"en": "Work"}, ("work",)),)),
    ],
    ids=["norm", "months", "self-sufficiency", "ladder"],
)
def test_other_assumptions_make_another_report(app, db, clock, programme, changed):
    cache = ReportCache(entries=4, seconds=60)
    with app.app_context():
        first = cache.report(db, programme, clock.now(), 5, ASSUMPTIONS)
        assert cache.report(db, programme, clock.now(), 5, replace(ASSUMPTIONS)) is first
        cache.report(db, programme, clock.now(), 5, changed)
    assert cache.computed == 2


def test_a_renamed_programme_or_another_threshold_makes_another_report(app, db, clock, programme):
    cache = ReportCache(entries=4, seconds=60)
    with app.app_context():
        cache.report(db, programme, clock.now(), 5, ASSUMPTIONS)
        cache.report(db, programme, clock.now(), 6, ASSUMPTIONS)
        assert cache.computed == 2
        programme.name = "Steget Fram"
        renamed = cache.report(db, programme, clock.now(), 5, ASSUMPTIONS)
    assert cache.computed == 3 and renamed.programme == "Steget Fram"


def test_the_data_version_changes_with_each_kind_of_row_the_figures_count(app, db, clock, programme):
    versions = [data_version(db)]
    make_participants(db, clock.now(), programme, ["P2,2025-07-20,p2@example.org,,sv,G"])
    versions.append(data_version(db))
    run_tick(app, db, at(2026, 1, 21))  # invitations planned and messages sent
    versions.append(data_version(db))
    invitation = Invitation.select().join(Participant).where(Participant.code == "P1").get()
    record_response(db, invitation.id, SURVEY, ANSWERS, at(2026, 1, 22))
    versions.append(data_version(db))
    assert len(set(versions)) == 4
    assert data_version(db) == versions[-1]  # nothing changed, the same version


def test_the_assumptions_are_the_configured_ones_and_the_programmes_own_definition(db, programme):
    programme.self_sufficiency = "work, studies"
    chosen = assumptions_for(programme, 5000, 6)
    assert (chosen.monthly_norm, chosen.months, chosen.self_sufficiency) == (5000, 6, ("work", "studies"))


def test_two_requests_at_once_compute_the_report_once_and_both_get_it(app, db, clock, programme):
    cache = ReportCache(entries=4, seconds=60)
    start, got, failed = threading.Barrier(2), [], []

    def ask():
        db.connect(reuse_if_open=True)  # each request's thread has its own connection
        start.wait()
        try:
            with app.app_context():
                got.append(cache.report(db, programme, clock.now(), 5, ASSUMPTIONS))
        except Exception as error:  # noqa: BLE001 - the test reports it below
            failed.append(error)
        finally:
            db.close()

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failed == [] and cache.computed == 1 and got[0] is got[1]


def test_the_cache_holds_nothing_beyond_its_entries_once_reports_are_made(app, db, clock, programme):
    cache = ReportCache(entries=2, seconds=60)
    with app.app_context():
        for threshold in (3, 4, 5, 3, 3):
            cache.report(db, programme, clock.now(), threshold, ASSUMPTIONS)
    # No lock is left behind for a report made or found: what the cache holds stays bounded.
    assert len(cache._found) == 2 and len(cache._computing) == 0


def test_the_data_version_changes_with_every_staff_action_not_only_the_first(db, clock, programme):
    versions = [data_version(db)]
    for action in ("participant.edited", "participant.erased"):
        AuditEvent.create(at=clock.now(), action=action, programme=programme)
        versions.append(data_version(db))
    AuditEvent.create(at=clock.now(), action="results.downloaded", programme=programme)
    assert len(set(versions)) == 3 and data_version(db) == versions[-1]


def test_a_report_names_its_survey_versions_and_carries_its_approved_quotes(app, db, clock, programme):
    run_tick(app, db, at(2026, 1, 21))
    invitation = (
        Invitation.select()
        .join(Participant)
        .switch(Invitation)
        .join(Wave)
        .where(Participant.code == "P1", Wave.offset_months == 6)
        .get()
    )
    given = {**ANSWERS, "comment": "Bra kurs.", "quote_consent": "yes"}
    record_response(db, invitation.id, SURVEY, given, at(2026, 1, 22))
    coordinator = make_user(db, clock.now(), "cora@example.org", Role.COORDINATOR, programme)
    approve_quote(db, at(2026, 2, 1), programme.id, Quote.get().id, coordinator, "Bra kurs.")
    with app.app_context():
        one = make_report(db, programme, clock.now(), 1, ASSUMPTIONS)
        five = make_report(db, programme, clock.now(), 5, ASSUMPTIONS)
    assert one.survey_versions == [f"standard v{SURVEY.version}"]
    assert one.quotes == [PublishedQuote("Bra kurs.", 6)] and five.quotes == [
        PublishedQuote("Bra kurs.", None)
    ]
