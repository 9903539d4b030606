"""The `followup` command as a person types it: wrong options, missing files, unknown names.

Each case runs the real entry point (followup.__main__.main) in one language, and checks the
exit status, a message in that language, no traceback, and no change in the database.
"""

import pytest

from followup.models import Programme


def people(tmp_path, text="code,exit_date,email\nA1,2025-10-01,a1@example.org\n"):
    path = tmp_path / "people.csv"
    path.write_text(text)
    return str(path)


CASES = {
    "an unknown command": (["tik"], 2, "Kommandot 'tik' finns inte. Menade du 'tick'?"),
    "an unknown option": (
        ["report", "--programme", "X", "--fromat", "csv"],
        2,
        "Flaggan '--fromat' finns inte",
    ),
    "a missing required option": (["report"], 2, "Fel: Flagga saknas '--programme'."),
    "a missing argument": (["participants", "import"], 2, "Fel: Argument saknas 'FIL'."),
    "an option without its value": (["report", "--programme"], 2, "Flaggan '--programme' behöver ett värde."),
    "a choice not offered": (
        ["report", "--programme", "X", "--format", "xml"],
        2,
        "Ogiltigt värde för '--format': 'xml' är inte något av 'csv', 'xlsx', 'json'.",
    ),
    "a port that is not a number": (["serve", "--port", "abc"], 2, "'abc' är inte ett giltigt tal."),
    "a port out of range": (["serve", "--port", "70000"], 2, "ligger inte i intervallet"),
    "an extra argument": (["init", "now"], 2, "Oväntat extra argument (now)"),
    "a flag given a value": (["tick", "--dry-run=yes"], 2, "Flaggan '--dry-run' tar inget värde."),
    "a group without a command": (["programme"], 2, "Användning: followup programme [FLAGGOR] KOMMANDO"),
    "an unknown programme in report": (["report", "--programme", "Finns inte"], 1, "Finns inte"),
    "an unknown programme in report, almost right": (["report", "--programme", "steget"], 1, "steget"),
    "an unknown programme in status": (["status", "--programme", "Finns inte"], 1, "Finns inte"),
    "an unknown programme in contacts": (["contacts", "--programme", "Finns inte"], 1, "Finns inte"),
    "a programme without a name": (["programme", "create", "  "], 1, "Fel: "),
    "waves that are not numbers": (["programme", "create", "X", "--waves", "sex"], 2, "--waves"),
    "a wave at month 0": (["programme", "create", "X", "--waves", "0,6"], 1, "Fel: "),
    "the same wave twice": (["programme", "create", "X", "--waves", "6,6"], 1, "Fel: "),
    "a response window of no days": (["programme", "create", "X", "--window-days", "0"], 1, "Fel: "),
    "a response window that is not a number": (
        ["programme", "create", "X", "--window-days", "sextio"],
        2,
        "'sextio' är inte ett giltigt tal.",
    ),
    "reminders out of order": (["programme", "create", "X", "--reminders", "14,7"], 1, "Fel: "),
    "a channel policy nobody offers": (["programme", "create", "X", "--channels", "fax"], 2, "'fax'"),
    "a moment that is not ISO 8601": (["tick", "--at", "nästa tisdag", "--dry-run"], 2, "ISO 8601"),
    "a moment with a NUL byte": (["tick", "--at", "2026-01-01\x00", "--dry-run"], 2, "ISO 8601"),
    "a programme that exists already": (["programme", "create", "Steget"], 1, "Steget"),
    "a file that does not exist": (
        ["participants", "import", "saknas.csv", "--programme", "X"],
        1,
        "finns inte",
    ),
    "a folder for a file": (
        ["participants", "import", ".", "--programme", "X"],
        1,
        "är en mapp, inte en fil",
    ),
    "a report into a folder that does not exist": (
        ["report", "--programme", "Steget", "--output", "/nonexistent-folder/report.csv"],
        1,
        "går inte att skriva",
    ),
    "a report into a folder": (
        ["report", "--programme", "Steget", "--output", "."],
        1,
        "går inte att skriva",
    ),
}


@pytest.mark.parametrize(("args", "status", "message"), list(CASES.values()), ids=list(CASES))
def test_a_wrong_command_line_says_why_in_swedish(followup, app_db, unchanged, args, status, message):
    assert followup("programme", "create", "Steget")[0] == 0
    with unchanged(app_db):
        code, output = followup(*args)
    assert code == status, output
    assert message in output, output
    for english in ("Error:", "Usage:", "Missing", "No such", "Try '", "Invalid value"):
        assert english not in output, output


def test_the_same_mistakes_in_english(followup, app_db, unchanged):
    with unchanged(app_db):
        code, output = followup("report", language="en")
        assert (code, "Error: Missing option '--programme'.") == (2, output.splitlines()[-1])
        code, output = followup("tik", language="en")
        assert code == 2 and "No such command 'tik'." in output and "Fel" not in output


def test_an_import_into_a_new_programme_that_fails_leaves_no_programme(followup, app_db, unchanged, tmp_path):
    path = people(tmp_path, "code,exit_date,email\nA1,1900-01-01,a1@example.org\n")
    with unchanged(app_db):
        code, output = followup("participants", "import", path, "--programme", "Ny insats")
    assert code == 1 and "Inget importerades" in output
    assert Programme.select().count() == 0
