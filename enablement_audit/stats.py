"""Statistics for adoption versus performance (SPEC section 5): differences between adopters and
non-adopters with 95% intervals, their combination across tenure strata, and the verdict text.

Pure functions, no database code. Every difference is ``a - b`` (adopters minus non-adopters).
Proportions use the Wald interval; means use Welch's t interval (scipy.stats); stratum
estimates are combined by inverse-variance weighting (fixed effect) with a normal interval.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import special, stats

CONFIDENCE = 0.95
INSUFFICIENT = "insufficient evidence"
POSITIVE = "positive association"
NEGATIVE = "negative association"
NO_CLEAR_DIFFERENCE = "no clear difference"
CAVEAT = "association, not proof of cause"


@dataclass(frozen=True)
class Estimate:
    """A difference ``a - b`` with its standard error and two-sided interval."""

    difference: float
    std_error: float
    ci_low: float
    ci_high: float
    method: str
    df: float | None = None

    @property
    def is_significant(self) -> bool:
        """Significant only when the interval excludes zero."""
        return self.ci_low > 0 or self.ci_high < 0


@functools.cache
def _z(confidence: float) -> float:
    return float(stats.norm.ppf(0.5 + confidence / 2))


def _normal_interval(difference: float, std_error: float, confidence: float, method: str) -> Estimate:
    half = _z(confidence) * std_error
    return Estimate(difference, std_error, difference - half, difference + half, method)


def proportion_difference(
    successes_a: int, n_a: int, successes_b: int, n_b: int, confidence: float = CONFIDENCE
) -> Estimate | None:
    """Wald interval for ``p_a - p_b``: ``d ± z * sqrt(p_a(1-p_a)/n_a + p_b(1-p_b)/n_b)``.

    Returns None when either group has no trials. When both proportions are 0 or 1 the
    standard error is 0 and the interval is the point itself.
    """
    if n_a <= 0 or n_b <= 0:
        return None
    if not (0 <= successes_a <= n_a and 0 <= successes_b <= n_b):
        raise ValueError(f"successes must lie in 0..n: got {successes_a}/{n_a} and {successes_b}/{n_b}")
    p_a, p_b = successes_a / n_a, successes_b / n_b
    std_error = math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
    return _normal_interval(p_a - p_b, std_error, confidence, "wald")


def mean_difference(
    values_a: ArrayLike, values_b: ArrayLike, confidence: float = CONFIDENCE
) -> Estimate | None:
    """Welch's t interval for ``mean(a) - mean(b)`` (unequal variances).

    Returns None when either group has fewer than 2 values (no variance to estimate). When both
    sample variances are 0 the interval is the point itself.
    """
    a = np.asarray(values_a, dtype=float)
    b = np.asarray(values_b, dtype=float)
    if len(a) < 2 or len(b) < 2:
        return None
    se2_a, se2_b = float(a.var(ddof=1)) / len(a), float(b.var(ddof=1)) / len(b)  # sample variances
    difference = float(a.mean() - b.mean())
    std_error = math.sqrt(se2_a + se2_b)
    if std_error == 0:
        return Estimate(difference, 0.0, difference, difference, "welch")
    # Welch-Satterthwaite degrees of freedom (what scipy.stats.ttest_ind(equal_var=False) uses)
    df = (se2_a + se2_b) ** 2 / (se2_a**2 / (len(a) - 1) + se2_b**2 / (len(b) - 1))
    # stats.t.ppf(q, df) computes special.stdtrit(df, q), with far more overhead per call
    half = float(special.stdtrit(df, 0.5 + confidence / 2)) * std_error
    return Estimate(difference, std_error, difference - half, difference + half, "welch", df)


def combine_inverse_variance(
    estimates: Iterable[Estimate | None], confidence: float = CONFIDENCE
) -> Estimate | None:
    """Inverse-variance (fixed-effect) combination of stratum estimates:
    ``d = Σ w_i d_i / Σ w_i`` with ``w_i = 1 / se_i²`` and ``se = sqrt(1 / Σ w_i)``, normal
    interval. Strata without an estimate, or with a zero standard error (whose weight would be
    infinite), are left out; None when none is left."""
    usable = [e for e in estimates if e is not None and e.std_error > 0 and math.isfinite(e.std_error)]
    if not usable:
        return None
    weights = [1 / e.std_error**2 for e in usable]
    total = sum(weights)
    difference = sum(w * e.difference for w, e in zip(weights, usable, strict=True)) / total
    return _normal_interval(difference, math.sqrt(1 / total), confidence, "inverse_variance")


def verdict(n_a: int, n_b: int, estimate: Estimate | None, min_n: int) -> str:
    """'insufficient evidence' when either cohort is below ``min_n`` or nothing could be
    estimated; otherwise the sign of a significant difference, or 'no clear difference'."""
    if n_a < min_n or n_b < min_n or estimate is None:
        return INSUFFICIENT
    if estimate.ci_low > 0:
        return POSITIVE
    if estimate.ci_high < 0:
        return NEGATIVE
    return NO_CLEAR_DIFFERENCE
