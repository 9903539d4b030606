"""The import's limits at their exact edges, and files written in unusual but honest ways."""

import pytest

from followup.plan.importing import (
    MAX_COHORT,
    MAX_COLUMNS,
    MAX_EMAIL,
    ImportRejected,
    email_problem,
    read_rows,
)
from tests.plan.test_importing import ACTS, TODAY


def refused(raw: bytes) -> list:
    with pytest.raises(ImportRejected) as caught:
        read_rows(raw, ACTS, TODAY)
    return caught.value.problems


def test_a_header_of_as_many_columns_as_allowed_is_read_and_one_more_is_refused_whole():
    names = ["exit_date", "email", *(f"x{n}" for n in range(MAX_COLUMNS - 2))]
    problems = refused((",".join(names) + "\n2025-10-01,a@example.org\n").encode())
    assert len(problems) == MAX_COLUMNS - 2 and all("Unknown column" in p.reason for p in problems)
    problems = refused((",".join([*names, "x99"]) + "\n").encode())
    assert [p.reason.split(";")[0] for p in problems] == [f"The header has {MAX_COLUMNS + 1} columns"]


def test_every_problem_of_the_header_is_listed_after_the_first():
    problems = refused(b"a\x01b,email,email,exit_date,x;y,bogus\n2025-10-01,a@example.org\n")
    assert [p.column for p in problems] == ["a\\u0001b", "email", "x;y", "bogus"]
    assert "control character" in problems[0].reason and "there twice" in problems[1].reason
    assert "mixes commas and semicolons" in problems[2].reason and "Unknown column" in problems[3].reason


def test_a_name_is_quoted_whole_up_to_40_characters_and_cut_after():
    forty, forty_one = "k" * 40, "m" * 41
    problems = refused(f"exit_date,email,{forty},{forty_one}\n".encode())
    assert f"'{forty}'" in problems[0].reason and problems[0].column == forty
    assert f"'{'m' * 39}…'" in problems[1].reason and problems[1].column == "m" * 39 + "…"


def test_a_cohort_and_an_address_at_their_longest_are_taken_and_one_character_more_is_not():
    local, domain = "a" * 64, "b" * 63 + "." + "c" * 63 + "."
    longest = local + "@" + domain + "d" * (MAX_EMAIL - len(local) - 1 - len(domain))
    assert len(longest) == MAX_EMAIL and email_problem(longest) is None
    assert "not valid" in email_problem(longest + "d")
    raw = f"exit_date,email,cohort\n2025-10-01,{longest},{'G' * MAX_COHORT}\n".encode()
    assert [(r.email, r.cohort) for r in read_rows(raw, ACTS, TODAY)] == [(longest, "G" * MAX_COHORT)]
    problems = refused(
        f"exit_date,email,cohort\n2025-10-01,a@example.org,{'G' * (MAX_COHORT + 1)}\n".encode()
    )
    assert [(p.line, p.column) for p in problems] == [(2, "cohort")]
    assert f"longer than {MAX_COHORT} characters" in problems[0].reason


def test_utf16_is_told_by_a_quarter_of_the_first_4096_bytes_being_zero():
    def with_zeros(zeros: int, length: int) -> bytes:
        text = b"exit_date,email\n2025-10-01,a@example.org\n"
        return text + b"\x00" * zeros + b"x" * (length - len(text) - zeros)

    saying_utf16 = "saved as UTF-16 text"
    assert saying_utf16 in refused(with_zeros(101, 400))[0].reason
    assert saying_utf16 not in refused(with_zeros(100, 400))[0].reason  # exactly a quarter: a NUL problem
    beyond = with_zeros(1024, 4096) + b"\x00"  # the 4,097th byte is not looked at
    assert saying_utf16 not in refused(beyond)[0].reason


@pytest.mark.parametrize("raw", [b"", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n \n", b" \n\t\n"])
def test_a_file_of_nothing_but_blanks_or_a_byte_order_mark_is_empty(raw):
    assert [(p.line, p.reason) for p in refused(raw)] == [(None, "The file is empty.")]


def test_lines_ended_by_a_carriage_return_alone_are_read():
    raw = b"code,exit_date,email\rA1,2025-10-01,a1@example.org\rA2,2025-10-02,a2@example.org\r"
    assert [(r.line, r.code) for r in read_rows(raw, ACTS, TODAY)] == [(2, "A1"), (3, "A2")]


def test_semicolons_with_spaces_around_the_names_are_still_semicolons():
    raw = b"code ; exit_date ; email\nA1 ; 2025-10-01 ; a1@example.org\n"
    assert [(r.code, r.email) for r in read_rows(raw, ACTS, TODAY)] == [("A1", "a1@example.org")]


def test_a_row_that_ends_before_the_exit_date_is_told_so():
    problems = refused(b"code,email,exit_date\nA1,a1@example.org\n")
    assert [(p.line, p.column) for p in problems] == [(2, "exit_date")]
    assert "The exit date '' is not a date written YYYY-MM-DD" in problems[0].reason
