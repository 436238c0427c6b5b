"""The adoption-impact statistics, checked against values worked out by hand."""

from __future__ import annotations

import math

import pytest

from enablement_audit.stats import (
    CAVEAT,
    Estimate,
    combine_inverse_variance,
    mean_difference,
    proportion_difference,
    verdict,
)

Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal (tables: 1.96)


def test_wald_interval_for_a_difference_of_proportions():
    # 45 of 60 against 30 of 60: p_a = 0.75, p_b = 0.5, d = 0.25.
    # se = sqrt(0.75 * 0.25 / 60 + 0.5 * 0.5 / 60) = sqrt(0.003125 + 0.00416667) = sqrt(0.00729167)
    #    = 0.0853913; half width = 1.959964 * 0.0853913 = 0.1673638 -> (0.0826362, 0.4173638).
    est = proportion_difference(45, 60, 30, 60)
    assert est is not None
    assert est.difference == 0.25
    assert est.std_error == pytest.approx(math.sqrt(0.0072916666666666))
    assert est.std_error == pytest.approx(0.0853913, abs=1e-7)
    assert (est.ci_low, est.ci_high) == (
        pytest.approx(0.0826362, abs=1e-7),
        pytest.approx(0.4173638, abs=1e-7),
    )
    assert est.method == "wald"
    assert est.is_significant


def test_wald_interval_that_includes_zero_is_not_significant():
    # 3 of 5 against 2 of 5: d = 0.2; se = sqrt(0.6 * 0.4 / 5 + 0.4 * 0.6 / 5) = sqrt(0.096)
    # = 0.3098387; half width 1.959964 * 0.3098387 = 0.6072726 -> (-0.4072726, 0.8072726).
    est = proportion_difference(3, 5, 2, 5)
    assert est is not None
    assert est.difference == pytest.approx(0.2)
    assert (est.ci_low, est.ci_high) == (
        pytest.approx(-0.4072726, abs=1e-7),
        pytest.approx(0.8072726, abs=1e-7),
    )
    assert not est.is_significant


def test_proportions_at_the_bounds_and_empty_groups():
    # Both groups won every deal: se = 0, the interval is the point 0 -> not significant.
    est = proportion_difference(4, 4, 7, 7)
    assert est == Estimate(0.0, 0.0, 0.0, 0.0, "wald")
    assert not est.is_significant
    # No trials in a group: nothing to estimate.
    assert proportion_difference(0, 0, 1, 2) is None
    with pytest.raises(ValueError, match=r"successes must lie in 0\.\.n"):
        proportion_difference(3, 2, 1, 2)


def test_welch_interval_textbook_equal_variances():
    # a = 1, 2, 3 (mean 2, s² = 1); b = 4, 5, 6 (mean 5, s² = 1): d = -3.
    # se² = 1/3 + 1/3 = 2/3, se = 0.8164966.
    # Welch df = (2/3)² / ((1/3)² / 2 + (1/3)² / 2) = (4/9) / (1/9) = 4.
    # t(0.975, 4) = 2.776445 (t table); half width 2.776445 * 0.8164966 = 2.2669579
    # -> (-5.2669579, -0.7330421): excludes zero.
    est = mean_difference([1, 2, 3], [4, 5, 6])
    assert est is not None
    assert est.difference == -3.0
    assert est.std_error == pytest.approx(math.sqrt(2 / 3))
    assert est.df == pytest.approx(4.0)
    assert (est.ci_low, est.ci_high) == (
        pytest.approx(-5.2669579, abs=1e-6),
        pytest.approx(-0.7330421, abs=1e-6),
    )
    assert est.method == "welch"
    assert est.is_significant


def test_welch_interval_unequal_variances_step_by_step():
    # a = 2, 4, 6: mean 4, s² = ((-2)² + 0 + 2²) / 2 = 4; b = 1, 1, 4: mean 2, s² = (1 + 1 + 4) / 2 = 3.
    # d = 2; se² = 4/3 + 3/3 = 7/3, se = 1.5275252.
    # df = (7/3)² / ((4/3)² / 2 + 1² / 2) = (49/9) / (8/9 + 1/2) = (49/9) / (25/18) = 98/25 = 3.92.
    # t(0.975, 3.92) = 2.79893 (between the table's 2.7764 at 4 df and 3.1824 at 3 df);
    # half width 2.79893 * 1.5275252 = 4.27544 -> (-2.27544, 6.27544): includes zero.
    est = mean_difference([2, 4, 6], [1, 1, 4])
    assert est is not None
    assert est.difference == 2.0
    assert est.std_error == pytest.approx(math.sqrt(7 / 3))
    assert est.df == pytest.approx(3.92)
    assert (est.ci_low, est.ci_high) == (pytest.approx(-2.27544, abs=1e-5), pytest.approx(6.27544, abs=1e-5))
    assert not est.is_significant


def test_welch_needs_two_values_per_group_and_handles_zero_variance():
    assert mean_difference([1.0], [2.0, 3.0]) is None
    assert mean_difference([1.0, 2.0], []) is None
    # Both groups constant: se = 0, the interval is the point itself (d = 5 - 2 = 3).
    assert mean_difference([5, 5], [2, 2, 2]) == Estimate(3.0, 0.0, 3.0, 3.0, "welch")


def test_inverse_variance_combination_of_two_strata():
    # Stratum 1: d = 2, se = 1 -> w = 1; stratum 2: d = 5, se = 2 -> w = 1/4.
    # d = (1 * 2 + 0.25 * 5) / 1.25 = 3.25 / 1.25 = 2.6; se = sqrt(1 / 1.25) = sqrt(0.8) = 0.8944272;
    # half width 1.959964 * 0.8944272 = 1.7530451 -> (0.8469549, 4.3530451).
    one = Estimate(2.0, 1.0, 2.0 - Z95, 2.0 + Z95, "welch")
    two = Estimate(5.0, 2.0, 5.0 - 2 * Z95, 5.0 + 2 * Z95, "welch")
    est = combine_inverse_variance([one, two])
    assert est is not None
    assert est.difference == pytest.approx(2.6)
    assert est.std_error == pytest.approx(math.sqrt(0.8))
    assert (est.ci_low, est.ci_high) == (
        pytest.approx(0.8469549, abs=1e-6),
        pytest.approx(4.3530451, abs=1e-6),
    )
    assert est.method == "inverse_variance"
    # Strata with no estimate or a zero standard error are left out: the result is stratum 1's.
    alone = combine_inverse_variance([one, None, Estimate(9.0, 0.0, 9.0, 9.0, "wald")])
    assert alone is not None
    assert (alone.difference, alone.std_error) == (2.0, 1.0)
    assert combine_inverse_variance([None, Estimate(1.0, 0.0, 1.0, 1.0, "wald")]) is None


def test_verdict_min_n_and_significance():
    positive = Estimate(0.2, 0.05, 0.1, 0.3, "wald")
    negative = Estimate(-0.2, 0.05, -0.3, -0.1, "wald")
    straddles = Estimate(0.1, 0.1, -0.1, 0.3, "wald")
    touches_zero = Estimate(0.1, 0.05, 0.0, 0.2, "wald")
    # Below the minimum cohort size, in either cohort: no number, whatever the interval.
    assert verdict(29, 40, positive, 30) == "insufficient evidence"
    assert verdict(40, 29, positive, 30) == "insufficient evidence"
    assert verdict(30, 30, None, 30) == "insufficient evidence"
    # At the minimum: the interval decides; significant only when it excludes zero.
    assert verdict(30, 30, positive, 30) == "positive association"
    assert verdict(30, 30, negative, 30) == "negative association"
    assert verdict(30, 30, straddles, 30) == "no clear difference"
    assert verdict(30, 30, touches_zero, 30) == "no clear difference"
    assert not touches_zero.is_significant
    assert CAVEAT == "association, not proof of cause"


def test_welch_interval_agrees_with_scipy_ttest():
    # The same interval as scipy's own Welch test, on uneven groups.
    from scipy import stats

    a, b = [3.1, 4.7, 5.2, 6.0, 2.2], [1.0, 2.5, 2.0, 4.4]
    est = mean_difference(a, b)
    low, high = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert est is not None
    assert (est.ci_low, est.ci_high) == (pytest.approx(low), pytest.approx(high))
