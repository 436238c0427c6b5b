"""Fixture data for the quality tests: one clean week of every raw table, inserted directly
(the readers would quarantine most of the bad rows the tests plant), and helpers to plant bad
rows, create marts and read ``dq_results`` back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from enablement_audit.quality import CheckResult, run_checks
from enablement_audit.sources import SOURCES
from enablement_audit.warehouse import Warehouse

# The interval every test checks: ISO week 2026-W02, [Mon 2026-01-05, Mon 2026-01-12).
START = date(2026, 1, 5)
END = date(2026, 1, 12)
RUN_ID = "run-test"
TABLE_SOURCE = {spec.table: name for name, spec in SOURCES.items()}
COURSE = "https://lms.example.com/courses/negotiation"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
LAUNCHED = "http://adlnet.gov/expapi/verbs/launched"

# One clean row (or two) per raw table; every value is inside the rules of its suite.
CLEAN: dict[str, list[dict[str, Any]]] = {
    "raw_crm_user": [
        {
            "user_id": "005A",
            "name": "Ann Rep",
            "email": "ann@example.com",
            "manager_id": "005M",
            "title": "Account Executive",
            "is_active": True,
            "created_at": datetime(2025, 1, 2, 9),
            "source_date": START,
        },
        {
            "user_id": "005M",
            "name": "Max Manager",
            "email": "max@example.com",
            "title": "Sales Manager",
            "is_active": True,
            "created_at": datetime(2024, 3, 1, 9),
            "source_date": START,
        },
    ],
    "raw_crm_opportunity": [
        {
            "opportunity_id": "006A",
            "owner_id": "005A",
            "stage_name": "Closed Won",
            "amount": 1000.0,
            "close_date": date(2026, 1, 8),
            "created_at": datetime(2025, 12, 1, 10),
            "is_closed": True,
            "is_won": True,
            "system_modstamp": datetime(2026, 1, 8, 12),
            "source_date": date(2026, 1, 8),
        },
        # Closed the day it was created, later that day: not "close before create".
        {
            "opportunity_id": "006B",
            "owner_id": "005A",
            "stage_name": "Closed Lost",
            "amount": 0.0,
            "close_date": date(2026, 1, 6),
            "created_at": datetime(2026, 1, 6, 15),
            "is_closed": True,
            "is_won": False,
            "source_date": date(2026, 1, 6),
        },
    ],
    "raw_crm_quota": [
        {
            "quota_id": "0J9A",
            "owner_id": "005A",
            "start_date": date(2026, 1, 1),
            "quota_amount": 50000.0,
            "source_date": START,
        },
    ],
    "raw_sf_login": [
        {
            "login_id": "0YaA",
            "user_id": "005A",
            "login_at": datetime(2026, 1, 11, 8),
            "status": "Success",
            "application": "Browser",
            "is_success": True,
            "source_date": date(2026, 1, 11),
        },
    ],
    "raw_hr_status": [
        {
            "email": "ann@example.com",
            "hire_date": date(2025, 1, 2),
            "employment_status": "active",
            "status_start": date(2025, 1, 2),
            "fte": 1.0,
            "source_date": START,
        },
        # A planned leave starting after the interval is not "in the future" data.
        {
            "email": "max@example.com",
            "hire_date": date(2024, 3, 1),
            "employment_status": "leave",
            "status_start": date(2026, 2, 1),
            "status_end": date(2026, 3, 1),
            "fte": 0.5,
            "source_date": START,
        },
    ],
    "raw_identity_map": [
        {"source": "xapi", "external_id": "lms-42", "email": "ann@example.com", "source_date": START},
    ],
    "raw_content_asset": [
        {
            "asset_id": "A1",
            "title": "Competitor battlecard",
            "status": "live",
            "published_at": datetime(2025, 6, 1),
            "expires_at": datetime(2026, 6, 1),
            "source_date": START,
        },
        {
            "asset_id": "A2",
            "title": "Old deck",
            "status": "archived",
            "published_at": datetime(2024, 1, 1),
            "source_date": START,
        },
    ],
    "raw_content_event": [
        {
            "event_id": "E1",
            "occurred_at": datetime(2026, 1, 10, 9),
            "user_email": "ann@example.com",
            "asset_id": "A1",
            "action": "share",
            "duration_seconds": 30,
            "opportunity_id": "006A",
            "is_customer_facing": True,
            "source_date": date(2026, 1, 10),
        },
        {
            "event_id": "E2",
            "occurred_at": datetime(2026, 1, 6, 14),
            "user_email": "ann@example.com",
            "asset_id": "A2",
            "action": "view",
            "duration_seconds": 0,
            "is_customer_facing": False,
            "source_date": date(2026, 1, 6),
        },
    ],
    "raw_course": [
        {
            "course_id": COURSE,
            "title": "Negotiation",
            "due_days_after_hire": 30,
            "recert_days": 365,
            "reinforcement_days": 90,
            "source_date": START,
        },
    ],
    "raw_xapi_statement": [
        {
            "statement_id": "s-1",
            "is_id_generated": False,
            "actor_mbox": "ann@example.com",
            "verb_id": COMPLETED,
            "object_id": COURSE,
            "object_type": "Activity",
            "result_score_scaled": 0.9,
            "occurred_at": datetime(2026, 1, 10, 10),
            "stored_at": datetime(2026, 1, 10, 10, 1),
            "is_time_from_stored": False,
            "is_voided": False,
            "source_date": date(2026, 1, 10),
        },
        # A launched module that is not a catalogued course: only result verbs must name courses.
        {
            "statement_id": "s-2",
            "is_id_generated": False,
            "actor_account_name": "lms-42",
            "verb_id": LAUNCHED,
            "object_id": "https://lms.example.com/modules/intro",
            "object_type": "Activity",
            "occurred_at": datetime(2026, 1, 7, 10),
            "stored_at": datetime(2026, 1, 7, 10),
            "is_time_from_stored": False,
            "is_voided": False,
            "source_date": date(2026, 1, 7),
        },
    ],
    "raw_okta_event": [
        {
            "event_id": "k-1",
            "published_at": datetime(2026, 1, 11, 7),
            "event_type": "user.authentication.sso",
            "outcome_result": "SUCCESS",
            "actor_alternate_id": "ann@example.com",
            "app_display_name": "Gong",
            "is_sso_success": True,
            "source_date": date(2026, 1, 11),
        },
        # Not an app sign-in: no app to check.
        {
            "event_id": "k-2",
            "published_at": datetime(2026, 1, 9, 7),
            "event_type": "user.session.start",
            "outcome_result": "FAILURE",
            "actor_alternate_id": "ann@example.com",
            "is_sso_success": False,
            "source_date": date(2026, 1, 9),
        },
    ],
    "raw_licence": [
        {
            "tool": "Gong",
            "seats_purchased": 10,
            "annual_cost_per_seat": 1200.0,
            "currency": "USD",
            "renewal_date": date(2026, 9, 1),
            "source_date": START,
        },
    ],
    "raw_licence_assignment": [
        {
            "tool": "Gong",
            "user_email": "ann@example.com",
            "assigned_at": datetime(2025, 6, 1),
            "unassigned_at": None,
            "source_date": START,
        },
    ],
}


def raw_table(warehouse: Warehouse, table: str) -> sa.Table:
    spec = SOURCES[TABLE_SOURCE[table]]
    return warehouse.raw_table(spec.table, spec.columns)


def insert(warehouse: Warehouse, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
    """Insert rows into a raw table; unnamed columns are null, load columns are filled."""
    target = raw_table(warehouse, table)
    filled = []
    for line, row in enumerate(rows, start=1):
        values = dict.fromkeys(target.c.keys())
        values.update(
            source_file=f"fixture/{table}.csv",
            source_line=line,
            row_hash=f"h{line}",
            run_id="fixture",
            loaded_at=datetime(2026, 1, 12, 1),
        )
        values.update(row)
        filled.append(values)
    with warehouse.engine.begin() as conn:
        conn.execute(target.insert(), filled)


def load_clean(warehouse: Warehouse, tables: Iterable[str] | None = None) -> None:
    for table in tables or CLEAN:
        insert(warehouse, table, CLEAN[table])


def clean_row(table: str, index: int = 0, **changes: Any) -> dict[str, Any]:
    """A copy of a clean row with new key values and ``changes`` (a planted bad row)."""
    return {**CLEAN[table][index], **changes}


def failures(results: Iterable[CheckResult]) -> set[tuple[str, str, str | None, bool]]:
    return {(r.suite, r.expectation, r.column, r.success) for r in results if r.success is False}


def check(warehouse: Warehouse, *suites: str, stage: str = "raw", **kwargs: Any) -> list[CheckResult]:
    return run_checks(
        warehouse, START, END, stage=stage, run_id=RUN_ID, suites=list(suites) or None, **kwargs
    )


@pytest.fixture
def clean_warehouse(any_warehouse: Warehouse) -> Warehouse:
    """``any_warehouse`` (DuckDB and PostgreSQL) holding the clean week of every raw table."""
    load_clean(any_warehouse)
    return any_warehouse
