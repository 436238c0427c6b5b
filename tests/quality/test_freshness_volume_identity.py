"""Freshness per source, the volume band against the trailing four weeks, and the identity match
rate per source, on DuckDB and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from enablement_audit.quality import load_config
from enablement_audit.quality.settings import QualityConfig
from enablement_audit.warehouse import Warehouse
from tests.models.conftest import build
from tests.quality.conftest import CLEAN, END, START, check, clean_row, failures, insert, load_clean

FRESHNESS = "expect_column_max_to_be_between"
VOLUME = "expect_table_row_count_to_be_between"
MIN_RATE = "expect_column_min_to_be_between"


def with_overrides(**changes: object) -> QualityConfig:
    from dataclasses import replace

    return replace(load_config(), **changes)


def test_stale_event_source_warns(any_warehouse: Warehouse) -> None:
    # Newest content event 2026-01-06 14:00; the interval ends 2026-01-12 00:00, so anything
    # before 2026-01-10 00:00 (48 h) is stale.
    load_clean(any_warehouse, ["raw_content_asset"])
    insert(any_warehouse, "raw_content_event", [CLEAN["raw_content_event"][1]])

    results = check(any_warehouse, "raw_content_event")

    assert failures(results) == {("raw_content_event", FRESHNESS, "occurred_at", False)}
    fresh = next(r for r in results if r.expectation == FRESHNESS)
    assert fresh.severity == "warn"
    assert fresh.observed == (
        "2026-01-06T14:00:00 (expected 2026-01-10T00:00:00..) (within 48 h of the interval end)"
    )


def test_an_event_source_with_no_rows_is_stale(any_warehouse: Warehouse) -> None:
    results = check(any_warehouse, "raw_okta_event")

    assert failures(results) == {("raw_okta_event", FRESHNESS, "published_at", False)}
    assert next(r for r in results if r.expectation == FRESHNESS).observed.startswith("none (expected")


def test_freshness_hours_are_configured_per_suite(any_warehouse: Warehouse) -> None:
    load_clean(any_warehouse, ["raw_content_asset"])
    insert(any_warehouse, "raw_content_event", [CLEAN["raw_content_event"][1]])
    # 6 days = 144 h: 2026-01-06 00:00 is the oldest allowed; 01-06 14:00 is fresh enough.
    config = with_overrides(freshness_per_suite={"raw_content_event": 144.0})

    assert failures(check(any_warehouse, "raw_content_event", config=config)) == set()


def test_stale_snapshot_warns_by_export_day(any_warehouse: Warehouse) -> None:
    # Exported 2025-12-01: more than 192 h (8 days) before 2026-01-12 (oldest allowed 01-04).
    insert(any_warehouse, "raw_licence", [clean_row("raw_licence", source_date=date(2025, 12, 1))])

    results = check(any_warehouse, "raw_licence")

    assert failures(results) == {("raw_licence", FRESHNESS, "source_date", False)}
    assert next(r for r in results if r.expectation == FRESHNESS).observed.startswith(
        "2025-12-01 (expected 2026-01-04..)"
    )


def test_an_empty_optional_source_is_skipped_not_stale(any_warehouse: Warehouse) -> None:
    results = check(any_warehouse, "raw_hr_status", "raw_licence")

    # hr is optional (severity.yaml): skipped; licences are not: stale.
    assert failures(results) == {("raw_licence", FRESHNESS, "source_date", False)}
    hr = next(r for r in results if r.suite == "raw_hr_status" and r.expectation == FRESHNESS)
    assert (hr.success, hr.status, hr.observed) == (None, "skipped", "optional source hr has no rows")


def test_snapshot_exported_after_the_interval_is_not_in_its_batch(any_warehouse: Warehouse) -> None:
    # A later export (a backfill checked afterwards) holds a user created after the interval:
    # the interval's checks see the snapshot as known at its end, so nothing is "in the future".
    load_clean(any_warehouse, ["raw_crm_user"])
    insert(
        any_warehouse,
        "raw_crm_user",
        [
            clean_row(
                "raw_crm_user",
                user_id="005C",
                created_at=datetime(2026, 2, 2, 9),
                source_date=date(2026, 2, 2),
            )
        ],
    )

    results = check(any_warehouse, "raw_crm_user")

    assert failures(results) == set()
    assert next(r for r in results if r.column == "created_at" and r.kind == "ranges").element_count == 2


def logins(days: list[date], per_day: int, prefix: str) -> list[dict[str, object]]:
    rows = []
    for day in days:
        for n in range(per_day):
            at = datetime.combine(day, datetime.min.time()) + timedelta(hours=8 + n)
            rows.append(
                clean_row("raw_sf_login", login_id=f"{prefix}-{day:%m%d}-{n}", login_at=at, source_date=day)
            )
    return rows


def history(warehouse: Warehouse) -> None:
    """Four weeks before the interval, 3 logins a week (on the Saturday of each week)."""
    saturdays = [START - timedelta(days=7 * week) + timedelta(days=5) for week in range(1, 5)]
    insert(warehouse, "raw_sf_login", logins(saturdays, 3, "h"))


def test_volume_within_the_band_of_the_trailing_mean_passes(any_warehouse: Warehouse) -> None:
    history(any_warehouse)
    # This week: 4 logins on Saturday 01-10. Mean of the four weeks before = 3; band 0.5 gives
    # floor(1.5) = 1 .. ceil(4.5) = 5.
    insert(any_warehouse, "raw_sf_login", logins([date(2026, 1, 10)], 4, "w"))

    results = check(any_warehouse, "raw_sf_login")

    assert failures(results) == set()
    volume = next(r for r in results if r.expectation == VOLUME)
    assert (volume.success, volume.observed) == (True, "4 (expected 1..5) (trailing 4-week mean 3)")


def test_volume_far_above_the_trailing_mean_warns(any_warehouse: Warehouse) -> None:
    history(any_warehouse)
    # 9 logins against 1..5.
    insert(any_warehouse, "raw_sf_login", logins([date(2026, 1, 10)], 9, "w"))

    results = check(any_warehouse, "raw_sf_login")

    assert failures(results) == {("raw_sf_login", VOLUME, None, False)}
    volume = next(r for r in results if r.expectation == VOLUME)
    assert (volume.severity, volume.observed) == ("warn", "9 (expected 1..5) (trailing 4-week mean 3)")


def test_volume_needs_four_weeks_of_history(any_warehouse: Warehouse) -> None:
    # Three weeks of history only (oldest 2025-12-20 > 2025-12-08).
    saturdays = [START - timedelta(days=7 * week) + timedelta(days=5) for week in range(1, 4)]
    insert(any_warehouse, "raw_sf_login", logins(saturdays, 3, "h"))
    insert(any_warehouse, "raw_sf_login", logins([date(2026, 1, 10)], 30, "w"))

    results = check(any_warehouse, "raw_sf_login")

    volume = next(r for r in results if r.expectation == VOLUME)
    assert (volume.success, volume.status) == (None, "skipped")
    assert volume.observed == "needs 4 weeks of history before the interval; oldest event 2025-12-20"


def create_identity_match(warehouse: Warehouse, rows: list[tuple[str, int, int]]) -> None:
    table = sa.Table(
        "identity_match",
        sa.MetaData(schema=warehouse.schema),
        sa.Column("source", sa.Text),
        sa.Column("identities", sa.BigInteger),
        sa.Column("matched", sa.BigInteger),
        sa.Column("unmatched", sa.BigInteger),
        sa.Column("match_rate", sa.Float),
    )
    with warehouse.engine.begin() as conn:
        table.create(conn)
        conn.execute(
            table.insert(),
            [
                {"source": s, "identities": n, "matched": m, "unmatched": n - m, "match_rate": m / n}
                for s, n, m in rows
            ],
        )


def test_identity_match_rate_below_the_threshold_warns(any_warehouse: Warehouse) -> None:
    # okta 8 of 10 = 0.8 < 0.9; xapi 19 of 20 = 0.95.
    create_identity_match(any_warehouse, [("okta", 10, 8), ("xapi", 20, 19)])

    results = check(any_warehouse, "identity_match", stage="marts")

    assert failures(results) == {("identity_match.okta", MIN_RATE, "match_rate", False)}
    by_suite = {r.suite: r for r in results}
    assert set(by_suite) == {"identity_match.okta", "identity_match.xapi"}
    assert by_suite["identity_match.okta"].severity == "warn"
    assert by_suite["identity_match.okta"].observed == "0.8 (expected 0.9..)"
    assert by_suite["identity_match.xapi"].observed == "0.95 (expected 0.9..)"


def test_identity_threshold_from_settings_and_per_source(any_warehouse: Warehouse) -> None:
    create_identity_match(any_warehouse, [("okta", 10, 8), ("xapi", 20, 19)])

    lower = load_config(identity_match_rate=0.75)
    assert failures(check(any_warehouse, "identity_match", stage="marts", config=lower)) == set()
    per_source = with_overrides(identity_per_source={"xapi": 0.99})
    assert failures(check(any_warehouse, "identity_match", stage="marts", config=per_source)) == {
        ("identity_match.okta", MIN_RATE, "match_rate", False),
        ("identity_match.xapi", MIN_RATE, "match_rate", False),
    }


def test_identity_match_built_by_the_models(any_warehouse: Warehouse) -> None:
    load_clean(any_warehouse)
    # One SSO sign-in by someone the CRM does not know: okta identities ann@ and stranger@,
    # 1 of 2 matched = 0.5.
    insert(
        any_warehouse,
        "raw_okta_event",
        [clean_row("raw_okta_event", event_id="k-9", actor_alternate_id="stranger@example.com")],
    )
    build(any_warehouse, START, END, select=["identity_match"])

    results = check(any_warehouse, stage="marts")

    identity = {r.suite: r for r in results if r.kind == "identity_match"}
    assert failures(identity.values()) == {("identity_match.okta", MIN_RATE, "match_rate", False)}
    assert identity["identity_match.okta"].observed == "0.5 (expected 0.9..)"
    # Every other source of the clean week resolves all its identities.
    assert {s for s, r in identity.items() if r.success} == {
        "identity_match.content_activity",
        "identity_match.hr",
        "identity_match.licence_assignments",
        "identity_match.opportunities",
        "identity_match.quotas",
        "identity_match.sf_login_history",
        "identity_match.xapi",
    }
