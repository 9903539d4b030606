"""Tables. Contact details live in their own table and are never joined into answers."""

from __future__ import annotations

from datetime import datetime

from peewee import (
    BooleanField,
    CharField,
    CompositeKey,
    DateField,
    DateTimeField,
    Expression,
    Field,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from followup.clock import to_utc
from followup.db import database


class UTCDateTimeField(DateTimeField):
    """A moment stored as naive UTC and read back as aware UTC."""

    def db_value(self, value: datetime | None):
        if isinstance(value, datetime):
            value = to_utc(value).replace(tzinfo=None)
        return super().db_value(value)

    def python_value(self, value):
        value = super().python_value(value)
        return to_utc(value) if isinstance(value, datetime) else value


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class Programme(BaseModel):
    """A programme and its contact plan: which channels to use and when to remind."""

    EMAIL_ONLY = "email_only"
    SMS_ONLY = "sms_only"
    BOTH = "both"
    EMAIL_THEN_SMS = "email_then_sms"
    CHANNEL_POLICIES = (EMAIL_ONLY, SMS_ONLY, BOTH, EMAIL_THEN_SMS)

    name = CharField(unique=True)
    created_at = UTCDateTimeField()
    channel_policy = CharField(max_length=16, default=EMAIL_THEN_SMS)
    reminder_days = CharField(max_length=64, default="7,14")
    # Activity ids that count as self-sufficiency here, comma-separated; empty: the default definition.
    self_sufficiency = CharField(max_length=255, default="")
    # Who is asking, as participants see it; empty: the instance's FOLLOWUP_ORGANISATION and the rest.
    organisation = CharField(max_length=200, default="")
    contact_email = CharField(max_length=254, default="")
    contact_phone = CharField(max_length=32, default="")  # E.164
    sender_name = CharField(max_length=100, default="")  # the From display name of the e-mails
    # The privacy notice (GDPR art. 13) shown on /integritet/<id>; empty: FOLLOWUP_PRIVACY_URL.
    privacy_controller = TextField(default="")
    privacy_purpose = TextField(default="")
    privacy_legal_basis = TextField(default="")
    privacy_retention = TextField(default="")
    privacy_rights = TextField(default="")
    privacy_dpo = TextField(default="")


def day_list(text: str) -> list[int]:
    """Return the numbers of a comma-separated list of days ("7,14" -> [7, 14])."""
    return [int(part) for part in text.split(",") if part.strip()]


class Wave(BaseModel):
    """One survey round of a programme's plan, `offset_months` after each participant's exit."""

    programme = ForeignKeyField(Programme, backref="waves", on_delete="CASCADE")
    offset_months = IntegerField()
    survey = CharField()
    window_days = IntegerField()

    class Meta:
        indexes = ((("programme", "offset_months"), True),)


class Cohort(BaseModel):
    programme = ForeignKeyField(Programme, backref="cohorts", on_delete="CASCADE")
    name = CharField()

    class Meta:
        indexes = ((("programme", "name"), True),)


class Participant(BaseModel):
    """A former participant, known only by a pseudonymous code."""

    programme = ForeignKeyField(Programme, backref="participants", on_delete="CASCADE")
    cohort = ForeignKeyField(Cohort, null=True, backref="participants", on_delete="SET NULL")
    code = CharField()
    exit_date = DateField()
    language = CharField(max_length=8, default="sv")
    exit_activity = CharField(null=True)
    exit_social_assistance = BooleanField(null=True)
    opted_out_at = UTCDateTimeField(null=True)
    opted_out_channel = CharField(max_length=16, null=True)
    sms_opted_out_at = UTCDateTimeField(null=True)
    created_at = UTCDateTimeField()

    class Meta:
        indexes = ((("programme", "code"), True),)


class Contact(BaseModel):
    """How to reach a participant; deleted as soon as no open wave needs it."""

    participant = ForeignKeyField(Participant, unique=True, backref="contact", on_delete="CASCADE")
    email = CharField(null=True)
    phone = CharField(null=True, max_length=32)
    updated_at = UTCDateTimeField()
    email_failed_at = UTCDateTimeField(null=True)
    email_problem = CharField(null=True)
    phone_failed_at = UTCDateTimeField(null=True)
    phone_problem = CharField(null=True)


# Partial indexes hold only the rare rows the status page starts from: contacts not working, opt-outs.
Contact.add_index(
    Contact.index(Contact.participant, name="contact_failed").where(
        Contact.email_failed_at.is_null(False) | Contact.phone_failed_at.is_null(False)
    )
)
Participant.add_index(
    Participant.index(Participant.programme, name="participant_opted_out").where(
        Participant.opted_out_at.is_null(False) | Participant.sms_opted_out_at.is_null(False)
    )
)


class Invitation(BaseModel):
    """One participant in one wave: when it falls due, until when it can be answered, its state."""

    SCHEDULED = "scheduled"
    SENT = "sent"
    ANSWERED = "answered"
    DECLINED = "declined"
    EXPIRED = "expired"
    OPEN_STATES = (SCHEDULED, SENT)

    participant = ForeignKeyField(Participant, backref="invitations", on_delete="CASCADE")
    wave = ForeignKeyField(Wave, backref="invitations", on_delete="CASCADE")
    due_at = UTCDateTimeField()
    expires_at = UTCDateTimeField()
    state = CharField(max_length=16, default=SCHEDULED)
    sent_at = UTCDateTimeField(null=True)
    answered_at = UTCDateTimeField(null=True)
    declined_at = UTCDateTimeField(null=True)

    class Meta:
        indexes = (
            (("participant", "wave"), True),
            (("state", "due_at"), False),
            # Covers counting a programme's invitations by wave and state (the status page) and
            # finding those of one wave in one state (the participant list's filter).
            (("wave", "state", "participant", "sent_at"), False),
        )


# The rare answers to invitations never marked sent (answered in the moment between a message going
# out and its recording), which the results leave out as they leave out every invitation not sent.
Invitation.add_index(
    Invitation.index(Invitation.wave, name="invitation_answered_unsent").where(
        (Invitation.state == Invitation.ANSWERED) & Invitation.sent_at.is_null()
    )
)


def window_open(closes_at: datetime | Field, now: datetime) -> bool | Expression:
    """Tell whether a window closing at `closes_at` is still open at `now`; from that instant it is closed.

    Takes a datetime or a column alike, so queries and checks in Python draw the line at one place.
    """
    return closes_at > now


class Token(BaseModel):
    """The hash of one link token; the token itself exists only in the message that carried it.

    A token does one thing: a survey token opens the survey, an opt-out token can only stop contact
    (it is the one mail providers see in List-Unsubscribe, so it must open nothing else).
    """

    SURVEY = "survey"
    OPTOUT = "optout"

    invitation = ForeignKeyField(Invitation, backref="tokens", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    issued_at = UTCDateTimeField()
    purpose = CharField(max_length=8, default=SURVEY)


class Response(BaseModel):
    """A submitted survey, tied to the invitation (and so only to a pseudonymous code)."""

    invitation = ForeignKeyField(Invitation, unique=True, backref="response", on_delete="CASCADE")
    survey = CharField()
    survey_version = IntegerField()
    submitted_at = UTCDateTimeField()
    answers = TextField()


class Outcome(BaseModel):
    """The answers that reports count, typed, one row per response, so the database counts them.

    Beside the answers, what the reports group them by, copied from the invitation and the participant
    when the response is stored, so a report counts the answers from this table alone: the wave, the
    cohort, the activity and social assistance at exit (set at import, never changed) and the language
    (kept in step by `plan.participant_actions.change_language`)."""

    invitation = ForeignKeyField(Invitation, unique=True, backref="outcome", on_delete="CASCADE")
    main_activity = CharField(max_length=32, null=True)
    social_assistance = CharField(max_length=32, null=True)
    who5 = IntegerField(null=True)  # the WHO-5 index, 0-100; empty unless all five items are answered
    next_step_start = CharField(max_length=32, null=True)
    programme_helped = CharField(max_length=32, null=True)
    wave = ForeignKeyField(Wave, on_delete="CASCADE", index=False)
    cohort = ForeignKeyField(Cohort, null=True, on_delete="SET NULL")
    exit_activity = CharField(null=True)
    exit_social_assistance = BooleanField(null=True)
    language = CharField(max_length=8)

    class Meta:
        indexes = (
            # Covers the results' count of a programme's answers, in the order they are grouped, so
            # the database reads it in order and sorts nothing.
            (
                (
                    "wave",
                    "cohort",
                    "main_activity",
                    "social_assistance",
                    "who5",
                    "next_step_start",
                    "programme_helped",
                    "exit_activity",
                    "exit_social_assistance",
                    "language",
                ),
                False,
            ),
        )


class AnswerPair(BaseModel):
    """Two answers of one person in two waves of a programme, the earlier wave first, written when
    the second of them is stored (whichever wave that is), so the results count the people who
    answered two waves, and their WHO-5 change, without pairing every person's answers."""

    earlier = ForeignKeyField(Outcome, on_delete="CASCADE")
    later = ForeignKeyField(Outcome, on_delete="CASCADE")
    first_wave = ForeignKeyField(Wave, on_delete="CASCADE", index=False)
    second_wave = ForeignKeyField(Wave, on_delete="CASCADE")
    cohort = ForeignKeyField(Cohort, null=True, on_delete="SET NULL")
    change = IntegerField(null=True)  # WHO-5 at the later wave minus the earlier; empty unless both

    class Meta:
        indexes = (
            # Covers the results' count of the pairs, in the order they are grouped.
            (("first_wave", "second_wave", "cohort", "change"), False),
        )


class Draft(BaseModel):
    """Answers given so far to an invitation, saved page by page until they are submitted."""

    invitation = ForeignKeyField(Invitation, unique=True, backref="draft", on_delete="CASCADE")
    answers = TextField()
    updated_at = UTCDateTimeField()


class SurveyFingerprint(BaseModel):
    """The SHA-256 of a survey file version as it was when it got its first answer."""

    survey = CharField()
    version = IntegerField()
    sha256 = CharField(max_length=64)

    class Meta:
        indexes = ((("survey", "version"), True),)


class AnsweredSurvey(BaseModel):
    """A survey version that has been answered in a wave, kept when a response is stored, so the
    results name the survey versions without reading every response."""

    wave = ForeignKeyField(Wave, on_delete="CASCADE")
    survey = CharField()
    version = IntegerField()

    class Meta:
        indexes = ((("wave", "survey", "version"), True),)


class Message(BaseModel):
    """One outgoing message; `key` (invitation, sequence, channel) is unique, so it is sent at most once.

    States: pending -> sending -> sent -> delivered, or failed; cancelled when it is no longer wanted
    (answered, opted out, window closed). A temporary failure puts it back to pending for later.
    `sequence` is 0 for the invitation and 1, 2, ... for reminders.
    """

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"

    invitation = ForeignKeyField(Invitation, backref="messages", on_delete="CASCADE")
    key = CharField(unique=True)
    kind = CharField(max_length=16)
    channel = CharField(max_length=8)
    state = CharField(max_length=16, default=PENDING)
    created_at = UTCDateTimeField()
    claimed_at = UTCDateTimeField(null=True)
    sent_at = UTCDateTimeField(null=True)
    provider_ref = CharField(null=True, index=True)
    error = TextField(null=True)
    sequence = IntegerField(default=0)
    attempts = IntegerField(default=0)
    next_attempt_at = UTCDateTimeField(null=True)
    delivery_status = CharField(max_length=16, null=True)
    status_at = UTCDateTimeField(null=True)

    class Meta:
        indexes = (
            (("state", "created_at"), False),
            # Covers finding the invitations with a message delivered or failed (the status page).
            (("state", "invitation"), False),
        )


class User(BaseModel):
    """A member of staff who signs in; roles say what they may do where."""

    email = CharField(unique=True)
    display_name = CharField()
    password_hash = CharField(null=True)
    active = BooleanField(default=True)
    created_at = UTCDateTimeField()
    last_sign_in_at = UTCDateTimeField(null=True)
    totp_secret = CharField(null=True, max_length=64)
    totp_confirmed_at = UTCDateTimeField(null=True)
    totp_last_step = IntegerField(null=True)


class Role(BaseModel):
    """One role of a user: admin everywhere (no programme), coordinator or evaluator of one programme."""

    ADMIN = "admin"
    COORDINATOR = "coordinator"
    EVALUATOR = "evaluator"
    NAMES = (ADMIN, COORDINATOR, EVALUATOR)

    user = ForeignKeyField(User, backref="roles", on_delete="CASCADE")
    name = CharField(max_length=16)
    programme = ForeignKeyField(Programme, null=True, backref="roles", on_delete="CASCADE")

    class Meta:
        indexes = ((("user", "name", "programme"), True),)


class RecoveryCode(BaseModel):
    """The hash of one single-use code that stands in for the second factor."""

    user = ForeignKeyField(User, backref="recovery_codes", on_delete="CASCADE")
    code_hash = CharField(max_length=64)
    used_at = UTCDateTimeField(null=True)


class OneTimeLink(BaseModel):
    """The hash of a link to set a password (first time, invitation or reset); used once, then dead."""

    SET_PASSWORD = "set_password"  # noqa: S105 (a purpose, not a password)
    INVITATION = "invitation"
    RESET = "reset"

    user = ForeignKeyField(User, backref="links", on_delete="CASCADE")
    purpose = CharField(max_length=16)
    token_hash = CharField(max_length=64, unique=True)
    created_at = UTCDateTimeField()
    expires_at = UTCDateTimeField()
    used_at = UTCDateTimeField(null=True)


class StaffSession(BaseModel):
    """A signed-in browser: the cookie holds the token, the database its hash, so sign-out ends it here."""

    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    created_at = UTCDateTimeField()
    last_seen_at = UTCDateTimeField()
    verified_at = UTCDateTimeField(null=True)


class AuditEvent(BaseModel):
    """One staff action: who, when, what, on which programme and participant code. Never contact data."""

    at = UTCDateTimeField(index=True)
    user = ForeignKeyField(User, null=True, backref="audit_events", on_delete="SET NULL")
    action = CharField(max_length=48)
    programme = ForeignKeyField(Programme, null=True, backref="audit_events", on_delete="SET NULL")
    participant_code = CharField(null=True)
    details = TextField(default="{}")


class ResearchGrant(BaseModel):
    """A research agreement (its reference, recipient and date) and the microdata files made for it.

    One file per grant: a second is made only when the admin says it replaces the first.
    Which file went when, with its counts, is in the audit log (action microdata.exported).
    """

    reference = CharField(unique=True)  # the agreement's reference, such as its diarienummer
    recipient = CharField()  # the organisation that receives the file
    agreed_on = DateField()
    recorded_at = UTCDateTimeField()
    recorded_by = ForeignKeyField(User, null=True, backref="grants", on_delete="SET NULL")
    files = IntegerField(default=0)
    last_file_at = UTCDateTimeField(null=True)


class Quote(BaseModel):
    """A comment its author agreed may be quoted: waiting for a coordinator, approved or rejected.

    Tied to the response only so that erasing the participant erases it; no page shows it beside
    the code, a date or any other answer. `approved_text` is what is published, names removed.
    """

    WAITING = "waiting"
    APPROVED = "approved"
    REJECTED = "rejected"
    STATES = (WAITING, APPROVED, REJECTED)

    response = ForeignKeyField(Response, unique=True, backref="quote", on_delete="CASCADE")
    programme = ForeignKeyField(Programme, backref="quotes", on_delete="CASCADE")
    wave = ForeignKeyField(Wave, backref="quotes", on_delete="CASCADE")
    submitted_text = TextField()
    approved_text = TextField(null=True)
    state = CharField(max_length=16, default=WAITING)
    reviewed_by = ForeignKeyField(User, null=True, backref="reviewed_quotes", on_delete="SET NULL")
    reviewed_at = UTCDateTimeField(null=True)

    class Meta:
        indexes = ((("programme", "state"), False),)


class StatusCount(BaseModel):
    """The status page's counts for one wave and cohort (0: participants without one), kept by database
    triggers (migrations/0013_status_counts.py) in the same transaction as every change they count.
    The application only reads it."""

    wave_id = IntegerField()
    cohort_id = IntegerField()
    invited = IntegerField(default=0)
    scheduled = IntegerField(default=0)
    sent = IntegerField(default=0)
    delivered = IntegerField(default=0)
    failed = IntegerField(default=0)
    bounced = IntegerField(default=0)
    opted_out = IntegerField(default=0)
    declined = IntegerField(default=0)
    answered = IntegerField(default=0)
    expired = IntegerField(default=0)

    class Meta:
        table_name = "status_count"
        primary_key = CompositeKey("wave_id", "cohort_id")


MODELS = [
    Programme,
    Wave,
    Cohort,
    Participant,
    Contact,
    Invitation,
    Token,
    Response,
    Outcome,
    AnswerPair,
    Draft,
    SurveyFingerprint,
    AnsweredSurvey,
    Message,
    User,
    Role,
    RecoveryCode,
    OneTimeLink,
    StaffSession,
    AuditEvent,
    ResearchGrant,
    Quote,
    StatusCount,
]
