"""Twilio's callbacks: delivery reports and incoming SMS. Every request must carry a valid signature."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import force_locale
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from followup.answers.optout import keyword, opt_in_sms, opt_out_sms
from followup.models import Contact, Invitation, Message, Participant
from followup.plan.organiser import organiser_of_participant
from followup.sending.tracking import record_status

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


@bp.before_request
def check_signature() -> None:
    """Refuse any request that Twilio did not sign with our auth token."""
    token = current_app.config["TWILIO_AUTH_TOKEN"]
    signature = request.headers.get("X-Twilio-Signature", "")
    # Twilio signs the public URL it called, which behind a proxy is not request.url.
    url = current_app.config["BASE_URL"] + request.full_path.rstrip("?")
    if not token or not signature or not RequestValidator(token).validate(url, request.form, signature):
        abort(403)


@bp.post("/twilio/status")
def status():
    """Record what became of a sent SMS."""
    runtime = current_app.extensions["followup"]
    form = request.form
    record_status(
        runtime.db,
        form.get("MessageSid", ""),
        form.get("MessageStatus", ""),
        form.get("ErrorCode"),
        runtime.clock.now(),
    )
    return "", 204


@bp.post("/twilio/inbound")
def inbound():
    """Handle STOP/STOPP/AVSLUTA, START and HELP/HJÄLP sent to our number."""
    runtime = current_app.extensions["followup"]
    sender = request.form.get("From", "")
    reply = MessagingResponse()
    word = keyword(request.form.get("Body", ""))
    if word == "stop":
        opt_out_sms(runtime.db, sender, runtime.clock.now())
    elif word == "start":
        opt_in_sms(runtime.db, sender)
    elif word == "help":
        participant = _texted(sender)
        language = participant.language if participant else current_app.config["LANGUAGE"]
        config = current_app.config
        organisation = (
            organiser_of_participant(participant.id, config["WHO_IS_ASKING"], config["BASE_URL"])
            if participant
            else config["WHO_IS_ASKING"]
        )
        with force_locale(language):
            reply.message(render_template("sms/help.txt", organisation=organisation).strip())
    return Response(str(reply), mimetype="application/xml")


def _texted(phone: str) -> Participant | None:
    """Return the participant with this number who was sent an SMS last (any with it if none was)."""
    last_texted = (
        Participant.select(Participant.id, Participant.language)
        .join(Contact)
        .switch(Participant)
        .join(Invitation)
        .join(Message)
        .where((Contact.phone == phone) & (Message.channel == "sms") & Message.sent_at.is_null(False))
        .order_by(Message.sent_at.desc(), Message.id.desc())
        .first()
    )
    return last_texted or (
        Participant.select(Participant.id, Participant.language)
        .join(Contact)
        .where(Contact.phone == phone)
        .order_by(Participant.id.desc())
        .first()
    )


@bp.errorhandler(403)
def forbidden(_error):
    """Say no to an unsigned webhook, briefly."""
    return "Forbidden: missing or invalid Twilio signature", 403
