import pytest

from followup.cells import neutralise

DANGEROUS = ["=1+2", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1", "=HYPERLINK(x)"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_text_that_could_start_a_formula_gets_an_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Grupp 3", "-3", "+4.5", "-0.25", "1e5", 7, -7, 0.5, None, "", "a=b"])
def test_plain_text_and_numbers_stay_as_they_are(value):
    assert neutralise(value) == value
