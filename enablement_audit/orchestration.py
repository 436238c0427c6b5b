"""What the Airflow DAGs' tasks do, in plain Python: the DAG files only wire these together.

The module imports without Airflow. The few functions that read Airflow Connections or
Variables (:func:`runtime_settings`, :func:`optional_connection`, :func:`report_recipients`)
import it inside themselves, so they only ever run inside a task, never at DAG parse time.
Secrets (the LRS password, the Okta token, the warehouse password) are read inside the task
that uses them and handed straight to the client or engine; what a task returns (its XCom) holds
counts, dates and paths only, and nothing here logs a secret.

Airflow names used by the DAGs (each optional):

- Connection ``enablement_warehouse``: the warehouse (``postgres`` or ``duckdb``); else the
  package settings.
- Connection ``xapi_lrs``: the LRS; host = its xAPI base URL, login = key, password = secret.
- Connection ``okta_api``: the Okta org; host = ``https://acme.okta.com``, password = API token.
- Connection ``smtp_default``: Airflow's SMTP connection for the weekly e-mail.
- Variable ``enablement_audit_landing``: landing folder or fsspec URL; else the settings'.
- Variable ``enablement_audit_report_dir``: report folder; else the settings'.
- Variable ``enablement_audit_report_recipients``: comma-separated e-mail addresses.
- Variable ``enablement_audit_settings``: a JSON object of further
  :class:`~enablement_audit.config.Settings` fields, e.g. ``{"late_arrival_days": 5}``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

if TYPE_CHECKING:
    from enablement_audit.config import Settings
    from enablement_audit.warehouse import Warehouse

log = logging.getLogger(__name__)

WAREHOUSE_CONN_ID = "enablement_warehouse"
XAPI_CONN_ID = "xapi_lrs"
OKTA_CONN_ID = "okta_api"
SMTP_CONN_ID = "smtp_default"
LANDING_VAR = "enablement_audit_landing"
REPORT_DIR_VAR = "enablement_audit_report_dir"
RECIPIENTS_VAR = "enablement_audit_report_recipients"
SETTINGS_VAR = "enablement_audit_settings"
MARTS_ASSET = "enablement_audit_marts"

# SQLAlchemy drivers for the Airflow connection types a warehouse may be declared with.
SQLALCHEMY_SCHEMES = {"postgres": "postgresql+psycopg", "postgresql": "postgresql+psycopg"}


class QualityGateError(RuntimeError):
    """A blocking data-quality check failed; the message lists the failed checks."""


# --- reading Airflow (inside tasks only) ------------------------------------------------------


def optional_connection(conn_id: str) -> Any | None:
    """The Airflow Connection ``conn_id``, or None when it is not configured."""
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return Connection.get(conn_id)
    except AirflowNotFoundException:
        return None


def _variable(key: str, *, json: bool = False) -> Any | None:
    from airflow.sdk import Variable

    return Variable.get(key, default=None, deserialize_json=json)


def runtime_settings() -> Settings:
    """The package settings with the Airflow Variables and the warehouse Connection applied."""
    overrides = _variable(SETTINGS_VAR, json=True) or {}
    connection = optional_connection(WAREHOUSE_CONN_ID)
    return resolve_settings(
        overrides,
        landing=_variable(LANDING_VAR),
        report_dir=_variable(REPORT_DIR_VAR),
        warehouse_url=warehouse_url_from_connection(connection) if connection else None,
    )


def report_recipients() -> list[str]:
    """The addresses in the Variable ``enablement_audit_report_recipients`` (may be empty)."""
    return parse_recipients(_variable(RECIPIENTS_VAR))


# --- pure helpers -----------------------------------------------------------------------------


def resolve_settings(
    overrides: Mapping[str, Any],
    *,
    landing: str | None = None,
    report_dir: str | None = None,
    warehouse_url: str | None = None,
) -> Settings:
    """Defaults, the package's YAML and environment, then ``overrides``, then the named values
    (each only when given)."""
    from enablement_audit.config import Settings, load_settings

    if not isinstance(overrides, Mapping):
        raise ValueError(f"the Variable {SETTINGS_VAR} must be a JSON object, not {type(overrides).__name__}")
    unknown = sorted(set(overrides) - set(Settings.model_fields))
    if unknown:
        raise ValueError(
            f"the Variable {SETTINGS_VAR} names unknown setting(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(Settings.model_fields))}"
        )
    return load_settings(
        **{**overrides, "landing": landing, "report_dir": report_dir, "warehouse_url": warehouse_url}
    )


def warehouse_url_from_connection(conn: Any) -> str:
    """A SQLAlchemy URL for an Airflow Connection.

    ``duckdb`` connections name the file as SQLAlchemy does (``duckdb:////abs/file.duckdb``, or the
    path in ``host``); ``postgres`` connections become ``postgresql+psycopg://`` with their
    credentials, host, port, database and extras (``sslmode``...) kept. Any other type is
    taken to be a SQLAlchemy URL already.
    """
    conn_type = (conn.conn_type or "").lower()
    if conn_type.startswith("duckdb"):
        path = unquote(conn.host or conn.schema or "")
        return f"duckdb:///{path or ':memory:'}"
    scheme, _, rest = conn.get_uri().partition("://")
    return f"{SQLALCHEMY_SCHEMES.get(scheme, scheme)}://{rest}"


def http_base_url(conn: Any) -> str:
    """The API base of an HTTP Connection.

    ``host`` is used as it is when it carries a scheme (``https://lrs.example.com/xapi``).
    Otherwise the base is ``https://host[:port]``, with ``http`` only when the Connection's
    ``schema`` says so (Airflow's HTTP convention); any other ``schema`` is a path, so the URI
    form ``http://key:secret@lrs.example.com/xapi`` means ``https://lrs.example.com/xapi``. An
    extra ``path`` is appended.
    """
    host = (conn.host or "").rstrip("/")
    if not host:
        raise ValueError(f"the Connection {conn.conn_id} has no host; set it to the API's base URL")
    schema = (conn.schema or "").strip("/")
    if "://" in host:
        base = host
    else:
        scheme = schema if schema in ("http", "https") else "https"
        base = f"{scheme}://{host}" + (f":{conn.port}" if conn.port else "")
        if schema and schema not in ("http", "https"):
            base = f"{base}/{schema}"
    path = str(conn.extra_dejson.get("path") or "").strip("/")
    return f"{base}/{path}" if path else base


def interval_days(data_interval_start: datetime, data_interval_end: datetime) -> tuple[date, date]:
    """The calendar days ``[start, end)`` of an Airflow data interval (UTC): a nightly run at 02:30
    on the 5th has the interval 02:30 on the 4th to 02:30 on the 5th and processes the 4th."""
    start, end = _utc_date(data_interval_start), _utc_date(data_interval_end)
    if end <= start:
        raise ValueError(
            f"the data interval {data_interval_start} to {data_interval_end} covers no whole day; "
            "the nightly DAG needs a daily CronDataIntervalTimetable"
        )
    return start, end


def _utc_date(moment: datetime) -> date:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.date()


def latest_finished_week(end: date) -> date:
    """The Monday of the newest ISO week wholly before ``end`` (exclusive)."""
    return end - timedelta(days=end.weekday() + 7)


def parse_recipients(text: str | None) -> list[str]:
    if not text:
        return []
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


def event_extras(triggering_asset_events: Any) -> list[dict[str, Any]]:
    """The ``extra`` dicts of the asset events that triggered a run (an empty list for a manual
    or test run)."""
    if not triggering_asset_events:
        return []
    extras: list[dict[str, Any]] = []
    for events in triggering_asset_events.values():
        for event in events:
            extra = getattr(event, "extra", None)
            if isinstance(extra, Mapping):
                extras.append(dict(extra))
    return extras


def report_week(extras: Iterable[Mapping[str, Any]], requested: str | None, today: date) -> date:
    """The Monday of the week to report: ``requested`` (``YYYY-Www``) when given, else the newest
    finished week before the latest interval end the triggering events published, else before
    ``today``."""
    from enablement_audit.report import parse_iso_week

    if requested:
        return parse_iso_week(requested)
    ends = [date.fromisoformat(str(e["end"])) for e in extras if e.get("end")]
    return latest_finished_week(max(ends) if ends else today)


def marts_changed(extras: Iterable[Mapping[str, Any]], monday: date) -> bool:
    """Whether the publications that triggered this run rebuilt ``monday``'s week. Unknown (no
    events, as in a manual run) counts as changed."""
    extras = list(extras)
    if not extras:
        return True
    for extra in extras:
        lo, hi = extra.get("week_lo"), extra.get("week_hi")
        if lo is None or hi is None:
            return True
        if date.fromisoformat(str(lo)) <= monday < date.fromisoformat(str(hi)):
            return True
    return False


@contextmanager
def open_warehouse(settings: Settings) -> Iterator[Warehouse]:
    """The settings' warehouse, its engine disposed on the way out (an embedded DuckDB file is
    released for the next task)."""
    from enablement_audit.warehouse import Warehouse

    warehouse = Warehouse.from_url(settings.resolved_warehouse_url, settings.schema_name)
    try:
        yield warehouse
    finally:
        warehouse.engine.dispose()


# --- task bodies --------------------------------------------------------------------------------


def pull_xapi(conn: Any, settings: Settings, start: date, end: date) -> list[str]:
    """Pull the statements the LRS stored in ``[start, end)`` into the landing folder."""
    from enablement_audit.sources.lrs import pull_statements

    return pull_statements(
        http_base_url(conn),
        username=conn.login or "",
        password=conn.password or "",
        since=start,
        until=end,
        landing=_require_landing(settings, XAPI_CONN_ID),
        version=str(conn.extra_dejson.get("version") or "1.0.3"),
        timeout=settings.http_timeout_seconds,
        max_retries=settings.http_max_retries,
    )


def pull_okta(conn: Any, settings: Settings, start: date, end: date) -> list[str]:
    """Pull the Okta System Log events published in ``[start, end)`` into the landing folder."""
    from enablement_audit.sources.okta_api import pull_logs

    return pull_logs(
        http_base_url(conn),
        token=conn.password or "",
        since=start,
        until=end,
        landing=_require_landing(settings, OKTA_CONN_ID),
        timeout=settings.http_timeout_seconds,
        max_retries=settings.http_max_retries,
    )


def _require_landing(settings: Settings, conn_id: str) -> str:
    if not settings.landing:
        raise ValueError(
            f"the Connection {conn_id} is set but no landing folder is: set the Variable {LANDING_VAR} "
            "(or ENABLEMENT_AUDIT_LANDING)"
        )
    return settings.landing


def load(settings: Settings, start: date, end: date, run_id: str) -> dict[str, Any]:
    """Load the landing files of ``[start - late_arrival_days, end)``; returns the run id, the
    window and per source counts (read, loaded, quarantined, duplicates, files, failed_files)."""
    from enablement_audit import pipeline

    window = pipeline.processing_window(settings, start, end)
    loads: dict[str, dict[str, Any]] = {}
    if settings.landing:
        with open_warehouse(settings) as warehouse:
            results = pipeline.load_landing(
                warehouse, settings.landing, window, run_id, progress=log.info, settings=settings
            )
        for source, result in results.items():
            loads[source] = {**result.summary(), "files": result.files, "failed_files": result.failed_files}
            if result.failed_files:
                log.warning(
                    "%s: %d file(s) could not be read (see pipeline_runs)", source, result.failed_files
                )
    else:
        log.warning("no landing folder configured (Variable %s): nothing loaded", LANDING_VAR)
    return {
        "run_id": run_id,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "window_start": window.start.isoformat(),
        "loads": loads,
    }


def validate(settings: Settings, start: date, end: date, run_id: str, stage: str) -> list[dict[str, Any]]:
    """The data-quality gate of ``stage`` (``raw`` or ``marts``) for the processing window.

    Runs the stage's Great Expectations suites (:func:`enablement_audit.pipeline.check`, recorded
    in ``dq_results`` under ``run_id``) and logs their summary. Returns the failed checks that do
    not block (warnings) as plain dicts (suite, table, expectation, column, severity, observed,
    unexpected count; never the unexpected values themselves); raises :class:`QualityGateError`
    naming every blocking failure, so nothing is built or published on bad data.
    """
    from enablement_audit import pipeline
    from enablement_audit.quality import blocking_failures, format_table

    if stage not in ("raw", "marts"):
        raise ValueError(f"stage must be 'raw' or 'marts', not {stage!r}")
    window = pipeline.processing_window(settings, start, end)
    with open_warehouse(settings) as warehouse:
        results = pipeline.check(warehouse, settings, window, stage, run_id)
    log.info("%s checks for %s to %s:\n%s", stage, window.start, window.end, format_table(results))
    blocking = blocking_failures(results)
    if blocking:
        raise QualityGateError(
            f"{len(blocking)} blocking {stage} check(s) failed for {window.start} to {window.end} "
            f"(run {run_id}, see dq_results):\n" + "\n".join(r.message for r in blocking)
        )
    return [
        {
            "suite": r.suite,
            "table": r.table,
            "expectation": r.expectation,
            "column": r.column,
            "severity": r.severity,
            "observed": r.observed,
            "unexpected_count": r.unexpected_count,
        }
        for r in results
        if r.success is False
    ]


def build(settings: Settings, start: date, end: date) -> list[str]:
    """Build every model for the processing window; returns the models built, in order."""
    from enablement_audit import pipeline

    window = pipeline.processing_window(settings, start, end)
    with open_warehouse(settings) as warehouse:
        return pipeline.build_models(warehouse, settings, window)


def publish(settings: Settings, start: date, end: date, run_id: str, built: list[str]) -> dict[str, Any]:
    """What the nightly run published, as the ``extra`` of the marts Asset event: the interval,
    the ISO weeks rebuilt ``[week_lo, week_hi)`` and each model's row count (no personal data)."""
    from enablement_audit import pipeline
    from enablement_audit.warehouse import quote_identifier, run_sql

    window = pipeline.processing_window(settings, start, end)
    counts: dict[str, int] = {}
    with open_warehouse(settings) as warehouse, warehouse.engine.connect() as conn:
        for name in built:
            table = f"{quote_identifier(warehouse.schema)}.{quote_identifier(name)}"
            counts[name] = int(run_sql(conn, f"select count(*) from {table}").scalar_one())  # noqa: S608
    return {
        "run_id": run_id,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "week_lo": window.week_lo.isoformat(),
        "week_hi": window.week_hi.isoformat(),
        "rows": counts,
    }


@dataclass(frozen=True)
class RenderedReport:
    week: str
    paths: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"week": self.week, "paths": self.paths}


def render_weekly_report(
    settings: Settings, monday: date, extras: Iterable[Mapping[str, Any]] = ()
) -> RenderedReport | None:
    """Write the reports of the week starting ``monday`` into the report folder. Returns None
    (nothing written) when that week's report exists and the triggering publications did not
    rebuild the week."""
    from enablement_audit.report import iso_week_label, write_reports

    out = Path(settings.resolved_report_dir)
    week = iso_week_label(monday)
    if (out / f"enablement-audit-{week}.html").exists() and not marts_changed(extras, monday):
        log.info("the %s report exists and its week was not rebuilt: nothing to do", week)
        return None
    with open_warehouse(settings) as warehouse:
        paths = write_reports(warehouse, settings, monday, out)
    return RenderedReport(week, [str(p) for p in paths])


def email_reports(report: Mapping[str, Any], recipients: list[str], conn_id: str = SMTP_CONN_ID) -> bool:
    """E-mail the week's organisation report (as the body and attached) through Airflow's SMTP
    connection; the team reports stay in the report folder. Returns False, sending nothing,
    when there are no recipients or no connection."""
    if not recipients:
        log.info("no recipients (Variable %s): no e-mail", RECIPIENTS_VAR)
        return False
    if optional_connection(conn_id) is None:
        log.info("no SMTP connection %s: no e-mail", conn_id)
        return False
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    org_report = Path(report["paths"][-1])
    with SmtpHook(smtp_conn_id=conn_id) as hook:
        # The sender is the connection's extra ``from_email``.
        hook.send_email_smtp(
            to=recipients,
            subject=f"Enablement Audit {report['week']}",
            html_content=org_report.read_text(encoding="utf-8"),
            files=[str(org_report)],
        )
    return True
