"""A file unchanged since its last good load is recorded, not read again (the nightly lookback
re-delivers three days of files every night). The counts recorded are those reading it again
gives; anything that could make a second reading differ (other bytes, another vendor mapping,
a failed first load, a warehouse from before fingerprints) reads it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from enablement_audit import __version__
from enablement_audit.cli import main
from enablement_audit.load import list_files, load_files, load_path
from enablement_audit.sources.base import SourceFileError
from enablement_audit.warehouse import Warehouse
from tests.conftest import fetch, write
from tests.sources.test_content import HIGHSPOT_EXPORT, MAPPINGS
from tests.sources.test_okta import JSON_LINES

NEW_EVENT = JSON_LINES.splitlines()[0].replace("b1f2c3d4-0001", "b1f2c3d4-0099")


def runs(warehouse: Warehouse, path: Path) -> list[tuple]:
    """``pipeline_runs`` of one file in load order: run, status, the four counts, message, sha."""
    return fetch(
        warehouse,
        "select run_id, status, rows_read, rows_loaded, rows_quarantined, rows_duplicate, message, "
        f"file_sha256 from {warehouse.schema}.pipeline_runs where source_file = :path "
        "order by finished_at, run_id",
        path=str(path),
    )


def quarantine_runs(warehouse: Warehouse) -> list[tuple[str, int]]:
    """Which run wrote the quarantined rows (a file read again replaces its rows)."""
    return fetch(
        warehouse,
        f"select run_id, count(*) from {warehouse.schema}.quarantine group by run_id order by run_id",
    )


def sha256(path: Path, mapping: str = "None") -> str:
    return hashlib.sha256(f"{__version__}\n{mapping}\n".encode() + path.read_bytes()).hexdigest()


@pytest.fixture
def okta_file(tmp_path: Path) -> Path:
    return write(tmp_path / "okta" / "2024-05-06" / "okta-logs.jsonl", JSON_LINES)


def test_an_unchanged_file_is_recorded_with_a_second_readings_counts(any_warehouse, okta_file):
    first = load_path(any_warehouse, "okta", str(okta_file), run_id="run-1")
    again = load_path(any_warehouse, "okta", str(okta_file), run_id="run-2")

    # First: 14 lines, 3 loaded, 10 quarantined, line 11 repeats line 1 (test_okta). Read again,
    # the 3 loaded rows would be duplicates too: 0 loaded, 10 quarantined, 1 + 3 = 4 duplicates.
    assert first.summary() == {"source": "okta", "read": 14, "loaded": 3, "quarantined": 10, "duplicates": 1}
    assert again.summary() == {"source": "okta", "read": 14, "loaded": 0, "quarantined": 10, "duplicates": 4}
    assert (first.unchanged_files, again.unchanged_files, again.files) == (0, 1, 1)
    digest = sha256(okta_file)
    assert runs(any_warehouse, okta_file) == [
        ("run-1", "ok", 14, 3, 10, 1, None, digest),
        ("run-2", "ok", 14, 0, 10, 4, "unchanged since run run-1: not read again", digest),
    ]
    # Not read: the quarantined rows are still the first run's (a reading replaces them).
    assert quarantine_runs(any_warehouse) == [("run-1", 10)]

    # A third load stands on the second's record and gives the same counts.
    third = load_path(any_warehouse, "okta", str(okta_file), run_id="run-3")
    assert third.summary() == again.summary()
    assert runs(any_warehouse, okta_file)[-1][6] == "unchanged since run run-2: not read again"

    # Asked to, the loader reads it: the same counts, the quarantined rows now the fourth run's.
    forced = load_path(any_warehouse, "okta", str(okta_file), run_id="run-4", reread=True)
    assert forced.summary() == again.summary()
    assert forced.unchanged_files == 0
    assert runs(any_warehouse, okta_file)[-1] == ("run-4", "ok", 14, 0, 10, 4, None, digest)
    assert quarantine_runs(any_warehouse) == [("run-4", 10)]


def test_a_changed_file_is_read_again(warehouse, okta_file):
    load_path(warehouse, "okta", str(okta_file), run_id="run-1")
    okta_file.write_text(JSON_LINES + NEW_EVENT + "\n", encoding="utf-8")

    again = load_path(warehouse, "okta", str(okta_file), run_id="run-2")

    # 15 lines: the new event loads, the 3 rows loaded before and line 11 are duplicates.
    assert again.summary() == {"source": "okta", "read": 15, "loaded": 1, "quarantined": 10, "duplicates": 4}
    assert runs(warehouse, okta_file)[-1] == ("run-2", "ok", 15, 1, 10, 4, None, sha256(okta_file))
    assert quarantine_runs(warehouse) == [("run-2", 10)]


def test_another_mapping_reads_the_file_again(warehouse, tmp_path):
    export = write(tmp_path / "content_activity" / "2026-11-20" / "highspot.csv", HIGHSPOT_EXPORT)
    highspot = (MAPPINGS / "highspot.yaml").read_text()
    mapping = write(tmp_path / "highspot.yaml", highspot)
    load_path(warehouse, "content_activity", str(export), run_id="run-1", mapping_file=str(mapping))
    mapping.write_text("# the same mapping, commented\n" + highspot)
    unchanged = load_path(
        warehouse, "content_activity", str(export), run_id="run-2", mapping_file=str(mapping)
    )
    mapping.write_text(highspot.replace("    Viewed: view\n", "    Viewed: view\n    Liked: view\n"))
    remapped = load_path(
        warehouse, "content_activity", str(export), run_id="run-3", mapping_file=str(mapping)
    )

    # 7 events: 6 load and E13 (Liked, not mapped) is quarantined. A comment changes nothing;
    # once Liked maps to view, E13 loads and the other 6 are duplicates.
    assert (unchanged.unchanged_files, remapped.unchanged_files) == (1, 0)
    assert [r[:6] for r in runs(warehouse, export)] == [
        ("run-1", "ok", 7, 6, 1, 0),
        ("run-2", "ok", 7, 0, 1, 6),
        ("run-3", "ok", 7, 1, 0, 6),
    ]


def test_a_failed_file_is_tried_again(warehouse, tmp_path):
    path = write(tmp_path / "okta" / "2024-05-06" / "okta.jsonl", "uuid,published\nx,2024-05-06\n")
    for run_id in ("run-1", "run-2"):
        with pytest.raises(SourceFileError, match="expected a JSON array or JSON Lines"):
            load_path(warehouse, "okta", str(path), run_id=run_id)

    assert [r[:2] + r[7:] for r in runs(warehouse, path)] == [
        ("run-1", "failed", None),
        ("run-2", "failed", None),
    ]


def test_a_warehouse_from_before_fingerprints_gains_the_column_and_reads_once(tmp_path, okta_file):
    url = f"duckdb:///{tmp_path / 'old.duckdb'}"
    old = Warehouse.from_url(url)
    load_path(old, "okta", str(okta_file), run_id="run-1")
    with old.engine.begin() as conn:
        conn.execute(sa.text(f"alter table {old.schema}.pipeline_runs drop column file_sha256"))
    old.engine.dispose()

    upgraded = Warehouse.from_url(url)
    second = load_path(upgraded, "okta", str(okta_file), run_id="run-2")
    third = load_path(upgraded, "okta", str(okta_file), run_id="run-3")

    assert (second.unchanged_files, third.unchanged_files) == (0, 1)
    assert [r[:2] + r[7:] for r in runs(upgraded, okta_file)] == [
        ("run-1", "ok", None),
        ("run-2", "ok", sha256(okta_file)),
        ("run-3", "ok", sha256(okta_file)),
    ]
    upgraded.engine.dispose()


def test_the_cli_says_which_files_it_did_not_read(tmp_path, okta_file):
    url = f"duckdb:///{tmp_path / 'cli.duckdb'}"
    runner = CliRunner()
    args = ["load", "okta", str(okta_file), "--warehouse", url]

    first = runner.invoke(main, args)
    second = runner.invoke(main, args)
    forced = runner.invoke(main, [*args, "--reread"])

    assert first.output == "okta: read 14, loaded 3, quarantined 10, duplicates 1\n"
    assert second.output == (
        "okta: read 14, loaded 0, quarantined 10, duplicates 4 (1 unchanged file(s) not read again)\n"
    )
    assert forced.output == "okta: read 14, loaded 0, quarantined 10, duplicates 4\n"


def test_a_killed_load_leaves_no_record_of_its_unchanged_files(warehouse, tmp_path, okta_file):
    other = write(tmp_path / "okta" / "2024-05-07" / "okta-logs.jsonl", NEW_EVENT + "\n")
    files = list_files(str(tmp_path / "okta"))
    load_files(warehouse, "okta", files, run_id="run-1")
    other.write_text(NEW_EVENT.replace("b1f2c3d4-0099", "b1f2c3d4-0098") + "\n", encoding="utf-8")

    def kill(path: str) -> None:
        raise KeyboardInterrupt(path)

    # okta_file is unchanged, other is not: the load stages other in its group's transaction,
    # which also holds okta_file's record; killed there, neither run-2 record remains.
    with pytest.raises(KeyboardInterrupt):
        load_files(warehouse, "okta", files, run_id="run-2", after_stage=kill)
    assert [r[0] for r in runs(warehouse, okta_file) + runs(warehouse, other)] == ["run-1", "run-1"]

    again = load_files(warehouse, "okta", files, run_id="run-3")
    assert (again.files, again.unchanged_files) == (2, 1)
    assert [r[:6] for r in runs(warehouse, okta_file) + runs(warehouse, other)] == [
        ("run-1", "ok", 14, 3, 10, 1),
        ("run-3", "ok", 14, 0, 10, 4),
        ("run-1", "ok", 1, 1, 0, 0),
        ("run-3", "ok", 1, 1, 0, 0),
    ]
