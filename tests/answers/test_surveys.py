import shutil
from datetime import date

import pytest

from followup.answers.answering import check_fingerprints, remember_fingerprint
from followup.answers.surveys import SURVEYS_DIR, AnswerError, SurveyError, latest, load_survey, load_surveys

GOOD = """
id = "mini"
version = 1
languages = ["sv", "en"]
title = { sv = "Titel", en = "Title" }
intro = { sv = "Intro", en = "Intro" }

[[pages]]
id = "first"

[[pages.questions]]
id = "feel"
type = "scale"
text = { sv = "Mående", en = "Feeling" }
options = [
  { value = 1, text = { sv = "Bra", en = "Good" } },
  { value = 0, text = { sv = "Dåligt", en = "Bad" } },
]

[[pages.questions]]
id = "doing"
type = "single_choice"
text = { sv = "Gör", en = "Doing" }
options = [
  { value = "work", text = { sv = "Arbete", en = "Work" } },
  { value = "rest", text = { sv = "Vila", en = "Rest" } },
]

[[pages]]
id = "second"

[[pages.questions]]
id = "hours"
type = "number"
required = false
min = 1
max = 80
text = { sv = "Timmar", en = "Hours" }
show_if = { question = "doing", values = ["work"] }

[[pages.questions]]
id = "since"
type = "date"
required = false
min = 2020-01-01
text = { sv = "Sedan", en = "Since" }

[[pages.questions]]
id = "sources"
type = "multiple_choice"
required = false
text = { sv = "Inkomster", en = "Income" }
options = [
  { value = "salary", text = { sv = "Lön", en = "Salary" } },
  { value = "student_aid", text = { sv = "CSN", en = "Student aid" } },
]

[[pages.questions]]
id = "mood"
type = "scale"
min = 1
max = 5
min_label = { sv = "Inte alls", en = "Not at all" }
max_label = { sv = "Mycket", en = "Very much" }
text = { sv = "Hur mycket?", en = "How much?" }

[[pages.questions]]
id = "word"
type = "short_text"
required = false
text = { sv = "Ett ord", en = "One word" }
"""


def write(tmp_path, text, name="mini-v1.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_question_type_loads(tmp_path):
    survey = load_survey(write(tmp_path, GOOD))
    assert [p.id for p in survey.pages] == ["first", "second"]
    assert [q.type for q in survey.questions] == [
        "scale",
        "single_choice",
        "number",
        "date",
        "multiple_choice",
        "scale",
        "short_text",
    ]
    mood = survey.question("mood")
    assert mood.option_values() == [1, 2, 3, 4, 5]
    assert mood.options[0].text["en"] == "1 – Not at all" and mood.options[2].text["en"] == "3"


def test_the_standard_survey_uses_the_format():
    survey = latest(load_surveys(), "standard")
    assert [p.id for p in survey.pages] == ["now", "support", "wellbeing", "programme", "more", "quote"]
    assert [f"who5_{n}" for n in range(1, 6)] == [q.id for q in survey.pages[2].questions]
    assert survey.question("who5_1").option_values() == [5, 4, 3, 2, 1, 0]
    assert len(survey.question("main_activity").options) == 11
    assert survey.question("work_hours").show_if.question == "main_activity"
    assert not survey.question("comment").required
    consent = survey.question("quote_consent")
    assert not consent.required and consent.option_values() == ["yes", "no"]
    assert consent.show_if.question == "comment" and consent.show_if.answered


def test_version_3_is_version_2_and_the_consent_to_quote_after_a_comment():
    versions = load_surveys()["standard"]
    v2, v3 = versions[2], versions[3]
    assert latest(load_surveys(), "standard") is not v2 and latest(load_surveys(), "standard").version == 3
    assert v3.pages[:-1] == v2.pages and (v3.title, v3.intro) == (v2.title, v2.intro)
    assert [q.id for q in v3.pages[-1].questions] == ["quote_consent"]
    for language in ("sv", "en"):
        assert "citera" in v3.question("quote_consent").text["sv"]
        assert v3.question("quote_consent").help[language]


def test_the_consent_is_asked_only_after_a_comment_and_dropped_with_it():
    survey = load_surveys()["standard"][3]
    answered = {"comment": "Bra stöd", "quote_consent": "yes"}
    assert survey.shown_pages({})[-1].id == "more"
    assert survey.shown_pages({"comment": "Bra stöd"})[-1].id == "quote"
    page = survey.pages[-1]
    assert survey.clean_page(page, {"quote_consent": "yes"}, {"comment": "x"})["quote_consent"] == "yes"
    assert "quote_consent" not in survey.clean_page(page, {"quote_consent": "yes"}, {})
    # Taking the comment back takes the consent with it: there is nothing left to quote.
    more = survey.question("comment")
    assert more.is_shown(answered) and survey.question("quote_consent").is_shown(answered)
    cleaned = _cleaned_without_comment(survey, answered)
    assert "quote_consent" not in cleaned and "comment" not in cleaned


def _cleaned_without_comment(survey, answers):
    complete = {
        "main_activity": "work",
        "social_assistance": "no",
        **{f"who5_{n}": 3 for n in range(1, 6)},
        "next_step_start": "not_yet",
        "programme_helped": "a_little",
    }
    return survey.clean({**complete, **answers, "comment": "   "})


@pytest.mark.parametrize(
    "condition",
    [
        'show_if = { question = "word", answered = false }',
        'show_if = { question = "word", answered = true, values = ["x"] }',
        'show_if = { question = "word" }',
    ],
)
def test_an_answered_condition_is_true_or_a_list_of_values(tmp_path, condition):
    text = (
        GOOD
        + f"""
[[pages]]
id = "third"

[[pages.questions]]
id = "quote_ok"
type = "single_choice"
required = false
text = {{ sv = "Citat?", en = "Quote?" }}
{condition}
options = [
  {{ value = "yes", text = {{ sv = "Ja", en = "Yes" }} }},
  {{ value = "no", text = {{ sv = "Nej", en = "No" }} }},
]
"""
    )
    with pytest.raises(SurveyError, match="'show_if' needs a 'question' and either a list of 'values' or"):
        load_survey(write(tmp_path, text))
    good = load_survey(
        write(tmp_path, text.replace(condition, 'show_if = { question = "word", answered = true }'))
    )
    assert good.question("quote_ok").is_shown({"word": "hej"})
    assert not good.question("quote_ok").is_shown({"word": ""}) and not good.question("quote_ok").is_shown({})


MALFORMED = [
    (
        ('type = "number"', 'type = "slider"'),
        "question 'hours': unknown type 'slider'; use one of single_choice, multiple_choice, scale, number, "
        "date, short_text, long_text",
    ),
    (('en = "Feeling"', 'de = "Gefühl"'), "question 'feel': 'text' has no text in en"),
    (('id = "word"', 'id = "feel"'), "question 'feel': the id is used twice"),
    (
        ('question = "doing"', 'question = "mood"'),
        "question 'hours': 'show_if' refers to 'mood', which is not an earlier question",
    ),
    (
        ('values = ["work"]', 'values = ["astronaut"]'),
        "question 'hours': 'show_if' values ['astronaut'] are not options of 'doing'",
    ),
    (("value = 0,", "value = 1,"), "question 'feel': two options share a value"),
    (("value = 0,", 'value = "zero",'), "question 'feel': every scale option needs a whole-number 'value'"),
    (
        ("min = 1\nmax = 80", "max = 80"),
        "question 'hours': a number question needs whole numbers 'min' <= 'max'",
    ),
    (
        ("min = 2020-01-01", 'min = "last year"'),
        "question 'since': a date question's 'min' and 'max' are dates such as 2020-01-01",
    ),
    (("max = 5\n", "max = 50\n"), "question 'mood': a scale has at most 11 steps"),
    (("version = 1", "version = 0"), "'version' must be a whole number from 1"),
    (('title = { sv = "Titel", en = "Title" }', ""), "'title' must be a table of texts per language"),
    (('languages = ["sv", "en"]', "languages = []"), "'languages' must list at least one language code"),
    (('id = "mini"', 'id = "mini'), "cannot be read"),
    (('id = "mini"', 'id = "Mini"'), "'id' must be lower-case letters, digits and underscores"),
    (("version = 1", "version = true"), "'version' must be a whole number from 1"),
    (
        ("version = 1", "version = 1\nminutes = 0"),
        "'minutes' (how long answering takes) must be a whole number from 1",
    ),
    (('id = "first"', 'id = "First"'), "page number 1 needs an 'id' of lower-case letters"),
    (('id = "second"', 'id = "second"\ntitle = { sv = "Två" }'), "page 'second' 'title' has no text in en"),
    (('id = "feel"\n', ""), "question number 1 on a page needs an 'id' of lower-case letters"),
    (
        ("required = false\nmin = 1", 'required = "no"\nmin = 1'),
        "question 'hours': 'required' must be true or false",
    ),
    (
        ('id = "word"\n', 'id = "word"\nhelp = "Ett ord"\n'),
        "question 'word': 'help' must be a table of texts per language",
    ),
    (
        ('id = "word"\ntype = "short_text"', 'id = "word"\ntype = "short_text"\noptions = [{ value = "a" }]'),
        "question 'word': a short_text question has no options",
    ),
    (
        ('  { value = "rest", text = { sv = "Vila", en = "Rest" } },\n', ""),
        "question 'doing': needs at least two options",
    ),
    (
        ('value = "work"', 'value = "Work"'),
        "question 'doing': every option needs a 'value' id of lower-case letters",
    ),
    (
        ('value = "work"', "value = 1"),
        "question 'doing': every option needs a 'value' id of lower-case letters",
    ),
    (("min = 1\nmax = 5", "min = 5\nmax = 5"), "question 'mood': a scale needs whole numbers 'min' < 'max'"),
    (
        ("min = 1\nmax = 5", "min = 1.5\nmax = 5"),
        "question 'mood': a scale needs whole numbers 'min' < 'max'",
    ),
    (("min = 1\nmax = 5", "min = 0\nmax = 10"), None),  # 11 steps are allowed
    (
        ("min = 1\nmax = 80", "min = 81\nmax = 80"),
        "question 'hours': a number question needs whole numbers 'min' <= 'max'",
    ),
    (
        ("min = 1\nmax = 80", "min = 1\nmax = true"),
        "question 'hours': a number question needs whole numbers 'min' <= 'max'",
    ),
    (("min = 2020-01-01", "min = 2020-01-01\nmax = 2019-12-31"), "question 'since': 'min' is after 'max'"),
    (
        ("min = 2020-01-01", 'max = "now"'),
        "question 'since': a date question's 'min' and 'max' are dates such as 2020-01-01",
    ),
    (
        (
            'show_if = { question = "doing", values = ["work"] }',
            'show_if = { question = "since", values = ["x"] }',
        ),
        "question 'hours': 'show_if' refers to 'since', which is not an earlier question",
    ),
    (
        (
            'show_if = { question = "doing", values = ["work"] }',
            'show_if = { question = "doing", values = [] }',
        ),
        "question 'hours': 'show_if' needs a 'question' and either a list of 'values' or 'answered = true'",
    ),
    (('intro = { sv = "Intro", en = "Intro" }', 'intro = { fi = "Intro" }'), "'intro' has no text in sv, en"),
    (
        (
            '{ value = "rest", text = { sv = "Vila", en = "Rest" } }',
            '{ value = "rest", text = { sv = "Vila" } }',
        ),
        "question 'doing': option 'rest' has no text in en",
    ),
    (
        ('min_label = { sv = "Inte alls", en = "Not at all" }', 'min_label = { sv = "Inte alls" }'),
        "question 'mood': 'min_label' has no text in en",
    ),
    (
        ('max_label = { sv = "Mycket", en = "Very much" }', 'max_label = { en = "Very much" }'),
        "question 'mood': 'max_label' has no text in sv",
    ),
    (("min = 1\nmax = 5", "min = 0\nmax = 11"), "question 'mood': a scale has at most 11 steps"),
    (
        ('values = ["work"]', 'values = ["work", "astronaut"]'),
        "question 'hours': 'show_if' values ['astronaut'] are not options of 'doing'",
    ),
    (
        ('{ value = "work", text = { sv = "Arbete", en = "Work" } },', '"work",'),
        "question 'doing': every option needs a 'value' id of lower-case letters",
    ),
    (("min = 1\nmax = 5", "min = 1\nmax = 2"), None),  # two points make a scale
    (("min = 1\nmax = 5", "min = 5\nmax = 10"), None),
    (("min = 1\nmax = 80", "min = 5\nmax = 5"), None),  # one number allowed
    (("min = 2020-01-01", "min = 2020-01-01\nmax = 2020-01-01"), None),
]


@pytest.mark.parametrize(("change", "message"), MALFORMED, ids=[m or c[1] for c, m in MALFORMED])
def test_a_malformed_survey_names_file_question_and_reason(tmp_path, change, message):
    assert change[0] in GOOD
    if message is None:
        assert load_survey(write(tmp_path, GOOD.replace(*change))).id == "mini"
        return
    with pytest.raises(SurveyError) as caught:
        load_survey(write(tmp_path, GOOD.replace(*change)))
    # The whole message: the file, the question where there is one, and what to write instead.
    if message == "cannot be read":
        assert str(caught.value).startswith("mini-v1.toml: cannot be read: ")
    else:
        assert str(caught.value) == "mini-v1.toml: " + message
    if message.startswith(("'version'", "'title'", "'languages'", "'id'", "'minutes'", "cannot", "page")):
        assert "question" not in str(caught.value).split(":")[1], "a survey's own fault names no question"


def one_language(pages):
    return (
        'id = "mini"\nversion = 1\nlanguages = ["sv"]\ntitle = { sv = "T" }\nintro = { sv = "I" }\n' + pages
    )


TEXT_THEN_CONDITION = """
[[pages]]
id = "p"
questions = [{ id = "name", type = "short_text", text = { sv = "Namn" } }]

[[pages]]
id = "q"

[[pages.questions]]
id = "x"
type = "short_text"
text = { sv = "X" }
show_if = { question = "name", values = ["a"] }
"""


@pytest.mark.parametrize(
    ("pages", "message"),
    [
        ("", "a survey needs at least one [[pages]] entry with [[pages.questions]]"),
        ('pages = "all"', "a survey needs at least one [[pages]] entry with [[pages.questions]]"),
        ('pages = ["first"]', "page number 1 must be a table"),
        (
            'pages = [{ id = "p", questions = "all" }]',
            "page 'p' needs at least one [[pages.questions]] entry",
        ),
        (
            'pages = [{ id = "p", questions = ["q"] }]',
            "question number 1 on a page needs an 'id' of lower-case letters",
        ),
        (TEXT_THEN_CONDITION, "question 'x': 'show_if' values ['a'] are not options of 'name'"),
    ],
    ids=[
        "no pages",
        "pages not a list",
        "a page not a table",
        "questions not a list",
        "a question not a table",
        "a condition on a text",
    ],
)
def test_a_survey_s_pages_and_questions_are_tables_in_lists(tmp_path, pages, message):
    with pytest.raises(SurveyError) as caught:
        load_survey(write(tmp_path, one_language(pages)))
    assert str(caught.value) == "mini-v1.toml: " + message


def test_what_a_survey_keeps_and_its_defaults(tmp_path):
    survey = load_survey(write(tmp_path, GOOD.replace('id = "first"\n', "")))
    assert survey.minutes == 3
    assert [page.id for page in survey.pages] == ["page1", "second"]
    assert survey.intro == {"sv": "Intro", "en": "Intro"} and survey.pages[1].title == {}

    titled = GOOD.replace('id = "second"\n', 'id = "second"\ntitle = { sv = "Två", en = "Two" }\n')
    survey = load_survey(write(tmp_path, titled.replace("version = 1", "version = 1\nminutes = 1")))
    assert survey.minutes == 1
    assert survey.pages[1].title == {"sv": "Två", "en": "Two"}


def test_a_condition_must_look_at_an_earlier_page(tmp_path):
    text = GOOD.replace('[[pages]]\nid = "second"\n', "")
    with pytest.raises(SurveyError, match="question 'hours': 'show_if' refers to 'doing' on the same page"):
        load_survey(write(tmp_path, text))


def test_a_third_language_needs_no_code(tmp_path):
    text = GOOD.replace('languages = ["sv", "en"]', 'languages = ["sv", "en", "fi"]')
    text = text.replace('en = "', 'fi = "FI", en = "')
    survey = load_survey(write(tmp_path, text))
    assert survey.languages == ("sv", "en", "fi") and survey.question("feel").text["fi"] == "FI"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('{ value = "rest",', '{ value = "relax",'),
            "mini-v2.toml: question 'doing': option ids ['rest'] of version 1 are gone",
        ),
        (
            ('id = "hours"\ntype = "number"', 'id = "hours"\ntype = "short_text"'),
            "mini-v2.toml: question 'hours': its type changed from number to short_text",
        ),
    ],
)
def test_a_new_version_keeps_the_ids_of_the_old(tmp_path, change, message):
    write(tmp_path, GOOD)
    text = GOOD.replace("version = 1", "version = 2").replace(*change)
    text = text.replace("min = 1\nmax = 80\n", "") if "short_text" in change[1] else text
    write(tmp_path, text, name="mini-v2.toml")
    with pytest.raises(SurveyError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_surveys(tmp_path)


def test_a_new_version_may_add_options_and_questions(tmp_path):
    write(tmp_path, GOOD)
    added = GOOD.replace("version = 1", "version = 2").replace(
        '{ value = "rest",',
        '{ value = "studies", text = { sv = "Studier", en = "Studies" } },\n  { value = "rest",',
    )
    write(tmp_path, added, name="mini-v2.toml")
    assert latest(load_surveys(tmp_path), "mini").version == 2


def test_the_file_name_must_match_id_and_version(tmp_path):
    write(tmp_path, GOOD, name="mini-v2.toml")
    with pytest.raises(
        SurveyError, match="mini-v2.toml: the file says id 'mini' version 1, which does not match"
    ):
        load_surveys(tmp_path)
    (tmp_path / "mini-v2.toml").rename(tmp_path / "mini.toml")
    with pytest.raises(SurveyError, match=r"^mini.toml: the file name must be <survey id>-v<version>\.toml$"):
        load_surveys(tmp_path)


def test_an_answered_version_cannot_change_in_place(db, tmp_path):
    folder = tmp_path / "surveys"
    shutil.copytree(SURVEYS_DIR, folder)
    answered = latest(load_surveys(folder), "standard").version
    remember_fingerprint(latest(load_surveys(folder), "standard"))
    check_fingerprints(load_surveys(folder))
    path = folder / f"standard-v{answered}.toml"
    path.write_text(path.read_text().replace("Just nu", "Nu"), encoding="utf-8")
    with pytest.raises(
        SurveyError,
        match=f"standard-v{answered}.toml: the file has changed since answers.*standard-v{answered + 1}.toml",
    ):
        check_fingerprints(load_surveys(folder))


def test_clean_follows_conditions_and_keeps_zero(tmp_path):
    survey = load_survey(write(tmp_path, GOOD))
    answers = {"feel": "0", "doing": "rest", "hours": "12", "mood": "3", "sources": ["salary"]}
    assert survey.clean(answers) == {"feel": 0, "doing": "rest", "mood": 3, "sources": ["salary"]}
    assert survey.clean({**answers, "doing": "work"})["hours"] == 12
    with pytest.raises(AnswerError) as caught:
        survey.clean(
            {
                "feel": 9,
                "doing": "work",
                "hours": "99",
                "since": "2019-12-31",
                "mood": "x",
                "sources": ["lottery"],
                "word": "x" * 201,
            }
        )
    assert caught.value.errors == {
        "feel": "invalid_choice",
        "hours": "too_large",
        "since": "too_small",
        "sources": "invalid_choice",
        "mood": "not_a_number",
        "word": "too_long",
    }
    assert [p.id for p in survey.shown_pages({"doing": "rest"})] == ["first", "second"]


def test_answers_to_a_survey_whose_files_are_all_gone_are_named(db, tmp_path):
    folder = tmp_path / "surveys"
    shutil.copytree(SURVEYS_DIR, folder)
    standard = latest(load_surveys(folder), "standard")
    remember_fingerprint(standard)
    for path in folder.glob("standard-v*.toml"):
        path.unlink()
    with pytest.raises(
        SurveyError, match=f"standard-v{standard.version}.toml: the file is gone.*put it back"
    ):
        check_fingerprints(load_surveys(folder))


def test_each_type_s_answer_is_stored_in_its_form_or_refused_with_its_reason(tmp_path):
    survey = load_survey(write(tmp_path, GOOD))
    sources, since, hours, word = (survey.question(q) for q in ("sources", "since", "hours", "word"))
    assert sources.clean("student_aid") == ["student_aid"]
    assert sources.clean(["student_aid", "salary"]) == ["salary", "student_aid"]  # in the options' order
    assert since.clean(" 2024-05-01 ") == "2024-05-01" and since.clean(date(2020, 1, 1)) == "2020-01-01"
    assert hours.clean(" 80 ") == 80 and hours.clean("1") == 1
    assert word.clean("  hej  ") == "hej" and word.clean("x" * 200) == "x" * 200
    assert [q.clean(blank) for q in (word, sources, hours) for blank in (None, "", "  ", [])] == [None] * 12
    for question, value, reason in (
        (since, "1 maj", "not_a_date"),
        (hours, "0", "too_small"),
        (hours, "81", "too_large"),
        (hours, [3], "not_a_number"),
        (survey.question("doing"), "work ", None),
    ):
        if reason is None:
            assert question.clean(value) == "work"
            continue
        with pytest.raises(ValueError, match=f"^{reason}$"):
            question.clean(value)
    with pytest.raises(AnswerError) as caught:
        survey.clean({"doing": "work", "hours": " "})
    assert caught.value.errors == {"feel": "required", "mood": "required"}
    assert str(caught.value) == "feel: required, mood: required"
    with pytest.raises(KeyError, match="nothing"):
        survey.question("nothing")


def test_the_pages_left_to_answer_and_the_pages_an_answer_brings_in(tmp_path):
    survey = load_survey(write(tmp_path, GOOD))
    first, second = survey.pages
    assert survey.first_incomplete({}) is first
    assert survey.first_incomplete({"feel": 1, "doing": "rest"}) is second  # mood is required
    assert survey.first_incomplete({"feel": 1, "doing": "rest", "mood": 2}) is None
    assert survey.may_bring_in_pages(first) and not survey.may_bring_in_pages(second)
    page = survey.clean_page(second, {"mood": "4", "hours": "7"}, {"doing": "work", "mood": 1})
    assert page == {"doing": "work", "mood": 4, "hours": 7}
    with pytest.raises(SurveyError, match="no survey with id 'other' in surveys/"):
        latest(load_surveys(tmp_path), "other")


def test_a_condition_on_a_multiple_choice_holds_when_any_chosen_value_is_listed(tmp_path):
    text = GOOD.replace('id = "word"\n', 'id = "word"\nshow_if = { question = "doing", values = ["rest"] }\n')
    survey = load_survey(write(tmp_path, text))
    word = survey.question("word")
    assert word.is_shown({"doing": "rest"}) and not word.is_shown({"doing": "work"})
    assert word.is_shown({"doing": ["work", "rest"]}) and not word.is_shown({"doing": ["work"]})
    assert not word.is_shown({})


def test_a_version_that_adds_a_question_before_a_changed_one_is_still_refused(tmp_path):
    write(tmp_path, GOOD)
    added = '[[pages.questions]]\nid = "extra"\ntype = "short_text"\nrequired = false\n'
    added += 'text = { sv = "E", en = "E" }\n\n'
    text = GOOD.replace("version = 1", "version = 2").replace(
        '[[pages.questions]]\nid = "hours"', added + '[[pages.questions]]\nid = "hours"'
    )
    text = text.replace('id = "hours"\ntype = "number"', 'id = "hours"\ntype = "short_text"').replace(
        "min = 1\nmax = 80\n", ""
    )
    write(tmp_path, text, name="mini-v2.toml")
    with pytest.raises(SurveyError, match="mini-v2.toml: question 'hours': its type changed from number"):
        load_surveys(tmp_path)


FOUR_PAGES = (
    GOOD.replace('id = "mood"', 'id = "mood_old"').replace(
        '[[pages]]\nid = "second"\n',
        '[[pages]]\nid = "second"\n',
    )
    + """
[[pages]]
id = "third"

[[pages.questions]]
id = "mood"
type = "single_choice"
text = { sv = "Humör", en = "Mood" }
options = [
  { value = "calm", text = { sv = "Lugn", en = "Calm" } },
  { value = "tired", text = { sv = "Trött", en = "Tired" } },
]

[[pages]]
id = "fourth"

[[pages.questions]]
id = "why"
type = "short_text"
text = { sv = "Varför?", en = "Why?" }
show_if = { question = "mood", values = ["tired"] }
"""
)


def test_which_pages_an_answer_brings_in_and_a_required_question_brought_in(tmp_path):
    # The first page's answer brings in a question of the second page (not the last); the third's
    # brings in a required question on the fourth; the second's brings in nothing.
    survey = load_survey(write(tmp_path, FOUR_PAGES))
    first, second, third, fourth = survey.pages
    assert [survey.may_bring_in_pages(p) for p in survey.pages] == [True, False, True, False]
    done = {"feel": 1, "doing": "rest", "mood_old": 3}
    assert survey.first_incomplete({**done, "mood": "calm"}) is None
    assert survey.first_incomplete({**done, "mood": "tired"}) is fourth
    assert survey.first_incomplete({**done, "mood": "tired", "why": "sömn"}) is None
    assert survey.first_incomplete({"feel": 1, "doing": "work", "mood_old": 3}) is third
    # An answer to a question no longer shown goes when its page is saved again.
    saved = survey.clean_page(second, {"hours": "7", "mood_old": "3"}, {**done, "hours": 7})
    assert "hours" not in saved and saved["mood_old"] == 3
