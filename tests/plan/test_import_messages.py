"""What the import tells a person about each kind of bad file: where (line, column) and what, in words."""

import codecs
from datetime import date

import pytest

from followup.plan.importing import ImportRejected, read_rows
from followup.results.measures import ACTIVITIES

TODAY = date(2026, 1, 15)
ALLOWED = "code, exit_date, email, phone, language, cohort, exit_activity, exit_social_assistance"
HEADER = b"code,exit_date,email,phone,language,cohort,exit_activity,exit_social_assistance\n"


def one_row(**values: str) -> bytes:
    fields = {"code": "A1", "exit_date": "2025-10-01", "email": "a1@example.org", "language": "sv", **values}
    names = HEADER.decode().strip().split(",")
    return HEADER + ",".join(fields.get(name, "") for name in names).encode() + b"\n"


# Each bad file: the one problem it has, as (line, column, the message a person reads).
REFUSALS = {
    "blank": (b" \r\n", None, None, "The file is empty."),
    "xlsx": (
        b"PK\x03\x04rest",
        None,
        None,
        "This is a spreadsheet file, not CSV. Save it as CSV UTF-8 and import that.",
    ),
    "xls": (
        b"\xd0\xcf\x11\xe0rest",
        None,
        None,
        "This is a spreadsheet file, not CSV. Save it as CSV UTF-8 and import that.",
    ),
    "utf-32": (
        codecs.BOM_UTF32_LE + one_row().decode().encode("utf-32-le"),
        None,
        None,
        "The file is saved as UTF-32 text; followup reads CSV UTF-8."
        ' In the spreadsheet, choose "Save as" and the type "CSV UTF-8".',
    ),
    "utf-16": (
        one_row().decode().encode("utf-16"),
        None,
        None,
        "The file is saved as UTF-16 text;"
        ' followup reads CSV UTF-8. In the spreadsheet, choose "Save as" and the type "CSV UTF-8".',
    ),
    "latin-1": (
        one_row(cohort="Grupp å").decode().encode("latin-1"),
        2,
        None,
        "The file is not UTF-8 text"
        ' (perhaps Latin-1 or Windows-1252). In the spreadsheet, choose "Save as" and the type "CSV UTF-8".',
    ),
    "header only": (HEADER, None, None, "The file has no participants."),
    "a field of 129 KiB": (
        one_row(cohort="x" * 129 * 1024),
        2,
        None,
        "A field is longer than 128 KiB"
        ', which no column needs; often a quotation mark (") opens a field and is never closed.',
    ),
    "51 columns": (
        ",".join(["exit_date", "email", *[f"c{n}" for n in range(49)]]).encode() + b"\n",
        1,
        None,
        f"The header has 51 columns; followup reads at most these: {ALLOWED}.",
    ),
    "a NUL in the header": (
        b"exit_date,email,coh\x00ort\n2025-10-01,a@example.org,\n",
        1,
        "coh\\u0000ort",
        "The column 'coh\\u0000ort' holds a control character (NUL); fields hold printable text only"
        ", on one line.",
    ),
    "a tab": (
        one_row(cohort="G\t1"),
        2,
        "cohort",
        "The column 'cohort' holds a control character (a tab);"
        " fields hold printable text only, on one line.",
    ),
    # A quoted line break in a row ends the record on the next line; in the header it stays on line 1.
    "a line break": (
        b'exit_date,email,"coh\nort"\n2025-10-01,a@example.org,\n',
        1,
        "coh\\u000aort",
        "The column 'coh\\u000aort' holds a control character (a line break);"
        " fields hold printable text only, on one line.",
    ),
    "a carriage return": (
        b'exit_date,email,"coh\rort"\n2025-10-01,a@example.org,\n',
        1,
        "coh\\u000dort",
        "The column 'coh\\u000dort' holds a control character (a line break);"
        " fields hold printable text only, on one line.",
    ),
    "an escape": (
        one_row(code="A\x1b1"),
        2,
        "code",
        "The column 'code' holds a control character (U+001B); fields hold printable text only, on one line.",
    ),
    "a column twice": (
        b"exit_date,email,Email\n2025-10-01,a@example.org,b@example.org\n",
        1,
        "Email",
        "The column 'email' is there twice (columns 2 and 3); keep one.",
    ),
    "mixed delimiters": (
        b"exit_date;email;cohort,x\n",
        1,
        "cohort,x",
        "The header mixes commas and semicolons ('cohort,x'); separate every column with the same one.",
    ),
    "a name column": (
        b"exit_date,email,Namn\n2025-10-01,a@example.org,Anna\n",
        1,
        "Namn",
        f"Unknown column 'namn'. followup stores no names or other personal details; allowed columns: "
        f"{ALLOWED}.",
    ),
    "a long unknown column": (
        b"exit_date,email," + b"x" * 45 + b"\n",
        1,
        "x" * 39 + "…",
        f"Unknown column '{'x' * 39}…'. followup stores no names or other personal details; allowed columns: "
        f"{ALLOWED}.",
    ),
    "no exit date": (b"code,email\nA1,a@example.org\n", 1, "exit_date", "The column 'exit_date' is missing."),
    "no contact column": (
        b"code,exit_date\nA1,2025-10-01\n",
        1,
        None,
        "The file needs an 'email' or a 'phone' column.",
    ),
    "a surplus field": (one_row()[:-1] + b",surplus\n", 2, None, "The row has more fields than the header."),
    "a code twice": (one_row() + one_row()[len(HEADER) :], 3, "code", "The code A1 is also on line 2."),
    "a bad code": (
        one_row(code="A 1"),
        2,
        "code",
        "The code may hold only letters, digits, - and _ (at most 40).",
    ),
    "no contact": (one_row(email=""), 2, "email / phone", "Give an e-mail address or a phone number."),
    "a language": (one_row(language="fi"), 2, "language", "The language must be sv or en."),
    "a long cohort": (
        one_row(cohort="G" * 101),
        2,
        "cohort",
        "The cohort name is longer than 100 characters.",
    ),
    "a formula cohort": (
        one_row(cohort="@SUM(1)"),
        2,
        "cohort",
        "The cohort name '@SUM(1)' starts with =, +, - or @, which a spreadsheet reads as a formula;"
        " start it with a letter or a digit.",
    ),
    "an activity": (
        one_row(exit_activity="astronaut"),
        2,
        "exit_activity",
        f"Unknown exit activity 'astronaut'; use one of {', '.join(sorted(ACTIVITIES))}.",
    ),
    "social assistance": (
        one_row(exit_social_assistance="Kanske"),
        2,
        "exit_social_assistance",
        "exit_social_assistance is 'kanske'; write yes or no (ja or nej), or leave it empty"
        " when it is not known.",
    ),
    "a date": (
        one_row(exit_date="13 juni"),
        2,
        "exit_date",
        "The exit date '13 juni' is not a date written YYYY-MM-DD, such as 2025-03-31"
        " (other forms, such as 20250331 or week dates, are not accepted).",
    ),
    "a date too early": (
        one_row(exit_date="1999-12-31"),
        2,
        "exit_date",
        "The exit date 1999-12-31 is outside the accepted range: from 2000-01-01 to 2026-04-17 (92 days"
        " from today).",
    ),
    "an address": (
        one_row(email="a@b"),
        2,
        "email",
        "The e-mail address is not valid: write it like name@example.org.",
    ),
    "letters in a number": (
        one_row(email="", phone="070-FLOWERS"),
        2,
        "phone",
        "The phone number may hold only digits, spaces, -, ( ) and a leading + (no letters).",
    ),
    "a short number": (
        one_row(email="", phone="12345"),
        2,
        "phone",
        "The phone number is not a valid number: write a Swedish mobile number such as 070-174 06 05, "
        "or any mobile number with its country code, such as +46 70 174 06 05.",
    ),
    "a satellite number": (
        one_row(email="", phone="+881 6 1234 5678"),
        2,
        "phone",
        "The phone number is a satellite or international service number;"
        " followup sends SMS, so give a mobile number.",
    ),
    "a landline": (
        one_row(email="", phone="08-123 45 67"),
        2,
        "phone",
        "The phone number is a landline, which cannot receive SMS; give a mobile number.",
    ),
    "a premium-rate number": (
        one_row(email="", phone="0900-123 456"),
        2,
        "phone",
        "The phone number is a premium-rate, shared-cost, toll-free, pager or other service number,"
        " which cannot receive SMS; give a mobile number.",
    ),
}


@pytest.mark.parametrize(("raw", "line", "column", "message"), list(REFUSALS.values()), ids=list(REFUSALS))
def test_each_refusal_says_where_and_what(raw, line, column, message):
    with pytest.raises(ImportRejected) as caught:
        read_rows(raw, set(ACTIVITIES), TODAY)
    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (line, column)
    assert problem.reason == message


def test_a_problem_with_the_whole_file_is_described_by_its_reason_alone():
    with pytest.raises(ImportRejected) as caught:
        read_rows(b"", set(ACTIVITIES), TODAY)
    [problem] = caught.value.problems
    assert (problem.place(), problem.describe()) == ("", "The file is empty.")
