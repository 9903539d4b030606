"""The whole follow-up loop, with the clock moved day by day across 27 months."""

from datetime import date, timedelta

from followup.models import Contact, Invitation, Response
from followup.plan.scheduling import add_months
from followup.results.measures import Assumptions
from followup.results.reporting import make_report
from followup.results.tables import ALL
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

    with app.app_context():
        made = make_report(db, programme, clock.now(), 5, Assumptions())

    def shown(table, months, cohort):
        row = next(r for r in made.table(table).rows if (r.wave, r.group) == (months, cohort))
        return {k: None if c.hidden else c.value for k, c in row.cells.items()}

    groups = sorted({(r.wave, r.group) for r in made.table("reach").rows})
    assert groups == sorted((m, c) for m in (6, 12, 24) for c in ("Grupp 1", "Grupp 2", ALL))
    for months in (6, 12, 24):
        activity, mean = ACTIVITY_BY_WAVE[months], {6: 20.0, 12: 60.0, 24: 80.0}[months]
        # Hand count. Grupp 1 is L00..L11: L00 does not answer, L04 and L08 are on sick leave.
        # Grupp 2 is L12 (answers, sick leave) and L13 (does not answer).
        for cohort, invited, answered, main, sick in (
            ("Grupp 1", 12, 11, 9, 2),
            ("Grupp 2", 2, 1, 0, 1),
            (ALL, 14, 12, 9, 3),
        ):
            reach = shown("reach", months, cohort)
            assert reach["invited"] in (None, invited) and reach["answered"] in (None, answered)
            counts = shown("activity", months, cohort)
            assert counts[activity] in (None, main), (months, cohort)
            assert sick < 5 and counts["sick_leave"] is None, (months, cohort)
            assistance = shown("social_assistance", months, cohort)["assistance_yes"]
            # At 6 months everyone receives social assistance: a whole group sharing it is hidden.
            assert assistance is None if months == 6 else assistance in (None, 0)
            assert shown("who5", months, cohort)["mean"] in (None, mean)
        # Invited and answered are not about anyone's situation: a response below 100 % hides
        # nothing. But Grupp 2 is smaller than the threshold: while its size is known, its one
        # person's answers could not be hidden in a range 5 wide, so its size goes, and with it
        # Grupp 1's (or it would be the total minus Grupp 1).
        assert shown("reach", months, ALL)["invited"] == 14
        assert shown("reach", months, "Grupp 2")["invited"] is None
        # Grupp 2's mean is over one person, and cannot be had from the total and Grupp 1.
        assert shown("who5", months, "Grupp 2")["mean"] is None
        assert shown("who5", months, ALL)["mean"] is None or shown("who5", months, "Grupp 1")["mean"] is None


def invitation_for(path):
    from followup.answers.tokens import resolve

    invitation = resolve(path.rsplit("/", 1)[1], at(2000, 1, 1))
    return invitation.participant.code, invitation.wave.offset_months
