"""The microdata page in Chromium: an admin fills in the grant, ticks a programme, downloads the
file; axe-core finds nothing on the page, empty, refused and with a grant listed.

SQLite only, as the other browser tests: these exercise pages, not SQL.
"""

import io
import zipfile

import pytest

from followup.models import Role
from followup.results.microdata import CODEBOOK_FILE, DATA_FILE
from tests.factories import make_user
from tests.web.evaluator.test_browser_results import sign_in

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def fill(page) -> None:
    page.get_by_label("Avtalets beteckning (till exempel diarienummer)").fill("Dnr 2026/5")
    page.get_by_label("Mottagande organisation").fill("Uppsala universitet")
    page.get_by_label("Avtalets datum").fill("2026-08-20")
    page.get_by_label("Steget Ö").check()


def test_an_admin_makes_the_file_in_chromium(new_context, axe, db, clock, programme):
    make_user(db, clock.now(), "chef@example.org", Role.ADMIN)
    page = new_context(bypass_csp=True, locale="sv", viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, "chef@example.org")
    with page.expect_navigation():
        page.get_by_role("link", name="Mikrodata").click()
    assert page.get_by_role("heading", name="Mikrodata för forskning").is_visible()
    axe.check(page)
    fill(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Gör filen").click()
    body = download.value.path().read_bytes()
    assert download.value.suggested_filename == "microdata-Dnr_2026_5-2026-09-01.zip"
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert sorted(archive.namelist()) == sorted([DATA_FILE, CODEBOOK_FILE])
        assert archive.read(DATA_FILE).decode("utf-8-sig").count("\r\n") == 23
    # The same grant again, without saying it replaces the file: refused, and said so.
    page.reload()
    assert page.get_by_role("cell", name="Dnr 2026/5").count() == 2  # the grant, and its file
    fill(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Gör filen").click()
    assert page.get_by_role("alert").inner_text().startswith("En fil har redan gjorts för avtal Dnr 2026/5")
    axe.check(page)
