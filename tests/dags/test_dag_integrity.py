"""DAG integrity: the DAGs folder parses without errors or lookups, and each DAG is wired as
documented (tags, owner, retries with backoff, schedule, task graph, the marts Asset)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, MutableMapping
from datetime import UTC, timedelta
from typing import Any

import pytest

from tests.dags.conftest import DAGS_FOLDER

pytestmark = pytest.mark.airflow

NIGHTLY = "enablement_audit_nightly"
WEEKLY = "enablement_audit_weekly_report"


def test_the_dags_folder_imports_without_errors(dagbag: Any) -> None:
    assert dagbag.import_errors == {}
    assert sorted(dagbag.dag_ids) == [NIGHTLY, WEEKLY]


@pytest.mark.parametrize("dag_id", [NIGHTLY, WEEKLY])
def test_every_task_has_an_owner_retries_and_backoff(dagbag: Any, dag_id: str) -> None:
    dag = dagbag.dags[dag_id]
    assert "enablement-audit" in dag.tags
    assert dag.doc_md and "Owner" in dag.doc_md
    assert dag.start_date.tzinfo is not None and dag.start_date.utcoffset() == timedelta(0)
    assert dag.max_active_runs == 1
    for task in dag.tasks:
        assert task.owner == "enablement-analytics", task.task_id
        assert task.retries >= 2, task.task_id
        assert task.retry_exponential_backoff >= 2.0, task.task_id
        assert task.retry_delay == timedelta(minutes=2), task.task_id
        assert task.max_retry_delay == timedelta(minutes=30), task.task_id


def test_the_nightly_dag_has_daily_data_intervals_with_catchup(dagbag: Any) -> None:
    from airflow.sdk import Asset, CronDataIntervalTimetable

    dag = dagbag.dags[NIGHTLY]
    assert isinstance(dag.timetable, CronDataIntervalTimetable)
    assert dag.timetable.expression == "30 2 * * *"
    assert dag.catchup is True
    assert dag.start_date.astimezone(UTC).isoformat() == "2026-01-01T00:00:00+00:00"
    assert set(dag.tags) == {"enablement-audit", "nightly"}
    upstream = {t.task_id: sorted(t.upstream_task_ids) for t in dag.tasks}
    assert upstream == {
        "pull_xapi": [],
        "pull_okta": [],
        "load": ["pull_okta", "pull_xapi"],
        "validate_raw": ["load"],
        "build": ["validate_raw"],
        "validate_marts": ["build", "load"],
        "publish": ["build", "load", "validate_marts"],
    }
    # load still runs when a pull is skipped (its Connection is not configured)
    assert dag.task_dict["load"].trigger_rule == "none_failed"
    assert dag.task_dict["publish"].outlets == [Asset("enablement_audit_marts")]
    assert [t.task_id for t in dag.tasks if t.outlets] == ["publish"]


def test_the_weekly_dag_runs_on_the_marts_asset(dagbag: Any) -> None:
    from airflow.sdk import Asset

    dag = dagbag.dags[WEEKLY]
    assert list(dag.timetable.asset_condition.objects) == [Asset("enablement_audit_marts")]
    assert dag.catchup is False
    assert set(dag.tags) == {"enablement-audit", "report"}
    upstream = {t.task_id: sorted(t.upstream_task_ids) for t in dag.tasks}
    assert upstream == {"render_reports": [], "email_reports": ["render_reports"]}


class _GuardedEnviron(MutableMapping[str, str]):
    """``os.environ`` that records (and refuses) any read of an Airflow Connection or Variable."""

    def __init__(self, wrapped: MutableMapping[str, str], seen: list[str]) -> None:
        self.wrapped, self.seen = wrapped, seen

    def _check(self, key: object) -> None:
        if isinstance(key, str) and key.startswith(("AIRFLOW_CONN_", "AIRFLOW_VAR_")):
            self.seen.append(key)
            raise AssertionError(f"{key} was read at parse time")

    def __getitem__(self, key: str) -> str:
        self._check(key)
        return self.wrapped[key]

    def __contains__(self, key: object) -> bool:
        self._check(key)
        return key in self.wrapped

    def __setitem__(self, key: str, value: str) -> None:
        self.wrapped[key] = value

    def __delitem__(self, key: str) -> None:
        del self.wrapped[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.wrapped)

    def __len__(self) -> int:
        return len(self.wrapped)

    def copy(self) -> dict[str, str]:
        return dict(self.wrapped)


def test_parsing_reads_no_connection_or_variable(clean_env: pytest.MonkeyPatch) -> None:
    """Parse the DAGs folder with every Connection and Variable getter (and their environment
    variables) replaced by a guard that records the lookup and raises."""
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk import BaseHook, Connection, Variable

    seen: list[str] = []

    def refuse(name: str) -> Any:
        def guard(*args: Any, **kwargs: Any) -> Any:
            seen.append(f"{name}{args[1:] or args}")
            raise AssertionError(f"{name} called at parse time")

        return classmethod(guard)

    clean_env.setattr(Variable, "get", refuse("Variable.get"))
    clean_env.setattr(Connection, "get", refuse("Connection.get"))
    clean_env.setattr(BaseHook, "get_connection", refuse("BaseHook.get_connection"))
    clean_env.setattr(os, "environ", _GuardedEnviron(os.environ, seen))
    # the package module the DAGs import is imported again, under the guard
    clean_env.delitem(sys.modules, "enablement_audit.orchestration", raising=False)

    bag = DagBag(dag_folder=str(DAGS_FOLDER))

    assert bag.import_errors == {}
    assert sorted(bag.dag_ids) == [NIGHTLY, WEEKLY]
    assert seen == []
