"""Airflow runs the DAGs (``dag.test()``) on generated demo data into a temporary DuckDB warehouse:
three consecutive nightly intervals, then the weekly report.

The three nights (the days 2026-11-16, -17 and -18 of a scale-S organisation generated for the
four weeks up to 2026-11-23) run once per module; the tests check what they left behind against
``enablement_audit.pipeline.run``, the CLI's code path, on fresh warehouses.
"""

from __future__ import annotations

import csv
import email
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from enablement_audit import pipeline
from enablement_audit.config import load_settings
from enablement_audit.warehouse import Warehouse
from tests.dags.conftest import DAGS_FOLDER, clean_environment

pytestmark = pytest.mark.airflow

END = date(2026, 11, 23)  # the demo organisation's data ends the day before this Monday
DAYS = [date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 18)]  # one nightly interval each
LOOKBACK = 3  # the default late_arrival_days
IGNORED_COLUMNS = {"run_id", "loaded_at", "built_at", "quarantined_at", "checked_at"}  # differ by run
RUN_LOG_TABLES = {"pipeline_runs", "model_builds"}  # one row per file or model per run: three nights log more
CHECK_LOG = "dq_results"  # one row per check per run: likewise
NIGHTLY_TASKS = ["build", "load", "publish", "pull_okta", "pull_xapi", "validate_marts", "validate_raw"]


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    def column(self, name: str) -> list[Any]:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]


Snapshot = dict[str, Table]


def logical_date(day: date) -> datetime:
    """The run that processes ``day``: its data interval ends at 02:30 UTC the next day."""
    return datetime.combine(day + timedelta(days=1), time(2, 30), tzinfo=UTC)


def snapshot(url: str) -> Snapshot:
    """Every table and view of the warehouse schema but the run log: sorted rows without the
    per-run columns."""
    warehouse = Warehouse.from_url(url)
    try:
        inspector = sa.inspect(warehouse.engine)
        names = inspector.get_table_names(schema=warehouse.schema)
        names += inspector.get_view_names(schema=warehouse.schema)
        contents: Snapshot = {}
        with warehouse.engine.connect() as conn:
            for name in sorted(set(names) - RUN_LOG_TABLES):
                result = conn.execute(sa.text(f"select * from {warehouse.schema}.{name}"))
                keep = [i for i, column in enumerate(result.keys()) if column not in IGNORED_COLUMNS]
                columns = tuple(list(result.keys())[i] for i in keep)
                rows = sorted((tuple(_comparable(row[i]) for i in keep) for row in result), key=repr)
                contents[name] = Table(columns, rows)
        return contents
    finally:
        warehouse.engine.dispose()


def _comparable(value: Any) -> Any:
    # DuckDB sums floats in parallel, in no fixed order: the last bits of an average may differ
    return float(f"{value:.12g}") if isinstance(value, float) else value


def run_log(url: str) -> list[tuple[Any, ...]]:
    """``pipeline_runs``: (source, file name, read, loaded, quarantined, duplicates) per load."""
    warehouse = Warehouse.from_url(url)
    sql = (
        "select source, source_file, rows_read, rows_loaded, rows_quarantined, rows_duplicate "
        f"from {warehouse.schema}.pipeline_runs order by started_at, source, source_file"
    )
    try:
        with warehouse.engine.connect() as conn:
            return [(r[0], Path(r[1]).name, *r[2:]) for r in conn.execute(sa.text(sql))]
    finally:
        warehouse.engine.dispose()


def task_states(dag_run: Any) -> dict[str, str]:
    return {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}


def reference_run(landing: Path, start: date, end: date, folder: Path) -> Snapshot:
    """What ``pipeline.run`` (the CLI) leaves in a fresh warehouse for ``[start, end)``."""
    url = f"duckdb:///{folder / 'reference.duckdb'}"
    settings = load_settings(warehouse_url=url, landing=str(landing))
    warehouse = Warehouse.from_url(url, settings.schema_name)
    try:
        pipeline.run(warehouse, settings, start, end, landing=str(landing))
    finally:
        warehouse.engine.dispose()
    return snapshot(url)


def marts_asset_extras() -> list[dict[str, Any]]:
    """The ``extra`` of every ``enablement_audit_marts`` event in the metadata DB, oldest first."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session

    with create_session() as session:
        query = (
            sa.select(AssetEvent.extra)
            .join(AssetModel, AssetModel.id == AssetEvent.asset_id)
            .where(AssetModel.name == "enablement_audit_marts")
            .order_by(AssetEvent.id)
        )
        return [dict(extra) for extra in session.scalars(query)]


@dataclass
class Nights:
    landing: Path
    folder: Path
    warehouse_url: str
    states: list[dict[str, str]]
    after_first: Snapshot
    first_run_log: list[tuple[Any, ...]]
    after_last: Snapshot
    events: list[dict[str, Any]]


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scale-S demo organisation's landing folder (its last four weeks), generated once."""
    from enablement_audit.synthetic import generate

    root = tmp_path_factory.mktemp("landing")
    generate(root, scale="S", seed=7, end=END, days=28)
    return root


@pytest.fixture(scope="module")
def dags(airflow_db: Path) -> dict[str, Any]:
    """The DAGs parsed afresh, without retries: a failing task fails its test at once instead of
    waiting out the retry delays (the integrity tests check the real retry settings)."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_FOLDER))
    assert bag.import_errors == {}
    for dag in bag.dags.values():
        for task in dag.tasks:
            task.retries = 0
    return bag.dags


@pytest.fixture(scope="module")
def nights(dags: dict[str, Any], landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nights]:
    """Three consecutive nightly runs of the DAG into one warehouse, the way the scheduler runs
    them; no LRS or Okta Connection is configured, so the pulls skip and the files already in
    the landing folder are loaded."""
    folder = tmp_path_factory.mktemp("nights")
    url = f"duckdb:///{folder / 'warehouse.duckdb'}"
    with pytest.MonkeyPatch.context() as mp:
        clean_environment(mp, folder / "home")
        mp.setenv("AIRFLOW_CONN_ENABLEMENT_WAREHOUSE", url)
        mp.setenv("AIRFLOW_VAR_ENABLEMENT_AUDIT_LANDING", str(landing))
        dag = dags["enablement_audit_nightly"]
        events_before = len(marts_asset_extras())
        states: list[dict[str, str]] = []
        after_first: Snapshot = {}
        first_run_log: list[tuple[Any, ...]] = []
        for day in DAYS:
            states.append(task_states(dag.test(logical_date=logical_date(day))))
            if not after_first:
                after_first, first_run_log = snapshot(url), run_log(url)
        yield Nights(
            landing=landing,
            folder=folder,
            warehouse_url=url,
            states=states,
            after_first=after_first,
            first_run_log=first_run_log,
            after_last=snapshot(url),
            events=marts_asset_extras()[events_before:],
        )


def test_each_night_succeeds_and_skips_the_unconfigured_pulls(nights: Nights) -> None:
    expected = {task: "success" for task in NIGHTLY_TASKS} | {"pull_okta": "skipped", "pull_xapi": "skipped"}
    assert nights.states == [expected, expected, expected]


def _csv_rows(folder: Path) -> int:
    total = 0
    for path in sorted(folder.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            total += sum(1 for _ in csv.reader(handle)) - 1  # minus the header
    return total


def test_the_first_night_fills_the_raw_tables_and_the_models(nights: Nights) -> None:
    first = nights.after_first
    window_start = DAYS[0] - timedelta(days=LOOKBACK)
    # the Monday users export is the only one in the window [11-13, 11-17): every row of it was
    # read, and what was loaded and quarantined is in raw_crm_user and quarantine
    users_log = [row for row in nights.first_run_log if row[0] == "users"]
    assert users_log == [
        (
            "users",
            "User-2026-11-16.csv",
            _csv_rows(nights.landing / "users" / "2026-11-16"),
            len(first["raw_crm_user"].rows),
            first["quarantine"].column("source").count("users"),
            users_log[0][5],
        )
    ]
    read, loaded, quarantined, duplicates = users_log[0][2:]
    assert loaded > 200 and quarantined > 0
    assert read == loaded + quarantined + duplicates
    # every source of the window was loaded
    assert {row[0] for row in nights.first_run_log} == {
        path.parent.parent.name
        for path in nights.landing.glob("*/*/*")
        if window_start <= date.fromisoformat(path.parent.name) < DAYS[0] + timedelta(days=1)
    }
    # stg_rep: one row per CRM user
    user_ids = first["raw_crm_user"].column("user_id")
    assert sorted(first["stg_rep"].column("rep_id")) == sorted(user_ids)
    assert len(set(user_ids)) == len(user_ids)
    # int_rep_week_status: rows up to the ISO weeks of the window, 11-09 and 11-16
    weeks = set(first["int_rep_week_status"].column("week_start"))
    assert {date(2026, 11, 9), DAYS[0]} <= weeks
    assert max(weeks) == DAYS[0]
    assert set(first["identity_match"].column("source")) >= {"content_activity", "okta", "xapi"}
    for table in ("raw_content_event", "raw_okta_event", "raw_xapi_statement", "raw_sf_login"):
        assert len(first[table].rows) > 0, table
    # and exactly what the CLI's pipeline leaves for the same interval
    reference = reference_run(nights.landing, DAYS[0], DAYS[0] + timedelta(days=1), nights.folder / "one")
    assert sorted(first) == sorted(reference)
    for table in reference:
        assert first[table] == reference[table], table


def test_three_nights_leave_what_one_three_day_run_leaves(nights: Nights) -> None:
    reference = reference_run(nights.landing, DAYS[0], DAYS[-1] + timedelta(days=1), nights.folder / "three")
    assert sorted(nights.after_last) == sorted(reference)
    for table in set(reference) - {CHECK_LOG}:
        assert nights.after_last[table] == reference[table], table
    # the check log holds each night's raw and marts checks, over that night's window
    checks = nights.after_last[CHECK_LOG]
    windows = set(
        zip(
            checks.column("stage"),
            checks.column("interval_start"),
            checks.column("interval_end"),
            strict=True,
        )
    )
    assert windows == {
        (
            stage,
            datetime.combine(day - timedelta(days=LOOKBACK), time()),
            datetime.combine(day + timedelta(days=1), time()),
        )
        for day in DAYS
        for stage in ("raw", "marts")
    }


def test_each_night_publishes_the_marts_asset(nights: Nights) -> None:
    assert [(e["start"], e["end"], e["week_lo"], e["week_hi"]) for e in nights.events] == [
        ("2026-11-16", "2026-11-17", "2026-11-09", "2026-11-23"),
        ("2026-11-17", "2026-11-18", "2026-11-09", "2026-11-23"),
        ("2026-11-18", "2026-11-19", "2026-11-09", "2026-11-23"),
    ]
    last = nights.events[-1]["rows"]
    for model in ("stg_rep", "int_rep_week_status", "identity_match"):
        assert last[model] == len(nights.after_last[model].rows) > 0, model


class _Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 OK"


def test_the_weekly_report_is_written_and_emailed(
    nights: Nights, dags: dict[str, Any], tmp_path: Path
) -> None:
    import json

    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    with socket.socket() as probe:  # a free loopback port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    reports = tmp_path / "reports"
    try:
        with pytest.MonkeyPatch.context() as mp:
            clean_environment(mp, tmp_path / "home")
            mp.setenv("AIRFLOW_CONN_ENABLEMENT_WAREHOUSE", nights.warehouse_url)
            mp.setenv("AIRFLOW_VAR_ENABLEMENT_AUDIT_REPORT_DIR", str(reports))
            mp.setenv("AIRFLOW_VAR_ENABLEMENT_AUDIT_REPORT_RECIPIENTS", "ana@example.com, ben@example.com")
            mp.setenv(
                "AIRFLOW_CONN_SMTP_DEFAULT",
                json.dumps(
                    {
                        "conn_type": "smtp",
                        "host": "127.0.0.1",
                        "port": port,
                        "extra": {
                            "disable_tls": True,
                            "disable_ssl": True,
                            "from_email": "audit@example.com",
                        },
                    }
                ),
            )
            dag = dags["enablement_audit_weekly_report"]
            # a run on Monday 2026-11-23 reports the week that just finished, 2026-W47 (16-22 Nov)
            states = task_states(dag.test(logical_date=datetime(2026, 11, 23, 6, 0, tzinfo=UTC)))
    finally:
        smtp.stop()

    assert states == {"render_reports": "success", "email_reports": "success"}
    written = sorted(p.name for p in reports.iterdir())
    teams = [name for name in written if name.startswith("team-")]
    assert written == sorted(["enablement-audit-2026-W47.html", "index.html", *teams])
    assert teams and all(name.endswith("-2026-W47.html") for name in teams)
    page = (reports / "enablement-audit-2026-W47.html").read_text(encoding="utf-8")
    assert "2026-W47" in page
    assert len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    assert recipients == ["ana@example.com", "ben@example.com"]
    assert message["Subject"] == "Enablement Audit 2026-W47"
    assert message["From"] == "audit@example.com"
    attachments = [part.get_filename() for part in message.walk() if part.get_filename()]
    assert attachments == ["enablement-audit-2026-W47.html"]
