"""Statistics for adoption versus performance (SPEC section 5): differences between adopters and
non-adopters with 95% intervals, their combination across tenure strata, and the verdict text.

Pure functions, no database code. Every difference is ``a - b`` (adopters minus non-adopters).
Proportions use the Wald interval; means use Welch's t interval (the quantiles from
scipy.special); stratum estimates are combined by inverse-variance weighting (fixed effect) with
a normal interval.

The mart estimates thousands of differences at once, so each method works on arrays
(:class:`Estimates`, NaN where nothing could be estimated); the scalar functions are the same
computation on arrays of one.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

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


@dataclass(frozen=True)
class Estimates:
    """Many differences by one method, as aligned arrays; NaN where there is no estimate."""

    difference: np.ndarray
    std_error: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    method: str
    df: np.ndarray

    @property
    def present(self) -> np.ndarray:
        return ~np.isnan(self.difference)

    @property
    def is_significant(self) -> np.ndarray:
        return (self.ci_low > 0) | (self.ci_high < 0)

    def at(self, index: int) -> Estimate | None:
        if np.isnan(self.difference[index]):
            return None
        df = float(self.df[index])
        return Estimate(
            float(self.difference[index]),
            float(self.std_error[index]),
            float(self.ci_low[index]),
            float(self.ci_high[index]),
            self.method,
            None if np.isnan(df) else df,
        )


@functools.cache
def _z(confidence: float) -> float:
    return float(special.ndtri(0.5 + confidence / 2))  # the normal quantile, without scipy.stats


def _estimates(
    present: np.ndarray,
    difference: np.ndarray,
    std_error: np.ndarray,
    half: np.ndarray,
    method: str,
    df: np.ndarray | None = None,
) -> Estimates:
    def kept(values: np.ndarray) -> np.ndarray:
        return np.where(present, values, np.nan)

    half = np.where(std_error == 0, 0.0, half)  # a zero standard error: the interval is the point
    return Estimates(
        kept(difference),
        kept(std_error),
        kept(difference - half),
        kept(difference + half),
        method,
        kept(np.full(present.shape, np.nan) if df is None else df),
    )


def proportion_differences(
    successes_a: ArrayLike,
    n_a: ArrayLike,
    successes_b: ArrayLike,
    n_b: ArrayLike,
    confidence: float = CONFIDENCE,
) -> Estimates:
    """Wald intervals for ``p_a - p_b``: ``d ± z * sqrt(p_a(1-p_a)/n_a + p_b(1-p_b)/n_b)``.

    None (NaN) where either group has no trials. When both proportions are 0 or 1 the standard
    error is 0 and the interval is the point itself.
    """
    s_a, t_a, s_b, t_b = (np.asarray(v, dtype=float) for v in (successes_a, n_a, successes_b, n_b))
    present = (t_a > 0) & (t_b > 0)
    if np.any(present & ((s_a < 0) | (s_a > t_a) | (s_b < 0) | (s_b > t_b))):
        raise ValueError("successes must lie in 0..n (a group with more wins than closed deals)")
    with np.errstate(divide="ignore", invalid="ignore"):
        p_a, p_b = s_a / t_a, s_b / t_b
        std_error = np.sqrt(p_a * (1 - p_a) / t_a + p_b * (1 - p_b) / t_b)
    return _estimates(present, p_a - p_b, std_error, _z(confidence) * std_error, "wald")


def welch_differences(
    n_a: ArrayLike,
    mean_a: ArrayLike,
    m2_a: ArrayLike,
    n_b: ArrayLike,
    mean_b: ArrayLike,
    m2_b: ArrayLike,
    confidence: float = CONFIDENCE,
) -> Estimates:
    """Welch's t intervals for ``mean_a - mean_b`` (unequal variances), from each group's size,
    mean and sum of squared deviations from its mean (``m2``).

    NaN where either group has fewer than 2 values (no variance to estimate). When both sample
    variances are 0 the interval is the point itself (and there are no degrees of freedom).
    """
    n_a, mean_a, m2_a, n_b, mean_b, m2_b = (
        np.asarray(v, dtype=float) for v in (n_a, mean_a, m2_a, n_b, mean_b, m2_b)
    )
    present = (n_a >= 2) & (n_b >= 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        se2_a = m2_a / (n_a - 1) / n_a  # the sample variance over n
        se2_b = m2_b / (n_b - 1) / n_b
        std_error = np.sqrt(se2_a + se2_b)
        # Welch-Satterthwaite degrees of freedom (what scipy.stats.ttest_ind(equal_var=False) uses)
        df = (se2_a + se2_b) ** 2 / (se2_a**2 / (n_a - 1) + se2_b**2 / (n_b - 1))
        df = np.where(std_error > 0, df, np.nan)
        # stats.t.ppf(q, df) computes special.stdtrit(df, q), with far more overhead
        half = special.stdtrit(df, 0.5 + confidence / 2) * std_error
    return _estimates(present, mean_a - mean_b, std_error, half, "welch", df)


def combine_inverse_variance_arrays(strata: Sequence[Estimates], confidence: float = CONFIDENCE) -> Estimates:
    """Inverse-variance (fixed-effect) combination of aligned stratum estimates:
    ``d = Σ w_i d_i / Σ w_i`` with ``w_i = 1 / se_i²`` and ``se = sqrt(1 / Σ w_i)``, normal
    interval. Strata without an estimate, or with a zero standard error (whose weight would be
    infinite), are left out; NaN where none is left."""
    se = np.stack([s.std_error for s in strata])
    usable = np.isfinite(se) & (se > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(usable, 1 / np.where(usable, se, 1.0) ** 2, 0.0)
        total = weight.sum(axis=0)
        differences = np.stack([np.where(u, s.difference, 0.0) for u, s in zip(usable, strata, strict=True)])
        difference = (weight * differences).sum(axis=0) / total
        std_error = np.sqrt(1 / total)
    present = total > 0
    return _estimates(present, difference, std_error, _z(confidence) * std_error, "inverse_variance")


def verdicts(n_a: ArrayLike, n_b: ArrayLike, estimates: Estimates, min_n: int) -> np.ndarray:
    """'insufficient evidence' where either cohort is below ``min_n`` or nothing could be
    estimated; otherwise the sign of a significant difference, or 'no clear difference'."""
    n_a, n_b = np.asarray(n_a), np.asarray(n_b)
    insufficient = (n_a < min_n) | (n_b < min_n) | ~estimates.present
    labels = np.select(
        [insufficient, estimates.ci_low > 0, estimates.ci_high < 0],
        [INSUFFICIENT, POSITIVE, NEGATIVE],
        NO_CLEAR_DIFFERENCE,
    )
    return labels.astype(object)


def _one(value: float | None) -> np.ndarray:
    return np.array([np.nan if value is None else value], dtype=float)


def _stacked(estimates: Iterable[Estimate | None]) -> list[Estimates]:
    return [
        Estimates(
            _one(e.difference), _one(e.std_error), _one(e.ci_low), _one(e.ci_high), e.method, _one(e.df)
        )
        if e is not None
        else Estimates(_one(None), _one(None), _one(None), _one(None), "", _one(None))
        for e in estimates
    ]


def proportion_difference(
    successes_a: int, n_a: int, successes_b: int, n_b: int, confidence: float = CONFIDENCE
) -> Estimate | None:
    """:func:`proportion_differences` for one pair of groups; None when either has no trials."""
    return proportion_differences([successes_a], [n_a], [successes_b], [n_b], confidence).at(0)


def moments(values: ArrayLike) -> tuple[int, float, float]:
    """(n, mean, sum of squared deviations from the mean), by two passes."""
    v = np.asarray(values, dtype=float)
    if len(v) == 0:
        return 0, float("nan"), float("nan")
    mean = float(v.mean())
    return len(v), mean, float(((v - mean) ** 2).sum())


def mean_difference(
    values_a: ArrayLike, values_b: ArrayLike, confidence: float = CONFIDENCE
) -> Estimate | None:
    """:func:`welch_differences` for two samples; None when either has fewer than 2 values."""
    (n_a, mean_a, m2_a), (n_b, mean_b, m2_b) = moments(values_a), moments(values_b)
    return welch_differences([n_a], [mean_a], [m2_a], [n_b], [mean_b], [m2_b], confidence).at(0)


def combine_inverse_variance(
    estimates: Iterable[Estimate | None], confidence: float = CONFIDENCE
) -> Estimate | None:
    """:func:`combine_inverse_variance_arrays` for one set of strata; None when no stratum has a
    usable estimate."""
    strata = _stacked(estimates)
    if not strata:
        return None
    return combine_inverse_variance_arrays(strata, confidence).at(0)


def verdict(n_a: int, n_b: int, estimate: Estimate | None, min_n: int) -> str:
    """:func:`verdicts` for one comparison."""
    return str(verdicts([n_a], [n_b], _stacked([estimate])[0], min_n)[0])
