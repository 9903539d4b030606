"""95% confidence intervals: Wilson's for shares, Student's t for means.

SciPy computes both: `binomtest(...).proportion_ci(method="wilson")` is the Wilson score interval
without continuity correction (the one recommended by Brown, Cai and DasGupta 2001 for small n),
and SciPy is already needed for the disclosure control's linear programmes, so no second
statistics package (statsmodels would bring pandas along) is needed.
"""

from __future__ import annotations

import math
from functools import lru_cache

from scipy.stats import binomtest, t

LEVEL = 0.95


@lru_cache(maxsize=65536)
def wilson(successes: int, n: int) -> tuple[float, float] | None:
    """Return the Wilson 95% interval of successes/n, or None when n is 0."""
    if n <= 0:
        return None
    found = binomtest(int(successes), int(n)).proportion_ci(confidence_level=LEVEL, method="wilson")
    return float(found.low), float(found.high)


def mean_interval(n: int, total: float, squares: float) -> tuple[float, float, float] | None:
    """Return the mean and its 95% t interval from n, the sum and the sum of squares."""
    if n <= 0:
        return None
    mean = total / n
    if n == 1:
        return mean, math.nan, math.nan
    variance = max(squares - n * mean * mean, 0.0) / (n - 1)
    half = t.ppf(0.5 + LEVEL / 2, n - 1) * math.sqrt(variance / n)
    return mean, mean - half, mean + half
