"""The staff workspace's forms; each carries a CSRF token that Flask-WTF checks."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from followup.accounts.passwords import PasswordRejected, check_policy
from followup.i18n import _l
from followup.models import Role


class ActionForm(FlaskForm):
    """A button that changes something: only its CSRF token."""


class ContactChangeForm(FlaskForm):
    field = SelectField(
        _l("Which"),
        choices=[SelectChoice("email", _l("E-mail address")), SelectChoice("phone", _l("Phone"))],
        validators=[DataRequired()],
    )
    value = StringField(_l("The correct address or number"), validators=[DataRequired(), Length(max=254)])


class ResendForm(FlaskForm):
    """Which follow-up a fresh link is for, named by its months after exit (one button each)."""

    months = IntegerField(widget=HiddenInput(), validators=[DataRequired(), NumberRange(min=1, max=240)])


class EraseForm(FlaskForm):
    code = StringField(
        _l("Type the participant's code to confirm"), validators=[DataRequired(), Length(max=40)]
    )


class LanguageForm(FlaskForm):
    language = SelectField(
        _l("Language"),
        choices=[SelectChoice("sv", _l("Swedish")), SelectChoice("en", _l("English"))],
        validators=[DataRequired()],
    )


class ApproveQuoteForm(FlaskForm):
    text = TextAreaField(
        _l("Text to publish, with names, places and anything else that could identify anyone removed"),
        validators=[DataRequired(), Length(max=2000)],
    )


class SignInForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class SecondFactorForm(FlaskForm):
    code = StringField(
        _l("Code from the app, or a recovery code"), validators=[DataRequired(), Length(max=32)]
    )


class TotpSetUpForm(FlaskForm):
    code = StringField(_l("The six-digit code the app shows"), validators=[DataRequired(), Length(max=16)])


def _policy(_form, field) -> None:
    try:
        check_policy(field.data or "")
    except PasswordRejected as exc:
        raise ValidationError(str(exc)) from None


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password (at least 12 characters)"), validators=[DataRequired(), Length(max=1024), _policy]
    )
    repeat = PasswordField(
        _l("The same password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])


ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.EVALUATOR: _l("Evaluator"),
}


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    display_name = StringField(_l("Name"), validators=[Length(max=120)])
    role = SelectField(_l("Role"), choices=[SelectChoice(name, label) for name, label in ROLE_LABELS.items()])
    programme = SelectField(_l("Programme (for a coordinator or evaluator)"), coerce=int, choices=[])


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    user = SelectField(_l("User"), coerce=int, choices=[], default=0)
    action = SelectField(_l("Action"), choices=[], default="")
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])


CHANNEL_LABELS = {
    "email_then_sms": _l("E-mail, SMS when there is no working e-mail"),
    "email_only": _l("E-mail only"),
    "sms_only": _l("SMS only"),
    "both": _l("Both e-mail and SMS"),
}


def _day_list(_form, field) -> None:
    try:
        [int(part) for part in (field.data or "").split(",") if part.strip()]
    except ValueError:
        raise ValidationError(str(_l("Write whole numbers separated by commas, such as 6,12,24."))) from None


class PlanForm(FlaskForm):
    waves = StringField(
        _l("Follow-ups, months after exit"), validators=[DataRequired(), Length(max=64), _day_list]
    )
    window_days = IntegerField(
        _l("Days a survey can be answered"), validators=[DataRequired(), NumberRange(min=1, max=365)]
    )
    channel_policy = SelectField(
        _l("How messages are sent"), choices=[SelectChoice(k, v) for k, v in CHANNEL_LABELS.items()]
    )
    reminders = StringField(
        _l("Reminders, days after the invitation (empty for none)"), validators=[Length(max=64), _day_list]
    )
    confirm = HiddenField()


class DetailsFields(FlaskForm):
    """Who participants are told is asking, and the privacy notice (clean_details checks them)."""

    organisation = StringField(
        _l("Organisation that participants see (such as Samordningsförbundet Södra Hälsingland)"),
        validators=[Length(max=200)],
    )
    contact_email = EmailField(_l("Contact person's e-mail address"), validators=[Length(max=254)])
    contact_phone = TelField(_l("Contact person's phone number"), validators=[Length(max=40)])
    sender_name = StringField(_l("Sender name on the e-mails"), validators=[Length(max=100)])
    privacy_controller = TextAreaField(
        _l("Data controller: who is responsible for the data, with address"), validators=[Length(max=4000)]
    )
    privacy_purpose = TextAreaField(_l("Purpose: why the data is processed"), validators=[Length(max=4000)])
    privacy_legal_basis = TextAreaField(_l("Legal basis"), validators=[Length(max=4000)])
    privacy_retention = TextAreaField(_l("How long the data is kept"), validators=[Length(max=4000)])
    privacy_rights = TextAreaField(_l("The participant's rights"), validators=[Length(max=4000)])
    privacy_dpo = TextAreaField(
        _l("How to reach the data protection officer (if there is one)"), validators=[Length(max=4000)]
    )


class ProgrammeForm(PlanForm, DetailsFields):
    name = StringField(_l("Name of the programme"), validators=[DataRequired(), Length(max=200)])


class DetailsForm(DetailsFields):
    name = StringField(_l("Name of the programme"), validators=[DataRequired(), Length(max=200)])


class PreviewForm(FlaskForm):
    class Meta:
        csrf = False  # a GET question changes nothing

    exit = DateField(_l("Exit date"), validators=[DataRequired()])
