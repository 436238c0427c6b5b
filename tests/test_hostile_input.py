"""Hostile input: every file of ``tests/data/bad/`` loads exactly as ``EXPECTED.yaml`` says.

Each row-level problem becomes a quarantine row with a specific reason, each file-level problem
a :class:`SourceFileError` naming the file, the counts always add up, and a run over a landing
folder holding the whole corpus goes on past the files it cannot read.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from enablement_audit import pipeline
from enablement_audit.config import Settings
from enablement_audit.load import load_path
from enablement_audit.sources import SOURCES
from enablement_audit.sources.base import SourceFileError
from enablement_audit.warehouse import Warehouse
from tests.conftest import fetch

CORPUS = Path(__file__).resolve().parent / "data" / "bad"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load((CORPUS / "EXPECTED.yaml").read_text(encoding="utf-8"))
FILES = sorted(p.name for p in CORPUS.iterdir() if "__" in p.name)
COUNTS = ("read", "loaded", "quarantined", "duplicates")
LANDING_DAY = date(2026, 3, 2)
MAX_REASON = 300  # a reason quotes a value, never a whole 1 MB field


def source_of(name: str) -> str:
    return name.split("__", 1)[0]


def quarantined(warehouse: Warehouse, path: str) -> list[tuple[Any, ...]]:
    return fetch(
        warehouse,
        f"select source_line, rule, reason, raw_text from {warehouse.schema}.quarantine "
        "where source_file = :path order by source_line, rule",
        path=path,
    )


def runs(warehouse: Warehouse, path: str) -> list[tuple[Any, ...]]:
    return fetch(
        warehouse,
        "select status, rows_read, rows_loaded, rows_quarantined, rows_duplicate, message "
        f"from {warehouse.schema}.pipeline_runs where source_file = :path order by started_at",
        path=path,
    )


def raw_rows(warehouse: Warehouse, name: str, columns: str = "*", order: str = "1") -> list[tuple[Any, ...]]:
    table = SOURCES[source_of(name)].table
    return fetch(warehouse, f"select {columns} from {warehouse.schema}.{table} order by {order}")


def test_the_corpus_covers_every_source_and_every_file_is_described():
    assert len(FILES) >= 40
    assert {source_of(name) for name in FILES} == set(SOURCES)
    assert sorted(EXPECTED) == FILES
    for name, expected in EXPECTED.items():
        keys = set(expected)
        assert keys == {"file_error"} or {*COUNTS, "quarantine"} <= keys <= {*COUNTS, "quarantine", "rows"}, (
            name
        )
        if "quarantine" in expected:
            # Written down by hand: the counts agree with the list of quarantined rows.
            assert expected["quarantined"] == len(expected["quarantine"]), name
            assert (
                expected["read"] == expected["loaded"] + expected["quarantined"] + expected["duplicates"]
            ), name


@pytest.mark.parametrize("name", [n for n in FILES if "file_error" in EXPECTED[n]])
def test_an_unreadable_file_is_refused_with_an_error_naming_it(name, warehouse):
    path = str(CORPUS / name)

    with pytest.raises(SourceFileError) as caught:
        load_path(warehouse, source_of(name), path)

    error = caught.value
    assert error.path == path
    assert str(error) == f"{path}: {error.message}"
    assert EXPECTED[name]["file_error"] in error.message
    # Recorded as failed, with nothing read and nothing half loaded.
    assert runs(warehouse, path) == [("failed", 0, 0, 0, 0, error.message)]
    assert raw_rows(warehouse, name) == []
    assert quarantined(warehouse, path) == []


@pytest.mark.parametrize("name", [n for n in FILES if "file_error" not in EXPECTED[n]])
def test_a_hostile_file_loads_exactly_as_expected(name, warehouse):
    expected = EXPECTED[name]
    source, path = source_of(name), str(CORPUS / name)

    result = load_path(warehouse, source, path)

    summary = result.summary()
    assert summary == {"source": source, **{k: expected[k] for k in COUNTS}}
    assert summary["read"] == summary["loaded"] + summary["quarantined"] + summary["duplicates"]
    assert runs(warehouse, path) == [("ok", *(expected[k] for k in COUNTS), None)]
    rejects = quarantined(warehouse, path)
    assert [(line, rule) for line, rule, _, _ in rejects] == [(e[0], e[1]) for e in expected["quarantine"]]
    for (line, _, reason, _), (_, _, part) in zip(rejects, expected["quarantine"], strict=True):
        assert part in reason, (line, reason)
        assert len(reason) <= MAX_REASON, (line, reason[:MAX_REASON])
    assert len(rejects) == expected["quarantined"]
    loaded = raw_rows(warehouse, name, "count(*)")
    assert loaded == [(expected["loaded"],)]
    if "rows" in expected:
        spec = expected["rows"]
        actual = raw_rows(warehouse, name, spec["columns"], str(spec.get("order", 1)))
        assert actual == [tuple(row) for row in spec["values"]]

    # Loading it again changes no table but pipeline_runs.
    table_before = raw_rows(warehouse, name)
    again = load_path(warehouse, source, path)

    assert again.summary()["read"] == expected["read"]
    assert again.summary()["loaded"] == 0
    assert raw_rows(warehouse, name) == table_before
    assert quarantined(warehouse, path) == rejects


def build_landing(root: Path) -> Path:
    """The whole corpus as one night's landing folder: ``<source>/2026-03-02/<file>``."""
    for name in FILES:
        target = root / source_of(name) / LANDING_DAY.isoformat() / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CORPUS / name, target)
    return root


def test_a_run_over_the_whole_corpus_goes_on_past_unreadable_files(warehouse, tmp_path):
    landing = build_landing(tmp_path / "landing")
    settings = Settings(home=tmp_path / "home", landing=str(landing), late_arrival_days=0)

    summary = pipeline.run(warehouse, settings, LANDING_DAY, date(2026, 3, 3))

    path_of = {name: str(landing / source_of(name) / LANDING_DAY.isoformat() / name) for name in FILES}
    unreadable = sorted(n for n in FILES if "file_error" in EXPECTED[n])
    readable = sorted(set(FILES) - set(unreadable))
    assert summary.failed_files == len(unreadable)
    # Every file was tried: one pipeline_runs row each, failed for the unreadable ones with the
    # reason, ok with the exact counts for the others.
    for name in unreadable:
        [(status, *counts, message)] = runs(warehouse, path_of[name])
        assert (status, counts) == ("failed", [0, 0, 0, 0]), name
        assert EXPECTED[name]["file_error"] in message, name
    for name in readable:
        assert runs(warehouse, path_of[name]) == [("ok", *(EXPECTED[name][k] for k in COUNTS), None)], name
    # Ids do not repeat across the corpus's files, so each source's totals are the sums of its
    # files' expected counts, and they add up.
    for source in SOURCES:
        files = [n for n in readable if source_of(n) == source]
        totals = {k: sum(EXPECTED[n][k] for n in files) for k in COUNTS}
        assert summary.loads[source].summary() == {"source": source, **totals}, source
        assert totals["read"] == totals["loaded"] + totals["quarantined"] + totals["duplicates"]
        assert summary.loads[source].failed_files == sum(source_of(n) == source for n in unreadable)
    assert summary.models  # the run went on to build the models
