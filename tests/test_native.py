"""The loader's fast path (DuckDB's readers, rules in SQL) against the Python readers: every
raw row, quarantine row and file count must be the same whichever path read the file."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from enablement_audit.load import load_files
from enablement_audit.sources import SOURCES, native
from enablement_audit.sources.base import CsvField, parse_date, parse_float, parse_int, parse_timestamp
from enablement_audit.synthetic import generate
from enablement_audit.warehouse import Warehouse

BAD = Path(__file__).parent / "data" / "bad"
FAST_SOURCES = [name for name, spec in SOURCES.items() if native.Batch.applies(spec)]


@pytest.fixture(scope="module")
def generated_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("native") / "landing"
    generate(out, scale="S", seed=11)
    return out


def snapshot(warehouse: Warehouse, source: str) -> dict[str, list[tuple[Any, ...]]]:
    spec = SOURCES[source]
    schema = warehouse.schema
    with warehouse.engine.connect() as conn:

        def rows(sql: str) -> list[tuple[Any, ...]]:
            return sorted(conn.execute(sa.text(sql)).fetchall(), key=repr)

        columns = ", ".join(f'"{c}"' for c in (*spec.column_names, "source_line", "row_hash"))
        return {
            "raw": rows(f"select {columns} from {schema}.{spec.table}"),
            "quarantine": rows(f"select source_line, raw_text, rule, reason from {schema}.quarantine"),
            "runs": rows(
                f"select status, rows_read, rows_loaded, rows_quarantined, rows_duplicate from {schema}.pipeline_runs"
            ),
        }


def load_both(
    tmp_path: Path, source: str, files: list[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[Any, Any]:
    results = []
    for fast in (True, False):
        warehouse = Warehouse.from_url(f"duckdb:///{tmp_path / f'{source}-{fast}.duckdb'}")
        with monkeypatch.context() as patch:
            if not fast:
                patch.setattr(native.Batch, "applies", staticmethod(lambda spec: False))
            try:
                load_files(warehouse, source, files, keep_going=True)
            except Exception as exc:
                results.append(("error", str(exc)))
                continue
        results.append(snapshot(warehouse, source))
    return results[0], results[1]


@pytest.mark.parametrize("source", FAST_SOURCES)
def test_the_hostile_corpus_loads_the_same_on_both_paths(source, tmp_path, monkeypatch):
    files = []
    for path in sorted(BAD.glob(f"{source}__*")):
        day = tmp_path / "landing" / source / "2026-11-20"
        day.mkdir(parents=True, exist_ok=True)
        files.append(str(shutil.copy(path, day / path.name)))
    assert files, f"no hostile files for {source}"
    fast, slow = load_both(tmp_path, source, files, monkeypatch)
    assert fast == slow


@pytest.mark.parametrize("source", FAST_SOURCES)
def test_generated_data_loads_the_same_on_both_paths(source, tmp_path, monkeypatch, generated_landing):
    files = sorted(str(p) for p in (generated_landing / source).rglob("*") if p.is_file())[:40]
    assert files
    settled = []
    finish = native.Batch.finish

    def counting_finish(self):
        reads, handed_back = finish(self)
        settled.append((sum(r.staged for r in reads.values()), sum(len(r.leftovers) for r in reads.values())))
        return reads, handed_back

    monkeypatch.setattr(native.Batch, "finish", counting_finish)
    fast, slow = load_both(tmp_path, source, files, monkeypatch)
    assert fast == slow
    assert fast["raw"], "the generated files load rows"
    # SQL settles every row but the few bad ones the generator plants (under 1 in 100).
    staged, left = settled[0]
    quarantined = len(fast["quarantine"])
    assert staged > 0
    assert left <= quarantined + staged // 100


@pytest.mark.parametrize(
    ("parse", "texts"),
    [
        (
            parse_timestamp,
            [
                "2026-01-05",
                "2026-01-05T10:00",
                "2026-01-05 10:00:07",
                "2026-01-05T10:00:07.5Z",
                "2026-01-05T10:00:07.123456+05:30",
                "2026-01-05T23:30:00-0230",
                "2026-02-30T10:00:00Z",
                "1969-12-31T23:59:59Z",
                "2100-12-31T23:00:00-02:00",
                "2026-01-05T24:00:00Z",
                "2026-1-5",
            ],
        ),
        (parse_date, ["2026-01-05", "2026-13-01", "2026-01-05T23:30:00-05:00", "2026-01-05T00:30:00+01:00"]),
        (parse_int, ["0", "+7", "-12", "007", "1.0", "1_000", "99999999999999999999"]),
        (parse_float, ["0", "1.", ".5", "-2.25", "1,000.5", "1e3", "12345678901234.5"]),
    ],
)
def test_a_value_sql_settles_is_the_value_python_parses(parse, texts):
    """Where the SQL calls a text clean, Python parses it to the same value (SQL may leave a
    text to Python, never take one Python would refuse)."""
    import duckdb

    value_sql, clean_sql = native.field_sql(CsvField("f", parse), "?")
    duck = duckdb.connect()
    for text in texts:
        value, clean = duck.execute(
            f"select {value_sql.replace('?', '$1')}, {clean_sql.replace('?', '$1')}", [text]
        ).fetchone()
        if clean:
            assert value == parse(text), text


def test_a_file_whose_name_reads_as_a_glob_pattern_loads_whole(tmp_path, monkeypatch, generated_landing):
    """DuckDB would take ``[1]`` in a name for a pattern; such a file goes to the Python reader."""
    first = sorted((generated_landing / "okta").rglob("*.jsonl"))[0]
    day = tmp_path / "landing" / "okta" / first.parent.name
    day.mkdir(parents=True)
    files = [str(shutil.copy(first, day / "okta-[1].jsonl"))]
    lines = sum(1 for line in first.read_text().splitlines() if line.strip())
    fast, slow = load_both(tmp_path, "okta", files, monkeypatch)
    assert fast == slow
    (status, read, loaded, quarantined, duplicates), = fast["runs"]
    assert (status, read) == ("ok", lines)
    assert loaded + quarantined + duplicates == read
