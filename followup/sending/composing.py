"""The words of each message, from templates in the participant's language."""

from __future__ import annotations

from datetime import date

from flask import render_template
from flask_babel import force_locale

from followup.sending.sender import Composed


def compose(
    kind: str, channel: str, language: str, link: str, optout: str, programme: str, last_day: date
) -> Composed:
    """Render one message; must run inside the application context."""
    # A fresh link asked for by a coordinator carries the invitation's own words.
    kind = "invitation" if kind == "resend" else kind
    context = {"link": link, "optout": optout, "programme": programme, "last_day": last_day.isoformat()}
    with force_locale(language):
        if channel == "sms":
            return Composed(text=render_template(f"sms/{kind}.txt", **context).strip())
        return Composed(
            subject=render_template(f"emails/{kind}_subject.txt", **context).strip(),
            text=render_template(f"emails/{kind}.txt", **context),
            html=render_template(f"emails/{kind}.html", **context),
        )
