"""The DAGs' task bodies outside Airflow: settings and Connection translation, the interval and
report-week arithmetic, and the API pulls wired to loopback servers."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk import Connection
from pytest_httpserver import HTTPServer

from enablement_audit import orchestration as ea
from enablement_audit.config import Settings, load_settings
from enablement_audit.sources import SOURCES
from enablement_audit.warehouse import Warehouse


def test_the_module_imports_without_airflow() -> None:
    code = (
        "import sys; import enablement_audit.orchestration; "
        "assert not [m for m in sys.modules if m == 'airflow' or m.startswith('airflow.')]"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("duckdb:////data/wh/warehouse.duckdb", "duckdb:////data/wh/warehouse.duckdb"),
        ("duckdb:///relative/warehouse.duckdb", "duckdb:///relative/warehouse.duckdb"),
        ("duckdb://%2Fdata%2Fwarehouse.duckdb", "duckdb:////data/warehouse.duckdb"),
        (
            "postgres://audit:p%40ss%2Fw@db.internal:5432/analytics",
            "postgresql+psycopg://audit:p%40ss%2Fw@db.internal:5432/analytics",
        ),
        (
            "postgresql://audit:pw@db.internal/analytics?sslmode=require",
            "postgresql+psycopg://audit:pw@db.internal/analytics?sslmode=require",
        ),
    ],
)
def test_warehouse_url_from_connection(uri: str, expected: str) -> None:
    assert ea.warehouse_url_from_connection(Connection(conn_id="enablement_warehouse", uri=uri)) == expected


def test_a_postgres_connection_keeps_its_password_for_sqlalchemy() -> None:
    import sqlalchemy as sa

    conn = Connection(conn_id="w", uri="postgres://audit:p%40ss%2Fw@db.internal:5432/analytics")
    url = sa.engine.make_url(ea.warehouse_url_from_connection(conn))
    assert (url.drivername, url.username, url.password, url.host, url.port, url.database) == (
        "postgresql+psycopg",
        "audit",
        "p@ss/w",
        "db.internal",
        5432,
        "analytics",
    )


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"host": "https://lrs.example.com/xapi/"}, "https://lrs.example.com/xapi"),
        ({"host": "lrs.example.com", "port": 8443}, "https://lrs.example.com:8443"),
        (
            {"host": "lrs.local", "schema": "http", "extra": '{"path": "/data/xapi/"}'},
            "http://lrs.local/data/xapi",
        ),
    ],
)
def test_http_base_url(fields: dict[str, Any], expected: str) -> None:
    assert ea.http_base_url(Connection(conn_id="xapi_lrs", conn_type="http", **fields)) == expected


def test_http_base_url_of_the_uri_form() -> None:
    # Airflow's HTTP convention: the URI's scheme is the connection type, its path the schema
    conn = Connection(conn_id="xapi_lrs", uri="http://key:secret@lrs.example.com/xapi")
    assert ea.http_base_url(conn) == "https://lrs.example.com/xapi"


def test_http_base_url_needs_a_host() -> None:
    with pytest.raises(ValueError, match="the Connection xapi_lrs has no host"):
        ea.http_base_url(Connection(conn_id="xapi_lrs", conn_type="http"))


def test_resolve_settings_layers_the_variables_over_the_package_settings(
    clean_env: pytest.MonkeyPatch,
) -> None:
    clean_env.setenv("ENABLEMENT_AUDIT_LATE_ARRIVAL_DAYS", "5")
    clean_env.setenv("ENABLEMENT_AUDIT_LANDING", "/from/env")
    settings = ea.resolve_settings(
        {"timezone": "Europe/Berlin", "late_arrival_days": 2},
        landing="/from/variable",
        report_dir=None,
        warehouse_url="duckdb:////tmp/x.duckdb",
    )
    # the Variable JSON beats the environment; a named Variable beats both; None keeps the default
    assert (settings.late_arrival_days, settings.timezone, settings.landing) == (
        2,
        "Europe/Berlin",
        "/from/variable",
    )
    assert settings.resolved_warehouse_url == "duckdb:////tmp/x.duckdb"
    assert settings.report_dir is None
    assert ea.resolve_settings({}).landing == "/from/env"


def test_resolve_settings_names_unknown_keys(clean_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(
        ValueError, match=r"enablement_audit_settings names unknown setting\(s\) colour, size"
    ):
        ea.resolve_settings({"size": 1, "colour": "red"})
    with pytest.raises(ValueError, match="must be a JSON object, not list"):
        ea.resolve_settings(["landing"])  # type: ignore[arg-type]


def test_interval_days_are_the_utc_calendar_days_of_the_interval() -> None:
    start = datetime(2026, 1, 4, 2, 30, tzinfo=UTC)
    assert ea.interval_days(start, start + timedelta(days=1)) == (date(2026, 1, 4), date(2026, 1, 5))
    plus_two = timezone(timedelta(hours=2))
    # 04:30 at UTC+2 on the 5th is 02:30 UTC on the 5th
    assert ea.interval_days(start, datetime(2026, 1, 5, 4, 30, tzinfo=plus_two)) == (
        date(2026, 1, 4),
        date(2026, 1, 5),
    )
    # 01:30 at UTC+2 on the 5th is 23:30 UTC on the 4th: no whole day
    with pytest.raises(ValueError, match="covers no whole day"):
        ea.interval_days(start, datetime(2026, 1, 5, 1, 30, tzinfo=plus_two))


@pytest.mark.parametrize(
    ("end", "monday"),
    [
        (date(2026, 11, 23), date(2026, 11, 16)),  # Monday: last week has just finished
        (date(2026, 11, 24), date(2026, 11, 16)),
        (date(2026, 11, 22), date(2026, 11, 9)),  # Sunday (exclusive): 16-22 not finished yet
        (date(2026, 1, 5), date(2025, 12, 29)),  # ISO week 2026-W01 starts on 2025-12-29
    ],
)
def test_latest_finished_week(end: date, monday: date) -> None:
    assert ea.latest_finished_week(end) == monday


def test_report_week() -> None:
    extras = [{"end": "2026-11-18"}, {"end": "2026-11-24"}]
    assert ea.report_week(extras, None, date(2026, 1, 1)) == date(2026, 11, 16)
    assert ea.report_week([], None, date(2026, 11, 30)) == date(2026, 11, 23)
    assert ea.report_week(extras, "2026-W02", date(2026, 1, 1)) == date(2026, 1, 5)


def test_marts_changed() -> None:
    monday = date(2026, 11, 16)
    touched = {"week_lo": "2026-11-16", "week_hi": "2026-11-30"}
    later = {"week_lo": "2026-11-23", "week_hi": "2026-11-30"}
    assert ea.marts_changed([], monday) is True
    assert ea.marts_changed([touched], monday) is True
    assert ea.marts_changed([later], monday) is False
    assert ea.marts_changed([later, {"end": "2026-11-24"}], monday) is True  # an event without weeks


def test_event_extras_flattens_the_triggering_events() -> None:
    class Event:
        def __init__(self, extra: Any) -> None:
            self.extra = extra

    events = {
        "enablement_audit_marts": [Event({"end": "2026-11-17"}), Event(None), Event({"end": "2026-11-18"})]
    }
    assert ea.event_extras(events) == [{"end": "2026-11-17"}, {"end": "2026-11-18"}]
    assert ea.event_extras(None) == []


def test_parse_recipients() -> None:
    assert ea.parse_recipients(" a@example.com, b@example.com;c@example.com ,") == [
        "a@example.com",
        "b@example.com",
        "c@example.com",
    ]
    assert ea.parse_recipients(None) == []


def test_the_quality_gate_takes_raw_or_marts() -> None:
    with pytest.raises(ValueError, match="stage must be 'raw' or 'marts', not 'all'"):
        ea.validate(Settings.model_construct(), date(2026, 1, 4), date(2026, 1, 5), "run-1", "all")


def _crm_users(warehouse: Warehouse, *user_ids: str | None) -> Settings:
    """Rows in raw_crm_user from the Monday export of 2026-11-16; settings pointing at them."""
    rows = [
        {
            "user_id": user_id,
            "name": f"Rep {line}",
            "email": f"rep{line}@example.com",
            "is_active": True,
            "created_at": datetime(2025, 3, 4, 9, 15),
            "source_file": "users/2026-11-16/User.csv",
            "source_line": line,
            "source_date": date(2026, 11, 16),
        }
        for line, user_id in enumerate(user_ids, start=2)
    ]
    table = warehouse.raw_table("raw_crm_user", SOURCES["users"].columns)
    with warehouse.engine.begin() as conn:
        conn.execute(table.insert(), rows)
    url = warehouse.engine.url.render_as_string(hide_password=False)
    warehouse.engine.dispose()
    return load_settings(warehouse_url=url)


def test_the_quality_gate_passes_good_rows(warehouse: Warehouse, clean_env: pytest.MonkeyPatch) -> None:
    settings = _crm_users(warehouse, "0055g00000AbCdEAAZ", "0055g00000AbCdFAAZ")

    failed = ea.validate(settings, date(2026, 11, 16), date(2026, 11, 17), "run-1", "raw")

    assert {f["severity"] for f in failed} <= {"warn"}


def test_the_quality_gate_stops_on_a_blocking_failure(
    warehouse: Warehouse, clean_env: pytest.MonkeyPatch
) -> None:
    settings = _crm_users(warehouse, None, "0055g00000AbCdFAAZ")

    with pytest.raises(ea.QualityGateError) as caught:
        ea.validate(settings, date(2026, 11, 16), date(2026, 11, 17), "run-1", "raw")

    # the window is the interval plus the three-day lookback
    assert str(caught.value) == (
        "1 blocking raw check(s) failed for 2026-11-13 to 2026-11-17 (run run-1, see dq_results):\n"
        "block failed: raw_crm_user expect_column_values_to_not_be_null on raw_crm_user.user_id: "
        "1 of 2 rows unexpected"
    )


def _settings(landing: Path) -> Settings:
    return Settings.model_construct(landing=str(landing), http_timeout_seconds=5.0, http_max_retries=0)


def test_pull_xapi_uses_the_connection(httpserver: HTTPServer, tmp_path: Path) -> None:
    statement = {
        "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
        "actor": {"objectType": "Agent", "mbox": "mailto:ana@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
        "object": {"id": "https://lms.example.com/courses/discovery"},
        "timestamp": "2026-01-04T10:00:00Z",
        "stored": "2026-01-04T10:00:01Z",
        "version": "1.0.3",
    }
    httpserver.expect_request(
        "/xapi/statements",
        query_string={
            "since": "2026-01-04T00:00:00.000Z",
            "until": "2026-01-05T00:00:00.000Z",
            "limit": "500",
            "ascending": "true",
        },
        headers={
            "X-Experience-API-Version": "1.0.3",
            "Authorization": "Basic a2V5OnNlY3JldA==",
        },  # key:secret
    ).respond_with_json({"statements": [statement], "more": ""})
    conn = Connection(
        conn_id="xapi_lrs", conn_type="http", host=httpserver.url_for("/xapi"), login="key", password="secret"
    )

    paths = ea.pull_xapi(conn, _settings(tmp_path), date(2026, 1, 4), date(2026, 1, 5))

    day = tmp_path / "xapi" / "2026-01-04"
    assert paths == [str(day / "lrs-20260104T000000Z-20260105T000000Z.jsonl")]
    assert [json.loads(line) for line in Path(paths[0]).read_text().splitlines()] == [statement]


def test_pull_okta_uses_the_connection(httpserver: HTTPServer, tmp_path: Path) -> None:
    event = {"uuid": "e1", "published": "2026-01-04T14:03:11.123Z", "eventType": "user.authentication.sso"}
    httpserver.expect_request(
        "/api/v1/logs",
        query_string={
            "since": "2026-01-04T00:00:00.000Z",
            "until": "2026-01-05T00:00:00.000Z",
            "limit": "1000",
            "sortOrder": "ASCENDING",
        },
        headers={"Authorization": "SSWS t0ken"},
    ).respond_with_json([event])
    conn = Connection(
        conn_id="okta_api", conn_type="http", host=httpserver.url_for("/").rstrip("/"), password="t0ken"
    )

    paths = ea.pull_okta(conn, _settings(tmp_path), date(2026, 1, 4), date(2026, 1, 5))

    assert paths == [
        str(tmp_path / "okta" / "2026-01-04" / "okta-logs-20260104T000000Z-20260105T000000Z.jsonl")
    ]
    assert [json.loads(line) for line in Path(paths[0]).read_text().splitlines()] == [event]


def test_a_pull_needs_a_landing_folder() -> None:
    conn = Connection(conn_id="okta_api", conn_type="http", host="https://acme.okta.com", password="t0ken")
    with pytest.raises(ValueError, match="set the Variable enablement_audit_landing"):
        ea.pull_okta(conn, Settings.model_construct(landing=None), date(2026, 1, 4), date(2026, 1, 5))


def test_an_existing_report_of_a_week_not_rebuilt_is_left_alone(tmp_path: Path) -> None:
    page = tmp_path / "enablement-audit-2026-W47.html"
    page.write_text("old", encoding="utf-8")
    settings = Settings.model_construct(report_dir=tmp_path, warehouse_url="duckdb:////nonexistent/x.duckdb")
    later = {"week_lo": "2026-11-23", "week_hi": "2026-11-30"}

    assert ea.render_weekly_report(settings, date(2026, 11, 16), [later]) is None
    assert page.read_text(encoding="utf-8") == "old"


def test_no_recipients_no_email() -> None:
    assert ea.email_reports({"week": "2026-W47", "paths": ["/x/index.html"]}, []) is False
