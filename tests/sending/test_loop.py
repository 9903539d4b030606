"""The whole follow-up loop, with the clock moved day by day across 27 months."""

from datetime import date, timedelta

from followup.models import Contact, Invitation, Response
from followup.plan.scheduling import add_months
from followup.results.reporting import outcome_table
from tests.factories import STOCKHOLM, answer_survey, at, make_participants, make_programme, run_tick

ACTIVITY_BY_WAVE = {6: "job_seeking", 12: "studies", 24: "work"}


def people():
    """Fourteen invented participants: twelve in Grupp 1, two in Grupp 2, exits a few days apart."""
    rows = []
    for n in range(14):
        exit_date = date(2025, 1, 10) + timedelta(days=n)
        cohort = "Grupp 1" if n < 12 else "Grupp 2"
        # Numbers from the range set aside for fiction (070-174 06 05 to 06 99).
        contact = f"p{n}@example.org," if n % 2 else f",+467017406{n + 10}"
        rows.append(f"L{n:02d},{exit_date},{contact},{'sv' if n % 3 else 'en'},{cohort}")
    return rows


def answers(n, months):
    """Who answers which wave, and how: everyone but L00 and L13 answers; WHO-5 rises over time."""
    if n in (0, 13):
        return None
    score = {6: "1", 12: "3", 24: "4"}[months]
    return {
        "main_activity": ACTIVITY_BY_WAVE[months] if n % 4 else "sick_leave",
        "social_assistance": "yes" if months == 6 else "no",
        **{f"who5_{i}": score for i in range(1, 6)},
        "next_step_start": "one_to_three_months",
        "programme_helped": "quite_a_lot",
    }


def test_import_invite_answer_report_over_25_months(app, db, clock, client, outbox):
    start = at(2025, 1, 25)
    clock.set(start)
    programme = make_programme(db, start)
    make_participants(db, start, programme, people())
    assert Invitation.select().count() == 14 * 3

    seen_links: set[str] = set()
    first_message: dict[tuple[int, int], date] = {}
    reminders: dict[tuple[int, int], list[date]] = {}
    day = start
    # 27 months: past the 24-month wave's window, so every contact detail must be gone.
    while day < at(2027, 4, 25):
        clock.set(day)
        run_tick(app, db, day)
        today = day.astimezone(STOCKHOLM).date()
        for link in outbox.links():
            if link in seen_links:
                continue
            seen_links.add(link)
            path = link.removeprefix("http://localhost")
            code, months = invitation_for(path)
            n = int(code[1:])
            if (n, months) in first_message:
                # A reminder: only to people who have not answered, 7 and 14 days after the invitation.
                assert answers(n, months) is None
                reminders.setdefault((n, months), []).append(today)
                continue
            first_message[(n, months)] = today
            # Nothing goes out before its wave: exit date + months, local 10:00.
            assert today == add_months(date(2025, 1, 10) + timedelta(days=n), months)
            given = answers(n, months)
            if given:
                sent = answer_survey(client, link, given)
                assert sent.status_code == 303 and sent.headers["Location"].endswith("/enkat/tack")
        day += timedelta(days=1)

    assert len(first_message) == 14 * 3
    assert Response.select().count() == 12 * 3
    # L00 and L13 never answer: two reminders per wave, 7 and 14 days after the invitation.
    assert sorted(reminders) == sorted((n, m) for n in (0, 13) for m in (6, 12, 24))
    for key, days in reminders.items():
        assert days == [first_message[key] + timedelta(days=7), first_message[key] + timedelta(days=14)]
    # One message per wave on each person's channel, plus the reminders (L00 by SMS, L13 by e-mail).
    assert len(outbox.emails()) == 7 * 3 + 6 and len(outbox.sms()) == 7 * 3 + 6
    # Every wave has closed: no contact details are kept any longer.
    assert Contact.select().count() == 0

    rows = {(r["wave_months"], r["cohort"]): r for r in outcome_table(programme.id, threshold=5).rows}
    assert sorted(rows) == sorted((m, c) for m in (6, 12, 24) for c in ("Grupp 1", "Grupp 2", "ALL"))
    for months in (6, 12, 24):
        activity, mean = ACTIVITY_BY_WAVE[months], {6: 20.0, 12: 60.0, 24: 80.0}[months]
        assistance = months == 6
        # Hand count. Grupp 1 is L00..L11: L00 does not answer, L04 and L08 are on sick leave.
        # Grupp 2 is L12 (answers, sick leave) and L13 (does not answer).
        truth = {
            "Grupp 1": {
                "invited": 12,
                "answered": 11,
                f"activity_{activity}": 9,
                "activity_sick_leave": 2,
                "social_assistance": 11 * assistance,
                "who5_mean": mean,
            },
            "Grupp 2": {
                "invited": 2,
                "answered": 1,
                f"activity_{activity}": 0,
                "activity_sick_leave": 1,
                "social_assistance": 1 * assistance,
                "who5_mean": mean,
            },
            "ALL": {
                "invited": 14,
                "answered": 12,
                f"activity_{activity}": 9,
                "activity_sick_leave": 3,
                "social_assistance": 12 * assistance,
                "who5_mean": mean,
            },
        }
        for cohort, expected in truth.items():
            row = rows[(months, cohort)]
            for column, value in expected.items():
                published = row[column]
                assert published in (None, value), (months, cohort, column)
                if isinstance(value, int) and value < 5:
                    assert published is None, (months, cohort, column)
        # Grupp 2 is too small for any figure, and cannot be had as the total minus Grupp 1.
        small, group, total = rows[(months, "Grupp 2")], rows[(months, "Grupp 1")], rows[(months, "ALL")]
        assert all(small[c] is None for c in ("invited", "answered", "who5_mean", "response_rate"))
        for column in ("invited", "answered", "who5_mean", f"activity_{activity}"):
            assert total[column] is None or group[column] is None, column
        # Two people did not answer: the total's answered count (and so its rate and mean) must go.
        assert total["invited"] == 14 and total["answered"] is None and total["response_rate"] is None
    assert rows[(6, "ALL")]["social_assistance"] == 12
    assert rows[(12, "ALL")]["social_assistance"] is None  # 0 is below 5


def invitation_for(path):
    from followup.answers.tokens import resolve

    invitation = resolve(path.rsplit("/", 1)[1], at(2000, 1, 1))
    return invitation.participant.code, invitation.wave.offset_months
