"""The 95% intervals against published reference values."""

import math

import pytest

from followup.results.intervals import mean_interval, wilson


# Newcombe (1998), "Two-sided confidence intervals for the single proportion", Statistics in
# Medicine 17: 857-872, table I, method 3 (Wilson's score interval without continuity correction).
@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)],
)
def test_wilson_interval_equals_newcombes_table(successes, n, low, high):
    found = wilson(successes, n)
    assert found == pytest.approx((low, high), abs=0.00005)


def test_no_interval_for_a_share_of_nobody():
    assert wilson(0, 0) is None


def test_mean_interval_uses_student_t_with_n_minus_1_degrees_of_freedom():
    # Scores 1 to 5: mean 3, standard deviation sqrt(2.5); t(0.975, 4) = 2.7764 in every t table.
    mean, low, high = mean_interval(5, 15.0, 55.0)
    half = 2.7764 * math.sqrt(2.5 / 5)
    assert (mean, low, high) == pytest.approx((3.0, 3.0 - half, 3.0 + half), abs=0.0001)


def test_mean_interval_of_thirty_scores():
    # 30 scores, 15 of 40 and 15 of 60: mean 50, s = 10.17; t(0.975, 29) = 2.0452.
    scores = [40.0] * 15 + [60.0] * 15
    mean, low, high = mean_interval(30, sum(scores), sum(s * s for s in scores))
    s = math.sqrt(sum((x - 50) ** 2 for x in scores) / 29)
    assert (mean, low, high) == pytest.approx(
        (50.0, 50 - 2.0452 * s / math.sqrt(30), 50 + 2.0452 * s / math.sqrt(30)), abs=0.001
    )


def test_equal_scores_give_an_interval_of_no_width_even_when_rounding_makes_the_variance_negative():
    scores = [3.3] * 6  # summed in floats, squares - n * mean**2 comes out at -1.4e-14
    n, total, squares = len(scores), sum(scores), sum(s * s for s in scores)
    assert squares - n * (total / n) ** 2 < 0
    mean, low, high = mean_interval(n, total, squares)
    assert low == pytest.approx(mean, abs=1e-12) and high == pytest.approx(mean, abs=1e-12)


def test_one_score_has_a_mean_and_no_interval():
    mean, low, high = mean_interval(1, 48.0, 48.0 * 48.0)
    assert mean == 48.0 and math.isnan(low) and math.isnan(high)


def test_no_mean_of_nobody():
    assert mean_interval(0, 0.0, 0.0) is None
