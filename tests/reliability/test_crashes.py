"""Crashes (issue 7 item 2): the CLI, killed with SIGKILL in a subprocess in the middle of a load,
at every stage boundary and in the middle of the build, is rerun to completion and ends exactly
where an uninterrupted run ends: no duplicate, counts that add up. A report killed while it
writes its pages leaves every page either the previous version or the new one, never half.

The kill points are the test hook ``ENABLEMENT_AUDIT_TEST_KILL_AT`` (``config.kill_point``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from enablement_audit import pipeline
from enablement_audit.config import Settings
from enablement_audit.report import write_reports
from enablement_audit.report.publish import TEAM_PAGE
from enablement_audit.sources import SOURCES
from enablement_audit.warehouse import Warehouse
from tests.conftest import fetch
from tests.reliability.conftest import (
    END,
    START,
    Cli,
    TableSum,
    checksums,
    cli_env,
    differences,
    landing_days,
    settings_for,
)

RUN = ["run", "--start", START.isoformat(), "--end", END.isoformat()]
REPORT_WEEK = "2026-W47"  # START's week


@contextmanager
def opened(url: str) -> Iterator[Warehouse]:
    """The warehouse, released afterwards (an embedded DuckDB file takes one process at a time)."""
    wh = Warehouse.from_url(url)
    try:
        yield wh
    finally:
        wh.engine.dispose()


def state(url: str) -> dict[str, TableSum]:
    with opened(url) as wh:
        return checksums(wh)


def part(sums: dict[str, TableSum], raw: bool) -> dict[str, TableSum]:
    """The loaded tables (raw tables and quarantine) or everything built from them."""
    return {k: v for k, v in sums.items() if (k.startswith("raw_") or k == "quarantine") == raw}


def run_ids(url: str) -> set[str]:
    with opened(url) as wh:
        return {r[0] for r in fetch(wh, f"select distinct run_id from {wh.schema}.pipeline_runs")}


def model_builds(url: str) -> int:
    with opened(url) as wh:
        return fetch(wh, f"select count(*) from {wh.schema}.model_builds")[0][0]


def loaded_sources(url: str, run_id: str) -> set[str]:
    with opened(url) as wh:
        rows = fetch(wh, f"select distinct source from {wh.schema}.pipeline_runs where run_id = :r", r=run_id)
        return {r[0] for r in rows}


def only(items: set[str]) -> str:
    assert len(items) == 1, items
    return next(iter(items))


@pytest.fixture
def reference(landing: Path, tmp_path: Path) -> dict[str, TableSum]:
    """Every table after one uninterrupted run of the interval on a fresh warehouse."""
    url = f"duckdb:///{tmp_path / 'reference.duckdb'}"
    with opened(url) as wh:
        assert (
            pipeline.run(wh, settings_for(tmp_path / "ref-home"), START, END, landing=str(landing)).blocking
            == []
        )
    return state(url)


def test_killed_runs_rerun_to_the_state_of_an_uninterrupted_run(
    landing: Path, tmp_path: Path, reference: dict[str, TableSum]
):
    home = tmp_path / "home"
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    cli = Cli(home, cli_env(home, ENABLEMENT_AUDIT_WAREHOUSE_URL=url))
    settings = settings_for(home)
    run = [*RUN, "--landing", str(landing)]

    # Yesterday's state: the first three days of the week were run.
    with opened(url) as wh:
        assert pipeline.run(wh, settings, START, date(2026, 11, 19), landing=str(landing)).blocking == []
    before = state(url)
    assert part(before, raw=True) != part(reference, raw=True)
    assert part(before, raw=False) != part(reference, raw=False)
    known = run_ids(url)

    # 1. In the middle of a load: content_activity's first file is staged, nothing of it
    # committed. Each source commits on its own, so the sources whose load ended before the kill
    # (which ones depends on the two workers' pace) are loaded and the others are as they were.
    cli(*run, kill_at="load:content_activity")
    killed = only(run_ids(url) - known)
    known |= {killed}
    committed = loaded_sources(url, killed)
    assert "content_activity" not in committed
    now = state(url)
    for name, spec in SOURCES.items():
        assert now[spec.table] == (reference if name in committed else before)[spec.table], name
    assert differences(part(now, raw=False), part(before, raw=False)) == []

    # 2. Between the load and the raw checks: everything is loaded, nothing built.
    cli(*run, kill_at="after_load")
    known |= run_ids(url)
    now = state(url)
    assert differences(part(now, raw=True), part(reference, raw=True)) == []
    assert differences(part(now, raw=False), part(before, raw=False)) == []

    # 3. Between the raw checks and the build: that run's raw checks are recorded, no mart check.
    cli(*run, kill_at="after_raw_checks")
    killed = only(run_ids(url) - known)
    known |= {killed}
    with opened(url) as wh:
        stages = fetch(wh, f"select distinct stage from {wh.schema}.dq_results where run_id = :r", r=killed)
    assert stages == [("raw",)]
    assert differences(part(state(url), raw=False), part(before, raw=False)) == []

    # 4. In the middle of the build (mart_rep_week is built, later models are not): the build is
    # one transaction, so every model is still yesterday's.
    builds = model_builds(url)
    cli(*run, kill_at="build:mart_rep_week")
    known |= run_ids(url)
    assert differences(part(state(url), raw=False), part(before, raw=False)) == []
    assert model_builds(url) == builds  # nor is the half build recorded

    # 5. Between the build and the mart checks: the models are those of an uninterrupted run.
    cli(*run, kill_at="after_build")
    known |= run_ids(url)
    assert differences(state(url), reference) == []

    # 6. The rerun to completion.
    done = cli(*run)
    assert "built " in done.stdout
    finished = only(run_ids(url) - known)
    assert differences(state(url), reference) == []
    with opened(url) as wh:
        rows = fetch(
            wh,
            f"select source_file, status, rows_read, rows_loaded, rows_quarantined, rows_duplicate "
            f"from {wh.schema}.pipeline_runs where run_id = :r",
            r=finished,
        )
        window = pipeline.processing_window(settings, START, END)
        assert sorted(r[0] for r in rows) == landing_days(landing, window.start, window.end)
        for name, status, read, loaded, quarantined, duplicates in rows:
            assert status == "ok" and read == loaded + quarantined + duplicates, name
        # No key twice in any raw table.
        for spec in SOURCES.values():
            keys = ", ".join(spec.key)
            repeated = fetch(
                wh,
                f"select count(*) from (select {keys} from {wh.schema}.{spec.table} "
                f"group by {keys} having count(*) > 1) as t",
            )
            assert repeated == [(0,)], spec.table
        # Every read row is accounted for, and every rejected row is in quarantine once.
        quarantined = fetch(
            wh,
            f"select count(*) from {wh.schema}.quarantine q join {wh.schema}.pipeline_runs r "
            "on r.source_file = q.source_file and r.source = q.source where r.run_id = :r",
            r=finished,
        )[0][0]
        assert quarantined == sum(r[4] for r in rows)


def pages(out: Path) -> dict[str, bytes]:
    """The visible files of the report folder (a killed write leaves a hidden temporary file)."""
    return {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")}


def test_a_killed_report_leaves_each_page_old_or_new(landing: Path, tmp_path: Path):
    home = tmp_path / "home"
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    out = tmp_path / "reports"
    cli = Cli(home, cli_env(home, ENABLEMENT_AUDIT_WAREHOUSE_URL=url))
    settings = settings_for(home)
    report = ["report", "--week", REPORT_WEEK, "--out", str(out)]

    # The previous report of the week, written after its first three days.
    with opened(url) as wh:
        assert pipeline.run(wh, settings, START, date(2026, 11, 19), landing=str(landing)).blocking == []
        write_reports(wh, settings, START, out)
        # Then the rest of the week arrives (the checks do not matter to this test).
        window = pipeline.processing_window(settings, START, END)
        pipeline.load_landing(wh, str(landing), window, "rest-of-week")
        pipeline.build_models(wh, settings, window)
    old = pages(out)
    teams = sorted(n for n in old if TEAM_PAGE.match(n))
    org = f"enablement-audit-{REPORT_WEEK}.html"
    assert len(teams) >= 2 and org in old and "index.html" in old

    # Killed before renaming its first page: every page is the old one, byte for byte, and the
    # new first page waits complete in a hidden temporary file.
    cli(*report, kill_at="report_page:1")
    assert pages(out) == old
    leftovers = [p for p in out.iterdir() if p.name.startswith(".")]
    assert len(leftovers) == 1 and re.fullmatch(r"\.team-.+\.html\..+\.tmp", leftovers[0].name)
    assert leftovers[0].read_text(encoding="utf-8").rstrip().endswith("</html>")

    # Killed before renaming the organisation page (written after every team page).
    cli(*report, kill_at=f"report_page:{len(teams) + 1}")
    mixed = pages(out)

    cli(*report)
    new = pages(out)
    assert sorted(new) == sorted(old)
    assert new[org] != old[org]
    assert sum(new[t] != old[t] for t in teams) >= 1
    for name, content in mixed.items():
        assert content in (old[name], new[name]), f"{name} is neither the old nor the new page"
    assert {t: mixed[t] for t in teams} == {t: new[t] for t in teams}
    assert mixed[org] == old[org] and mixed["index.html"] == old["index.html"]
    for content in new.values():
        assert content.rstrip().endswith(b"</html>")
    # The report's record of what it published was written once, by the run that finished.
    with opened(url) as wh:
        reported = fetch(wh, f"select count(distinct reported_at) from {wh.schema}.report_snapshots")
    assert reported == [(2,)]


def test_an_unknown_kill_point_is_refused():
    with pytest.raises(ValueError, match="is not a kill point"):
        Settings(test_kill_at="after_lunch")
