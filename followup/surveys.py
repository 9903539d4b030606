"""Survey definitions: TOML files in surveys/, one per survey and version, validated at load."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

SURVEYS_DIR = Path(__file__).resolve().parent.parent / "surveys"
QUESTION_TYPES = ("single_choice", "scale", "text")
TEXT_MAX_LENGTH = 2000
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_FILE_NAME = re.compile(r"^(?P<id>[a-z][a-z0-9_]*)-v(?P<version>\d+)\.toml$")


class SurveyError(Exception):
    """A survey file is malformed; the message names the file, the question and the reason."""


class AnswerError(Exception):
    """Submitted answers do not fit the survey; `errors` maps question id to a reason code."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(f"{qid}: {why}" for qid, why in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Option:
    value: str | int
    text: dict[str, str]


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    required: bool
    text: dict[str, str]
    help: dict[str, str] = field(default_factory=dict)
    options: tuple[Option, ...] = ()

    def option_values(self) -> list[str | int]:
        """Return the allowed answer values, in the order they are shown."""
        return [option.value for option in self.options]


@dataclass(frozen=True)
class Survey:
    id: str
    version: int
    languages: tuple[str, ...]
    title: dict[str, str]
    intro: dict[str, str]
    questions: tuple[Question, ...]

    def question(self, question_id: str) -> Question:
        """Return the question with this id."""
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def clean(self, answers: dict) -> dict:
        """Return `answers` reduced to this survey's questions, or raise AnswerError."""
        cleaned: dict = {}
        errors: dict[str, str] = {}
        for question in self.questions:
            value = answers.get(question.id)
            if isinstance(value, str):
                value = value.strip()
            if value is None or value == "":
                if question.required:
                    errors[question.id] = "required"
                continue
            if question.type == "text":
                if len(value) > TEXT_MAX_LENGTH:
                    errors[question.id] = "too_long"
                    continue
            elif question.type == "scale":
                try:
                    value = int(value)
                except (TypeError, ValueError):
                    errors[question.id] = "invalid_choice"
                    continue
            if question.options and value not in question.option_values():
                errors[question.id] = "invalid_choice"
                continue
            cleaned[question.id] = value
        if errors:
            raise AnswerError(errors)
        return cleaned


def load_survey(path: Path) -> Survey:
    """Read and validate one survey file."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SurveyError(f"{path.name}: cannot be read: {exc}") from exc
    return _parse(path.name, raw)


def load_surveys(directory: Path = SURVEYS_DIR) -> dict[str, dict[int, Survey]]:
    """Load every survey file in `directory`: {survey id: {version: Survey}}."""
    catalogue: dict[str, dict[int, Survey]] = {}
    for path in sorted(directory.glob("*.toml")):
        match = _FILE_NAME.match(path.name)
        if not match:
            raise SurveyError(f"{path.name}: the file name must be <survey id>-v<version>.toml")
        survey = load_survey(path)
        if (survey.id, survey.version) != (match["id"], int(match["version"])):
            raise SurveyError(
                f"{path.name}: the file says id {survey.id!r} version {survey.version}, "
                "which does not match its name"
            )
        catalogue.setdefault(survey.id, {})[survey.version] = survey
    return catalogue


def latest(catalogue: dict[str, dict[int, Survey]], survey_id: str) -> Survey:
    """Return the newest version of `survey_id`."""
    versions = catalogue.get(survey_id)
    if not versions:
        raise SurveyError(f"no survey with id {survey_id!r} in {SURVEYS_DIR.name}/")
    return versions[max(versions)]


def _parse(name: str, raw: dict) -> Survey:
    def fail(reason: str, question: str | None = None) -> SurveyError:
        where = f"{name}: question {question!r}" if question else name
        return SurveyError(f"{where}: {reason}")

    survey_id = raw.get("id")
    if not isinstance(survey_id, str) or not _ID.match(survey_id):
        raise fail("'id' must be lower-case letters, digits and underscores")
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise fail("'version' must be a whole number from 1")
    languages = raw.get("languages")
    if (
        not isinstance(languages, list)
        or not languages
        or not all(isinstance(lang, str) for lang in languages)
    ):
        raise fail("'languages' must list at least one language code")
    languages = tuple(languages)

    def texts(value, what: str, question: str | None = None) -> dict[str, str]:
        if not isinstance(value, dict):
            raise fail(f"{what} must be a table of texts per language", question)
        missing = [lang for lang in languages if not str(value.get(lang) or "").strip()]
        if missing:
            raise fail(f"{what} has no text in {', '.join(missing)}", question)
        return {lang: str(value[lang]).strip() for lang in languages}

    title = texts(raw.get("title"), "'title'")
    intro = texts(raw.get("intro"), "'intro'")
    entries = raw.get("questions")
    if not isinstance(entries, list) or not entries:
        raise fail("a survey needs at least one [[questions]] entry")

    questions: list[Question] = []
    seen: set[str] = set()
    for position, entry in enumerate(entries, start=1):
        qid = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(qid, str) or not _ID.match(qid):
            raise fail(f"question number {position} needs an 'id' of lower-case letters")
        if qid in seen:
            raise fail("the id is used twice", qid)
        seen.add(qid)
        qtype = entry.get("type")
        if qtype not in QUESTION_TYPES:
            raise fail(f"unknown type {qtype!r}; use one of {', '.join(QUESTION_TYPES)}", qid)
        required = entry.get("required", True)
        if not isinstance(required, bool):
            raise fail("'required' must be true or false", qid)
        help_text = texts(entry["help"], "'help'", qid) if "help" in entry else {}
        options = _parse_options(entry.get("options"), qtype, qid, fail, texts)
        questions.append(
            Question(qid, qtype, required, texts(entry.get("text"), "'text'", qid), help_text, options)
        )
    return Survey(survey_id, version, languages, title, intro, tuple(questions))


def _parse_options(raw, qtype: str, qid: str, fail, texts) -> tuple[Option, ...]:
    if qtype == "text":
        if raw:
            raise fail("a text question has no options", qid)
        return ()
    if not isinstance(raw, list) or len(raw) < 2:
        raise fail("needs at least two options", qid)
    options: list[Option] = []
    for entry in raw:
        value = entry.get("value") if isinstance(entry, dict) else None
        if qtype == "scale" and (not isinstance(value, int) or isinstance(value, bool)):
            raise fail("every scale option needs a whole-number 'value'", qid)
        if qtype == "single_choice" and (not isinstance(value, str) or not _ID.match(value)):
            raise fail("every option needs a 'value' id of lower-case letters", qid)
        options.append(Option(value, texts(entry.get("text"), f"option {value!r}", qid)))
    values = [option.value for option in options]
    if len(set(values)) != len(values):
        raise fail("two options share a value", qid)
    return tuple(options)
