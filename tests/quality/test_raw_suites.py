"""Raw suites on DuckDB (pandas batches) and PostgreSQL (GX's SQL datasource): a clean week
passes every check, and each kind of planted bad row fails exactly the expectation named."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from enablement_audit.quality import blocking_failures
from enablement_audit.quality.suites import RAW_SUITES
from enablement_audit.warehouse import Warehouse
from tests.quality.conftest import COMPLETED, COURSE, check, clean_row, failures, insert

NOT_NULL = "expect_column_values_to_not_be_null"
UNIQUE = "expect_column_values_to_be_unique"
COMPOUND_UNIQUE = "expect_compound_columns_to_be_unique"
IN_SET = "expect_column_values_to_be_in_set"
REGEX = "expect_column_values_to_match_regex"
BETWEEN = "expect_column_values_to_be_between"
PAIR = "expect_column_pair_values_a_to_be_greater_than_b"
COLUMNS = "expect_table_columns_to_match_set"


def test_clean_week_passes_every_raw_check(clean_warehouse: Warehouse) -> None:
    results = check(clean_warehouse)

    assert failures(results) == set()
    assert {r.suite for r in results} == {s.name for s in RAW_SUITES}
    # Nothing was skipped but the volume bands: four event tables with no four-week history.
    skipped = {(r.suite, r.expectation) for r in results if r.success is None}
    assert skipped == {
        (table, "expect_table_row_count_to_be_between")
        for table in ("raw_content_event", "raw_xapi_statement", "raw_okta_event", "raw_sf_login")
    }
    # Every table gets structure, key, freshness checks; spot-check the counts of one suite:
    # 1 columns + 5 not-null + 1 unique + 1 action set + 1 duration + 1 future + 1 asset ref
    # + 1 freshness + 1 volume = 13.
    assert sum(r.suite == "raw_content_event" for r in results) == 13


# (case id, table, bad rows to add to the clean week, the exact failures expected)
CASES: list[tuple[str, str, list[dict[str, Any]], set[tuple[str, str, str | None, bool]]]] = [
    (
        "content_event_missing_key",
        "raw_content_event",
        [clean_row("raw_content_event", event_id=None)],
        {("raw_content_event", NOT_NULL, "event_id", False)},
    ),
    (
        "content_event_duplicate_key",
        "raw_content_event",
        [clean_row("raw_content_event", source_line=9)],
        {("raw_content_event", UNIQUE, "event_id", False)},
    ),
    (
        "content_event_unknown_action",
        "raw_content_event",
        [clean_row("raw_content_event", event_id="E3", action="like")],
        {("raw_content_event", IN_SET, "action", False)},
    ),
    (
        "content_event_unknown_asset",
        "raw_content_event",
        [clean_row("raw_content_event", event_id="E3", asset_id="A404")],
        {("raw_content_event", IN_SET, "asset_id", False)},
    ),
    (
        "content_event_negative_duration",
        "raw_content_event",
        [clean_row("raw_content_event", event_id="E3", duration_seconds=-3)],
        {("raw_content_event", BETWEEN, "duration_seconds", False)},
    ),
    (
        # Landed in the interval's file for 01-11 but dated after the interval end.
        "content_event_in_future",
        "raw_content_event",
        [
            clean_row(
                "raw_content_event",
                event_id="E3",
                occurred_at=datetime(2026, 1, 13, 10),
                source_date=date(2026, 1, 11),
            )
        ],
        {("raw_content_event", BETWEEN, "occurred_at", False)},
    ),
    (
        "opportunity_negative_amount",
        "raw_crm_opportunity",
        [clean_row("raw_crm_opportunity", opportunity_id="006C", amount=-5.0)],
        {("raw_crm_opportunity", BETWEEN, "amount", False)},
    ),
    (
        "opportunity_close_before_create",
        "raw_crm_opportunity",
        [clean_row("raw_crm_opportunity", 1, opportunity_id="006C", close_date=date(2026, 1, 5))],
        {("raw_crm_opportunity", PAIR, "close_date,created_date", False)},
    ),
    (
        "opportunity_created_in_future",
        "raw_crm_opportunity",
        [
            clean_row(
                "raw_crm_opportunity",
                1,
                opportunity_id="006C",
                created_at=datetime(2026, 1, 20, 9),
                close_date=date(2026, 2, 1),
                source_date=date(2026, 1, 9),
            )
        ],
        {("raw_crm_opportunity", BETWEEN, "created_at", False)},
    ),
    (
        "opportunity_missing_owner",
        "raw_crm_opportunity",
        [clean_row("raw_crm_opportunity", opportunity_id="006C", owner_id=None)],
        {("raw_crm_opportunity", NOT_NULL, "owner_id", False)},
    ),
    (
        "quota_negative_amount",
        "raw_crm_quota",
        [clean_row("raw_crm_quota", quota_id="0J9B", quota_amount=-1.0)],
        {("raw_crm_quota", BETWEEN, "quota_amount", False)},
    ),
    (
        "user_missing_email",
        "raw_crm_user",
        [clean_row("raw_crm_user", user_id="005B", email=None)],
        {("raw_crm_user", NOT_NULL, "email", False)},
    ),
    (
        "user_created_in_future",
        "raw_crm_user",
        [clean_row("raw_crm_user", user_id="005B", created_at=datetime(2026, 1, 12, 0, 0, 1))],
        {("raw_crm_user", BETWEEN, "created_at", False)},
    ),
    (
        "login_missing_user",
        "raw_sf_login",
        [clean_row("raw_sf_login", login_id="0YaB", user_id=None)],
        {("raw_sf_login", NOT_NULL, "user_id", False)},
    ),
    (
        "hr_unknown_status",
        "raw_hr_status",
        [clean_row("raw_hr_status", email="new@example.com", employment_status="retired")],
        {("raw_hr_status", IN_SET, "employment_status", False)},
    ),
    (
        "hr_duplicate_key",
        "raw_hr_status",
        [clean_row("raw_hr_status", fte=0.8)],
        {("raw_hr_status", COMPOUND_UNIQUE, "email,status_start", False)},
    ),
    (
        "hr_fte_above_one",
        "raw_hr_status",
        [clean_row("raw_hr_status", email="new@example.com", fte=1.5)],
        {("raw_hr_status", BETWEEN, "fte", False)},
    ),
    (
        "hr_end_before_start",
        "raw_hr_status",
        [clean_row("raw_hr_status", email="new@example.com", status_end=date(2024, 12, 31))],
        {("raw_hr_status", PAIR, "status_end,status_start", False)},
    ),
    (
        "identity_map_unknown_source",
        "raw_identity_map",
        [clean_row("raw_identity_map", source="workday")],
        {("raw_identity_map", IN_SET, "source", False)},
    ),
    (
        "asset_unknown_status",
        "raw_content_asset",
        [clean_row("raw_content_asset", asset_id="A3", status="draft")],
        {("raw_content_asset", IN_SET, "status", False)},
    ),
    (
        "asset_expires_before_published",
        "raw_content_asset",
        [clean_row("raw_content_asset", asset_id="A3", expires_at=datetime(2025, 1, 1))],
        {("raw_content_asset", PAIR, "expires_at,published_at", False)},
    ),
    (
        "course_id_not_an_iri",
        "raw_course",
        [clean_row("raw_course", course_id="negotiation-101")],
        {("raw_course", REGEX, "course_id", False)},
    ),
    (
        "course_reinforcement_zero",
        "raw_course",
        [clean_row("raw_course", course_id=COURSE + "-2", reinforcement_days=0)],
        {("raw_course", BETWEEN, "reinforcement_days", False)},
    ),
    (
        "xapi_score_above_one",
        "raw_xapi_statement",
        [clean_row("raw_xapi_statement", statement_id="s-3", result_score_scaled=1.5)],
        {("raw_xapi_statement", BETWEEN, "result_score_scaled", False)},
    ),
    (
        # Valid xAPI (-1..1) but outside what the metrics expect (0..1).
        "xapi_score_negative",
        "raw_xapi_statement",
        [clean_row("raw_xapi_statement", statement_id="s-3", result_score_scaled=-0.5)],
        {("raw_xapi_statement", BETWEEN, "result_score_scaled", False)},
    ),
    (
        "xapi_completion_of_unknown_course",
        "raw_xapi_statement",
        [
            clean_row(
                "raw_xapi_statement", statement_id="s-3", verb_id=COMPLETED, object_id=COURSE + "/unknown"
            )
        ],
        {("raw_xapi_statement", IN_SET, "object_id", False)},
    ),
    (
        "xapi_missing_verb",
        "raw_xapi_statement",
        [clean_row("raw_xapi_statement", statement_id="s-3", verb_id=None)],
        {("raw_xapi_statement", NOT_NULL, "verb_id", False)},
    ),
    (
        "xapi_stored_in_future",
        "raw_xapi_statement",
        [clean_row("raw_xapi_statement", statement_id="s-3", stored_at=datetime(2026, 1, 14))],
        {("raw_xapi_statement", BETWEEN, "stored_at", False)},
    ),
    (
        "xapi_unknown_object_type",
        "raw_xapi_statement",
        [clean_row("raw_xapi_statement", statement_id="s-3", object_type="Thing")],
        {("raw_xapi_statement", IN_SET, "object_type", False)},
    ),
    (
        "okta_unknown_outcome",
        "raw_okta_event",
        [clean_row("raw_okta_event", event_id="k-3", outcome_result="MAYBE")],
        {("raw_okta_event", IN_SET, "outcome_result", False)},
    ),
    (
        "okta_unlicensed_app",
        "raw_okta_event",
        [clean_row("raw_okta_event", event_id="k-3", app_display_name="Slack")],
        {("raw_okta_event", IN_SET, "app_display_name", False)},
    ),
    (
        "licence_lower_case_currency",
        "raw_licence",
        [clean_row("raw_licence", tool="Clari", currency="usd")],
        {("raw_licence", REGEX, "currency", False)},
    ),
    (
        "licence_negative_seats",
        "raw_licence",
        [clean_row("raw_licence", tool="Clari", seats_purchased=-1)],
        {("raw_licence", BETWEEN, "seats_purchased", False)},
    ),
    (
        "assignment_unknown_tool",
        "raw_licence_assignment",
        [clean_row("raw_licence_assignment", tool="Clari")],
        {("raw_licence_assignment", IN_SET, "tool", False)},
    ),
    (
        "assignment_ends_before_start",
        "raw_licence_assignment",
        [
            clean_row(
                "raw_licence_assignment", user_email="max@example.com", unassigned_at=datetime(2025, 5, 1)
            )
        ],
        {("raw_licence_assignment", PAIR, "unassigned_at,assigned_at", False)},
    ),
]


@pytest.mark.parametrize(("table", "rows", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_planted_bad_row_fails_the_named_expectation(
    clean_warehouse: Warehouse, table: str, rows: list[dict[str, Any]], expected: set[Any]
) -> None:
    insert(clean_warehouse, table, rows)

    results = check(clean_warehouse, table)

    assert failures(results) == expected
    (failed,) = [r for r in results if r.success is False]
    # One bad row; a duplicated key makes both rows that share it unexpected.
    assert failed.status == "failed"
    assert failed.unexpected_count == (2 if failed.expectation in (UNIQUE, COMPOUND_UNIQUE) else 1)


def test_a_launched_module_need_not_be_a_catalogued_course(clean_warehouse: Warehouse) -> None:
    # Only completed / passed / failed statements must name a course; the clean week already
    # holds a launched module, and one more (unknown to the catalogue) changes nothing.
    insert(
        clean_warehouse,
        "raw_xapi_statement",
        [clean_row("raw_xapi_statement", 1, statement_id="s-3", object_id="https://lms.example.com/video/9")],
    )

    results = check(clean_warehouse, "raw_xapi_statement")

    assert failures(results) == set()
    ref = next(r for r in results if r.column == "object_id" and r.expectation == IN_SET)
    # 1 completed statement checked (s-1); the two launched ones are outside the condition.
    assert (ref.element_count, ref.unexpected_count) == (1, 0)


def test_rows_outside_the_interval_are_not_checked(clean_warehouse: Warehouse) -> None:
    # A bad event of the week before, landed that week: not this interval's business.
    insert(
        clean_warehouse,
        "raw_content_event",
        [
            clean_row(
                "raw_content_event",
                event_id="E0",
                action="like",
                occurred_at=datetime(2025, 12, 30, 9),
                source_date=date(2025, 12, 30),
            )
        ],
    )

    assert failures(check(clean_warehouse, "raw_content_event")) == set()


def test_a_missing_column_fails_the_structure_and_the_checks_that_read_it(clean_warehouse: Warehouse) -> None:
    with clean_warehouse.engine.begin() as conn:
        conn.execute(sa.text(f"alter table {clean_warehouse.schema}.raw_licence drop column currency"))

    results = check(clean_warehouse, "raw_licence")

    assert failures(results) == {
        ("raw_licence", COLUMNS, None, False),
        ("raw_licence", NOT_NULL, "currency", False),
        ("raw_licence", REGEX, "currency", False),
    }
    by_check = {(r.expectation, r.column): r for r in results}
    assert by_check[(COLUMNS, None)].observed == "missing currency"
    assert by_check[(NOT_NULL, "currency")].status == "error"
    assert by_check[(NOT_NULL, "currency")].observed == "column(s) missing: currency"
    # The checks on the columns still there ran and passed.
    assert by_check[(NOT_NULL, "tool")].success is True
    assert {r.suite for r in blocking_failures(results)} == {"raw_licence"}


def test_an_extra_raw_column_fails_the_structure(clean_warehouse: Warehouse) -> None:
    with clean_warehouse.engine.begin() as conn:
        conn.execute(sa.text(f"alter table {clean_warehouse.schema}.raw_crm_quota add column region text"))

    results = check(clean_warehouse, "raw_crm_quota")

    assert failures(results) == {("raw_crm_quota", COLUMNS, None, False)}
    assert next(r for r in results if r.expectation == COLUMNS).observed == "unexpected region"
