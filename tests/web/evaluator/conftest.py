"""A small programme with answers at 6 and 12 months, and the people who may see its results."""

import random

import pytest

from followup.answers.responses import record_response
from followup.answers.surveys import latest, load_surveys
from followup.models import Invitation, Participant, Programme, Role, Wave
from tests.factories import at, make_participants, make_programme, make_user, run_tick

SURVEY = latest(load_surveys(), "standard")
HEADER = "code,exit_date,email,phone,language,cohort,exit_activity,exit_social_assistance"
MADE = at(2026, 9, 1)

# (cohort, activity at exit, social assistance at exit, answers at 6 months, at 12 months);
# answers: (main activity, social assistance now, each WHO-5 item).
PEOPLE = [
    ("Grupp 1", "job_seeking", "yes", ("work", "no", 4), ("work", "no", 5)),
    ("Grupp 1", "job_seeking", "yes", ("studies", "yes", 2), ("job_seeking", "yes", 1)),
    ("Grupp 1", "sick_leave", "no", ("sickness_compensation", "no", 1), None),
    ("Grupp 1", "sick_leave", "yes", None, ("labour_market_programme", "yes", 3)),
    ("Grupp 1", "job_seeking", "no", ("job_seeking", "no", 3), ("job_seeking", "no", 3)),
    ("Grupp 2", "labour_market_programme", "yes", ("work_subsidised", "no", 3), ("work", "no", 4)),
    ("Grupp 2", "work_subsidised", "no", ("sick_leave", "no", 0), ("sick_leave", "no", 1)),
    ("Grupp 2", "job_seeking", "yes", None, None),
    ("Grupp 2", "studies", "no", ("studies", "no", 5), ("parental_leave", "no", 5)),
    ("Grupp 2", "job_seeking", "no", ("work", "no", 4), ("work", "no", 4)),
    ("Grupp 2", "job_seeking", "no", ("work", "no", 4), ("studies", "no", 4)),
]
CODES = [f"ZQX-{i:03d}-KOD" for i in range(len(PEOPLE))]
EMAILS = [f"hemlig.person{i}@example.org" for i in range(len(PEOPLE))]
PHONES = [f"070-17406{10 + i}" for i in range(len(PEOPLE))]


def answers_of(given):
    activity, assistance, who5 = given
    return {
        "main_activity": activity,
        "social_assistance": assistance,
        **{f"who5_{n}": who5 for n in range(1, 6)},
        "next_step_start": "not_yet",
        "programme_helped": "a_little",
        "comment": f"Hälsningar från {CODES[0]}",
    }


@pytest.fixture
def programme(app, db, clock):
    programme = make_programme(db, clock.now(), "Steget Ö", offsets=[6, 12])
    rows = [
        f"{CODES[i]},2025-07-20,{EMAILS[i]},{PHONES[i]},sv,{p[0]},{p[1]},{p[2]}" for i, p in enumerate(PEOPLE)
    ]
    make_participants(db, clock.now(), programme, rows, header=HEADER)
    for wave, moment in ((6, at(2026, 1, 21)), (12, at(2026, 7, 21))):
        run_tick(app, db, moment)
        for i, person in enumerate(PEOPLE):
            given = person[3 if wave == 6 else 4]
            if given:
                invitation = (
                    Invitation.select()
                    .join(Participant)
                    .switch(Invitation)
                    .join(Wave)
                    .where(Participant.code == CODES[i], Wave.offset_months == wave)
                    .get()
                )
                record_response(db, invitation.id, SURVEY, answers_of(given), moment)
    clock.set(MADE)
    return Programme.get_by_id(programme.id)


@pytest.fixture
def people(db, clock, programme):
    """One user of each kind that may see the programme's results (the evaluator with a password)."""
    return {
        "admin": make_user(db, clock.now(), "admin@example.org", Role.ADMIN, password=""),
        "coordinator": make_user(
            db, clock.now(), "coord@example.org", Role.COORDINATOR, programme, password=""
        ),
        "evaluator": make_user(db, clock.now(), "eval@example.org", Role.EVALUATOR, programme),
    }


ACTIVITIES_NOW = (
    "work",
    "work",
    "studies",
    "sickness_compensation",
    "job_seeking",
    "labour_market_programme",
)


@pytest.fixture
def large_programme(app, db, clock):
    """Ninety invented people in three cohorts, most answering: enough that most figures show."""
    programme = make_programme(db, clock.now(), "Steget", offsets=[6, 12])
    chance = random.Random(11)
    people = []
    for i in range(90):
        cohort = f"Grupp {i % 3 + 1}"
        waves = [
            None
            if chance.random() < 0.3
            else (chance.choice(ACTIVITIES_NOW), chance.choice(("yes", "no", "no")), chance.randint(1, 5))
            for _wave in (6, 12)
        ]
        people.append((f"ST-{i:03d}", cohort, chance.choice(("job_seeking", "sick_leave")), waves))
    rows = [f"{c},2025-07-20,{c.lower()}@example.org,,sv,{g},{e},yes" for c, g, e, _w in people]
    make_participants(db, clock.now(), programme, rows, header=HEADER)
    for index, (wave, moment) in enumerate(((6, at(2026, 1, 21)), (12, at(2026, 7, 21)))):
        run_tick(app, db, moment)
        invitations = {
            invitation.participant.code: invitation.id
            for invitation in Invitation.select(Invitation, Participant)
            .join(Participant)
            .switch(Invitation)
            .join(Wave)
            .where(Wave.offset_months == wave, Wave.programme == programme)
        }
        for code, _cohort, _exit, waves in people:
            if waves[index]:
                record_response(db, invitations[code], SURVEY, answers_of(waves[index]), moment)
    clock.set(MADE)
    return Programme.get_by_id(programme.id)
