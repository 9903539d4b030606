"""The staff workspace's forms; each carries a CSRF token that Flask-WTF checks."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from followup.accounts.passwords import PasswordRejected, check_policy
from followup.i18n import _l
from followup.models import Role


class ActionForm(FlaskForm):
    """A button that changes something: only its CSRF token."""


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
