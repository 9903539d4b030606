"""The words of each message, from templates in the participant's language."""

from __future__ import annotations

from datetime import date

from flask import current_app, render_template
from flask_babel import force_locale

from followup.plan.organiser import organiser_for
from followup.sending.sender import Composed


def compose(
    kind: str,
    channel: str,
    language: str,
    link: str,
    optout: str,
    programme: str,
    last_day: date,
    programme_id: int | None = None,
    base_url: str = "",
) -> Composed:
    """Render one message, naming the organiser of programme `programme_id`, in the app context.

    The address of the programme's privacy notice starts with `base_url`, as the links do.
    """
    # A fresh link asked for by a coordinator carries the invitation's own words.
    kind = "invitation" if kind == "resend" else kind
    organisation = organiser_for(programme_id, current_app.config["WHO_IS_ASKING"], base_url)
    context = {
        "link": link,
        "optout": optout,
        "programme": programme,
        "last_day": last_day.isoformat(),
        "organisation": organisation,
    }
    with force_locale(language):
        if channel == "sms":
            return Composed(text=render_template(f"sms/{kind}.txt", **context).strip())
        return Composed(
            subject=render_template(f"emails/{kind}_subject.txt", **context).strip(),
            text=render_template(f"emails/{kind}.txt", **context),
            html=render_template(f"emails/{kind}.html", **context),
            sender_name=organisation.sender or "",
        )
