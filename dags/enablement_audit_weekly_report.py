"""
### Enablement Audit: weekly report

Runs whenever the nightly DAG updates the Asset `enablement_audit_marts`, and renders the reports
of the newest **finished** ISO week before the published interval's end: so the first nightly run
on or after a Monday produces last week's report, and later nights re-render it only while the
late-arrival lookback still rebuilds that week (otherwise the run is skipped). A manual run may
pass `{"week": "2026-W47"}` as its conf to render any week again.

1. **render_reports**: writes the organisation report (and `index.html`, the archive) into the
   report folder (Variable `enablement_audit_report_dir`, else `ENABLEMENT_AUDIT_REPORT_DIR`).
2. **email_reports**: sends them through Airflow's SMTP Connection `smtp_default` to the Variable
   `enablement_audit_report_recipients` (comma-separated); skipped when either is missing.

Reads the warehouse (Connection `enablement_warehouse`, else `ENABLEMENT_AUDIT_WAREHOUSE_URL`).
Owner: enablement analytics. The task bodies live in `enablement_audit.orchestration`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import Asset, dag, task
from airflow.sdk.exceptions import AirflowSkipException

from enablement_audit import orchestration as ea

DEFAULT_ARGS = {
    "owner": "enablement-analytics",
    "retries": 2,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=30),
}


@dag(
    dag_id="enablement_audit_weekly_report",
    schedule=[Asset(ea.MARTS_ASSET)],
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["enablement-audit", "report"],
    doc_md=__doc__,
)
def enablement_audit_weekly_report() -> None:
    @task
    def render_reports(
        triggering_asset_events: Any = None, dag_run: Any = None, logical_date: Any = None
    ) -> dict[str, Any]:
        extras = ea.event_extras(triggering_asset_events)
        today = (logical_date or dag_run.run_after).astimezone(UTC).date()
        monday = ea.report_week(extras, (dag_run.conf or {}).get("week"), today)
        rendered = ea.render_weekly_report(ea.runtime_settings(), monday, extras)
        if rendered is None:
            raise AirflowSkipException(f"the report of the week of {monday} is up to date")
        return rendered.as_dict()

    @task
    def email_reports(rendered: dict[str, Any]) -> None:
        if not ea.email_reports(rendered, ea.report_recipients()):
            raise AirflowSkipException("no SMTP connection or no recipients: no e-mail sent")

    email_reports(render_reports())


dag = enablement_audit_weekly_report()

if __name__ == "__main__":
    dag.test()
