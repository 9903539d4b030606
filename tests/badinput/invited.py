"""Two invited participants with real links, and the checks every bad-input case makes."""

import pytest

from tests.badinput.conftest import assert_no_traceback
from tests.factories import at, make_participants, make_programme, run_tick

NOW = at(2026, 1, 21)
BASE = "http://localhost"


@pytest.fixture
def invited(app, db, clock, outbox):
    """Return the survey and opt-out paths of two invited participants (E1 Swedish, E2 English)."""
    programme = make_programme(db, clock.now())
    make_participants(
        db,
        clock.now(),
        programme,
        ["E1,2025-07-20,e1@example.org,,sv,G", "E2,2025-07-20,e2@example.org,,en,G"],
    )
    clock.set(NOW)
    run_tick(app, db, NOW)
    links = {}
    for email in outbox.emails():
        code = email["To"].split("@")[0].upper()
        links[code] = outbox.link_for(email["To"]).removeprefix(BASE)
        links[f"{code}-optout"] = email["List-Unsubscribe"][1:-1].removeprefix(BASE)
    return links


def answered_with(response, status: int, *words: str) -> str:
    """Check the status (never 500 unless a test provokes one on purpose), that no traceback shows,
    and that the page says `words`; return its text."""
    text = response.get_data(as_text=True)
    assert response.status_code == status, (response.status_code, text[:300])
    assert_no_traceback(text)
    for word in words:
        assert word in text, f"{word!r} not in the page"
    return text
