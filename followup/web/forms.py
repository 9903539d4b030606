"""The survey form, built from a survey definition in one language."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from followup.i18n import _l
from followup.surveys import TEXT_MAX_LENGTH, Survey


def survey_form(survey: Survey, language: str) -> FlaskForm:
    """Return a form instance with one field per question, bound to the current request."""

    class SurveyForm(FlaskForm):
        pass

    for question in survey.questions:
        # InputRequired, not DataRequired: the answer 0 ("at no time") is falsy but real.
        presence = InputRequired(message=_l("Please choose an answer.")) if question.required else Optional()
        label = question.text[language]
        description = question.help.get(language, "")
        if question.type == "text":
            field = TextAreaField(
                label,
                description=description,
                validators=[
                    Optional(),
                    Length(max=TEXT_MAX_LENGTH, message=_l("Please write at most %(max)d characters.")),
                ],
            )
        else:
            field = RadioField(
                label,
                description=description,
                choices=[SelectChoice(option.value, option.text[language]) for option in question.options],
                coerce=int if question.type == "scale" else str,
                validators=[presence],
            )
        setattr(SurveyForm, question.id, field)
    return SurveyForm()


def answers_from(form: FlaskForm, survey: Survey) -> dict:
    """Return the submitted answers keyed by question id, leaving out unanswered ones."""
    answers = {}
    for question in survey.questions:
        field = form[question.id]
        if field.raw_data and field.data not in (None, ""):
            answers[question.id] = field.data
    return answers
