from datetime import date, datetime

import pytest

from followup.models import Cohort, Contact, Invitation, Participant
from followup.plan.importing import ImportRejected, import_into_programme, read_rows
from followup.results.measures import ACTIVITIES
from tests.factories import (
    SHARED_EMAIL,
    STOCKHOLM,
    make_participants,
    make_programme,
    programme_rows,
    run_tick,
)

ACTS = set(ACTIVITIES)
TODAY = date(2026, 1, 15)


def test_semicolons_bom_generated_codes_and_e164_phones(db, clock):
    raw = (
        "\ufeffexit_date;email;phone;language;cohort;exit_activity;exit_social_assistance\r\n"
        "2025-10-01;Anna.A@Example.org;;sv;Grupp 3;sick_leave;ja\r\n"
        "2025-10-02;;070-174 06 05;en;;;nej\r\n"
    ).encode()
    rows = read_rows(raw, ACTS, TODAY)
    assert [r.phone for r in rows] == [None, "+46701740605"]
    assert rows[0].email == "anna.a@example.org"
    assert (rows[0].exit_social_assistance, rows[1].exit_social_assistance) == (True, False)
    programme = make_programme(db, clock.now())
    from followup.plan.importing import import_participants
    from tests.factories import STOCKHOLM

    result = import_participants(db, clock.now(), programme, rows, STOCKHOLM, 10)
    assert (result.created, result.invitations) == (2, 6)
    people = list(Participant.select().order_by(Participant.exit_date))
    assert all(p.code.startswith("P-") and len(p.code) == 10 for p in people)
    assert people[0].cohort.name == "Grupp 3" and people[1].cohort is None
    assert (people[0].exit_activity, people[0].exit_social_assistance) == ("sick_leave", True)
    assert people[1].language == "en"


def test_every_bad_row_is_listed_and_nothing_is_imported(db, clock):
    programme = make_programme(db, clock.now())
    rows = [
        "A1,2025-02-30,a1@example.org,,sv,G",
        "A2,2025-03-01,,,sv,G",
        "A3,2025-03-01,not-an-address,,sv,G",
        "A4,2025-03-01,,12345,sv,G",
        "A5,2025-03-01,a5@example.org,,fi,G",
        "A6,2025-03-01,a6@example.org,,sv,G",
        "A6,2025-03-02,a7@example.org,,sv,G",
        "A8,2025-03-01,a8@example.org,,sv,G,extra",
    ]
    with pytest.raises(ImportRejected) as caught:
        make_participants(db, clock.now(), programme, rows)
    problems = caught.value.problems
    assert [problem.line for problem in problems] == [2, 3, 4, 5, 6, 8, 9]
    text = {problem.line: problem.reason for problem in problems}
    assert "2025-02-30" in text[2]
    assert "e-mail address or a phone number" in text[3]
    assert "e-mail address is not valid" in text[4]
    assert "phone number is not a valid" in text[5]
    assert "sv or en" in text[6]
    assert "also on line 7" in text[8]
    assert "more fields than the header" in text[9]
    assert Participant.select().count() == 0 and Invitation.select().count() == 0


EVERY_KIND = (
    "code,exit_date,email,phone,language,cohort,exit_activity,exit_social_assistance\n"
    "A1,2025-10-01,a1@example.org,,sv,G,,\n"
    "A2,2025-10-01,not-an-address,,sv,G,,\n"  # line 3
    "A3,2025-10-01,,08-123 456 78,sv,G,,\n"  # line 4
    "A4,13 juni,a4@example.org,,sv,G,,\n"  # line 5
    "A5,2025-10-01,a5@example.org,,sv,G,astronaut,\n"  # line 6
    "A6,2025-10-01,a6@example.org,,sv,G,,kanske\n"  # line 7
    "A1,2025-10-02,a7@example.org,,sv,G,,\n"  # line 8
    "A8,2025-10-01,a8@example.org,,fi,G,,\n"  # line 9
    "A9,2025-10-01,,,sv,G,,\n"  # line 10
    "B1,2025-10-01,b1@example.org,,sv,G,,,surplus\n"  # line 11
    "B2,2025-10-01,b2@example.org,,sv,=SUM(A1),,\n"  # line 12
    "B 3,2025-10-01,b3@example.org,,sv,G,,\n"  # line 13
)


def test_every_problem_names_its_line_and_column():
    with pytest.raises(ImportRejected) as caught:
        read_rows(EVERY_KIND.encode(), ACTS, TODAY)
    found = {problem.line: problem for problem in caught.value.problems}
    expected = {
        3: ("email", "e-mail address is not valid"),
        4: ("phone", "landline"),
        5: ("exit_date", "'13 juni' is not a date"),
        6: ("exit_activity", "Unknown exit activity 'astronaut'"),
        7: ("exit_social_assistance", "'kanske'; write yes or no"),
        8: ("code", "The code A1 is also on line 2"),
        9: ("language", "sv or en"),
        10: ("email / phone", "Give an e-mail address or a phone number"),
        11: (None, "more fields than the header"),  # a row-level problem: the line only
        12: ("cohort", "starts with =, +, - or @"),
        13: ("code", "letters, digits"),
    }
    assert sorted(found) == sorted(expected)
    for line, (column, words) in expected.items():
        assert (found[line].column, words in found[line].reason) == (column, True), found[line]
    assert found[3].describe().startswith("line 3, column email: The e-mail address is not valid")
    assert found[11].describe().startswith("line 11: The row has more fields")


def test_duplicate_contacts_without_codes_name_their_column():
    raw = "exit_date;email;phone\n2025-10-01;a@example.org;\n2025-10-01;a@example.org;\n"
    raw += "2025-10-01;;070-174 06 05\n2025-10-01;;0701740605\n"
    with pytest.raises(ImportRejected) as caught:
        read_rows(raw.encode(), ACTS, TODAY)
    assert [(p.line, p.column) for p in caught.value.problems] == [(3, "email"), (5, "phone")]
    assert "also on line 2" in caught.value.problems[0].reason


def test_header_problems_are_on_line_1_with_the_column_as_written():
    raw = b"Exit_Date,EMAIL,email,personnummer\n2025-10-01,a@example.org,,\n"
    with pytest.raises(ImportRejected) as caught:
        read_rows(raw, ACTS, TODAY)
    assert [(p.line, p.column) for p in caught.value.problems] == [(1, "email"), (1, "personnummer")]
    with pytest.raises(ImportRejected) as caught:
        read_rows(b"code,email\nX,x@example.org\n", ACTS, TODAY)
    assert [(p.line, p.column) for p in caught.value.problems] == [(1, "exit_date")]
    with pytest.raises(ImportRejected) as caught:
        read_rows("exit_date,email\n2025-01-01,å@example.org\n".encode("latin-1"), ACTS, TODAY)
    assert [(p.line, p.column) for p in caught.value.problems] == [(2, None)]


def test_a_column_that_could_hold_names_is_refused(db, clock):
    with pytest.raises(ImportRejected) as caught:
        read_rows(b"name,exit_date,email\nAnna,2025-01-01,a@example.org\n", ACTS, TODAY)
    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (1, "name")
    assert "Unknown column 'name'" in problem.reason


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"code,email\nX,x@example.org\n", "'exit_date' is missing"),
        (b"code,exit_date\nX,2025-01-01\n", "'email' or a 'phone' column"),
        ("exit_date,email\n2025-01-01,å@example.org\n".encode("latin-1"), "not UTF-8"),
        (b"exit_date,email\n", "no participants"),
        (b"exit_date,email,exit_activity\n2025-01-01,a@example.org,astronaut\n", "Unknown exit activity"),
    ],
)
def test_unusable_files_say_why(raw, message):
    with pytest.raises(ImportRejected) as caught:
        read_rows(raw, ACTS, TODAY)
    assert message in " ".join(problem.reason for problem in caught.value.problems)


def test_importing_the_same_file_twice_adds_no_one(db, clock):
    programme = make_programme(db, clock.now())
    rows = [
        "A1,2025-10-01,a1@example.org,,sv,G",
        ",2025-10-01,,0701740606,sv,G",
        ",2025-10-03,b@example.org,,en,",
    ]
    first = make_participants(db, clock.now(), programme, rows)
    second = make_participants(db, clock.now(), programme, rows)
    assert (first.created, second.created, second.unchanged) == (3, 0, 3)
    assert Participant.select().count() == 3
    assert Invitation.select().count() == 9
    assert Cohort.select().count() == 1


def test_a_reimport_updates_contact_details_but_not_the_exit_date(db, clock):
    programme = make_programme(db, clock.now())
    make_participants(db, clock.now(), programme, ["A1,2025-10-01,old@example.org,,sv,G"])
    result = make_participants(db, clock.now(), programme, ["A1,2025-10-01,new@example.org,,sv,G"])
    assert result.updated == 1
    assert Contact.get().email == "new@example.org"
    with pytest.raises(ImportRejected) as caught:
        make_participants(db, clock.now(), programme, ["A1,2025-11-01,new@example.org,,sv,G"])
    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (2, "exit_date")
    assert "exit date 2025-10-01 on record" in problem.reason


def test_contacts_are_deleted_when_no_wave_needs_them(app, db, clock):
    programme = make_programme(db, clock.now())
    # Exit so long ago that every window has closed: nothing to send, nothing to keep.
    make_participants(
        db,
        clock.now(),
        programme,
        ["OLD,2020-01-01,old@example.org,,sv,G", "NEW,2025-12-01,new@example.org,,sv,G"],
    )
    report = run_tick(app, db, clock.now())
    assert report.contacts_deleted == 1
    assert [c.participant.code for c in Contact.select()] == ["NEW"]
    assert Participant.select().count() == 2
    assert Invitation.select().where(Invitation.participant == Participant.get(code="OLD").id).count() == 0
    assert date(2025, 12, 1) == Participant.get(code="NEW").exit_date


def test_a_fixed_address_gets_a_fresh_chance(db, clock):
    programme = make_programme(db, clock.now())
    make_participants(db, clock.now(), programme, ["A1,2025-10-01,old@example.org,0701740605,sv,G"])
    Contact.update(
        email_failed_at=clock.now(), email_problem="SMTP 550", phone_failed_at=clock.now()
    ).execute()
    make_participants(db, clock.now(), programme, ["A1,2025-10-01,new@example.org,0701740605,sv,G"])
    contact = Contact.get()
    assert (contact.email, contact.email_failed_at, contact.email_problem) == ("new@example.org", None, None)
    assert contact.phone_failed_at is not None  # the number did not change, nor did its problem


def test_a_reimport_in_one_programme_updates_its_own_contact_only(db, clock, two_programmes):
    a, b = two_programmes.a, two_programmes.b
    others = programme_rows(b)
    result = make_participants(db, clock.now(), a, ["P1,2025-06-30,new@example.org,,sv,Grupp 1"])
    assert (result.created, result.updated) == (0, 1)
    contacts = {
        c.participant.code: c.email
        for c in Contact.select().join(Participant).where(Participant.programme == a)
    }
    assert contacts == {"P1": "new@example.org", "P2": "p2@example.org"}
    assert programme_rows(b) == others


def test_a_code_or_an_address_known_in_another_programme_is_a_new_person(db, clock, two_programmes):
    a, b = two_programmes.a, two_programmes.b
    others = programme_rows(b)
    # P3 exists only in Steget Fram; the address and exit date without a code match Steget's own P1.
    result = make_participants(
        db,
        clock.now(),
        a,
        ["P3,2025-09-30,p3-steget@example.org,,sv,Omgång B", f",2025-06-30,{SHARED_EMAIL},,sv,Grupp 1"],
    )
    assert (result.created, result.unchanged, result.updated) == (1, 1, 0)
    p3 = Participant.get((Participant.programme == a) & (Participant.code == "P3"))
    assert p3.contact.get().email == "p3-steget@example.org"
    # Its cohort is Steget's own, made by this import, though Steget Fram has one of that name.
    assert (p3.cohort.programme.id, p3.cohort.name) == (a.id, "Omgång B")
    # Its invitations are for Steget's waves, not Steget Fram's at 3 and 12 months.
    waves = [(i.wave.programme.id, i.wave.offset_months) for i in p3.invitations.order_by(Invitation.due_at)]
    assert waves == [(a.id, 6), (a.id, 12), (a.id, 24)]
    assert programme_rows(b) == others


def test_importing_into_one_programme_leaves_the_others_cohorts_and_waves(db, clock, two_programmes):
    a, b = two_programmes.a, two_programmes.b
    others = programme_rows(b)
    make_participants(db, clock.now(), a, ["P4,2025-12-31,p4@example.org,,sv,Grupp 1"])
    p4 = Participant.get(Participant.code == "P4")
    assert p4.cohort.programme.id == a.id
    assert Cohort.select().where(Cohort.programme == a).count() == 2
    assert sorted(i.wave.offset_months for i in p4.invitations) == [6, 12, 24]
    assert programme_rows(b) == others


def test_blank_rows_are_skipped_and_every_row_after_them_is_read():
    raw = b"code,exit_date,email\nA1,2025-10-01,a1@example.org\n,,\n\n  , ,\nA2,2025-10-02,a2@example.org\n"
    raw += b"A3,2025-10-03,a3@example.org\n"
    rows = read_rows(raw, ACTS, TODAY)
    assert [(r.line, r.code) for r in rows] == [(2, "A1"), (6, "A2"), (7, "A3")]
    with pytest.raises(ImportRejected) as caught:
        read_rows(raw + b"\nA4,2025-10-04,not-an-address\n", ACTS, TODAY)
    assert [(p.line, p.column) for p in caught.value.problems] == [(9, "email")]


def test_a_file_with_a_phone_column_and_no_email_column_is_imported():
    rows = read_rows(b"exit_date,phone\n2025-10-01,070-174 06 05\n", ACTS, TODAY)
    assert [(r.email, r.phone) for r in rows] == [(None, "+46701740605")]
    with pytest.raises(ImportRejected) as caught:
        read_rows(b"exit_date,phone\n2025-10-01,\n", ACTS, TODAY)
    assert [(p.line, p.column) for p in caught.value.problems] == [(2, "phone")]
    assert "e-mail address or a phone number" in caught.value.problems[0].reason


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("yes", True),
        ("JA", True),
        ("J", True),
        ("1", True),
        ("No", False),
        ("nej", False),
        ("0", False),
        ("", None),
    ],
)
def test_social_assistance_is_yes_no_or_unknown(written, stored):
    raw = f"exit_date,email,exit_social_assistance\n2025-10-01,a@example.org,{written}\n".encode()
    [row] = read_rows(raw, ACTS, TODAY)
    assert row.exit_social_assistance is stored


@pytest.mark.parametrize("written", ["kanske", "unknown", "2", "nope"])
def test_social_assistance_other_than_yes_or_no_is_refused_not_stored_as_no(written):
    raw = f"exit_date,email,exit_social_assistance\n2025-10-01,a@example.org,{written}\n".encode()
    with pytest.raises(ImportRejected) as caught:
        read_rows(raw, ACTS, TODAY)
    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (2, "exit_social_assistance")
    assert f"'{written}'" in problem.reason and "yes or no (ja or nej)" in problem.reason


def test_a_header_with_as_many_semicolons_as_commas_is_read_with_commas():
    with pytest.raises(ImportRejected) as caught:
        read_rows(b"code;exit_date,email\nA1;2025-10-01;a@example.org\n", ACTS, TODAY)
    problems = caught.value.problems
    assert [(p.line, p.column) for p in problems] == [(1, "code;exit_date"), (1, "exit_date")]
    assert "mixes commas and semicolons ('code;exit_date')" in problems[0].reason


def test_a_changed_number_gets_a_fresh_chance_and_the_unchanged_address_keeps_its_problem(db, clock):
    programme = make_programme(db, clock.now())
    make_participants(db, clock.now(), programme, ["A1,2025-10-01,a1@example.org,0701740605,sv,G"])
    Contact.update(
        email_failed_at=clock.now(),
        email_problem="SMTP 550",
        phone_failed_at=clock.now(),
        phone_problem="30006",
    ).execute()
    make_participants(db, clock.now(), programme, ["A1,2025-10-01,a1@example.org,0701740606,sv,G"])
    contact = Contact.get()
    assert (contact.phone, contact.phone_failed_at, contact.phone_problem) == ("+46701740606", None, None)
    assert (contact.email_failed_at, contact.email_problem) == (clock.now(), "SMTP 550")


def test_a_reimport_gives_contact_details_back_to_a_person_whose_details_were_deleted(db, clock):
    programme = make_programme(db, clock.now())
    make_participants(
        db,
        clock.now(),
        programme,
        ["A1,2025-10-01,a1@example.org,,sv,G", "A2,2025-10-01,a2@example.org,,sv,G"],
    )
    a1 = Participant.get(Participant.code == "A1")
    Contact.delete().where(Contact.participant == a1).execute()  # as the retention pass does
    result = make_participants(db, clock.now(), programme, ["A1,2025-10-01,a1@example.org,0701740605,sv,G"])
    assert (result.created, result.updated) == (0, 1)
    contact = a1.contact.get()
    assert (contact.email, contact.phone, contact.updated_at) == (
        "a1@example.org",
        "+46701740605",
        clock.now(),
    )
    assert Contact.select().count() == 2


def test_importing_by_name_finds_the_programme_written_with_spaces_and_plans_in_the_zone(db, clock):
    make_programme(db, clock.now(), "Steget Fram")
    programme = make_programme(db, clock.now(), "Steget")
    raw = b"code,exit_date,email\nA1,2025-10-31,a1@example.org\n"
    rows = read_rows(raw, ACTS, TODAY)
    found, created, result = import_into_programme(db, clock.now(), "  Steget ", rows, STOCKHOLM, 10)
    assert (found.id, created, result.created) == (programme.id, False, 1)
    first = Invitation.select().order_by(Invitation.due_at).first()
    # Six months after 31 October is 30 April, at 10:00 in Stockholm (summer time: 08:00 UTC).
    assert first.due_at.replace(tzinfo=None) == datetime(2026, 4, 30, 8, 0)


def test_people_with_codes_may_share_an_address_and_spaces_and_empty_trailing_fields_are_ignored():
    raw = b"code,exit_date,email,phone\n"
    raw += b"A1,2025-10-01,family@example.org,070-174 06 05,,\n"
    raw += b" A2 , 2025-10-02 , Family@Example.org ,070-174 06 05, \n"
    raw += b",2025-10-03,family@example.org,,\n"
    rows = read_rows(raw, ACTS, TODAY)
    assert [(r.code, r.exit_date, r.email, r.phone) for r in rows] == [
        ("A1", date(2025, 10, 1), "family@example.org", "+46701740605"),
        ("A2", date(2025, 10, 2), "family@example.org", "+46701740605"),
        (None, date(2025, 10, 3), "family@example.org", None),
    ]


def test_a_reimport_with_60_changed_exit_dates_lists_50_and_counts_them_all(db, clock):
    programme = make_programme(db, clock.now())
    make_participants(
        db, clock.now(), programme, [f"A{n},2025-10-01,a{n}@example.org,,sv,G" for n in range(60)]
    )
    with pytest.raises(ImportRejected) as caught:
        make_participants(
            db, clock.now(), programme, [f"A{n},2025-10-02,a{n}@example.org,,sv,G" for n in range(60)]
        )
    rejected = caught.value
    assert (len(rejected.problems), rejected.total, rejected.not_shown) == (50, 60, 10)
    assert [p.line for p in rejected.problems] == list(range(2, 52))
    assert (rejected.problems[0].column, rejected.problems[0].reason) == (
        "exit_date",
        "The code A0 has exit date 2025-10-01 on record.",
    )
    assert str(rejected) == "60 problem(s)"


def test_a_phone_number_may_be_written_in_at_most_40_characters():
    spaced = "070" + " " * 27 + "-174 06 05"  # 40 characters
    [row] = read_rows(f"exit_date,phone\n2025-10-01,{spaced}\n".encode(), ACTS, TODAY)
    assert row.phone == "+46701740605"
    with pytest.raises(ImportRejected) as caught:
        read_rows(f"exit_date,phone\n2025-10-01,{spaced.replace('070', '070 ')}\n".encode(), ACTS, TODAY)
    [problem] = caught.value.problems
    assert (problem.column, problem.reason.startswith("The phone number is not a valid number")) == (
        "phone",
        True,
    )


def test_a_generated_code_never_repeats_a_code_the_programme_or_the_file_has(db, clock, monkeypatch):
    programme = make_programme(db, clock.now())
    make_participants(db, clock.now(), programme, ["P-AAAAAAAA,2025-10-01,a@example.org,,sv,G"])
    # A collision of random codes cannot be waited for: the random source draws the taken code first.
    letters = iter("A" * 8 + "B" * 8 + "B" * 8 + "C" * 8)
    monkeypatch.setattr("followup.plan.importing.secrets.choice", lambda alphabet: next(letters))
    make_participants(
        db, clock.now(), programme, [",2025-10-02,b@example.org,,sv,G", ",2025-10-02,c@example.org,,sv,G"]
    )
    codes = {p.contact.get().email: p.code for p in Participant.select()}
    assert codes == {
        "a@example.org": "P-AAAAAAAA",
        "b@example.org": "P-BBBBBBBB",
        "c@example.org": "P-CCCCCCCC",
    }
