"""dq_results, severities from severity.yaml, the readable summary, Data Docs, and that no
personal value ever leaves a check."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from enablement_audit.quality import (
    CheckResult,
    QualityConfigError,
    blocking_failures,
    build_data_docs,
    format_table,
    load_config,
)
from enablement_audit.quality.engine import table_columns
from enablement_audit.quality.settings import KINDS
from enablement_audit.warehouse import Warehouse
from tests.conftest import fetch, write
from tests.quality.conftest import END, RUN_ID, START, check, clean_row, failures, insert

PLANTED_EMAIL = "planted.person@example.com"


def plant_personal_values(warehouse: Warehouse) -> None:
    """Bad rows whose offending values are an e-mail address."""
    insert(
        warehouse,
        "raw_content_event",
        [
            clean_row("raw_content_event", event_id="E7", user_email=PLANTED_EMAIL, action=PLANTED_EMAIL),
            clean_row("raw_content_event", event_id="E8", asset_id=PLANTED_EMAIL),
            clean_row("raw_content_event", event_id=PLANTED_EMAIL, user_email=None),
        ],
    )
    insert(
        warehouse,
        "raw_okta_event",
        [clean_row("raw_okta_event", event_id="k-7", app_display_name=PLANTED_EMAIL)],
    )


def dq_rows(warehouse: Warehouse) -> list[tuple[object, ...]]:
    return fetch(
        warehouse,
        f"select run_id, stage, suite, table_name, check_kind, expectation, column_name, severity, success, "
        f"status, observed_value, unexpected_count, element_count, interval_start, interval_end "
        f"from {warehouse.schema}.dq_results order by suite, expectation, column_name",
    )


def test_default_severities(clean_warehouse: Warehouse) -> None:
    results = check(clean_warehouse)

    by_kind: dict[str, set[str]] = {}
    for r in results:
        by_kind.setdefault(r.kind, set()).add(r.severity)
    assert by_kind == {
        "structure": {"block"},
        "keys": {"block"},
        "accepted_values": {"block"},
        # The xAPI scaled score only warns (its 0..1 range is ours, not the spec's).
        "ranges": {"block", "warn"},
        # Unknown ids are flagged, not held (one stray id should not hold the whole report).
        "referential": {"warn"},
        "freshness": {"warn"},
        "volume": {"warn"},
    }
    warned = {(r.suite, r.column) for r in results if r.kind == "ranges" and r.severity == "warn"}
    assert warned == {("raw_xapi_statement", "result_score_scaled")}


def test_failures_are_recorded_in_dq_results_without_personal_values(clean_warehouse: Warehouse) -> None:
    plant_personal_values(clean_warehouse)

    results = check(clean_warehouse, "raw_content_event", "raw_okta_event")

    assert failures(results) == {
        ("raw_content_event", "expect_column_values_to_be_in_set", "action", False),
        ("raw_content_event", "expect_column_values_to_be_in_set", "asset_id", False),
        ("raw_content_event", "expect_column_values_to_not_be_null", "user_email", False),
        ("raw_okta_event", "expect_column_values_to_be_in_set", "app_display_name", False),
    }
    rows = dq_rows(clean_warehouse)
    assert len(rows) == len(results)
    assert PLANTED_EMAIL not in repr(rows)
    assert all(PLANTED_EMAIL not in repr(r) for r in results)
    action = next(r for r in rows if r[2] == "raw_content_event" and r[6] == "action")
    assert action == (
        RUN_ID,
        "raw",
        "raw_content_event",
        "raw_content_event",
        "accepted_values",
        "expect_column_values_to_be_in_set",
        "action",
        "block",
        False,
        "failed",
        "1 of 5 rows unexpected",
        1,
        5,
        datetime(2026, 1, 5),
        datetime(2026, 1, 12),
    )


def test_data_docs_exclude_unexpected_values(clean_warehouse: Warehouse, tmp_path: Path) -> None:
    plant_personal_values(clean_warehouse)

    index = build_data_docs(
        clean_warehouse, START, END, tmp_path / "docs", stage="raw", suites=["raw_content_event"]
    )

    assert index == (tmp_path / "docs" / "index.html").resolve()
    assert index.is_file()
    pages = [
        p for p in (tmp_path / "docs").rglob("*") if p.is_file() and p.suffix in (".html", ".json", ".js")
    ]
    assert any("raw_content_event" in p.read_text(encoding="utf-8", errors="replace") for p in pages)
    for page in pages:
        assert PLANTED_EMAIL not in page.read_text(encoding="utf-8", errors="replace"), page
    # Building docs records nothing.
    assert "dq_results" not in table_columns(clean_warehouse)


def test_a_rerun_replaces_its_own_stage_only(clean_warehouse: Warehouse) -> None:
    check(clean_warehouse, "raw_licence")
    check(clean_warehouse, "mart_tool_seats", stage="marts")
    before = dq_rows(clean_warehouse)
    assert {(r[1], r[2]) for r in before} == {("raw", "raw_licence"), ("marts", "mart_tool_seats")}

    insert(clean_warehouse, "raw_licence", [clean_row("raw_licence", tool="Clari", seats_purchased=-2)])
    check(clean_warehouse, "raw_licence")

    after = dq_rows(clean_warehouse)
    assert len(after) == len(before)
    assert [r for r in after if r[1] == "marts"] == [r for r in before if r[1] == "marts"]
    assert {(r[2], r[6]) for r in after if r[8] is False} == {("raw_licence", "seats_purchased")}


def test_severity_overrides_from_an_operator_file(clean_warehouse: Warehouse, tmp_path: Path) -> None:
    config_file = write(
        tmp_path / "severity.yaml",
        "severity:\n"
        "  freshness: block\n"
        "overrides:\n"
        "  - suite: raw_content_event\n"
        "    expectation: expect_column_values_to_be_in_set\n"
        "    column: action\n"
        "    severity: warn\n",
    )
    config = load_config(config_file)
    insert(
        clean_warehouse, "raw_content_event", [clean_row("raw_content_event", event_id="E3", action="like")]
    )

    results = check(clean_warehouse, "raw_content_event", config=config)

    by_check = {(r.expectation, r.column): r for r in results}
    assert by_check[("expect_column_values_to_be_in_set", "action")].severity == "warn"
    assert by_check[("expect_column_max_to_be_between", "occurred_at")].severity == "block"
    # The other defaults of the shipped file still hold (referential checks warn).
    assert by_check[("expect_column_values_to_be_in_set", "asset_id")].severity == "warn"
    assert blocking_failures(results) == []
    assert config.severity_for("raw_okta_event", "referential", "x", "app_display_name") == "warn"


def test_blocking_failures_name_the_check_the_table_and_the_count(clean_warehouse: Warehouse) -> None:
    insert(
        clean_warehouse,
        "raw_content_event",
        [
            clean_row("raw_content_event", event_id="E3", action="like"),
            clean_row("raw_content_event", event_id="E4", action="poke"),
        ],
    )
    insert(
        clean_warehouse,
        "raw_xapi_statement",
        [clean_row("raw_xapi_statement", statement_id="s-3", result_score_scaled=1.5)],
    )

    results = check(clean_warehouse, "raw_content_event", "raw_xapi_statement")

    blocking = blocking_failures(results)
    assert [r.message for r in blocking] == [
        "block failed: raw_content_event expect_column_values_to_be_in_set on raw_content_event.action: "
        "2 of 4 rows unexpected"
    ]
    # The scaled score fails too, but only warns.
    assert failures(results) - {(r.suite, r.expectation, r.column, r.success) for r in blocking} == {
        ("raw_xapi_statement", "expect_column_values_to_be_between", "result_score_scaled", False)
    }


def test_format_table_puts_failures_first_and_counts() -> None:
    results = [
        CheckResult(
            "raw",
            "raw_licence",
            "raw_licence",
            "keys",
            "expect_column_values_to_not_be_null",
            "tool",
            "block",
            True,
            "passed",
            "0 of 3 rows unexpected",
            0,
            3,
        ),
        CheckResult(
            "raw",
            "raw_licence",
            "raw_licence",
            "ranges",
            "expect_column_values_to_be_between",
            "seats_purchased",
            "block",
            False,
            "failed",
            "1 of 3 rows unexpected",
            1,
            3,
        ),
        CheckResult(
            "raw",
            "raw_okta_event",
            "raw_okta_event",
            "volume",
            "expect_table_row_count_to_be_between",
            None,
            "warn",
            None,
            "skipped",
            "needs 4 weeks of history before the interval",
        ),
    ]

    assert format_table(results).splitlines() == [
        "status   severity  suite           expectation                    column           observed",
        "-------  --------  --------------  -----------------------------  ---------------  "
        "--------------------------------------------",
        "FAILED   block     raw_licence     column_values_to_be_between    seats_purchased  1 of 3 rows unexpected",
        "skipped  warn      raw_okta_event  table_row_count_to_be_between  -                "
        "needs 4 weeks of history before the interval",
        "passed   block     raw_licence     column_values_to_not_be_null   tool             0 of 3 rows unexpected",
        "",
        "3 checks: 1 passed, 1 failed (1 blocking, 0 warnings), 1 skipped",
    ]


def test_every_kind_has_a_default_and_bad_files_are_refused(tmp_path: Path) -> None:
    config = load_config()
    assert set(config.severity) == set(KINDS)
    assert (config.identity_min_rate, config.volume_weeks, config.volume_band) == (0.9, 4, 0.5)

    bad_value = write(tmp_path / "a.yaml", "severity:\n  volume: stop\n")
    with pytest.raises(QualityConfigError, match=r"a\.yaml: severity\.volume is 'stop'; write block or warn"):
        load_config(bad_value)
    bad_kind = write(tmp_path / "b.yaml", "overrides:\n  - kind: speed\n    severity: warn\n")
    with pytest.raises(QualityConfigError, match=r"b\.yaml: overrides\[0\]\.kind is 'speed'"):
        load_config(bad_kind)
    bad_section = write(tmp_path / "c.yaml", "thresholds: {}\n")
    with pytest.raises(QualityConfigError, match=r"c\.yaml: unknown section\(s\) thresholds"):
        load_config(bad_section)


def test_the_interval_is_recorded_with_each_result(clean_warehouse: Warehouse) -> None:
    check(clean_warehouse, "raw_course")

    spans = {(r[13], r[14]) for r in dq_rows(clean_warehouse)}
    assert spans == {(datetime(2026, 1, 5), datetime(2026, 1, 12))}
    assert date(2026, 1, 5) == START
