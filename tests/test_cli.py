import json
from datetime import UTC, datetime

import pytest

from followup.cli import DEMO_PROGRAMME
from followup.models import Invitation, Participant, Programme, Wave, day_list


@pytest.fixture(autouse=True)
def english(app):
    app.config["LANGUAGE"] = "en"


def write_csv(tmp_path, text, name="people.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_help_lists_every_command(runner):
    result = runner.invoke(args=["--help"])
    for command in [
        "init",
        "serve",
        "worker",
        "tick",
        "participants",
        "report",
        "demo",
        "programme",
        "migrations",
    ]:
        assert command in result.output
    assert runner.invoke(args=["tick", "--help"]).exit_code == 0


def test_init_is_idempotent(runner):
    first = runner.invoke(args=["init"])
    assert first.exit_code == 0 and "up to date" in first.output
    assert "PENDING" not in runner.invoke(args=["migrations"]).output


def test_import_creates_the_programme_and_reports_counts(runner, tmp_path):
    path = write_csv(
        tmp_path, "code;exit_date;email;phone;language;cohort\nA1;2025-10-01;a@example.org;;sv;G\n"
    )
    result = runner.invoke(args=["participants", "import", path, "--programme", "Steget"])
    assert result.exit_code == 0, result.output
    assert "1 new" in result.output and "3 invitations planned" in result.output
    assert [w.offset_months for w in Wave.select().order_by(Wave.offset_months)] == [6, 12, 24]
    again = runner.invoke(args=["participants", "import", path, "--programme", "Steget"])
    assert "0 new" in again.output and "1 unchanged" in again.output
    assert Participant.select().count() == 1


def test_a_bad_file_lists_lines_imports_nothing_and_fails(runner, tmp_path):
    path = write_csv(tmp_path, "exit_date,email\n2025-13-01,a@example.org\n2025-01-01,nope\n")
    result = runner.invoke(args=["participants", "import", path, "--programme", "Steget"])
    assert result.exit_code == 1
    assert "people.csv: line 2, column exit_date: The exit date '2025-13-01'" in result.output
    assert "people.csv: line 3, column email: The e-mail address is not valid" in result.output
    assert "Nothing was imported" in result.output
    assert "Traceback" not in result.output
    assert Participant.select().count() == 0


def test_programme_create_with_other_waves(runner):
    result = runner.invoke(
        args=["programme", "create", "Steget Fram", "--waves", "3,9", "--window-days", "30"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(w.offset_months for w in Wave.select()) == [3, 9]
    again = runner.invoke(args=["programme", "create", "Steget Fram"])
    assert again.exit_code == 1 and "already" in again.output
    bad = runner.invoke(args=["programme", "create", "X", "--waves", "six"])
    assert bad.exit_code == 2


def test_tick_at_a_moment_and_dry_run(runner, tmp_path, outbox):
    path = write_csv(tmp_path, "code,exit_date,email\nA1,2025-10-01,a@example.org\n")
    runner.invoke(args=["participants", "import", path, "--programme", "Steget"])
    dry = runner.invoke(args=["tick", "--at", "2026-04-01T12:00+02:00", "--dry-run"])
    assert "would send: A1  6 months  invitation by email" in dry.output
    assert outbox.files() == []
    sent = runner.invoke(args=["tick", "--at", "2026-04-01T12:00"])
    assert sent.exit_code == 0 and "1 sent" in sent.output
    assert len(outbox.emails()) == 1
    bad = runner.invoke(args=["tick", "--at", "next tuesday"])
    assert bad.exit_code == 2 and "ISO 8601" in bad.output


def test_report_to_a_file_in_csv_xlsx_and_json(runner, tmp_path):
    import openpyxl

    path = write_csv(tmp_path, "code,exit_date,email\nA1,2025-10-01,a@example.org\n")
    runner.invoke(args=["participants", "import", path, "--programme", "Steget"])
    runner.invoke(args=["tick", "--at", "2026-04-01T12:00"])
    out = tmp_path / "report.json"
    args = ["report", "--programme", "Steget", "--format", "json", "--language", "en", "--out", str(out)]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert document["programme"] == "Steget" and document["threshold"] == 5
    reach = next(t for t in document["tables"] if t["id"] == "reach")
    # One person invited, nobody answered: a process figure, not about anyone's situation.
    assert reach["rows"][0]["wave"] == 6 and reach["rows"][0]["cells"]["invited"] == 1
    assert reach["columns"][0]["label"] == "Invited"
    csv_out = runner.invoke(args=["report", "--programme", "Steget", "--language", "sv"])
    assert csv_out.output.splitlines()[0] == "\ufeffInsats;Steget"
    assert "Räckvidd och svar" in csv_out.output
    english = runner.invoke(args=["report", "--programme", "Steget", "--language", "en", "--separator", ","])
    assert "Reach and response" in english.output and "Programme,Steget" in english.output
    workbook = tmp_path / "report.xlsx"
    args = ["report", "--programme", "Steget", "--format", "xlsx", "--language", "sv", "--out", str(workbook)]
    assert runner.invoke(args=args).exit_code == 0
    assert openpyxl.load_workbook(workbook, read_only=True).sheetnames[0] == "Om rapporten"
    no_file = runner.invoke(args=["report", "--programme", "Steget", "--format", "xlsx"])
    assert no_file.exit_code == 1 and "--out" in no_file.output
    missing = runner.invoke(args=["report", "--programme", "Nope"])
    assert missing.exit_code == 1 and "Nope" in missing.output


def test_demo_fills_the_outbox_and_prints_a_working_link(runner, client, outbox, clock):
    clock.set(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))  # night: the demo sends outside the send window too
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert Programme.get().name == DEMO_PROGRAMME
    assert len(outbox.files()) == 12
    link = next(line.strip() for line in result.output.splitlines() if "/s/" in line)
    page = client.get(link.replace("http://localhost", ""))
    assert page.status_code == 303 and page.headers["Location"] == "/enkat"
    assert Invitation.select().where(Invitation.state == "sent").count() == 12
    assert runner.invoke(args=["demo"]).exit_code == 1


def test_the_command_line_speaks_swedish_by_default(app, runner):
    app.config["LANGUAGE"] = "sv"
    assert "Databasen är uppdaterad" in runner.invoke(args=["init"]).output


def test_programme_create_sets_the_contact_plan(runner):
    result = runner.invoke(
        args=["programme", "create", "SMS-först", "--channels", "sms_only", "--reminders", "5,10"]
    )
    assert result.exit_code == 0, result.output
    created = Programme.get()
    assert (created.channel_policy, day_list(created.reminder_days)) == ("sms_only", [5, 10])
    late = runner.invoke(args=["programme", "create", "X", "--window-days", "30", "--reminders", "7,45"])
    assert late.exit_code == 1 and "inside the response window" in late.output


def test_programme_create_names_its_organiser(runner):
    created = runner.invoke(
        args=[
            "programme", "create", "Steget", "--organisation", "Samordningsförbundet Norr",
            "--contact-email", "norr@example.org", "--contact-phone", "0911-123 45",
            "--sender-name", "Steget",
        ]
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    stored = Programme.get()
    assert (stored.organisation, stored.contact_email, stored.contact_phone, stored.sender_name) == (
        "Samordningsförbundet Norr",
        "norr@example.org",
        "+4691112345",
        "Steget",
    )
    wrong = runner.invoke(args=["programme", "create", "X", "--contact-phone", "12", "--contact-email", "x"])
    assert wrong.exit_code == 1 and "--contact-phone:" in wrong.output and "--organisation:" in wrong.output
    assert Programme.select().count() == 1


def test_status_and_contacts_for_staff(runner, tmp_path):
    path = write_csv(
        tmp_path, "code,exit_date,email\nA1,2025-10-01,a@example.org\nA2,2025-10-01,b@example.org\n"
    )
    runner.invoke(args=["participants", "import", path, "--programme", "Steget"])
    runner.invoke(args=["tick", "--at", "2026-04-01T12:00"])
    from followup.models import Contact

    Contact.update(
        email_failed_at=datetime(2026, 4, 1, 10, tzinfo=UTC), email_problem="SMTP 550 5.1.1"
    ).where(Contact.email == "b@example.org").execute()
    status = runner.invoke(args=["status", "--programme", "Steget"])
    assert status.exit_code == 0, status.output
    lines = status.output.splitlines()
    assert lines[0].split() == [
        "months",
        "scheduled",
        "sent",
        "delivered",
        "failed",
        "bounced",
        "opted",
        "out",
        "answered",
        "expired",
    ]
    assert lines[1].split() == ["6", "0", "2", "0", "0", "1", "0", "0", "0"]
    assert "a@example.org" not in status.output and "b@example.org" not in status.output
    contacts = runner.invoke(args=["contacts", "--programme", "Steget"])
    assert "A2  email  2026-04-01  SMTP 550 5.1.1" in contacts.output
    assert "b@example.org" not in contacts.output and "1 contact detail(s) to fix." in contacts.output


COMMANDS = (
    "init",
    "migrations",
    "programme",
    "users",
    "participants",
    "tick",
    "report",
    "status",
    "contacts",
)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_followup_help_offers_only_followups_own_commands_and_options(followup, language):
    code, output = followup("--help", language=language)
    assert code == 0
    for flask_word in (
        "--env-file",
        "--app",
        "--debug",
        "python-dotenv",
        "FLASK_",
        "  routes",
        "  shell",
        "  run ",
    ):
        assert flask_word not in output
    for command in (*COMMANDS, "serve", "worker", "demo"):
        assert f"\n  {command} " in output
    assert "..." not in output.replace("[ARGS]...", "").replace("[ARGUMENT]...", "")


def test_help_is_in_swedish_by_default_whole_and_uncut(followup):
    code, output = followup("--help")
    assert output.startswith("Användning: followup [FLAGGOR] KOMMANDO [ARGUMENT]...")
    assert "Visa den här hjälpen och avsluta." in output and "Kommandon:" in output
    # The longest line of help is printed whole, over two lines if need be, never cut with "...".
    assert "fungerar medan en uppföljning pågår." in output
    for args in (["programme", "create", "--help"], ["participants", "import", "--help"], ["tick", "--help"]):
        code, output = followup(*args)
        assert code == 0 and output.startswith("Användning:"), output
        assert "Flaggor:" in output and "Options" not in output and "Show this" not in output
    code, output = followup("programme", "create", "--help")
    output = " ".join(output.split())
    assert "Månader efter avslut, åtskilda med komma." in output and "[standard: 6,12,24]" in output


def test_help_in_english_when_asked(followup):
    code, output = followup("programme", "create", "--help", language="en")
    assert output.startswith("Usage: followup programme create [OPTIONS] NAME")
    output = " ".join(output.split())
    assert "Months after exit, comma separated." in output and "[default: 6,12,24]" in output
    assert "Användning" not in output and "Månader" not in output


def test_programme_list(followup, tmp_path):
    code, output = followup("programme", "list", language="en")
    assert code == 0 and "There are no programmes yet" in output
    assert followup("programme", "create", "Steget Fram", "--waves", "3,9", language="en")[0] == 0
    path = tmp_path / "people.csv"
    path.write_text("code,exit_date,email\nA1,2025-10-01,a1@example.org\nA2,2025-10-01,a2@example.org\n")
    assert followup("participants", "import", str(path), "--programme", "Steget", language="en")[0] == 0
    code, output = followup("programme", "list", language="en")
    assert output.splitlines() == [
        "Steget: waves at 6, 12, 24 months, email_then_sms, 2 participant(s)",
        "Steget Fram: waves at 3, 9 months, email_then_sms, 0 participant(s)",
    ]
    code, output = followup("programme", "list")
    assert "Steget: uppföljningar efter 6, 12, 24 månader, email_then_sms, deltagare: 2" in output


def test_users_create_prints_a_one_time_link_to_set_the_password(runner, app):
    from followup.models import AuditEvent, OneTimeLink, User

    result = runner.invoke(args=["users", "create", "First.Admin@example.org", "--role", "admin"])
    assert result.exit_code == 0, result.output
    link = result.output.strip().splitlines()[-1]
    assert link.startswith("http://localhost/staff/password/")
    user = User.get(User.email == "first.admin@example.org")
    assert user.password_hash is None
    assert OneTimeLink.get().token_hash != link.rsplit("/", 1)[1]
    assert AuditEvent.get().action == "user.created"
    again = runner.invoke(args=["users", "create", "first.admin@example.org", "--role", "admin"])
    assert again.exit_code != 0 and "already" in again.output


def test_users_create_a_coordinator_needs_a_known_programme(runner):
    result = runner.invoke(args=["users", "create", "c@example.org", "--role", "coordinator"])
    assert result.exit_code != 0 and "programme" in result.output
    result = runner.invoke(
        args=["users", "create", "c@example.org", "--role", "coordinator", "--programme", "X"]
    )
    assert result.exit_code != 0 and "no programme" in result.output


def test_users_list_shows_roles(runner):
    runner.invoke(args=["programme", "create", "Steget"])
    runner.invoke(args=["users", "create", "a@example.org", "--role", "admin", "--name", "Anna"])
    runner.invoke(args=["users", "create", "c@example.org", "--role", "coordinator", "--programme", "Steget"])
    result = runner.invoke(args=["users", "list"])
    assert "a@example.org  Anna  admin" in result.output
    assert "c@example.org  c  coordinator (Steget)" in result.output
