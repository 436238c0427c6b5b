"""
### Enablement Audit: nightly pipeline

Every night, for the day that just ended (the data interval of a `CronDataIntervalTimetable`),
plus the `late_arrival_days` lookback before it:

1. **pull_xapi**, **pull_okta**: pull the LRS statements (Connection `xapi_lrs`) and the Okta
   System Log (Connection `okta_api`) of the interval into the landing folder; skipped when the
   Connection is not configured (the files then arrive in the landing folder by other means).
2. **load**: load the landing files of the window into the raw tables (idempotent: a file loaded
   again changes nothing; rejected rows go to `quarantine`).
3. **validate_raw**: the raw data-quality gate.
4. **build**: rebuild the SQL models; incremental models replace the ISO weeks of the window.
5. **validate_marts**: the marts' data-quality gate.
6. **publish**: updates the Asset `enablement_audit_marts` (its event names the weeks rebuilt),
   which starts `enablement_audit_weekly_report`.

Reads the landing folder (Variable `enablement_audit_landing`, else `ENABLEMENT_AUDIT_LANDING`);
writes the warehouse (Connection `enablement_warehouse`, else `ENABLEMENT_AUDIT_WAREHOUSE_URL`).
Catchup is on: missed nights and backfills (`airflow backfill create`) each process their own
day. The run time is `ENABLEMENT_AUDIT_NIGHTLY_CRON` (default 02:30 UTC) and the first day
`ENABLEMENT_AUDIT_NIGHTLY_START`, both read from the scheduler's environment.

Owner: enablement analytics. The task bodies live in `enablement_audit.orchestration`.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import Asset, CronDataIntervalTimetable, TriggerRule, dag, task
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from enablement_audit import orchestration as ea

# Deployment settings from the scheduler's environment (never an Airflow Variable: the schedule
# is needed at parse time, where Variables must not be read).
NIGHTLY_CRON = os.environ.get("ENABLEMENT_AUDIT_NIGHTLY_CRON", "30 2 * * *")
START_DATE = datetime.fromisoformat(os.environ.get("ENABLEMENT_AUDIT_NIGHTLY_START", "2026-01-01")).replace(
    tzinfo=UTC
)
MARTS = Asset(ea.MARTS_ASSET)

DEFAULT_ARGS = {
    "owner": "enablement-analytics",
    "retries": 2,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=30),
}


@dag(
    dag_id="enablement_audit_nightly",
    schedule=CronDataIntervalTimetable(NIGHTLY_CRON, timezone="UTC"),
    start_date=START_DATE,
    catchup=True,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["enablement-audit", "nightly"],
    doc_md=__doc__,
)
def enablement_audit_nightly() -> None:
    @task
    def pull_xapi(data_interval_start: Any = None, data_interval_end: Any = None) -> list[str]:
        conn = ea.optional_connection(ea.XAPI_CONN_ID)
        if conn is None:
            raise AirflowSkipException(f"no Connection {ea.XAPI_CONN_ID}: the LRS is not pulled")
        start, end = ea.interval_days(data_interval_start, data_interval_end)
        return ea.pull_xapi(conn, ea.runtime_settings(), start, end)

    @task
    def pull_okta(data_interval_start: Any = None, data_interval_end: Any = None) -> list[str]:
        conn = ea.optional_connection(ea.OKTA_CONN_ID)
        if conn is None:
            raise AirflowSkipException(f"no Connection {ea.OKTA_CONN_ID}: the System Log is not pulled")
        start, end = ea.interval_days(data_interval_start, data_interval_end)
        return ea.pull_okta(conn, ea.runtime_settings(), start, end)

    @task(trigger_rule=TriggerRule.NONE_FAILED)
    def load(data_interval_start: Any = None, data_interval_end: Any = None) -> dict[str, Any]:
        from enablement_audit.load import new_run_id

        start, end = ea.interval_days(data_interval_start, data_interval_end)
        return ea.load(ea.runtime_settings(), start, end, new_run_id())

    def gate(loaded: dict[str, Any], stage: str, interval: tuple[Any, Any]) -> list[dict[str, Any]]:
        start, end = ea.interval_days(*interval)
        try:
            return ea.validate(ea.runtime_settings(), start, end, loaded["run_id"], stage)
        except ea.QualityGateError as exc:  # bad data does not get better on a retry
            raise AirflowFailException(str(exc)) from exc

    @task
    def validate_raw(
        loaded: dict[str, Any], data_interval_start: Any = None, data_interval_end: Any = None
    ) -> list[dict[str, Any]]:
        return gate(loaded, "raw", (data_interval_start, data_interval_end))

    @task
    def build(data_interval_start: Any = None, data_interval_end: Any = None) -> list[str]:
        start, end = ea.interval_days(data_interval_start, data_interval_end)
        return ea.build(ea.runtime_settings(), start, end)

    @task
    def validate_marts(
        loaded: dict[str, Any], data_interval_start: Any = None, data_interval_end: Any = None
    ) -> list[dict[str, Any]]:
        return gate(loaded, "marts", (data_interval_start, data_interval_end))

    @task(outlets=[MARTS])
    def publish(
        loaded: dict[str, Any],
        built: list[str],
        data_interval_start: Any = None,
        data_interval_end: Any = None,
        outlet_events: Any = None,
    ) -> dict[str, Any]:
        start, end = ea.interval_days(data_interval_start, data_interval_end)
        published = ea.publish(ea.runtime_settings(), start, end, loaded["run_id"], built)
        outlet_events[MARTS].extra = published
        return published

    loaded = load()
    [pull_xapi(), pull_okta()] >> loaded
    built = build()
    marts_checked = validate_marts(loaded)
    validate_raw(loaded) >> built >> marts_checked >> publish(loaded, built)


dag = enablement_audit_nightly()

if __name__ == "__main__":
    dag.test()
