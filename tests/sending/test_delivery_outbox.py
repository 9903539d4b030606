"""The outbox transport: each message a file of its own, written as a server would take it."""

from datetime import UTC, datetime

from followup.sending.delivery.email import build_email
from followup.sending.delivery.outbox import OutboxEmail, OutboxSms

EMAIL = build_email(
    sender="followup@example.org",
    to="e1@example.org",
    subject="Hur går det?",
    text="Svara här.",
    html="<p>Svara här.</p>",
    now=datetime(2026, 1, 21, 9, 0, tzinfo=UTC),
)


def test_the_steps_before_run_before_the_file_is_there_and_the_step_during_after(tmp_path):
    seen = []

    def emails():
        return len(list(tmp_path.glob("*.eml")))

    def before():
        seen.append(("first command", emails()))
        yield
        seen.append(("second command", emails()))
        yield

    name = OutboxEmail(tmp_path).send(
        EMAIL, before=before(), during=lambda: seen.append(("content", emails()))
    )
    assert seen == [("first command", 0), ("second command", 0), ("content", 1)]
    assert (tmp_path / name).read_bytes() == EMAIL.data


def test_each_message_is_a_file_named_for_its_channel_and_only_its_owner_may_read_it(tmp_path):
    email = OutboxEmail(tmp_path).send(EMAIL)
    sms = OutboxSms(tmp_path).send("+46701740605", "Hur går det? Svara här.")
    assert email.startswith("email-") and email.endswith(".eml")
    assert sms.startswith("sms-") and sms.endswith(".txt")
    assert (tmp_path / sms).read_text() == "To: +46701740605\n\nHur går det? Svara här.\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([email, sms])
    assert {(tmp_path / name).stat().st_mode & 0o777 for name in (email, sms)} == {0o600}
