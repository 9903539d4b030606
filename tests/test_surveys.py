import pytest

from followup.surveys import AnswerError, SurveyError, latest, load_survey, load_surveys

GOOD = """
id = "mini"
version = 1
languages = ["sv", "en"]
title = { sv = "Titel", en = "Title" }
intro = { sv = "Intro", en = "Intro" }

[[questions]]
id = "feel"
type = "scale"
text = { sv = "Mående", en = "Feeling" }
options = [
  { value = 1, text = { sv = "Bra", en = "Good" } },
  { value = 0, text = { sv = "Dåligt", en = "Bad" } },
]
"""


def test_the_standard_survey_loads_with_its_questions():
    survey = latest(load_surveys(), "standard")
    ids = [q.id for q in survey.questions]
    assert ids[:2] == ["main_activity", "social_assistance"]
    assert [f"who5_{n}" for n in range(1, 6)] == ids[2:7]
    assert {"next_step_start", "programme_helped", "comment"} <= set(ids)
    assert survey.question("who5_1").option_values() == [5, 4, 3, 2, 1, 0]
    assert len(survey.question("main_activity").options) == 11
    assert not survey.question("comment").required
    for question in survey.questions:
        assert set(question.text) == {"sv", "en"}


def write(tmp_path, text, name="mini-v1.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('type = "scale"', 'type = "slider"'), "question 'feel': unknown type 'slider'"),
        (('en = "Feeling"', 'de = "Gefühl"'), "question 'feel': 'text' has no text in en"),
        (('id = "feel"', 'id = "Feel!"'), "question number 1 needs an 'id'"),
        (("value = 0", "value = 1"), "question 'feel': two options share a value"),
        (("value = 0", 'value = "zero"'), "question 'feel': every scale option needs a whole-number 'value'"),
        (("version = 1", "version = 0"), "'version' must be a whole number"),
        (('title = { sv = "Titel", en = "Title" }', ""), "'title' must be a table"),
        (("[[questions]]", "[[question]]"), "at least one [[questions]]"),
        (('id = "mini"', 'id = "mini'), "cannot be read"),
    ],
)
def test_a_malformed_survey_names_file_question_and_reason(tmp_path, change, message):
    path = write(
        tmp_path, GOOD.replace(*change, 1) if change[0] != 'en = "Feeling"' else GOOD.replace(*change)
    )
    with pytest.raises(SurveyError) as caught:
        load_survey(path)
    assert str(caught.value).startswith("mini-v1.toml")
    assert message in str(caught.value)


def test_a_duplicate_question_id_is_refused(tmp_path):
    text = GOOD + GOOD[GOOD.index("[[questions]]") :]
    with pytest.raises(SurveyError, match="question 'feel': the id is used twice"):
        load_survey(write(tmp_path, text))


def test_the_file_name_must_match_id_and_version(tmp_path):
    write(tmp_path, GOOD, name="mini-v2.toml")
    with pytest.raises(SurveyError, match="mini-v2.toml: the file says id 'mini' version 1"):
        load_surveys(tmp_path)


def test_clean_keeps_zero_and_rejects_what_does_not_fit():
    survey = latest(load_surveys(), "standard")
    answers = {
        "main_activity": "studies",
        "social_assistance": "no",
        **{f"who5_{n}": "0" for n in range(1, 6)},
        "next_step_start": "not_yet",
        "programme_helped": "a_little",
        "comment": "  ",
        "unknown": "ignored",
    }
    cleaned = survey.clean(answers)
    assert cleaned["who5_1"] == 0
    assert "comment" not in cleaned and "unknown" not in cleaned
    with pytest.raises(AnswerError) as caught:
        survey.clean({**answers, "who5_2": 9, "main_activity": "astronaut", "social_assistance": ""})
    assert caught.value.errors == {
        "main_activity": "invalid_choice",
        "social_assistance": "required",
        "who5_2": "invalid_choice",
    }
