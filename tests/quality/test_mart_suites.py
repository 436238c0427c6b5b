"""Mart suites against the analyst contract (issue 3), on DuckDB and PostgreSQL. The marts are
created here with the contract's columns (plus a few the marts contract adds), so these tests
do not depend on the models being finished."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from enablement_audit.quality.suites import MART_SUITES
from enablement_audit.warehouse import Warehouse
from tests.quality.conftest import check, failures

WEEK = date(2026, 1, 5)  # the interval's ISO week
EARLIER_WEEK = date(2025, 12, 29)
TEXT, DATE, INT, FLOAT, BOOL = sa.Text, sa.Date, sa.BigInteger, sa.Float, sa.Boolean

MART_COLUMNS: dict[str, dict[str, Any]] = {
    "mart_tool_seats": {
        "tool": TEXT,
        "week_start": DATE,
        "seats_purchased": INT,
        "assigned_seats": INT,
        "active_users": INT,
        "inactive_seats": INT,
        "unassigned_seats": INT,
        "seat_utilization": FLOAT,
        "reclaimable_annual_spend": FLOAT,
        "has_data": BOOL,
    },
    "mart_asset_governance": {
        "asset_id": TEXT,
        "title": TEXT,
        "is_never_used": BOOL,
        "is_shelfware": BOOL,
        "is_mostly_lost": BOOL,
        "is_orphaned": BOOL,
        "is_expired_in_use": BOOL,
        "actions_90d": INT,
        "reps_90d": INT,
        "actions_ever": INT,
        "as_of_week_start": DATE,
    },
    "mart_course_compliance": {
        "course_id": TEXT,
        "manager_id": TEXT,
        "week_start": DATE,
        "assignments_due": INT,
        "completed_on_time": INT,
        "overdue": INT,
        "compliance_rate": FLOAT,
        "decayed": INT,
    },
    "mart_rep_week": {
        "rep_id": TEXT,
        "manager_id": TEXT,
        "week_start": DATE,
        "content_actions": INT,
        "customer_facing_actions": INT,
        "distinct_assets": INT,
        "learning_statements": INT,
        "completions": INT,
        "tool_active_days": INT,
        "bookings": FLOAT,
        "quota": FLOAT,
        "attainment": FLOAT,
        "wins": INT,
        "losses": INT,
        "engagement_index": FLOAT,
        "is_eligible": BOOL,
    },
    "mart_adoption_impact": {
        "item_type": TEXT,
        "item_id": TEXT,
        "outcome": TEXT,
        "stratum": TEXT,
        "adopters_n": INT,
        "non_adopters_n": INT,
        "adopters_value": FLOAT,
        "non_adopters_value": FLOAT,
        "difference": FLOAT,
        "ci_low": FLOAT,
        "ci_high": FLOAT,
        "is_significant": BOOL,
        "verdict": TEXT,
    },
    "mart_scorecard": {
        "metric": TEXT,
        "week_start": DATE,
        "value": FLOAT,
        "goal": FLOAT,
        "status": TEXT,
        "streak_weeks": INT,
        "is_stale": BOOL,
    },
}

CLEAN_MARTS: dict[str, list[dict[str, Any]]] = {
    "mart_tool_seats": [
        # 6 active of 10 purchased = 0.6; (2 inactive + 2 unassigned) x 1200 = 4800.
        {
            "tool": "Gong",
            "week_start": WEEK,
            "seats_purchased": 10,
            "assigned_seats": 8,
            "active_users": 6,
            "inactive_seats": 2,
            "unassigned_seats": 2,
            "seat_utilization": 0.6,
            "reclaimable_annual_spend": 4800.0,
            "has_data": True,
        },
        # No sign-in data this week: unknown, not zero.
        {
            "tool": "Clari",
            "week_start": WEEK,
            "seats_purchased": 5,
            "assigned_seats": 5,
            "active_users": None,
            "inactive_seats": None,
            "unassigned_seats": 0,
            "seat_utilization": None,
            "reclaimable_annual_spend": None,
            "has_data": False,
        },
    ],
    "mart_asset_governance": [
        {
            "asset_id": "A1",
            "title": "Battlecard",
            "is_never_used": False,
            "is_shelfware": False,
            "is_mostly_lost": False,
            "is_orphaned": False,
            "is_expired_in_use": False,
            "actions_90d": 12,
            "reps_90d": 3,
            "actions_ever": 40,
            "as_of_week_start": WEEK,
        },
        {
            "asset_id": "A2",
            "title": "Old deck",
            "is_never_used": True,
            "is_shelfware": True,
            "is_mostly_lost": None,
            "is_orphaned": True,
            "is_expired_in_use": False,
            "actions_90d": 0,
            "reps_90d": 0,
            "actions_ever": 0,
            "as_of_week_start": WEEK,
        },
    ],
    "mart_course_compliance": [
        {
            "course_id": "https://lms.example.com/courses/negotiation",
            "manager_id": "005M",
            "week_start": WEEK,
            "assignments_due": 4,
            "completed_on_time": 3,
            "overdue": 1,
            "compliance_rate": 0.75,
            "decayed": 0,
        },
    ],
    "mart_rep_week": [
        {
            "rep_id": "005A",
            "manager_id": "005M",
            "week_start": WEEK,
            "content_actions": 5,
            "customer_facing_actions": 2,
            "distinct_assets": 2,
            "learning_statements": 3,
            "completions": 1,
            "tool_active_days": 4,
            "bookings": 1000.0,
            "quota": 50000.0,
            "attainment": 0.02,
            "wins": 1,
            "losses": 1,
            "engagement_index": 75.0,
            "is_eligible": True,
        },
        # No quota: no attainment; a new hire inside the ramp: not eligible, no index.
        {
            "rep_id": "005B",
            "manager_id": "005M",
            "week_start": WEEK,
            "content_actions": 0,
            "customer_facing_actions": 0,
            "distinct_assets": 0,
            "learning_statements": 0,
            "completions": 0,
            "tool_active_days": 0,
            "bookings": 0.0,
            "quota": None,
            "attainment": None,
            "wins": 0,
            "losses": 0,
            "engagement_index": None,
            "is_eligible": False,
        },
    ],
    "mart_adoption_impact": [
        {
            "item_type": "asset",
            "item_id": "A1",
            "outcome": "win_rate",
            "stratum": "combined",
            "adopters_n": 40,
            "non_adopters_n": 60,
            "adopters_value": 0.5,
            "non_adopters_value": 0.35,
            "difference": 0.15,
            "ci_low": 0.02,
            "ci_high": 0.28,
            "is_significant": True,
            "verdict": "positive association",
        },
        {
            "item_type": "tool",
            "item_id": "Gong",
            "outcome": "attainment",
            "stratum": "combined",
            "adopters_n": 12,
            "non_adopters_n": 50,
            "adopters_value": None,
            "non_adopters_value": None,
            "difference": None,
            "ci_low": None,
            "ci_high": None,
            "is_significant": False,
            "verdict": "insufficient evidence",
        },
    ],
    "mart_scorecard": [
        {
            "metric": "content_active_rate",
            "week_start": WEEK,
            "value": 0.6,
            "goal": 0.7,
            "status": "red",
            "streak_weeks": 2,
            "is_stale": False,
        },
        {
            "metric": "seat_utilization",
            "week_start": WEEK,
            "value": None,
            "goal": 0.8,
            "status": "no data",
            "streak_weeks": 1,
            "is_stale": False,
        },
    ],
}

NOT_NULL = "expect_column_values_to_not_be_null"
COMPOUND_UNIQUE = "expect_compound_columns_to_be_unique"
IN_SET = "expect_column_values_to_be_in_set"
BETWEEN = "expect_column_values_to_be_between"
PAIR = "expect_column_pair_values_a_to_be_greater_than_b"
COLUMNS = "expect_table_columns_to_match_set"


def create_mart(
    warehouse: Warehouse, name: str, rows: list[dict[str, Any]], drop: tuple[str, ...] = ()
) -> None:
    columns = [sa.Column(c, t) for c, t in MART_COLUMNS[name].items() if c not in drop]
    table = sa.Table(name, sa.MetaData(schema=warehouse.schema), *columns)
    with warehouse.engine.begin() as conn:
        table.create(conn)
        if rows:
            conn.execute(table.insert(), [{k: v for k, v in r.items() if k not in drop} for r in rows])


def clean_mart_row(name: str, index: int = 0, **changes: Any) -> dict[str, Any]:
    return {**CLEAN_MARTS[name][index], **changes}


def test_every_mart_not_built_is_recorded_as_skipped(any_warehouse: Warehouse) -> None:
    results = check(any_warehouse, stage="marts")

    assert {(r.suite, r.expectation, r.success, r.status, r.observed, r.severity) for r in results} == {
        *((s.name, "table_built", None, "skipped", "not built", "warn") for s in MART_SUITES),
        ("identity_match", "table_built", None, "skipped", "not built", "warn"),
    }


def test_clean_marts_pass(any_warehouse: Warehouse) -> None:
    for name, rows in CLEAN_MARTS.items():
        create_mart(any_warehouse, name, rows)

    results = check(any_warehouse, *CLEAN_MARTS, stage="marts")

    assert failures(results) == set()
    assert not [r for r in results if r.success is None]
    assert {r.suite for r in results} == set(CLEAN_MARTS)
    # mart_tool_seats: 1 columns + 5 not-null (2 key + 3 required) + 1 key + 7 ranges = 14.
    assert sum(r.suite == "mart_tool_seats" for r in results) == 14


MART_CASES = [
    (
        "tool_seats_utilisation_above_one",
        "mart_tool_seats",
        [clean_mart_row("mart_tool_seats", seat_utilization=1.5)],
        {("mart_tool_seats", BETWEEN, "seat_utilization", False)},
    ),
    (
        "tool_seats_duplicate_week",
        "mart_tool_seats",
        [clean_mart_row("mart_tool_seats"), clean_mart_row("mart_tool_seats")],
        {("mart_tool_seats", COMPOUND_UNIQUE, "tool,week_start", False)},
    ),
    (
        "asset_governance_missing_key",
        "mart_asset_governance",
        [clean_mart_row("mart_asset_governance", asset_id=None)],
        {("mart_asset_governance", NOT_NULL, "asset_id", False)},
    ),
    (
        "asset_governance_negative_actions",
        "mart_asset_governance",
        [clean_mart_row("mart_asset_governance", actions_90d=-1)],
        {("mart_asset_governance", BETWEEN, "actions_90d", False)},
    ),
    (
        "asset_governance_fewer_actions_ever_than_in_90_days",
        "mart_asset_governance",
        [clean_mart_row("mart_asset_governance", actions_ever=11)],
        {("mart_asset_governance", PAIR, "actions_ever,actions_90d", False)},
    ),
    (
        "course_compliance_rate_above_one",
        "mart_course_compliance",
        [clean_mart_row("mart_course_compliance", compliance_rate=1.2)],
        {("mart_course_compliance", BETWEEN, "compliance_rate", False)},
    ),
    (
        "course_compliance_more_on_time_than_due",
        "mart_course_compliance",
        [clean_mart_row("mart_course_compliance", completed_on_time=5, compliance_rate=1.0)],
        {("mart_course_compliance", PAIR, "assignments_due,completed_on_time", False)},
    ),
    (
        "rep_week_negative_attainment",
        "mart_rep_week",
        [clean_mart_row("mart_rep_week", attainment=-0.1)],
        {("mart_rep_week", BETWEEN, "attainment", False)},
    ),
    (
        "rep_week_missing_eligibility",
        "mart_rep_week",
        [clean_mart_row("mart_rep_week", is_eligible=None)],
        {("mart_rep_week", NOT_NULL, "is_eligible", False)},
    ),
    (
        "adoption_interval_inverted",
        "mart_adoption_impact",
        [clean_mart_row("mart_adoption_impact", ci_low=0.3, ci_high=0.1)],
        {("mart_adoption_impact", PAIR, "ci_high,ci_low", False)},
    ),
    (
        "adoption_unknown_verdict",
        "mart_adoption_impact",
        [clean_mart_row("mart_adoption_impact", verdict="proven")],
        {("mart_adoption_impact", IN_SET, "verdict", False)},
    ),
    (
        "scorecard_unknown_status",
        "mart_scorecard",
        [clean_mart_row("mart_scorecard", status="amber")],
        {("mart_scorecard", IN_SET, "status", False)},
    ),
]


@pytest.mark.parametrize(
    ("mart", "rows", "expected"), [c[1:] for c in MART_CASES], ids=[c[0] for c in MART_CASES]
)
def test_planted_bad_mart_row_fails_the_named_expectation(
    any_warehouse: Warehouse, mart: str, rows: list[dict[str, Any]], expected: set[Any]
) -> None:
    create_mart(any_warehouse, mart, rows)

    results = check(any_warehouse, mart, stage="marts")

    assert failures(results) == expected
    (failed,) = [r for r in results if r.success is False]
    assert failed.status == "failed"
    assert failed.unexpected_count == (2 if failed.expectation == COMPOUND_UNIQUE else 1)


def test_weekly_marts_check_only_the_interval_weeks(any_warehouse: Warehouse) -> None:
    # A week before the interval with an impossible rate: an older week's problem, not this run's.
    create_mart(
        any_warehouse,
        "mart_course_compliance",
        [
            *CLEAN_MARTS["mart_course_compliance"],
            clean_mart_row("mart_course_compliance", week_start=EARLIER_WEEK, compliance_rate=3.0),
        ],
    )

    results = check(any_warehouse, "mart_course_compliance", stage="marts")

    assert failures(results) == set()
    rate = next(r for r in results if r.column == "compliance_rate")
    assert (rate.element_count, rate.unexpected_count) == (1, 0)


def test_a_mart_missing_a_contract_column_fails_its_structure(any_warehouse: Warehouse) -> None:
    create_mart(any_warehouse, "mart_scorecard", CLEAN_MARTS["mart_scorecard"], drop=("is_stale",))

    results = check(any_warehouse, "mart_scorecard", stage="marts")

    assert failures(results) == {
        ("mart_scorecard", COLUMNS, None, False),
        ("mart_scorecard", NOT_NULL, "is_stale", False),
        ("mart_scorecard", IN_SET, "is_stale", False),
    }
    structure = next(r for r in results if r.expectation == COLUMNS)
    assert (structure.observed, structure.severity) == ("missing is_stale", "block")


def test_extra_mart_columns_are_allowed(any_warehouse: Warehouse) -> None:
    # mart_tool_seats carries has_data beyond the contract: still as expected.
    create_mart(any_warehouse, "mart_tool_seats", CLEAN_MARTS["mart_tool_seats"])

    results = check(any_warehouse, "mart_tool_seats", stage="marts")

    structure = next(r for r in results if r.expectation == COLUMNS)
    assert (structure.success, structure.observed) == (True, "10 columns as expected")
