"""Form helpers for the survey pages: CSRF protection, submitted values, error messages."""

from __future__ import annotations

from collections import OrderedDict
from contextlib import suppress
from dataclasses import dataclass

from flask import current_app, request
from flask_babel import get_locale
from flask_wtf import FlaskForm
from markupsafe import Markup

from followup.answers.surveys import TEXT_LIMITS, Page, Question, Survey
from followup.i18n import _l


class CsrfForm(FlaskForm):
    """A form with only its CSRF token; the survey's own fields are validated by the survey."""


def submitted_answers(page: Page) -> dict:
    """Return what the browser sent for the questions on `page`."""
    values: dict = {}
    for question in page.questions:
        if question.type == "multiple_choice":
            chosen = request.form.getlist(question.id)
            values[question.id] = [_as_option(question, value) for value in chosen]
        elif question.id in request.form and question.options:
            values[question.id] = _as_option(question, request.form[question.id])
        elif question.id in request.form:
            values[question.id] = request.form[question.id]
    return values


def _as_option(question: Question, value: str):
    for option in question.options:
        if str(option.value) == value:
            return option.value
    return value


@dataclass
class Field:
    """One question as the page shows it: its value, its error, and its choices ready to print."""

    question: Question
    value: object
    error: str
    describedby: str
    input: str
    choices: list[tuple[str, object, str, bool]]


def page_fields(
    questions: list[Question], answers: dict, errors: dict[str, str], language: str
) -> list[Field]:
    """Prepare the questions of a page for the template (done here: it is the hot part of the page)."""
    fields = []
    for question in questions:
        value = answers.get(question.id)
        chosen = value if isinstance(value, list) else [value]
        choices = [
            (f"{question.id}-{n}", option.value, option.text[language], option.value in chosen)
            for n, option in enumerate(question.options, start=1)
        ]
        error = errors.get(question.id, "")
        described = [f"{question.id}-help"] * bool(question.help) + [f"{question.id}-error"] * bool(error)
        fields.append(
            Field(
                question,
                "" if value is None else value,
                error,
                " ".join(described),
                "checkbox" if question.type == "multiple_choice" else "radio",
                choices,
            )
        )
    return fields


# The HTML of a choice question is the same for everyone who gave the same answer (most often:
# none yet), and rendering its options is most of the work of a page: it is kept, per app.
RENDERED_LIMIT = 2048


def render_fields(
    survey: Survey, fields: list[Field], language: str, optional: str, error_word: str
) -> list[Markup]:
    """Return each field's HTML from the `question_field` macro of participant/_questions.html."""
    kept: OrderedDict[tuple, Markup] = current_app.extensions.setdefault("followup.fields", OrderedDict())
    locale = str(get_locale())
    macro = None
    rendered = []
    for field in fields:
        key = None
        if field.choices and not field.error:
            chosen = tuple(field.value) if isinstance(field.value, list) else (field.value,)
            key = (survey.id, survey.version, field.question.id, language, locale, chosen, optional)
            html = kept.get(key)
            if html is not None:
                with suppress(KeyError):  # another thread may have let it go just now
                    kept.move_to_end(key)
                rendered.append(html)
                continue
        if macro is None:
            macro = current_app.jinja_env.get_template("participant/_questions.html").module.question_field
        html = macro(field, language, optional, error_word)
        if key is not None:
            kept[key] = html
            if len(kept) > RENDERED_LIMIT:
                kept.popitem(last=False)
        rendered.append(html)
    return rendered


def error_messages(page: Page, errors: dict[str, str]) -> dict[str, str]:
    """Turn reason codes from the survey into plain sentences, keyed by question id."""
    messages = {}
    for question in page.questions:
        reason = errors.get(question.id)
        if reason:
            messages[question.id] = str(_message(question, reason))
    return messages


def _message(question: Question, reason: str):
    if reason == "required":
        if question.type in ("short_text", "long_text", "number", "date"):
            return _l("Please write an answer.")
        return _l("Please choose an answer.")
    if reason == "invalid_choice":
        return _l("Please choose one of the answers.")
    if reason == "not_a_number":
        return _l("Please write a whole number, for example 20.")
    if reason == "not_a_date":
        return _l("Please write the date as year-month-day, for example 2026-03-31.")
    if reason in ("too_small", "too_large") and question.type == "date":
        return _l("Please give a date from %(min)s to %(max)s.", min=question.minimum, max=question.maximum)
    if reason in ("too_small", "too_large"):
        return _l(
            "Please write a number from %(min)s to %(max)s.", min=question.minimum, max=question.maximum
        )
    if reason == "too_long":
        return _l("Please write at most %(max)d characters.", max=TEXT_LIMITS[question.type])
    return _l("Please check this answer.")
