"""The landing folder loads ``load_workers`` sources at a time, into the same tables and counts
as one at a time."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from enablement_audit import pipeline
from enablement_audit.config import Settings
from enablement_audit.load import landing_bytes, landing_files
from enablement_audit.models import BuildWindow
from enablement_audit.sources import SOURCES
from enablement_audit.synthetic import generate
from enablement_audit.warehouse import Warehouse

WINDOW = BuildWindow(date(2026, 11, 9), date(2026, 11, 23))


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("parallel") / "landing"
    generate(out, scale="S", seed=5)
    return out


def contents(warehouse: Warehouse) -> dict[str, list[tuple[Any, ...]]]:
    """Every raw table's rows, the quarantine and the per-file run records, without run ids
    and clock times."""
    schema = warehouse.schema
    queries = {}
    for spec in SOURCES.values():
        columns = ", ".join(f'"{c}"' for c in spec.column_names)
        queries[spec.table] = (
            f"select {columns}, source_file, source_line, row_hash from {schema}.{spec.table}"
        )
    queries["quarantine"] = (
        f"select source, source_file, source_line, raw_text, rule, reason from {schema}.quarantine"
    )
    queries["pipeline_runs"] = (
        "select source, source_file, status, rows_read, rows_loaded, rows_quarantined, rows_duplicate, "
        f"message, file_sha256 from {schema}.pipeline_runs"
    )
    with warehouse.engine.connect() as conn:
        return {
            name: sorted(conn.execute(sa.text(sql)).fetchall(), key=repr) for name, sql in queries.items()
        }


def load(landing: Path, url: str, workers: int) -> tuple[Warehouse, dict[str, Any]]:
    warehouse = Warehouse.from_url(url)
    results = pipeline.load_landing(
        warehouse, str(landing), WINDOW, f"run-{workers}", settings=Settings(load_workers=workers)
    )
    return warehouse, {source: result.summary() for source, result in results.items()}


def test_two_workers_load_exactly_what_one_does(landing: Path, tmp_path: Path):
    one, one_counts = load(landing, f"duckdb:///{tmp_path / 'one.duckdb'}", 1)
    two, two_counts = load(landing, f"duckdb:///{tmp_path / 'two.duckdb'}", 2)

    assert list(two_counts) == list(one_counts) == [s for s in SOURCES if s in one_counts]
    assert two_counts == one_counts
    assert contents(two) == contents(one)
    assert sum(len(rows) for rows in contents(one).values()) > 10_000  # not two empty warehouses


@pytest.mark.postgres
def test_two_workers_on_postgresql_count_what_duckdb_does(landing: Path, tmp_path: Path, postgres_server):
    _, duckdb_counts = load(landing, f"duckdb:///{tmp_path / 'one.duckdb'}", 1)
    warehouse = Warehouse.from_url(postgres_server.url, "ea_parallel")
    try:
        results = pipeline.load_landing(
            warehouse, str(landing), WINDOW, "pg", settings=Settings(load_workers=2)
        )
        assert {source: result.summary() for source, result in results.items()} == duckdb_counts
    finally:
        with warehouse.engine.begin() as conn:
            conn.execute(sa.text(f"drop schema {warehouse.schema} cascade"))
        warehouse.engine.dispose()


def watched_loads(monkeypatch: pytest.MonkeyPatch, meet: threading.Barrier | None) -> dict[str, Any]:
    """Record the sources in the order their loads start and the most loads in flight at once;
    with ``meet``, the first two loads wait for each other (a load run one after the other would
    break the barrier)."""
    seen: dict[str, Any] = {"started": [], "active": 0, "most": 0}
    lock = threading.Lock()
    real = pipeline.load_files

    def load_files(warehouse: Warehouse, source: str, files: list[str], **kwargs: Any) -> Any:
        with lock:
            seen["started"].append(source)
            seen["active"] += 1
            seen["most"] = max(seen["most"], seen["active"])
            first_two = len(seen["started"]) <= 2
        try:
            if meet is not None and first_two:
                meet.wait()
            return real(warehouse, source, files, **kwargs)
        finally:
            with lock:
                seen["active"] -= 1

    monkeypatch.setattr(pipeline, "load_files", load_files)
    return seen


def test_the_two_largest_sources_start_together(
    landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    seen = watched_loads(monkeypatch, threading.Barrier(2, timeout=60))
    load(landing, f"duckdb:///{tmp_path / 'w.duckdb'}", 2)

    sizes = {s: landing_bytes(landing_files(str(landing), s, WINDOW.start, WINDOW.end)) for s in SOURCES}
    largest = sorted((s for s in sizes if sizes[s]), key=lambda s: -sizes[s])
    assert set(seen["started"][:2]) == {"okta", "xapi"} == set(largest[:2])
    assert sorted(seen["started"]) == sorted(largest)
    assert seen["most"] == 2


def test_one_worker_loads_one_source_at_a_time_largest_first(
    landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    seen = watched_loads(monkeypatch, None)
    _, counts = load(landing, f"duckdb:///{tmp_path / 'w.duckdb'}", 1)
    assert seen["most"] == 1
    assert seen["started"] == sorted(
        seen["started"],
        key=lambda s: -landing_bytes(landing_files(str(landing), s, WINDOW.start, WINDOW.end)),
    )
    assert list(counts) == [s for s in SOURCES if s in counts]


@pytest.mark.parametrize(("workers", "during"), [(2, 3), (1, 6)])
def test_duckdb_threads_are_shared_among_the_workers_while_they_load(
    landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int, during: int
):
    # Two sources loading at once each on every core oversubscribed the machine: each gets its
    # share of DuckDB's threads (a setting of the whole database), and the setting comes back.
    warehouse = Warehouse.from_url(f"duckdb:///{tmp_path / 'w.duckdb'}")
    threads = sa.text("select current_setting('threads')")
    with warehouse.engine.connect() as conn:
        conn.exec_driver_sql("set threads = 6")
    seen: list[int] = []
    real = pipeline.load_files

    def load_files(warehouse: Warehouse, source: str, files: list[str], **kwargs: Any) -> Any:
        with warehouse.engine.connect() as conn:
            seen.append(conn.execute(threads).scalar_one())
        return real(warehouse, source, files, **kwargs)

    monkeypatch.setattr(pipeline, "load_files", load_files)
    pipeline.load_landing(warehouse, str(landing), WINDOW, "run", settings=Settings(load_workers=workers))

    assert len(seen) == len(SOURCES) and set(seen) == {during}
    with warehouse.engine.connect() as conn:
        assert conn.execute(threads).scalar_one() == 6
