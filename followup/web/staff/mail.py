"""E-mails to staff (an invitation, a password reset), sent through the configured e-mail transport."""

from __future__ import annotations

from flask import current_app, render_template

from followup.sending.delivery import make_senders
from followup.sending.delivery.email import build_email


def send_staff_mail(kind: str, to: str, link: str, name: str) -> None:
    """Send the `kind` e-mail (invitation or reset) carrying `link` to a member of staff."""
    runtime = current_app.extensions["followup"]
    context = {"link": link, "name": name}
    email = build_email(
        sender=current_app.config["MAIL_FROM"],
        to=to,
        subject=render_template(f"emails/staff/{kind}_subject.txt", **context).strip(),
        text=render_template(f"emails/staff/{kind}.txt", **context),
        html=render_template(f"emails/staff/{kind}.html", **context),
        now=runtime.clock.now(),
    )
    sender = make_senders(current_app.config).email
    with sender.batch():
        sender.send(email)
