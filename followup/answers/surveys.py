"""Survey definitions: TOML files in surveys/, one per survey and version, validated at load.

surveys/README.md describes the format for the staff who write them.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

SURVEYS_DIR = Path(__file__).resolve().parents[2] / "surveys"
CHOICE_TYPES = ("single_choice", "multiple_choice", "scale")
QUESTION_TYPES = (*CHOICE_TYPES, "number", "date", "short_text", "long_text")
TEXT_LIMITS = {"short_text": 200, "long_text": 2000}
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_FILE_NAME = re.compile(r"^(?P<id>[a-z][a-z0-9_]*)-v(?P<version>\d+)\.toml$")


class SurveyError(Exception):
    """A survey file is malformed; the message names the file, the question and the reason."""


class AnswerError(Exception):
    """Answers do not fit the survey; `errors` maps question id to a reason code."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(f"{qid}: {why}" for qid, why in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Option:
    value: str | int
    text: dict[str, str]


@dataclass(frozen=True)
class Condition:
    """Show a question only when an earlier one was answered with one of `values`, or at all."""

    question: str
    values: tuple = ()
    answered: bool = False  # any answer will do: for a question about a text just written

    def holds(self, answers: dict) -> bool:
        """Tell whether the answers so far meet the condition."""
        given = answers.get(self.question)
        if self.answered:
            return given not in (None, "", [])
        given = given if isinstance(given, list) else [given]
        return any(value in self.values for value in given)


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    required: bool
    text: dict[str, str]
    help: dict[str, str] = field(default_factory=dict)
    options: tuple[Option, ...] = ()
    minimum: int | date | None = None
    maximum: int | date | None = None
    show_if: Condition | None = None

    def option_values(self) -> list[str | int]:
        """Return the allowed answer values, in the order they are shown."""
        return [option.value for option in self.options]

    def is_shown(self, answers: dict) -> bool:
        """Tell whether the question applies, given the answers so far."""
        return self.show_if is None or self.show_if.holds(answers)

    def clean(self, value):
        """Return the answer in its stored form (None when unanswered), or raise ValueError(reason)."""
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "" or value == []:
            return None
        if self.type == "multiple_choice":
            values = value if isinstance(value, list) else [value]
            if any(v not in self.option_values() for v in values):
                raise ValueError("invalid_choice")
            return [v for v in self.option_values() if v in values]
        if self.type in ("scale", "number"):
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise ValueError("not_a_number") from None
        if self.type == "date":
            try:
                value = value if isinstance(value, date) else date.fromisoformat(str(value))
            except ValueError:
                raise ValueError("not_a_date") from None
        if self.type in ("number", "date"):
            if self.minimum is not None and value < self.minimum:
                raise ValueError("too_small")
            if self.maximum is not None and value > self.maximum:
                raise ValueError("too_large")
            return value.isoformat() if self.type == "date" else value
        if self.type in TEXT_LIMITS:
            if len(value) > TEXT_LIMITS[self.type]:
                raise ValueError("too_long")
            return value
        if value not in self.option_values():
            raise ValueError("invalid_choice")
        return value


@dataclass(frozen=True)
class Page:
    id: str
    title: dict[str, str]
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Survey:
    id: str
    version: int
    languages: tuple[str, ...]
    title: dict[str, str]
    intro: dict[str, str]
    minutes: int
    pages: tuple[Page, ...]
    fingerprint: str = ""

    @property
    def questions(self) -> tuple[Question, ...]:
        """Every question, in order."""
        return tuple(q for page in self.pages for q in page.questions)

    def question(self, question_id: str) -> Question:
        """Return the question with this id."""
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def shown_pages(self, answers: dict) -> list[Page]:
        """Return the pages that have at least one question to show, given the answers so far."""
        return [page for page in self.pages if any(q.is_shown(answers) for q in page.questions)]

    def may_bring_in_pages(self, page: Page) -> bool:
        """Tell whether an answer on `page` can bring in a later page (one that asks about it)."""
        asked_here = {q.id for q in page.questions}
        later = self.pages[self.pages.index(page) + 1 :]
        return any(q.show_if and q.show_if.question in asked_here for p in later for q in p.questions)

    def clean_page(self, page: Page, submitted: dict, answers: dict) -> dict:
        """Return `answers` updated with one page's submission, or raise AnswerError for that page."""
        return _clean_into(page.questions, submitted, dict(answers))

    def clean(self, answers: dict) -> dict:
        """Return complete answers reduced to the questions shown, or raise AnswerError."""
        return _clean_into(self.questions, answers, {})

    def first_incomplete(self, answers: dict) -> Page | None:
        """Return the first page with a required question still unanswered, or None."""
        for page in self.shown_pages(answers):
            for question in page.questions:
                if question.required and question.is_shown(answers) and question.id not in answers:
                    return page
        return None


def _clean_into(questions, given: dict, into: dict) -> dict:
    """Put the cleaned answers to `questions` from `given` into `into`, skipping those not shown."""
    errors: dict[str, str] = {}
    for question in questions:
        into.pop(question.id, None)
        if not question.is_shown(into):
            continue
        try:
            value = question.clean(given.get(question.id))
        except ValueError as exc:
            errors[question.id] = str(exc)
            continue
        if value is None:
            if question.required:
                errors[question.id] = "required"
            continue
        into[question.id] = value
    if errors:
        raise AnswerError(errors)
    return into


def load_survey(path: Path) -> Survey:
    """Read and validate one survey file."""
    try:
        content = path.read_bytes()
        raw = tomllib.loads(content.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SurveyError(f"{path.name}: cannot be read: {exc}") from exc
    survey = _Parser(path.name, raw).survey()
    return Survey(**{**survey.__dict__, "fingerprint": hashlib.sha256(content).hexdigest()})


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
    for versions in catalogue.values():
        _check_versions(versions)
    return catalogue


def latest(catalogue: dict[str, dict[int, Survey]], survey_id: str) -> Survey:
    """Return the newest version of `survey_id`."""
    versions = catalogue.get(survey_id)
    if not versions:
        raise SurveyError(f"no survey with id {survey_id!r} in {SURVEYS_DIR.name}/")
    return versions[max(versions)]


def _check_versions(versions: dict[int, Survey]) -> None:
    """Refuse a later version that changes the meaning of an earlier one's ids."""
    ordered = [versions[number] for number in sorted(versions)]
    for older, newer in zip(ordered, ordered[1:], strict=False):
        name = f"{newer.id}-v{newer.version}.toml"
        kept = {q.id: q for q in older.questions}
        for question in newer.questions:
            before = kept.get(question.id)
            if before is None:
                continue
            if before.type != question.type:
                raise SurveyError(
                    f"{name}: question {question.id!r}: its type changed from {before.type} to "
                    f"{question.type} since version {older.version}; give the new question a new id"
                )
            missing = [v for v in before.option_values() if v not in question.option_values()]
            if missing:
                raise SurveyError(
                    f"{name}: question {question.id!r}: option ids {missing} of version {older.version} "
                    "are gone; keep option ids stable so answers stay comparable (add new ones instead)"
                )


class _Parser:
    def __init__(self, name: str, raw: dict) -> None:
        self.name = name
        self.raw = raw
        self.languages: tuple[str, ...] = ()
        self.seen: dict[str, Question] = {}
        self.this_page: set[str] = set()

    def fail(self, reason: str, question: str | None = None) -> SurveyError:
        where = f"{self.name}: question {question!r}" if question else self.name
        return SurveyError(f"{where}: {reason}")

    def texts(self, value, what: str, question: str | None = None) -> dict[str, str]:
        if not isinstance(value, dict):
            raise self.fail(f"{what} must be a table of texts per language", question)
        missing = [lang for lang in self.languages if not str(value.get(lang) or "").strip()]
        if missing:
            raise self.fail(f"{what} has no text in {', '.join(missing)}", question)
        return {lang: str(value[lang]).strip() for lang in self.languages}

    def survey(self) -> Survey:
        raw = self.raw
        survey_id = raw.get("id")
        if not isinstance(survey_id, str) or not _ID.match(survey_id):
            raise self.fail("'id' must be lower-case letters, digits and underscores")
        version = raw.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise self.fail("'version' must be a whole number from 1")
        languages = raw.get("languages")
        if not isinstance(languages, list) or not languages or not all(isinstance(x, str) for x in languages):
            raise self.fail("'languages' must list at least one language code")
        self.languages = tuple(languages)
        minutes = raw.get("minutes", 3)
        if not isinstance(minutes, int) or minutes < 1:
            raise self.fail("'minutes' (how long answering takes) must be a whole number from 1")
        pages = raw.get("pages")
        if not isinstance(pages, list) or not pages:
            raise self.fail("a survey needs at least one [[pages]] entry with [[pages.questions]]")
        parsed = tuple(self.page(number, entry) for number, entry in enumerate(pages, start=1))
        return Survey(
            survey_id,
            version,
            self.languages,
            self.texts(raw.get("title"), "'title'"),
            self.texts(raw.get("intro"), "'intro'"),
            minutes,
            parsed,
        )

    def page(self, number: int, entry) -> Page:
        if not isinstance(entry, dict):
            raise self.fail(f"page number {number} must be a table")
        page_id = entry.get("id", f"page{number}")
        if not isinstance(page_id, str) or not _ID.match(page_id):
            raise self.fail(f"page number {number} needs an 'id' of lower-case letters")
        title = self.texts(entry["title"], f"page {page_id!r} 'title'") if "title" in entry else {}
        questions = entry.get("questions")
        if not isinstance(questions, list) or not questions:
            raise self.fail(f"page {page_id!r} needs at least one [[pages.questions]] entry")
        self.this_page = set()
        parsed = tuple(self.question(position, q) for position, q in enumerate(questions, 1))
        return Page(page_id, title, parsed)

    def question(self, position: int, entry) -> Question:
        qid = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(qid, str) or not _ID.match(qid):
            raise self.fail(f"question number {position} on a page needs an 'id' of lower-case letters")
        if qid in self.seen:
            raise self.fail("the id is used twice", qid)
        qtype = entry.get("type")
        if qtype not in QUESTION_TYPES:
            raise self.fail(f"unknown type {qtype!r}; use one of {', '.join(QUESTION_TYPES)}", qid)
        required = entry.get("required", True)
        if not isinstance(required, bool):
            raise self.fail("'required' must be true or false", qid)
        help_text = self.texts(entry["help"], "'help'", qid) if "help" in entry else {}
        options = self.options(entry, qtype, qid)
        minimum, maximum = self.bounds(entry, qtype, qid)
        question = Question(
            qid,
            qtype,
            required,
            self.texts(entry.get("text"), "'text'", qid),
            help_text,
            options,
            minimum,
            maximum,
            self.condition(entry.get("show_if"), qid),
        )
        self.seen[qid] = question
        self.this_page.add(qid)
        return question

    def options(self, entry: dict, qtype: str, qid: str) -> tuple[Option, ...]:
        raw = entry.get("options")
        if qtype == "scale" and raw is None and "min" in entry:
            return self.scale_from_ends(entry, qid)
        if qtype not in CHOICE_TYPES:
            if raw:
                raise self.fail(f"a {qtype} question has no options", qid)
            return ()
        if not isinstance(raw, list) or len(raw) < 2:
            raise self.fail("needs at least two options", qid)
        options = []
        for item in raw:
            value = item.get("value") if isinstance(item, dict) else None
            if qtype == "scale" and (not isinstance(value, int) or isinstance(value, bool)):
                raise self.fail("every scale option needs a whole-number 'value'", qid)
            if qtype != "scale" and (not isinstance(value, str) or not _ID.match(value)):
                raise self.fail("every option needs a 'value' id of lower-case letters", qid)
            options.append(Option(value, self.texts(item.get("text"), f"option {value!r}", qid)))
        values = [option.value for option in options]
        if len(set(values)) != len(values):
            raise self.fail("two options share a value", qid)
        return tuple(options)

    def scale_from_ends(self, entry: dict, qid: str) -> tuple[Option, ...]:
        low, high = entry.get("min"), entry.get("max")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high)) or high - low < 1:
            raise self.fail("a scale needs whole numbers 'min' < 'max'", qid)
        if high - low > 10:
            raise self.fail("a scale has at most 11 steps", qid)
        ends = {
            low: self.texts(entry.get("min_label"), "'min_label'", qid),
            high: self.texts(entry.get("max_label"), "'max_label'", qid),
        }
        return tuple(
            Option(v, {lang: f"{v} – {ends[v][lang]}" if v in ends else str(v) for lang in self.languages})
            for v in range(low, high + 1)
        )

    def bounds(self, entry: dict, qtype: str, qid: str):
        if qtype not in ("number", "date"):
            return None, None
        low, high = entry.get("min"), entry.get("max")
        if qtype == "number":
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high)) or low > high:
                raise self.fail("a number question needs whole numbers 'min' <= 'max'", qid)
            return low, high
        for value in (low, high):
            if value is not None and not isinstance(value, date):
                raise self.fail("a date question's 'min' and 'max' are dates such as 2020-01-01", qid)
        if low and high and low > high:
            raise self.fail("'min' is after 'max'", qid)
        return low, high

    def condition(self, raw, qid: str) -> Condition | None:
        if raw is None:
            return None
        answered = isinstance(raw, dict) and raw.get("answered") is True and "values" not in raw
        if not isinstance(raw, dict) or not (
            answered or (isinstance(raw.get("values"), list) and raw["values"] and "answered" not in raw)
        ):
            raise self.fail(
                "'show_if' needs a 'question' and either a list of 'values' or 'answered = true'", qid
            )
        target = self.seen.get(raw.get("question"))
        if target is None:
            raise self.fail(
                f"'show_if' refers to {raw.get('question')!r}, which is not an earlier question", qid
            )
        if target.id in self.this_page:
            # Pages work without JavaScript, so a condition can only look at answers already sent.
            raise self.fail(
                f"'show_if' refers to {target.id!r} on the same page; put it on an earlier page", qid
            )
        if answered:
            return Condition(target.id, answered=True)
        unknown = [v for v in raw["values"] if v not in target.option_values()]
        if unknown:
            raise self.fail(f"'show_if' values {unknown} are not options of {target.id!r}", qid)
        return Condition(target.id, tuple(raw["values"]))
