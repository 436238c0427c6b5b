"""The analyst contract of issue 3: these columns exist with these names in every build."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import fetch
from tests.models.conftest import build
from tests.models.test_identity_eligibility import load_fixture

CONTRACT = {
    "mart_tool_seats": "tool, week_start, seats_purchased, assigned_seats, active_users, inactive_seats, "
    "unassigned_seats, seat_utilization, reclaimable_annual_spend",
    "mart_asset_governance": "asset_id, title, is_never_used, is_shelfware, is_mostly_lost, is_orphaned, "
    "is_expired_in_use, actions_90d, reps_90d",
    "mart_course_compliance": "course_id, manager_id, week_start, assignments_due, completed_on_time, overdue, "
    "compliance_rate, decayed",
    "mart_rep_week": "rep_id, manager_id, week_start, content_actions, customer_facing_actions, distinct_assets, "
    "learning_statements, completions, tool_active_days, bookings, quota, attainment, wins, losses, "
    "engagement_index, is_eligible",
    "mart_adoption_impact": "item_type, item_id, outcome, adopters_n, non_adopters_n, adopters_value, "
    "non_adopters_value, difference, ci_low, ci_high, is_significant, verdict",
    "mart_scorecard": "metric, week_start, value, goal, status, streak_weeks, is_stale",
}

SPEC_TABLES = [
    "dim_rep",
    "dim_asset",
    "dim_course",
    "dim_tool",
    "fct_content_activity",
    "fct_learning_statement",
    "fct_tool_signin",
    "fct_opportunity",
    "mart_rep_week",
    "mart_team_week",
    "mart_asset_usage",
    "mart_asset_governance",
    "mart_course_compliance",
    "mart_tool_seats",
    "mart_adoption_impact",
    "mart_scorecard",
    "mart_manager_actions",
    "dq_results",
    "pipeline_runs",
    "quarantine",
]


@pytest.fixture(scope="module")
def columns(tmp_path_factory) -> dict[str, set[str]]:
    from enablement_audit.quality import dq_results_table
    from enablement_audit.warehouse import Warehouse

    tmp_path = tmp_path_factory.mktemp("contract")
    warehouse = Warehouse.from_url(f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
    warehouse.ensure()
    dq_results_table(warehouse).create(warehouse.engine, checkfirst=True)
    load_fixture(warehouse, tmp_path)
    build(warehouse, date(2026, 11, 2), date(2026, 11, 23))
    found: dict[str, set[str]] = {}
    for table, column in fetch(
        warehouse,
        "select table_name, column_name from information_schema.columns where table_schema = :schema",
        schema=warehouse.schema,
    ):
        found.setdefault(table, set()).add(column)
    return found


@pytest.mark.parametrize("table", sorted(CONTRACT))
def test_contract_columns_exist(columns, table):
    wanted = {c.strip() for c in CONTRACT[table].split(",")}
    assert wanted - columns[table] == set()


def test_every_output_table_of_the_spec_exists(columns):
    assert [t for t in SPEC_TABLES if t not in columns] == []
