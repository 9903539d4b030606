"""The results overview in Chromium: an evaluator signs in and lands on it, the charts load under
the real Content-Security-Policy, axe-core finds nothing, and it prints on A4.

SQLite only, as the other browser tests: these exercise pages, not SQL.
"""

import pytest

from followup.accounts.roles import grant_role
from followup.models import Role
from tests.factories import PASSWORD

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def sign_in(page, email: str) -> None:
    page.goto("/staff/sign-in")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_label("Lösenord").press("Enter")


def test_the_overview_in_chromium(new_context, axe, db, programme, large_programme, people, tmp_path):
    grant_role(db, people["evaluator"], Role.EVALUATOR, large_programme)
    # Under the real policy first: the charts are images and must load; nothing may be refused.
    strict = new_context(locale="sv", viewport={"width": 1280, "height": 900}).new_page()
    refused = []
    strict.on("console", lambda message: refused.append(message.text) if message.type == "error" else None)
    sign_in(strict, "eval@example.org")
    assert strict.url.endswith("/staff/results/")
    with strict.expect_navigation(wait_until="load"):
        strict.get_by_role("link", name="Steget", exact=True).click()
    assert strict.get_by_role("heading", name="Resultat: Steget").is_visible()
    images = strict.locator("figure.chart img")
    assert images.count() == 6
    for i in range(images.count()):
        assert images.nth(i).evaluate("img => img.complete && img.naturalWidth > 0"), i
    assert not refused, refused
    # docs/evaluator-overview.png: run this test with --basetemp and copy it.
    strict.screenshot(path=tmp_path / "evaluator-overview.png")
    strict.screenshot(path=tmp_path / "evaluator-overview-full.png", full_page=True)

    # axe-core needs its script injected, which the policy forbids: a context that bypasses it.
    page = new_context(bypass_csp=True, locale="sv", viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, "eval@example.org")
    page.goto(strict.url)
    axe.check(page)
    page.emulate_media(media="print")
    assert page.locator("header.staff-header").is_hidden()
    assert page.locator("#downloads").is_hidden()
    assert page.locator("#method").is_visible()
    page.pdf(path=tmp_path / "evaluator-overview.pdf", format="A4")
