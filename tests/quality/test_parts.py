"""A DuckDB batch of more rows than ``batch_rows`` is validated in parts: the results are those
of one batch, every row is in exactly one part, and rows sharing a key meet in one part."""

from __future__ import annotations

import gc
import weakref
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from enablement_audit.quality import engine
from enablement_audit.quality.engine import _in_parts, plan_checks
from enablement_audit.quality.results import CheckResult
from enablement_audit.quality.settings import QualityConfig, load_config
from enablement_audit.quality.suites import Interval
from enablement_audit.warehouse import Warehouse
from tests.quality.conftest import END, START, check, clean_row, insert, load_clean
from tests.quality.test_freshness_volume_identity import history, logins
from tests.quality.test_raw_suites import CASES


def in_parts(rows: int) -> QualityConfig:
    return replace(load_config(), batch_rows=rows)


def summary(results: list[CheckResult]) -> list[tuple[Any, ...]]:
    return [
        (r.suite, r.expectation, r.column, r.status, r.unexpected_count, r.element_count, r.observed)
        for r in results
    ]


@pytest.mark.parametrize(("table", "rows"), [c[1:3] for c in CASES], ids=[c[0] for c in CASES])
def test_parts_give_the_results_of_one_batch(
    warehouse: Warehouse, table: str, rows: list[dict[str, Any]]
) -> None:
    load_clean(warehouse)
    insert(warehouse, table, rows)

    whole = check(warehouse, table)
    parts = check(warehouse, table, config=in_parts(2))

    assert summary(parts) == summary(whole)
    assert any(r.success is False for r in parts)


def events(count: int, **changes: Any) -> list[dict[str, Any]]:
    return [
        clean_row(
            "raw_content_event", event_id=f"E{n:02d}", occurred_at=datetime(2026, 1, 6, 9, n), **changes
        )
        for n in range(count)
    ]


def test_every_row_is_in_one_part_and_a_duplicate_key_meets_its_twin(warehouse: Warehouse) -> None:
    rows = events(10)
    rows[7]["event_id"] = rows[2]["event_id"]  # E02 twice
    insert(warehouse, "raw_content_event", rows)
    plan = plan_checks(warehouse, Interval.of(START, END), ["raw"], load_config(), ["raw_content_event"])
    (batch,) = [b for b in plan.batches if b.kind == "rows"]

    parts = list(_in_parts(warehouse, batch, 3))

    # 10 rows, at most about 3 a part: ceil(10 / 3) = 4 parts, after the whole-batch checks.
    assert [p.name for p in parts] == [
        "raw_content_event.whole",
        *(f"raw_content_event.part{i}of4" for i in range(1, 5)),
    ]
    # The newest event is checked once over all 10 rows (volume is skipped: no history).
    assert [c.gx_class for c in parts[0].checks] == ["ExpectColumnMaxToBeBetween"]
    assert all(p.checks == batch.checks[:-1] for p in parts[1:])
    assert batch.checks[-1].gx_class == "ExpectColumnMaxToBeBetween"
    seen: list[tuple[int, str]] = []
    with warehouse.engine.connect() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(parts[0].query.subquery())).scalar_one() == 10
        )
        for index, part in enumerate(parts[1:]):
            seen += [(index, row.event_id) for row in conn.execute(part.query)]
    assert sorted(e for _, e in seen) == sorted(r["event_id"] for r in rows)
    assert len({i for i, e in seen if e == "E02"}) == 1

    unique = next(
        r
        for r in check(warehouse, "raw_content_event", config=in_parts(3))
        if r.kind == "keys" and r.expectation.endswith("unique")
    )
    assert (unique.status, unique.unexpected_count, unique.element_count) == ("failed", 2, 10)
    assert unique.observed == "2 of 10 rows unexpected"


def test_a_small_batch_is_one_part(warehouse: Warehouse) -> None:
    insert(warehouse, "raw_content_event", events(3))
    plan = plan_checks(warehouse, Interval.of(START, END), ["raw"], load_config(), ["raw_content_event"])
    (batch,) = [b for b in plan.batches if b.kind == "rows"]

    assert list(_in_parts(warehouse, batch, 3)) == [batch]


def test_each_part_is_freed_before_the_next_is_read(warehouse: Warehouse, monkeypatch: Any) -> None:
    # Great Expectations' objects hold a batch's DataFrame in reference cycles, which only the
    # garbage collector frees; left to its own pace it let the parts of a year at scale L pile
    # up to 8 GB. Each part is collected once validated: with the collector switched off here,
    # a DataFrame still alive when the next one is read means the parts would pile up.
    insert(warehouse, "raw_content_event", events(10))
    frames: list[weakref.ref[Any]] = []
    alive_at_each_read: list[int] = []
    read_frame = engine.read_frame

    def recording(wh: Warehouse, query: Any) -> Any:
        alive_at_each_read.append(sum(frame() is not None for frame in frames))
        frame = read_frame(wh, query)
        frames.append(weakref.ref(frame))
        return frame

    monkeypatch.setattr(engine, "read_frame", recording)
    monkeypatch.setattr(engine, "COLLECT_ROWS", 0)  # every frame, however small
    gc.disable()
    try:
        check(warehouse, "raw_content_event", config=in_parts(3))
    finally:
        gc.enable()

    # The table's columns, its whole batch and 4 parts (as above): none read while another lives.
    assert alive_at_each_read == [0, 0, 0, 0, 0, 0]


def test_only_large_frames_are_collected(warehouse: Warehouse, monkeypatch: Any) -> None:
    # A collection costs 0.1 to 0.2 s with Great Expectations loaded: not one per small batch.
    insert(warehouse, "raw_content_event", events(10))
    collections: list[int] = []
    monkeypatch.setattr(engine.gc, "collect", lambda *args: collections.append(1) or 0)

    check(warehouse, "raw_content_event", config=in_parts(3))
    assert collections == []

    monkeypatch.setattr(engine, "COLLECT_ROWS", 0)
    check(warehouse, "raw_content_event", config=in_parts(3))
    assert len(collections) == 6  # the table's columns, its whole batch and 4 parts


def test_no_frame_is_fingerprinted(warehouse: Warehouse, monkeypatch: Any) -> None:
    # GX hashes every DataFrame under 1 GB for a batch marker nothing here reads, twice per
    # validation (2 s for a 1M-row part of the Okta events): the checks switch it off.
    from great_expectations.execution_engine import pandas_execution_engine as gx_pandas

    insert(warehouse, "raw_content_event", events(10))
    hashed: list[int] = []
    monkeypatch.setattr(gx_pandas, "HASH_THRESHOLD", 1e9)  # GX's own default
    monkeypatch.setattr(gx_pandas, "hash_pandas_dataframe", lambda frame: hashed.append(len(frame)) or "")

    results = check(warehouse, "raw_content_event", config=in_parts(3))

    assert hashed == []
    assert gx_pandas.HASH_THRESHOLD == 0
    # ...and the checks still read every row: 10 in each check that counts rows
    assert {r.element_count for r in results if r.expectation == "expect_column_values_to_not_be_null"} == {
        10
    }


def test_volume_and_freshness_are_checked_over_the_whole_batch(warehouse: Warehouse) -> None:
    history(warehouse)
    # 9 logins on Saturday 01-10 against a band of 1..5 (trailing mean 3), in parts of 2 rows.
    insert(warehouse, "raw_sf_login", logins([date(2026, 1, 10)], 9, "w"))

    whole = check(warehouse, "raw_sf_login")
    parts = check(warehouse, "raw_sf_login", config=in_parts(2))

    assert summary(parts) == summary(whole)
    volume = next(r for r in parts if r.kind == "volume")
    assert (volume.success, volume.observed) == (False, "9 (expected 1..5) (trailing 4-week mean 3)")
    freshness = next(r for r in parts if r.kind == "freshness")
    assert (freshness.success, freshness.observed) == (
        True,
        "2026-01-10T16:00:00 (expected 2026-01-10T00:00:00..) (within 48 h of the interval end)",
    )


def test_batch_rows_must_be_positive(tmp_path: Any) -> None:
    bad = tmp_path / "severity.yaml"
    bad.write_text("batch_rows: 0\n")
    with pytest.raises(ValueError, match="batch_rows must be at least 1"):
        load_config(bad)


def test_objects_older_than_the_checks_are_frozen_while_they_run(
    warehouse: Warehouse, monkeypatch: Any
) -> None:
    # Great Expectations' modules and context are some 280,000 objects that every collection
    # walked (0.2 s each); they are frozen out of it while the batches run, and only then.
    insert(warehouse, "raw_content_event", events(10))
    frozen_at_each_read: list[int] = []
    read_frame = engine.read_frame

    def recording(wh: Warehouse, query: Any) -> Any:
        frozen_at_each_read.append(gc.get_freeze_count())
        return read_frame(wh, query)

    monkeypatch.setattr(engine, "read_frame", recording)
    assert gc.get_freeze_count() == 0

    check(warehouse, "raw_content_event", config=in_parts(3))

    assert len(frozen_at_each_read) == 6 and min(frozen_at_each_read) > 100_000
    assert gc.get_freeze_count() == 0


def test_a_frame_holds_each_column_in_one_array(warehouse: Warehouse) -> None:
    # DuckDB hands a large result over in several chunks; GX's null filter over a chunked
    # column took four times as long, so the frame's columns are made contiguous first.
    with warehouse.engine.begin() as conn:
        conn.exec_driver_sql(
            "create table wide as select 'E' || i as event_id, i % 7 as n from range(600000) t(i)"
        )
        chunks = conn.connection.driver_connection.sql("select * from wide").to_arrow_table()
    assert chunks.column("event_id").num_chunks > 1  # what DuckDB hands over

    frame = engine.read_frame(
        warehouse, sa.select(sa.column("event_id"), sa.column("n")).select_from(sa.table("wide"))
    )

    assert len(frame) == 600_000
    assert frame["event_id"].array.__arrow_array__().num_chunks == 1
    # n: 85,714 runs of 0..6 (21 each), then 0 and 1
    assert (frame["event_id"].iloc[599_999], frame["n"].sum()) == ("E599999", 1_799_995)
