"""Bad files for `followup participants import`: each says why in one place, and nothing changes."""

import codecs

import pytest

from followup.models import Participant, Programme
from tests.badinput.conftest import assert_no_traceback

HEADER = "code,exit_date,email,phone,language,cohort,exit_activity,exit_social_assistance"


@pytest.fixture(autouse=True)
def english(app):
    app.config["LANGUAGE"] = "en"


@pytest.fixture
def app_db(app):
    return app.extensions["followup"].db


def run_import(runner, tmp_path, raw: bytes, programme="Steget"):
    path = tmp_path / "people.csv"
    path.write_bytes(raw)
    return runner.invoke(args=["participants", "import", str(path), "--programme", programme])


def refused(runner, tmp_path, raw: bytes, message: str, programme="Steget"):
    result = run_import(runner, tmp_path, raw, programme)
    assert_no_traceback(result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1, result.output
    assert message in result.output, result.output
    assert "Nothing was imported" in result.output
    return result


def row(**values) -> str:
    fields = {
        "code": "A1",
        "exit_date": "2025-10-01",
        "email": "a1@example.org",
        "phone": "",
        "language": "sv",
        "cohort": "Grupp 1",
        "exit_activity": "",
        "exit_social_assistance": "",
        **values,
    }
    return ",".join(fields[name] for name in HEADER.split(","))


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *rows]).encode()


UTF16_TEXT = f"{HEADER}\n{row()}\n"

FILES = {
    "empty": (b"", "The file is empty"),
    "only blank lines": (b"\n\r\n  \n", "The file is empty"),
    "header only": (csv_bytes(), "no participants"),
    "header and blank rows": (csv_bytes(",,,,,,,", ""), "no participants"),
    "utf-16 with bom": (UTF16_TEXT.encode("utf-16"), "UTF-16"),
    "utf-16-le without bom": (UTF16_TEXT.encode("utf-16-le"), "UTF-16"),
    "utf-16-be without bom": (UTF16_TEXT.encode("utf-16-be"), "UTF-16"),
    "utf-32 with bom": (codecs.BOM_UTF32_LE + UTF16_TEXT.encode("utf-32-le"), "UTF-32"),
    "latin-1": (csv_bytes(row(cohort="Grupp å")).decode().encode("latin-1"), "not UTF-8"),
    "windows-1252 quotes": (csv_bytes(row(cohort="“G”")).decode().encode("cp1252"), "not UTF-8"),
    "an xlsx file": (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 100, "spreadsheet file"),
    "an old xls file": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "spreadsheet file"),
    "a field over 128 KiB": (csv_bytes(row(cohort="x" * (129 * 1024))), "128 KiB"),
    "an unclosed quote that swallows the file": (
        csv_bytes('A1,2025-10-01,"a1@example.org', *[row(code=f"B{n}") for n in range(3)]),
        "line break",
    ),
    "a duplicated column": (
        b"code,exit_date,email,email\nA1,2025-10-01,a@example.org,b@example.org\n",
        "twice",
    ),
    "mixed delimiters in the header": (
        b"code;exit_date,email\nA1;2025-10-01;a@example.org\n",
        "mixes commas",
    ),
    "a name column": (b"name,exit_date,email\nAnna,2025-10-01,a@example.org\n", "Unknown column 'name'"),
    "a personal number column": (
        b"personnummer,exit_date,email\n19900101-0017,2025-10-01,a@example.org\n",
        "Unknown column 'personnummer'",
    ),
    "no exit date column": (b"code,email\nA1,a@example.org\n", "'exit_date' is missing"),
    "no contact column": (b"code,exit_date\nA1,2025-10-01\n", "'email' or a 'phone' column"),
    "tab separated": (b"code\texit_date\temail\nA1\t2025-10-01\ta@example.org\n", "a tab"),
    "more fields than the header": (csv_bytes(row() + ",surplus"), "more fields than the header"),
    "a NUL byte in a field": (csv_bytes(row(cohort="Grupp\x001")), "NUL"),
    "a NUL byte in the header": (b"code,exit_\x00date,email\nA1,2025-10-01,a@example.org\n", "NUL"),
    "a quoted line break": (csv_bytes(row(cohort='"Grupp\n1"')), "line break"),
    "a quoted carriage return": (csv_bytes(row(cohort='"Grupp\r1"')), "line break"),
    "an escape character": (csv_bytes(row(code="A\x1b1")), "U+001B"),
    "a C1 control": (csv_bytes(row(cohort="Grupp\u00851")), "U+0085"),
    "a line separator": (csv_bytes(row(cohort="Grupp\u20281")), "U+2028"),
    "a formula cohort": (csv_bytes(row(cohort='"=HYPERLINK(""http://example.org"")"')), "formula"),
    "a command cohort": (csv_bytes(row(cohort="+cmd|' /C calc'!A0")), "formula"),
    "an at-sign cohort": (csv_bytes(row(cohort="@SUM(1+1)")), "formula"),
    "a minus cohort": (csv_bytes(row(cohort="-2+3")), "formula"),
    "a formula code": (csv_bytes(row(code="=1+1")), "letters, digits"),
    "a cohort name too long": (csv_bytes(row(cohort="G" * 101)), "longer than 100"),
    "an e-mail address too long": (csv_bytes(row(email="a" * 250 + "@example.org")), "e-mail address is not"),
    "a language nobody offered": (csv_bytes(row(language="fi")), "sv or en"),
    "an unknown exit activity": (csv_bytes(row(exit_activity="astronaut")), "job_seeking"),
    "social assistance maybe": (csv_bytes(row(exit_social_assistance="kanske")), "yes or no"),
    "social assistance unknown": (csv_bytes(row(exit_social_assistance="unknown")), "ja or nej"),
    "a duplicated code": (csv_bytes(row(), row(email="b@example.org")), "also on line 2"),
    "the same e-mail twice without a code": (
        csv_bytes(row(code=""), row(code="", exit_date="2025-10-02")),
        "same e-mail address is also on line 2",
    ),
    "the same phone twice without a code, written differently": (
        csv_bytes(
            row(code="", email="", phone="070-174 06 05"), row(code="", email="", phone="+46701740605")
        ),
        "same phone number is also on line 2",
    ),
}


@pytest.mark.parametrize(("raw", "message"), list(FILES.values()), ids=list(FILES))
def test_a_bad_file_is_refused_with_one_clear_message(runner, tmp_path, app_db, unchanged, raw, message):
    with unchanged(app_db):
        refused(runner, tmp_path, raw, message)
    assert Programme.select().count() == 0


DATES = {
    "compact": ("20251001", "YYYY-MM-DD"),
    "week date": ("2025-W40-3", "YYYY-MM-DD"),
    "ordinal date": ("2025-274", "YYYY-MM-DD"),
    "with a time": ("2025-10-01T00:00", "YYYY-MM-DD"),
    "slashes": ("01/10/2025", "YYYY-MM-DD"),
    "no leading zeros": ("2025-1-5", "YYYY-MM-DD"),
    "full-width digits": ("２０２５-10-01", "YYYY-MM-DD"),
    "the 30th of February": ("2025-02-30", "YYYY-MM-DD"),
    "month 13": ("2025-13-01", "YYYY-MM-DD"),
    "empty": ("", "YYYY-MM-DD"),
    "1900": ("1900-01-01", "from 2000-01-01"),
    "1999": ("1999-12-31", "from 2000-01-01"),
    "years ahead": ("2031-01-01", "outside the accepted range"),
    "93 days ahead": ("2026-04-18", "outside the accepted range"),
}


@pytest.mark.parametrize(("value", "message"), list(DATES.values()), ids=list(DATES))
def test_a_bad_exit_date_is_refused(runner, tmp_path, app_db, unchanged, value, message):
    with unchanged(app_db):
        refused(runner, tmp_path, csv_bytes(row(exit_date=value)), message)


def test_the_exit_date_range_is_inclusive(runner, tmp_path):
    # The test clock says 2026-01-15: 92 days ahead is 2026-04-17.
    raw = csv_bytes(row(code="A1", exit_date="2000-01-01"), row(code="A2", exit_date="2026-04-17"))
    result = run_import(runner, tmp_path, raw)
    assert result.exit_code == 0, result.output


PHONES = {
    "letters": ("070-FLOWERS", "no letters"),
    "a letter O for zero": ("O70-174 06 05", "no letters"),
    "too short": ("12345", "not a valid number"),
    "a satellite number": ("+881 6 1234 5678", "satellite"),
    "an Inmarsat number": ("+870 772 001 234", "satellite"),
    "premium rate": ("0900-123 456", "premium-rate"),
    "shared cost": ("0771-123 456", "premium-rate"),
    "toll free": ("020-123 456", "premium-rate"),
    "a personal number": ("075-123 45 67", "premium-rate"),
    "a Stockholm landline": ("08-123 45 67", "landline"),
    "a London landline": ("+44 20 7946 0000", "landline"),
    "an extension": ("070-174 06 05 ext. 3", "no letters"),
    "over forty characters": ("070 174 06 05" + " 0" * 20, "not a valid number"),
}


@pytest.mark.parametrize(("value", "message"), list(PHONES.values()), ids=list(PHONES))
def test_a_number_that_cannot_receive_sms_is_refused(runner, tmp_path, app_db, unchanged, value, message):
    with unchanged(app_db):
        result = refused(runner, tmp_path, csv_bytes(row(email="", phone=value)), message)
    assert value.strip() not in result.output  # contact details are not echoed


def test_mobile_numbers_at_home_and_abroad_are_accepted(runner, tmp_path):
    raw = csv_bytes(
        row(code="A1", email="", phone="070-174 06 05"),
        row(code="A2", email="", phone="+46 70 174 06 06"),
        row(code="A3", email="", phone="+1 202 555 0123"),  # fixed line or mobile: cannot tell, accepted
    )
    result = run_import(runner, tmp_path, raw)
    assert result.exit_code == 0, result.output


def test_a_refused_import_does_not_create_the_programme_or_its_waves(runner, tmp_path, app_db, unchanged):
    with unchanged(app_db):
        refused(runner, tmp_path, csv_bytes(row(exit_date="1900-01-01")), "from 2000-01-01", "Ny insats")
    assert Programme.select().count() == 0


def test_a_refusal_found_against_the_database_changes_nothing(runner, tmp_path, app_db, unchanged):
    assert run_import(runner, tmp_path, csv_bytes(row()), "Steget").exit_code == 0
    with unchanged(app_db):
        # The same code with another exit date is refused only when the stored one is compared.
        refused(runner, tmp_path, csv_bytes(row(exit_date="2025-11-01")), "exit date 2025-10-01 on record")


def test_a_header_of_100000_unknown_columns_says_so_in_one_line(runner, tmp_path, app_db, unchanged):
    header = ",".join(f"c{n}" for n in range(100_000))
    with unchanged(app_db):
        result = refused(runner, tmp_path, f"{header}\n".encode(), "The header has 100000 columns")
    assert len(result.output.splitlines()) <= 3


def test_at_most_50_problems_are_listed_with_the_count_of_the_rest(runner, tmp_path, app_db, unchanged):
    raw = csv_bytes(*[row(code=f"A{n}", exit_date="1900-01-01") for n in range(120)])
    with unchanged(app_db):
        result = refused(runner, tmp_path, raw, "... and 70 more problem(s).")
    assert result.output.count("people.csv:") == 50
    assert "120 problem(s)" in result.output


def test_a_file_over_20_mb_is_refused_unread(runner, tmp_path, app_db, unchanged):
    raw = csv_bytes(*[row(code=f"A{n}", email=f"a{n}@example.org") for n in range(400_000)])
    assert len(raw) > 20 * 2**20
    with unchanged(app_db):
        refused(runner, tmp_path, raw, "larger than 20 MB")


def test_nothing_of_a_file_with_one_bad_row_among_good_ones_is_imported(runner, tmp_path, app_db, unchanged):
    rows = [row(code=f"A{n}", email=f"a{n}@example.org") for n in range(30)]
    rows[17] = row(code="A17", email="a17@example.org", phone="08-123 45 67")
    with unchanged(app_db):
        refused(
            runner,
            tmp_path,
            csv_bytes(*rows),
            "people.csv: line 19, column phone: The phone number is a landline",
        )
    assert Participant.select().count() == 0
