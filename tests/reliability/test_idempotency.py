"""Reruns change nothing (issue 7 item 1): the same interval run three times leaves every table
and view identical but for load metadata, on DuckDB and on PostgreSQL; the logs
(``pipeline_runs``, ``dq_results``) gain exactly one run's rows each time; and three consecutive
nightly intervals end where one run over the three days ends."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from enablement_audit import models, pipeline
from enablement_audit.warehouse import Warehouse
from tests.conftest import fetch
from tests.reliability.conftest import DAYS, END, START, checksums, differences, landing_days, settings_for


def per_file(warehouse: Warehouse, run_id: str) -> dict[str, tuple[str, int, int, int, int]]:
    """``pipeline_runs`` of one run: file -> (status, read, loaded, quarantined, duplicates)."""
    rows = fetch(
        warehouse,
        f"select source_file, status, rows_read, rows_loaded, rows_quarantined, rows_duplicate "
        f"from {warehouse.schema}.pipeline_runs where run_id = :run_id",
        run_id=run_id,
    )
    files = {r[0]: tuple(r[1:]) for r in rows}
    assert len(files) == len(rows), "a file was recorded twice in one run"
    return files


def test_three_runs_of_one_interval_change_nothing(any_warehouse: Warehouse, landing: Path, tmp_path: Path):
    settings = settings_for(tmp_path / "home")
    summaries, sums = [], []
    for _ in range(3):
        summary = pipeline.run(any_warehouse, settings, START, END, landing=str(landing))
        assert summary.blocking == []
        summaries.append(summary)
        sums.append(checksums(any_warehouse))

    assert differences(sums[0], sums[1]) == []
    assert differences(sums[0], sums[2]) == []
    # The run really built something: every source's raw table and the weekly marts have rows.
    assert sums[0]["raw_okta_event"].rows > 0 and sums[0]["mart_rep_week"].rows > 0
    assert sums[0]["quarantine"].rows > 0  # the generator plants bad rows: they stay, once

    # pipeline_runs: one row per landing file per run, read = loaded + quarantined + duplicates.
    window = pipeline.processing_window(settings, START, END)
    expected_files = landing_days(landing, window.start, window.end)
    first = per_file(any_warehouse, summaries[0].run_id)
    assert sorted(first) == expected_files
    for summary in summaries:
        files = per_file(any_warehouse, summary.run_id)
        assert sorted(files) == expected_files
        for name, (status, read, loaded, quarantined, duplicates) in files.items():
            assert status == "ok", name
            assert read == loaded + quarantined + duplicates, name
        if summary is not summaries[0]:
            # A rerun loads nothing new: each file reads and quarantines what it did the first
            # time and everything else is a duplicate of what is already there.
            for name, (_, read, loaded, quarantined, duplicates) in files.items():
                assert (read, loaded, quarantined) == (first[name][1], 0, first[name][3]), name
                assert duplicates == read - quarantined, name
    total = fetch(any_warehouse, f"select count(*) from {any_warehouse.schema}.pipeline_runs")[0][0]
    assert total == 3 * len(expected_files)
    for summary in summaries:
        for source, result in summary.loads.items():
            assert result.read == result.loaded + result.quarantined + result.duplicates, source

    # dq_results: each run recorded its own checks (raw and marts), the same ones every time.
    per_run = [
        fetch(
            any_warehouse,
            f"select stage, count(*) from {any_warehouse.schema}.dq_results "
            "where run_id = :run_id group by stage order by stage",
            run_id=s.run_id,
        )
        for s in summaries
    ]
    assert per_run[0] == per_run[1] == per_run[2]
    assert [stage for stage, _ in per_run[0]] == ["marts", "raw"]
    assert sum(n for _, n in per_run[0]) == len(summaries[0].checks)
    total = fetch(any_warehouse, f"select count(*) from {any_warehouse.schema}.dq_results")[0][0]
    assert total == 3 * len(summaries[0].checks)


def test_three_nightly_runs_equal_one_three_day_run(landing: Path, tmp_path: Path):
    settings = settings_for(tmp_path / "home")
    nightly = Warehouse.from_url(f"duckdb:///{tmp_path / 'nightly.duckdb'}")
    at_once = Warehouse.from_url(f"duckdb:///{tmp_path / 'at_once.duckdb'}")
    first = date(2026, 11, 16)
    for offset in range(3):
        day = first + timedelta(days=offset)
        assert (
            pipeline.run(nightly, settings, day, day + timedelta(days=1), landing=str(landing)).blocking == []
        )
    summary = pipeline.run(at_once, settings, first, first + timedelta(days=3), landing=str(landing))
    assert summary.blocking == []

    nightly_sums, at_once_sums = checksums(nightly), checksums(at_once)
    assert differences(nightly_sums, at_once_sums) == []
    assert at_once_sums["mart_org_week"].rows > 0
    nightly.engine.dispose()
    at_once.engine.dispose()


def test_a_window_built_a_week_at_a_time_equals_one_built_at_once(
    landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Incremental models build a long window in slices of ``SLICE_WEEKS`` weeks (the first
    slice creates the table, the others add to it in the same transaction): one-week slices
    leave every table as one slice of the whole window does."""
    settings = settings_for(tmp_path / "home")
    first = END - timedelta(days=DAYS)  # every generated day
    window = pipeline.processing_window(settings, first, END)
    built = {}
    for name, weeks, slices in (("sliced", 1, 3), ("whole", 52, 1)):
        monkeypatch.setattr(models, "SLICE_WEEKS", weeks)
        assert len(models._slices(window.week_lo, window.week_hi)) == slices  # weeks of 11-02, 09, 16
        warehouse = Warehouse.from_url(f"duckdb:///{tmp_path / f'{name}.duckdb'}")
        assert pipeline.run(warehouse, settings, first, END, landing=str(landing)).blocking == []
        built[name] = checksums(warehouse)
        warehouse.engine.dispose()

    assert differences(built["sliced"], built["whole"]) == []
    assert built["whole"]["mart_tool_seats"].rows > 0
