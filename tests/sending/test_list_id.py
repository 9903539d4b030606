import pytest

from followup.sending.delivery.email import list_id
from tests.factories import at, make_participants, make_programme, run_tick


@pytest.mark.parametrize(
    ("programme", "base_url", "expected"),
    [
        ("Steget", "https://followup.example.org", '"Steget" <steget.followup.example.org>'),
        ("Steget(t) Bollnäs", "https://f.example.org:8443", "<steget-t-bollnas.f.example.org>"),
        ("Steget", "http://127.0.0.1:5000", '"Steget" <steget.localhost>'),
        ("Steget", "http://localhost", '"Steget" <steget.localhost>'),
        (
            'Grupp "3"\r\nBcc: x@example.org',
            "http://localhost",
            '"Grupp \\"3\\" Bcc: x@example.org" <grupp-3-bcc-x-example-org.localhost>',
        ),
        ("???", "http://localhost", '"???" <programme.localhost>'),
    ],
)
def test_each_programme_has_its_own_list_id(programme, base_url, expected):
    made = list_id(programme, base_url)
    assert made.endswith(expected) and made.isascii() and "\n" not in made and "\r" not in made


def test_every_email_names_its_programme_in_list_id(app, db, clock, outbox):
    for name in ("Steget", "Steget Fram"):
        programme = make_programme(db, clock.now(), name=name)
        code = name.replace(" ", "")
        make_participants(db, clock.now(), programme, [f"{code},2025-07-20,{code.lower()}@example.org,,sv,G"])
    run_tick(app, db, at(2026, 1, 21))
    assert sorted(email["List-Id"] for email in outbox.emails()) == [
        '"Steget Fram" <steget-fram.localhost>',
        '"Steget" <steget.localhost>',
    ]
