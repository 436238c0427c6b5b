"""Organisation week, verdict and scorecard (streaks, stale metrics) on DuckDB and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.conftest import fetch
from tests.models.conftest import build, load_text

USERS = """Id,Name,Email,ManagerId,Title,Department,IsActive,CreatedDate
005M,Mo,mo@example.com,,Sales Manager,Sales,true,2020-01-06T09:00:00.000+0000
005A,Ann,ann@example.com,005M,Account Executive,Sales,true,2025-01-06T09:00:00.000+0000
005E,Ed,ed@example.com,005M,Account Executive,Sales,true,2025-01-06T09:00:00.000+0000
"""

FIRST_WEEK = date(2026, 9, 7)
WEEKS = [FIRST_WEEK + timedelta(days=7 * i) for i in range(10)]


def content_events() -> str:
    # Ann views an asset on the Tuesday of each of the 10 weeks; Ed only in the last one.
    lines = ["event_id,occurred_at,user_email,asset_id,action,duration_seconds,opportunity_id"]
    for i, week in enumerate(WEEKS):
        lines.append(f"a{i},{week + timedelta(days=1)}T10:00:00Z,ann@example.com,deck,view,30,")
    lines.append(f"e9,{WEEKS[-1] + timedelta(days=2)}T10:00:00Z,ed@example.com,deck,share,30,")
    return "\n".join(lines) + "\n"


@pytest.fixture
def built(any_warehouse, tmp_path):
    load_text(any_warehouse, tmp_path, "users", "User.csv", USERS)
    load_text(any_warehouse, tmp_path, "content_activity", "activity.csv", content_events())
    build(
        any_warehouse, WEEKS[0], WEEKS[-1] + timedelta(days=7), select=["mart_scorecard", "mart_verdict_week"]
    )
    return any_warehouse


def test_scorecard_colours_streaks_and_stale_metrics(built):
    rows = fetch(
        built,
        f"select week_start, value, goal, status, streak_weeks, is_stale from {built.schema}.mart_scorecard "
        "where metric = 'content_active_rate' order by week_start",
    )
    # Weeks 1-9: 1 of 2 eligible sellers active = 0.5 < goal 0.6 -> red, streak 1..9, stale from
    # the 8th week. Week 10: 2 of 2 = 1.0 -> green, a new streak of 1.
    expected = [(WEEKS[i], 0.5, 0.6, "red", i + 1, i + 1 >= 8) for i in range(9)]
    expected.append((WEEKS[9], 1.0, 0.6, "green", 1, False))
    assert rows == expected


def test_metrics_without_data_are_no_data_not_zero(built):
    rows = fetch(
        built,
        f"select metric, status, streak_weeks, is_stale from {built.schema}.mart_scorecard "
        "where week_start = :week and metric in ('seat_utilization', 'compliance_rate', 'asset_utilisation') "
        "order by metric",
        week=WEEKS[9],
    )
    # No licences, no required courses, no catalog: unknown, never 0% (and never "stale").
    assert rows == [
        ("asset_utilisation", "no data", 10, False),
        ("compliance_rate", "no data", 10, False),
        ("seat_utilization", "no data", 10, False),
    ]


def test_verdict_with_change_and_four_week_average(built):
    rows = fetch(
        built,
        "select area, metric, metric_value, previous_value, change_vs_last_week, avg_4w, verdict "
        f"from {built.schema}.mart_verdict_week where week_start = :week order by area",
        week=WEEKS[9],
    )
    assert rows == [
        # 1.0 >= yes_at 0.6 -> Yes; last week 0.5 -> +0.5; (0.5 + 0.5 + 0.5 + 1.0) / 4 = 0.625.
        ("content", "content_active_rate", 1.0, 0.5, 0.5, 0.625, "Yes"),
        ("tools", "seat_utilization", None, None, None, None, "No data"),
        ("training", "compliance_rate", None, None, None, None, "No data"),
    ]
    [(value, verdict)] = fetch(
        built,
        f"select metric_value, verdict from {built.schema}.mart_verdict_week "
        "where area = 'content' and week_start = :week",
        week=WEEKS[8],
    )
    assert (value, verdict) == (0.5, "Partly")  # 0.3 <= 0.5 < 0.6


def test_org_week_counts(built):
    rows = fetch(
        built,
        "select week_start, metric_version, eligible_sellers, content_active_sellers, content_active_rate "
        f"from {built.schema}.mart_org_week where week_start in (:a, :b) order by week_start",
        a=WEEKS[0],
        b=WEEKS[9],
    )
    assert rows == [
        (WEEKS[0], "2026.11-1", 2, 1, 0.5),
        (WEEKS[9], "2026.11-1", 2, 2, 1.0),
    ]
