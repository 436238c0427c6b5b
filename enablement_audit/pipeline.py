"""The nightly pipeline without Airflow: load the landing folder, build the models, check.

The CLI's ``run`` and the Airflow tasks call these same functions.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from enablement_audit import models
from enablement_audit.config import LOAD_WORKERS, Settings, kill_point
from enablement_audit.goals import load_goals
from enablement_audit.lateness import EVENT_TIME, LateEvents, late_events
from enablement_audit.load import LoadResult, iter_landing, landing_bytes, load_files, new_run_id
from enablement_audit.quality.results import CheckResult, blocking_failures
from enablement_audit.warehouse import Warehouse, threads_shared

Progress = Callable[[str], None]


@dataclass
class RunSummary:
    run_id: str
    start: date
    end: date
    loads: dict[str, LoadResult] = field(default_factory=dict)
    models: list[str] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    # Per event source loaded: events of the window's files that landed more than
    # late_arrival_days after they happened (a nightly run may not rebuild their weeks).
    late: dict[str, LateEvents] = field(default_factory=dict)

    @property
    def failed_files(self) -> int:
        return sum(r.failed_files for r in self.loads.values())

    @property
    def blocking(self) -> list[CheckResult]:
        """Failed blocking checks: the week's report must not be published."""
        return blocking_failures(self.checks)


def processing_window(settings: Settings, start: date, end: date) -> models.BuildWindow:
    """The interval plus the late-arrival lookback (SPEC section 4)."""
    if end <= start:
        raise ValueError(f"the end {end} must be after the start {start}")
    return models.BuildWindow(start - timedelta(days=settings.late_arrival_days), end)


def model_params(settings: Settings) -> dict[str, Any]:
    return {
        "ramp_grace_days": settings.ramp_grace_days,
        "tz": settings.timezone,
        "quota_months": 3 if settings.quota_period == "quarter" else 1,
        "metric_version": load_goals(settings.goals_file).metric_version,
        "impact_min_n": settings.impact_min_n,
    }


def write_config_tables(warehouse: Warehouse, settings: Settings) -> None:
    """Settings the SQL joins to (seller titles, goals, verdict thresholds), rewritten on every
    build."""
    goals = load_goals(settings.goals_file)
    warehouse.ensure()
    with warehouse.engine.begin() as conn:
        conn.execute(sa.delete(warehouse.cfg_seller_title))
        conn.execute(warehouse.cfg_seller_title.insert(), [{"title": t} for t in settings.seller_titles])
        conn.execute(sa.delete(warehouse.cfg_scorecard_goal))
        conn.execute(
            warehouse.cfg_scorecard_goal.insert(),
            [
                {
                    "metric": g.metric,
                    "label": g.label or g.metric,
                    "goal": g.goal,
                    "direction": g.direction,
                    "position": i,
                }
                for i, g in enumerate(goals.scorecard, start=1)
            ],
        )
        conn.execute(sa.delete(warehouse.cfg_verdict))
        conn.execute(
            warehouse.cfg_verdict.insert(),
            [
                {"area": area, "metric": v.metric, "yes_at": v.yes_at, "partly_at": v.partly_at}
                for area, v in goals.verdicts.items()
            ],
        )


def load_landing(
    warehouse: Warehouse,
    landing: str,
    window: models.BuildWindow,
    run_id: str,
    progress: Progress | None = None,
    settings: Settings | None = None,
) -> dict[str, LoadResult]:
    """Load every source's landing files for the window, ``settings.load_workers`` sources at
    once (each in its own connection and transactions, the largest first); a file that cannot
    be read is recorded as failed and the others still load. Results come in registry order.
    ``settings`` also carries the crash tests' kill point (:func:`~enablement_audit.config.kill_point`).

    One source's load leaves part of the machine idle (DuckDB reads files on one thread, Python
    handles the rows SQL leaves), so the other worker's source fills it: at scale M on two
    cores, 99 s one at a time, 87 s two at a time. Meanwhile DuckDB's threads are shared among
    the workers (:func:`~enablement_audit.warehouse.threads_shared`)."""
    warehouse.ensure()  # once, before the workers: two creating the tables at once would conflict
    jobs = dict(iter_landing(landing, window.start, window.end))

    def load(source: str) -> LoadResult:
        if progress:
            progress(f"loading {source}: {len(jobs[source])} file(s)")
        after_stage = _kill_hook(settings, f"load:{source}")
        return load_files(
            warehouse, source, jobs[source], run_id=run_id, keep_going=True, after_stage=after_stage
        )

    largest_first = sorted(jobs, key=lambda source: -landing_bytes(jobs[source]))
    workers = settings.load_workers if settings is not None else LOAD_WORKERS
    with (
        threads_shared(warehouse.engine, min(workers, len(jobs))),
        ThreadPoolExecutor(max_workers=workers, thread_name_prefix="load") as pool,
    ):
        loading = {source: pool.submit(load, source) for source in largest_first}
    return {source: loading[source].result() for source in jobs}


def build_models(warehouse: Warehouse, settings: Settings, window: models.BuildWindow) -> list[str]:
    write_config_tables(warehouse, settings)
    after_model = _kill_hook(settings, "build:{name}")
    return models.build(warehouse, window, model_params(settings), after_model=after_model)


def _kill_hook(settings: Settings | None, point: str) -> Callable[[str], None] | None:
    """The crash tests' kill point as a callback (``{name}`` in ``point`` is its argument), or
    None when no kill point is set."""
    if settings is None or not settings.test_kill_at:
        return None

    def hook(name: str) -> None:
        kill_point(settings, point.format(name=name))

    return hook


def check(
    warehouse: Warehouse, settings: Settings, window: models.BuildWindow, stage: str, run_id: str
) -> list[CheckResult]:
    """The Great Expectations gates of one stage (raw or marts), recorded in ``dq_results``."""
    from enablement_audit.quality import load_config, run_checks

    config = load_config(settings.quality_file, identity_match_rate=settings.identity_match_threshold)
    return run_checks(warehouse, window.start, window.end, stage=stage, run_id=run_id, config=config)


def run(
    warehouse: Warehouse,
    settings: Settings,
    start: date,
    end: date,
    *,
    landing: str | None = None,
    progress: Progress | None = None,
) -> RunSummary:
    """Load ``[start - late_arrival_days, end)`` from the landing folder, check the raw tables,
    build the models, check the marts. A failed blocking check is in ``summary.blocking``: the
    caller must not publish."""
    window = processing_window(settings, start, end)
    summary = RunSummary(new_run_id(), start, end)
    landing = landing or settings.landing
    if landing:
        summary.loads = load_landing(warehouse, landing, window, summary.run_id, progress, settings)
        summary.late = late_events(
            warehouse,
            window.start,
            window.end,
            settings.late_arrival_days,
            settings.timezone,
            [source for source in EVENT_TIME if source in summary.loads],
        )
    kill_point(settings, "after_load")
    if progress:
        progress("checking raw tables")
    summary.checks = check(warehouse, settings, window, "raw", summary.run_id)
    kill_point(settings, "after_raw_checks")
    if progress:
        progress("building models")
    summary.models = build_models(warehouse, settings, window)
    kill_point(settings, "after_build")
    if progress:
        progress("checking marts")
    summary.checks += check(warehouse, settings, window, "marts", summary.run_id)
    kill_point(settings, "after_mart_checks")
    return summary
