"""Forged, truncated, overlong, unicode and misused link tokens: a kind page, never a change."""

from datetime import timedelta

import pytest

from tests.badinput.conftest import answered_with

NOT_FOUND = "Länken fungerar inte"


def _real(invited, key="E1"):  # noqa: F811
    return invited[key].rsplit("/", 1)[1]


FORGERIES = {
    "random": lambda t: "A" * 43,
    "truncated": lambda t: t[:-1],
    "one longer": lambda t: t + "A",
    "overlong": lambda t: t * 40,
    "last character changed": lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
    "upper case": lambda t: t.upper() if t.upper() != t else t.lower(),
    "unicode look-alike": lambda t: t[:-1] + "а",  # Cyrillic a
    "Swedish letters": lambda t: "åäö" * 14 + "x",
    "percent-encoded": lambda t: "%41" * 43,
    "encoded NUL": lambda t: t + "%00",
    "encoded newline": lambda t: t + "%0a",
    "trailing space": lambda t: t + "%20",
    "base64 padding": lambda t: t + "=",
    "SQL": lambda t: "'%20OR%201=1--",
    "hex hash of a token": lambda t: "0" * 64,
}


@pytest.mark.parametrize("forgery", FORGERIES, ids=list(FORGERIES))
@pytest.mark.parametrize("route", ["s", "u"])
def test_a_forged_link_is_not_found_and_changes_nothing(client, db, invited, unchanged, forgery, route):  # noqa: F811
    token = FORGERIES[forgery](_real(invited))
    with unchanged(db):
        answered_with(client.get(f"/{route}/{token}"), 404, NOT_FOUND)
        answered_with(client.get("/enkat"), 403)


def test_the_opt_out_token_does_not_open_the_survey(client, db, invited, unchanged):  # noqa: F811
    with unchanged(db):
        answered_with(client.get(invited["E1-optout"].replace("/u/", "/s/")), 404, NOT_FOUND)


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_survey_token_does_not_opt_out(client, db, invited, unchanged, method):  # noqa: F811
    with unchanged(db):
        answered_with(getattr(client, method)(invited["E1"].replace("/s/", "/u/")), 404, NOT_FOUND)


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_a_link_with_the_wrong_method_is_refused(client, db, invited, unchanged, method):  # noqa: F811
    with unchanged(db):
        answered_with(getattr(client, method)(invited["E1"]), 405, "Method Not Allowed")
        answered_with(getattr(client, method)(invited["E1-optout"]), 405, "Method Not Allowed")


def test_an_expired_link_says_so_and_changes_nothing(client, db, clock, invited, unchanged):  # noqa: F811
    clock.set(clock.now() + timedelta(days=90))
    with unchanged(db):
        answered_with(client.get(invited["E2"]), 410, "This follow-up has closed")


def test_an_empty_token_is_not_a_page(client, db, invited, unchanged):  # noqa: F811
    with unchanged(db):
        answered_with(client.get("/s/"), 404, NOT_FOUND)
        answered_with(client.get("/u/"), 404, NOT_FOUND)
