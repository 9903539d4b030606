"""The staff workspace in Chromium: the first admin from the command line, 2FA, an invited
coordinator, an evaluator refused; axe-core on every page; sign-in with the keyboard alone.

SQLite only, as the participant's browser tests: these exercise pages, not SQL.
"""

import re

import pyotp
import pytest

from followup.answers.responses import record_response
from followup.answers.surveys import load_surveys
from followup.models import Contact, Invitation, Participant, Role
from followup.sending.delivery import Senders
from followup.sending.delivery.email import SmtpEmail
from tests.browser import scroll_width, tab_to
from tests.factories import (
    PASSWORD,
    at,
    make_participants,
    make_programme,
    make_user,
    outbox_senders,
    run_tick,
)

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

PASSWORDS = {"admin": "lingonberry harbour 41", "coordinator": "cloudberry meadow 2026"}


def loaded(page) -> str:
    """Return the page's HTML once the document a click led to has loaded (slow machines lag)."""
    page.wait_for_load_state("load")
    return page.content()


def path(page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url).split("?")[0]


def choose_password(page, link: str, password: str, axe=None) -> None:
    page.goto(link)
    page.get_by_label("Nytt lösenord (minst 12 tecken)").fill("kort")
    page.get_by_label("Samma lösenord en gång till").fill("kort")
    # Wait for the answer to the form: a slow machine may still be loading it when asked.
    with page.expect_navigation():
        page.get_by_role("button", name="Spara lösenordet").click()
    assert "minst 12 tecken" in loaded(page)
    if axe:
        axe.check(page)  # the form with its errors
    page.get_by_label("Nytt lösenord (minst 12 tecken)").fill(password)
    page.get_by_label("Samma lösenord en gång till").fill(password)
    page.get_by_role("button", name="Spara lösenordet").click()
    assert path(page) == "/staff/sign-in"


def sign_in_with_keyboard(page, email: str, password: str) -> None:
    page.goto("/staff/sign-in")
    email_field = page.get_by_label("E-postadress")
    tab_to(page, email_field)
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_admin_coordinator_and_evaluator_journey(
    app, runner, new_context, axe, outbox, mailbox, clock, live_server, tmp_path
):
    assert runner.invoke(args=["programme", "create", "Steget"]).exit_code == 0
    created = runner.invoke(
        args=["users", "create", "admin@example.org", "--role", "admin", "--name", "Anna"]
    )
    link = created.output.strip().splitlines()[-1]
    assert link.startswith(live_server)

    admin = new_context(bypass_csp=True, locale="sv").new_page()
    admin.goto("/login")
    assert path(admin) == "/staff/sign-in"
    axe.check(admin)
    choose_password(admin, link, PASSWORDS["admin"], axe)
    axe.check(admin)  # sign-in with the "password saved" notice

    sign_in_with_keyboard(admin, "admin@example.org", "fel lösenord helt och hållet")
    assert "stämmer inte" in loaded(admin)
    axe.check(admin)
    sign_in_with_keyboard(admin, "admin@example.org", PASSWORDS["admin"])
    assert path(admin) == "/staff/"
    axe.check(admin)

    # The second factor, set up from the dashboard.
    admin.get_by_role("link", name="Slå på den").click()
    assert path(admin) == "/staff/second-factor/set-up"
    assert admin.locator("svg[role=img]").count() == 1
    axe.check(admin)
    secret = admin.locator("figcaption code").inner_text()
    admin.get_by_label("Den sexsiffriga koden som appen visar").fill("000000")
    admin.get_by_role("button", name="Slå på den").click()
    axe.check(admin)  # the wrong code
    admin.get_by_label("Den sexsiffriga koden som appen visar").fill(pyotp.TOTP(secret).at(clock.now()))
    admin.get_by_role("button", name="Slå på den").click()
    assert admin.locator("ul.codes li").count() == 10
    axe.check(admin)
    admin.get_by_role("link", name="Jag har sparat dem, fortsätt").click()

    # Invite a coordinator of Steget: the link arrives in the outbox.
    admin.get_by_role("link", name="Användare").click()
    axe.check(admin)
    admin.get_by_label("E-postadress").fill("cora@example.org")
    admin.get_by_label("Namn", exact=True).fill("Cora")
    admin.get_by_label("Roll").select_option("coordinator")
    admin.get_by_label("Insats (för en samordnare eller utvärderare)").select_option(label="Steget")
    admin.get_by_role("button", name="Skicka inbjudan").click()
    assert path(admin) == "/staff/users"
    assert "Cora är inbjuden" in loaded(admin)
    axe.check(admin)
    admin.get_by_role("link", name="Händelselogg").click()
    assert "user.invited" in loaded(admin)
    axe.check(admin)
    admin.get_by_role("button", name="Logga ut").click()
    assert path(admin) == "/staff/sign-in"

    [invitation] = [e for e in outbox.emails() if e["To"] == "cora@example.org"]
    invitation_link = re.search(
        r"https?://\S+/staff/password/\S+", invitation.get_body(("plain",)).get_content()
    )
    coordinator = new_context(
        bypass_csp=True, locale="sv", viewport={"width": 1280, "height": 800}
    ).new_page()
    choose_password(coordinator, invitation_link.group(0), PASSWORDS["coordinator"])
    sign_in_with_keyboard(coordinator, "cora@example.org", PASSWORDS["coordinator"])
    assert path(coordinator) == "/staff/"
    assert "Steget" in loaded(coordinator)
    assert coordinator.goto("/staff/users").status == 403
    axe.check(coordinator)
    coordinator_sets_up_a_programme(coordinator, axe, tmp_path)
    coordinator_corrects_a_bounced_contact(coordinator, axe, app, mailbox, clock, tmp_path)

    # An evaluator is refused every staff page.
    made = runner.invoke(
        args=["users", "create", "eva@example.org", "--role", "evaluator", "--programme", "Steget"]
    )
    evaluator = new_context(bypass_csp=True, locale="sv").new_page()
    choose_password(evaluator, made.output.strip().splitlines()[-1], "rowanberry autumn 77")
    sign_in_with_keyboard(evaluator, "eva@example.org", "rowanberry autumn 77")
    for page_path in ("/staff/", "/staff/users", "/staff/audit", "/staff/audit.csv"):
        assert evaluator.goto(page_path).status == 403, page_path
    axe.check(evaluator)


FIXED = "code;exit_date;email;phone;language;cohort\nST-01;2025-06-13;;070-174 06 05;sv;Grupp 1\n"
# ST-02's address is one the test's SMTP server refuses (550): the first send bounces.
FIXED += "ST-02;2025-06-13;bounce.deltagare2@example.org;;en;Grupp 1\n"
FIXED += "ST-03;2024-06-10;d3@example.org;;sv;Grupp 2\n"
BROKEN = FIXED + "ST-04;13 juni;d4@example.org;;sv;Grupp 2\nST-05;2025-06-13;;;sv;Grupp 2\n"


def coordinator_sets_up_a_programme(page, axe, tmp_path) -> None:
    page.goto("/staff/")
    page.get_by_role("link", name="Ny insats").click()
    page.get_by_label("Insatsens namn").fill("Steget Fram")
    page.get_by_label("Uppföljningar, månader efter avslut").fill("sex")
    page.get_by_role("button", name="Skapa insatsen").click()
    assert "Skriv heltal" in loaded(page)
    axe.check(page)  # the programme form with its errors
    page.get_by_label("Uppföljningar, månader efter avslut").fill("6,12,24")
    page.get_by_role("button", name="Skapa insatsen").click()
    assert page.get_by_role("heading", name="Steget Fram").is_visible()
    page.get_by_label("Avslutsdatum").fill("2025-06-24")
    page.get_by_role("button", name="Visa datumen").click()
    assert "2025-12-29 09:00" in loaded(page)
    axe.check(page)  # the plan with the preview calendar

    # Who is asking and the privacy notice, with an error first.
    page.get_by_role("link", name="Ändra uppgifterna").click()
    page.get_by_label("Organisation som deltagarna ser").fill("Samordningsförbundet Södra Hälsingland")
    page.get_by_label("Kontaktpersonens telefonnummer").fill("12")
    page.get_by_label("Personuppgiftsansvarig").fill("Samordningsförbundet Södra Hälsingland, Bollnäs")
    page.get_by_role("button", name="Spara uppgifterna").click()
    assert "Telefonnumret är inte giltigt" in loaded(page)
    assert "Integritetsmeddelandet behöver också den här delen." in loaded(page)
    axe.check(page)  # the details form with its errors
    page.get_by_label("Kontaktpersonens telefonnummer").fill("0278-123 45")
    for label, text in (
        ("Ändamål", "Att följa upp hur det går."),
        ("Rättslig grund", "Allmänt intresse."),
        ("Hur länge uppgifterna sparas", "Till sista uppföljningen."),
        ("Deltagarens rättigheter", "Se, rätta och radera."),
    ):
        page.get_by_label(label).fill(text)
    page.get_by_role("button", name="Spara uppgifterna").click()
    assert "0278-123 45" in loaded(page)
    page.get_by_role("link", name="Se det som deltagarna ser det").click()
    assert "Vem som ansvarar för dina uppgifter" in loaded(page)
    page.go_back()
    page.get_by_role("link", name="Insatser", exact=True).click()
    assert path(page) == "/staff/programmes"
    assert page.get_by_role("link", name="Steget Fram", exact=True).is_visible()
    axe.check(page)  # the programme list
    page.get_by_role("link", name="Steget Fram", exact=True).click()

    page.get_by_role("link", name="Importera").click()
    broken = tmp_path / "deltagare.csv"
    broken.write_text(BROKEN, encoding="utf-8")
    page.get_by_label("Fil med deltagare").set_input_files(str(broken))
    page.get_by_role("button", name="Kontrollera filen").click()
    assert "Inget importeras: 2 fel" in loaded(page)
    # Each problem by line and column; the missing contact concerns both contact columns.
    problems = page.locator("table tbody tr")
    assert [row.locator("td").all_inner_texts()[:2] for row in problems.all()] == [
        ["5", "exit_date"],
        ["6", "email / phone"],
    ]
    assert scroll_width(page) <= 1280
    page.screenshot(path=tmp_path / "import-problems.png", full_page=True)
    axe.check(page)  # the import preview with its errors
    fixed = tmp_path / "deltagare-rättad.csv"
    fixed.write_text(FIXED, encoding="utf-8")
    page.get_by_label("Fil med deltagare").set_input_files(str(fixed))
    page.get_by_role("button", name="Kontrollera filen").click()
    assert "3 nya deltagare" in loaded(page)
    assert "bara 24 månader skickas" in loaded(page)
    axe.check(page)
    page.get_by_role("button", name="Bekräfta importen").click()
    assert path(page).endswith("/status")
    assert "Importerat: 3 nya" in loaded(page)
    axe.check(page)  # the status page
    page.get_by_role("link", name="Deltagare", exact=True).click()
    assert page.get_by_role("link", name="ST-01").is_visible()
    axe.check(page)  # the participant list
    page.get_by_role("link", name="ST-01").click()
    assert "+46 70-*** ** 05" in loaded(page)
    axe.check(page)  # the participant page, contacts masked
    page.get_by_role("button", name="Visa kontaktuppgifterna (registreras i händelseloggen)").click()
    assert "+46701740605" in loaded(page)


def send_through_smtp(app, mailbox, clock) -> None:
    """Run the scheduler's real tick: e-mail to the test's SMTP server, SMS to the outbox."""
    senders = Senders(
        email=SmtpEmail("127.0.0.1", mailbox.port, "none", None, None, timeout=5), sms=outbox_senders(app).sms
    )
    run_tick(app, app.extensions["followup"].db, clock.now(), senders=senders)


def coordinator_corrects_a_bounced_contact(page, axe, app, mailbox, clock, tmp_path) -> None:
    # The invitations fall due; ST-02's address is refused, and the sender marks it not working.
    send_through_smtp(app, mailbox, clock)
    bounced = Contact.select().join(Participant).where(Participant.code == "ST-02").get()
    assert bounced.email_failed_at == clock.now() and "550" in bounced.email_problem

    page.get_by_role("link", name="Läge", exact=True).click()
    to_fix = page.locator("h2:has-text('Kontaktuppgifter att rätta') + p + ul")
    assert to_fix.get_by_role("link", name="ST-02").is_visible()
    assert "e-post (SMTP 550" in to_fix.inner_text()
    assert scroll_width(page) <= 1280
    page.screenshot(path=tmp_path / "status-contact-to-fix.png", full_page=True)
    axe.check(page)  # the status page with a contact to fix

    to_fix.get_by_role("link", name="ST-02").click()
    assert path(page).endswith("/participants/ST-02")
    assert "b***@example.org · Kontakt fungerar inte" in loaded(page)
    page.get_by_role("button", name="Visa kontaktuppgifterna (registreras i händelseloggen)").click()
    assert "bounce.deltagare2@example.org · Kontakt fungerar inte" in loaded(page)
    page.get_by_label("Vilken").select_option("email")
    page.get_by_label("Rätt adress eller nummer").fill("deltagare2@example.org")
    with page.expect_navigation():
        page.get_by_role("button", name="Spara rättelsen").click()
    text = loaded(page)
    assert "Kontaktuppgifterna är rättade." in text
    assert "d***@example.org" in text and "Kontakt fungerar inte" not in text
    assert scroll_width(page) <= 1280
    axe.check(page)  # the participant page after the correction

    # The corrected address gets the invitation again, with a fresh link, at the next send.
    with page.expect_navigation():
        page.get_by_role("button", name="Skicka en ny länk till uppföljningen efter 6 månader").click()
    assert "En ny länk till uppföljningen efter 6 månader står i kö" in loaded(page)
    page.screenshot(path=tmp_path / "participant-fresh-link.png", full_page=True)
    axe.check(page)
    send_through_smtp(app, mailbox, clock)
    assert [message.rcpt_tos for message in mailbox.received][-1] == ["deltagare2@example.org"]
    page.reload()
    assert "<td>Ny länk</td><td>e-post</td><td>Skickat</td>" in loaded(page)

    page.get_by_role("link", name="Läge", exact=True).click()
    assert "Inga kontaktuppgifter att rätta." in loaded(page)
    assert page.get_by_role("link", name="ST-02").count() == 0


def test_the_admin_signs_in_again_with_the_second_factor(runner, new_context, axe, clock, live_server, db):
    from followup.models import User

    created = runner.invoke(args=["users", "create", "admin@example.org", "--role", "admin"])
    page = new_context(bypass_csp=True, locale="en").new_page()
    page.goto(created.output.strip().splitlines()[-1])
    page.get_by_label("New password (at least 12 characters)").fill(PASSWORDS["admin"])
    page.get_by_label("The same password again").fill(PASSWORDS["admin"])
    page.get_by_role("button", name="Save the password").click()
    secret = pyotp.random_base32()
    User.update(totp_secret=secret, totp_confirmed_at=clock.now()).execute()
    page.get_by_label("E-mail address").fill("admin@example.org")
    page.get_by_label("Password").fill(PASSWORDS["admin"])
    page.get_by_role("button", name="Sign in").click()
    assert path(page) == "/staff/second-factor"
    axe.check(page)
    page.get_by_label("Code from the app, or a recovery code").fill(pyotp.TOTP(secret).at(clock.now()))
    page.get_by_role("button", name="Continue").click()
    assert path(page) == "/staff/"
    for other in ("/staff/forgot-password", "/staff/nowhere"):
        page.goto(other)
        axe.check(page)


def test_the_review_of_quotes_and_the_quote_in_the_results(new_context, axe, app, db, clock):
    programme = make_programme(db, clock.now(), "Steget", offsets=[6])
    codes = [f"QB-{i}" for i in range(5)]
    make_participants(
        db, clock.now(), programme, [f"{c},2025-07-20,{c.lower()}@example.org,,sv,G" for c in codes]
    )
    complete = {
        "main_activity": "studies",
        "social_assistance": "no",
        **{f"who5_{n}": 3 for n in range(1, 6)},
        "next_step_start": "not_yet",
        "programme_helped": "a_little",
    }
    comments = {"QB-0": "Maria i Luleå fick mig att våga.", "QB-1": "Ett bra år.\nTack!"}
    for code in codes:
        invitation = Invitation.select().join(Participant).where(Participant.code == code).get()
        given = {"comment": comments[code], "quote_consent": "yes"} if code in comments else {}
        record_response(
            db, invitation.id, load_surveys()["standard"][3], {**complete, **given}, at(2026, 1, 21)
        )
    make_user(db, clock.now(), "cora@example.org", Role.COORDINATOR, programme, password=PASSWORD)
    make_user(db, clock.now(), "eva@example.org", Role.EVALUATOR, programme, password=PASSWORD)
    clock.set(at(2026, 9, 1))

    page = new_context(bypass_csp=True, locale="sv").new_page()
    sign_in_with_keyboard(page, "cora@example.org", PASSWORD)
    page.goto(f"/staff/programmes/{programme.id}")
    page.get_by_role("link", name="Citat", exact=True).click()
    assert path(page) == f"/staff/programmes/{programme.id}/quotes"
    assert "Väntar på granskning (2)" in loaded(page)
    axe.check(page)  # two comments waiting, each with its text box and buttons

    first = page.get_by_role("region", name="Kommentar 2, 6 månader efter avslut")
    box = first.get_by_role("textbox")
    assert box.input_value() == comments["QB-0"]
    box.fill("  ")
    with page.expect_navigation():
        first.get_by_role("button", name="Godkänn den här texten").click()
    assert "Skriv texten som ska publiceras" in loaded(page)
    axe.check(page)  # the refused approval with its message
    first = page.get_by_role("region", name="Kommentar 2, 6 månader efter avslut")
    first.get_by_role("textbox").fill("[Handledaren] fick mig att våga.")
    with page.expect_navigation():
        first.get_by_role("button", name="Godkänn den här texten").click()
    assert "Citatet är godkänt" in loaded(page) and "Godkända citat (1)" in loaded(page)
    axe.check(page)  # one waiting, one approved with its withdraw button

    evaluator = new_context(bypass_csp=True, locale="sv").new_page()
    sign_in_with_keyboard(evaluator, "eva@example.org", PASSWORD)
    evaluator.goto(f"/staff/results/{programme.id}/")
    words = evaluator.get_by_role("region", name="Med egna ord")
    assert words.get_by_text("[Handledaren] fick mig att våga.").is_visible()
    assert words.get_by_text("6 månader efter avslut").is_visible()
    assert "Luleå" not in loaded(evaluator) and "Ett bra år" not in loaded(evaluator)
    axe.check(evaluator)
    assert evaluator.goto(f"/staff/programmes/{programme.id}/quotes").status == 404
