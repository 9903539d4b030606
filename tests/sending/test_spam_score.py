"""Every kind of e-mail, in every language, scored by SpamAssassin's shipped rules (Debian's
`spamassassin`, local tests only, no network, no learning), so a change that would send
invitations to the spam folder is seen here first."""

import re
import shutil
import subprocess
from datetime import timedelta

from tests.factories import at, make_participants, make_programme, run_tick

# SpamAssassin's default threshold is 5.0; ours sit at 0.0. A message at 1.0 or more has picked up a
# rule (LIST_PARTIAL_SHORT_MSG was +1.0 before List-Id) and needs a look before it ships.
HIGHEST_SCORE = 1.0
STATUS = re.compile(
    r"^X-Spam-Status: \w+, score=(-?[\d.]+) required=[\d.]+ tests=(.*?) autolearn", re.M | re.S
)


def test_no_message_kind_in_any_language_looks_like_spam(app, db, clock, outbox, tmp_path):
    assert shutil.which("spamassassin"), "install Debian's spamassassin (apt-get install spamassassin)"
    programme = make_programme(db, clock.now(), name="Steget(t) Bollnäs")
    make_participants(
        db,
        clock.now(),
        programme,
        ["SV,2025-07-20,sv@example.org,,sv,G", "EN,2025-07-20,en@example.org,,en,G"],
    )
    real = {"base_url": "https://followup.example.org", "mail_from": "Uppföljning <followup@example.org>"}
    run_tick(app, db, at(2026, 1, 21), **real)
    run_tick(app, db, at(2026, 1, 21) + timedelta(days=7), **real)
    emails = [path for path in outbox.files() if path.suffix == ".eml"]
    kinds = {
        (email["To"], "påminnelse" in email["Subject"].lower() or "reminder" in email["Subject"].lower())
        for email in outbox.emails()
    }
    assert len(kinds) == 4, "an invitation and a reminder in Swedish and in English"
    mailbox = tmp_path / "all.mbox"
    with mailbox.open("w") as sink:
        for path in emails:
            text = path.read_bytes().decode("ascii").replace("\r\n", "\n")
            sink.write("From followup@example.org Thu Jan  1 00:00:00 2026\n")
            sink.write(re.sub(r"^From ", ">From ", text, flags=re.M) + "\n")
    scored = subprocess.run(
        ["spamassassin", "--mbox", "--local", "--test-mode", "--cf=use_bayes 0", "--cf=bayes_auto_learn 0"],
        input=mailbox.read_bytes(),
        capture_output=True,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        timeout=240,
        check=True,
    )
    results = STATUS.findall(scored.stdout.decode("utf-8", "replace"))
    assert len(results) == len(emails) == 4
    for score, rules in results:
        rules = " ".join(rules.split())
        assert "LIST_PARTIAL_SHORT_MSG" not in rules
        assert float(score) < HIGHEST_SCORE, rules
