"""The loader's fast path (DuckDB's readers, rules in SQL) against the Python readers: every
raw row, quarantine row and file count must be the same whichever path read the file."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from enablement_audit.load import load_files
from enablement_audit.sources import SOURCES, native
from enablement_audit.sources.base import (
    CsvField,
    parse_date,
    parse_float,
    parse_int,
    parse_timestamp,
)
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


def recorded_finishes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[dict[int, Any], list[int]]]:
    """Every fast-path batch's result as it finishes: per file read, what was staged and left to
    Python; and the files handed back to Python."""
    finishes: list[tuple[dict[int, Any], list[int]]] = []
    finish = native.Batch.finish

    def recording_finish(self):
        result = finish(self)
        finishes.append(result)
        return result

    monkeypatch.setattr(native.Batch, "finish", recording_finish)
    return finishes


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
    finishes = recorded_finishes(monkeypatch)
    fast, slow = load_both(tmp_path, source, files, monkeypatch)
    assert fast == slow
    assert fast["raw"], "the generated files load rows"
    # SQL settles every row but the few bad ones the generator plants (under 1 in 100).
    reads = finishes[0][0].values()
    staged, left = sum(r.staged for r in reads), sum(len(r.leftovers) for r in reads)
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
                "2026-01-05T10:00:00.000+0000",
                "2026-01-05T10:00:00.123456+00:00",
                "2026-01-05T24:00:00.000Z",
                "2026-02-29T10:00:00.000Z",
                "2100-12-31T23:59:59.999Z",
                "2101-01-01T00:00:00Z",
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


def test_a_case_folded_value_sql_settles_is_one_python_accepts():
    """Lower-casing differs: DuckDB maps "İ" (U+0130) to "i", Python to "i" and a combining dot,
    so "archİved" is "archived" to DuckDB and no status to Python. SQL leaves a non-ASCII text
    to Python."""
    import duckdb

    spec = CsvField("status", choices=frozenset({"archived", "live"}))
    texts = ["live", "LIVE", " Archived ", "archİved", "lİve", "Kive", "archiveḋ"]
    value_sql, clean_sql = native.field_sql(spec, "?")
    duck = duckdb.connect()
    settled = []
    for text in texts:
        value, clean = duck.execute(
            f"select {value_sql.replace('?', '$1')}, {clean_sql.replace('?', '$1')}", [text.strip()]
        ).fetchone()
        if clean:
            folded = text.strip().lower()
            assert folded in spec.choices, text
            assert value == folded, text
            settled.append(text)
    assert settled == texts[:3]


def test_a_file_whose_name_reads_as_a_glob_pattern_loads_whole(tmp_path, monkeypatch, generated_landing):
    """DuckDB would take ``[1]`` in a name for a pattern; such a file goes to the Python reader."""
    first = sorted((generated_landing / "okta").rglob("*.jsonl"))[0]
    day = tmp_path / "landing" / "okta" / first.parent.name
    day.mkdir(parents=True)
    files = [str(shutil.copy(first, day / "okta-[1].jsonl"))]
    lines = sum(1 for line in first.read_text().splitlines() if line.strip())
    fast, slow = load_both(tmp_path, "okta", files, monkeypatch)
    assert fast == slow
    ((status, read, loaded, quarantined, duplicates),) = fast["runs"]
    assert (status, read) == ("ok", lines)
    assert loaded + quarantined + duplicates == read


EDGE_LINES = {
    "content_activity": [
        '{"event_id":"c1","occurred_at":"2026-01-05T10:00:00Z","user_email":"a@x.com","asset_id":"a1",'
        '"action":"view"}',
        # a comma closing the object or a list: DuckDB's JSON functions accept it, Python does not
        '{"event_id":"c2","occurred_at":"2026-01-05T10:00:00Z","user_email":"a@x.com","asset_id":"a1",'
        '"action":"view",}',
        '{"event_id":"c3","occurred_at":"2026-01-05T10:00:00Z","user_email":"a@x.com","asset_id":"a1",'
        '"action":"view","tags":[1,]}',
        # nan or inf in any spelling but NaN and Infinity, an integer of more than 4,300 digits:
        # DuckDB reads them, Python's json does not
        '{"event_id":"c5","occurred_at":"2026-01-05T10:00:00Z","user_email":"a@x.com","asset_id":"a1",'
        '"action":"view","x":[nan]}',
        '{"event_id":"c6","occurred_at":"2026-01-05T10:00:00Z","user_email":"a@x.com","asset_id":"a1",'
        '"action":"view","x":' + "1" * 4301 + "}",
        '{"event_id":"c7","occurred_at":"2026-01-05T10:00:00Z","user_email":"a@x.com","asset_id":"a1",'
        '"action":"view","x":NaN,"y":-Infinity}',
        # "vİew" lower-cases to "view" in DuckDB, not in Python
        '{"event_id":"c4","occurred_at":"2026-01-05T10:00:00Z","user_email":"a@x.com","asset_id":"a1",'
        '"action":"v\u0130ew"}',
    ],
    "xapi": [
        # settled in SQL
        '{"id":"6D244A03-4C2F-42D4-951D-D1D1CCA413FA","actor":{"mbox":"MAILTO:Ann@Example.com "},'
        '"verb":{"id":"http://adlnet.gov/expapi/verbs/completed","display":{"en-US":" done "}},'
        '"object":{"id":"https://lms/c/1","definition":{"name":{"en-US":"Course"}}},'
        '"result":{"success":true,"completion":false,"score":{"scaled":0.5,"raw":7},"duration":"pt1h2m3.5s"},'
        '"context":{"registration":"868E0550-DAD0-4305-A06F-8A567283398C"},"timestamp":"2026-01-05T10:00:00+02:00"}',
        '{"id":"1d244a03-4c2f-42d4-951d-d1d1cca413fa","actor":{"account":{"homePage":"https://lms","name":"u1"}},'
        '"verb":{"id":"urn:x:y","display":"not a map"},"object":{"id":"o","objectType":"Activity"},'
        '"result":"not an object","stored":"2026-01-05T10:00:00Z","version":" 1.0.3 "}',
        # left to Python: no en-US entry, a duplicate key, a score out of range, a bad duration,
        # a voiding statement, no id, an empty StatementResult, a number where text belongs
        '{"id":"2d244a03-4c2f-42d4-951d-d1d1cca413fa","actor":{"mbox_sha1sum":"' + "a" * 40 + '"},'
        '"verb":{"id":"urn:v","display":{"de-DE":"erledigt","en-GB":"done"}},"object":{"id":"o"},'
        '"timestamp":"2026-01-05T10:00:00Z"}',
        '{"id":"3d244a03-4c2f-42d4-951d-d1d1cca413fa","actor":{"mbox":"mailto:a@x.com","mbox":"mailto:b@x.com"},'
        '"verb":{"id":"urn:v"},"object":{"id":"o"},"timestamp":"2026-01-05T10:00:00Z"}',
        '{"id":"4d244a03-4c2f-42d4-951d-d1d1cca413fa","actor":{"mbox":"mailto:a@x.com"},"verb":{"id":"urn:v"},'
        '"object":{"id":"o"},"result":{"score":{"scaled":1.5}},"timestamp":"2026-01-05T10:00:00Z"}',
        '{"id":"5d244a03-4c2f-42d4-951d-d1d1cca413fa","actor":{"mbox":"mailto:a@x.com"},"verb":{"id":"urn:v"},'
        '"object":{"id":"o"},"result":{"duration":"P1DT2H","score":{"raw":1e400}},"timestamp":"2026-01-05T10:00:00Z"}',
        '{"id":"7d244a03-4c2f-42d4-951d-d1d1cca413fa","actor":{"mbox":"mailto:a@x.com"},'
        '"verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},'
        '"object":{"objectType":"StatementRef","id":"6D244A03-4C2F-42D4-951D-D1D1CCA413FA"},"stored":"2026-01-06T00:00:00Z"}',
        '{"actor":{"mbox":"mailto:a@x.com"},"verb":{"id":"urn:v"},"object":{"id":"o"},"timestamp":"2026-01-05T10:00:00Z"}',
        '{"statements": [], "more": ""}',
        '{"id":"8d244a03-4c2f-42d4-951d-d1d1cca413fa","actor":{"mbox":"mailto:a@x.com","name":5},'
        '"verb":{"id":"urn:v"},"object":{"id":7},"timestamp":"2026-01-05T10:00:00Z"}',
        # an address and a registration that lower-case differently in DuckDB and Python
        '{"id":"ad244a03-4c2f-42d4-951d-d1d1cca413fa","actor":{"mbox":"mailto:\u0130an@x.com"},'
        '"verb":{"id":"urn:v"},"object":{"id":"o"},"timestamp":"2026-01-05T10:00:00Z"}',
        '{"id":"bd244a03-4c2f-42d4-951d-d1d1cca413fa","actor":{"mbox":"mailto:a@x.com"},'
        '"verb":{"id":"urn:v"},"object":{"id":"o"},"context":{"registration":"R\u0130"},'
        '"timestamp":"2026-01-05T10:00:00Z"}',
        '{"id":"cd244a03-4c2f-42d4-951d-d1d1cca413fa","actor":{"mbox":"mailto:a@x.com"},'
        '"verb":{"id":"urn:v"},"object":{"id":"o"},"timestamp":"2026-01-05T10:00:00Z","x": -Inf}',
        # a language map's en-US entry twice (left to Python), another entry twice (settled)
        '{"id":"ed244a03-4c2f-42d4-951d-d1d1cca413fa","actor":{"mbox":"mailto:a@x.com"},'
        '"verb":{"id":"urn:v","display":{"en-US":"done","en-US":"finished"}},"object":{"id":"o"},'
        '"timestamp":"2026-01-05T10:00:00Z"}',
        '{"id":"fd244a03-4c2f-42d4-951d-d1d1cca413fa","actor":{"mbox":"mailto:a@x.com"},'
        '"verb":{"id":"urn:v","display":{"de-DE":"a","en-US":"done","de-DE":"b"}},"object":{"id":"o"},'
        '"timestamp":"2026-01-05T10:00:00Z"}',
        # an id twice
        '{"id":"0e244a03-4c2f-42d4-951d-d1d1cca413fa","actor":{"mbox":"mailto:a@x.com"},"verb":{"id":"urn:v"},'
        '"object":{"id":"o"},"timestamp":"2026-01-05T10:00:00Z","id":"1e244a03-4c2f-42d4-951d-d1d1cca413fa"}',
        # a comma closing the actor
        '{"id":"9d244a03-4c2f-42d4-951d-d1d1cca413fa","actor":{"mbox":"mailto:a@x.com",},'
        '"verb":{"id":"urn:v"},"object":{"id":"o"},"timestamp":"2026-01-05T10:00:00Z"}',
    ],
    "okta": [
        '{"uuid":"e1","published":"2026-01-05T10:00:00.000Z","eventType":"user.authentication.sso",'
        '"outcome":{"result":"SUCCESS"},"actor":{"alternateId":"A@x.com","id":"u1"},'
        '"target":[{"type":"AppInstance","id":"app1","displayName":"Gong"}]}',
        # a target that is text holding a list: no app in Python, none here
        '{"uuid":"e2","published":"2026-01-05T10:00:00.000Z","eventType":"user.authentication.sso",'
        '"outcome":{"result":"SUCCESS"},"actor":{"alternateId":"a@x.com"},'
        '"target":"[{\\"type\\":\\"AppInstance\\",\\"id\\":\\"app1\\"}]"}',
        '{"uuid":"e3","published":"2026-01-05T10:00:00.000Z","eventType":"user.session.start",'
        '"target":"plain text"}',
        # a key twice: DuckDB would read the first, Python reads the last
        '{"uuid":"e4","published":"2026-01-05T10:00:00.000Z","eventType":"user.authentication.sso",'
        '"outcome":{"result":"SUCCESS"},"actor":{"alternateId":"a@x.com","alternateId":"b@x.com"},'
        '"target":[{"type":"AppInstance","id":"app1"}]}',
        '{"uuid":"e10","published":"2026-01-05T10:00:00.000Z","eventType":"user.session.start",'
        '"outcome":{"result":"SUCCESS","result":"FAILURE"},"client":{"ipAddress":"1.2.3.4","ipAddress":"5.6.7.8"}}',
        '{"uuid":"e11","published":"2026-01-05T10:00:00.000Z","eventType":"user.session.start","u\\u0075id":"e12"}',
        # keys the reader never reads may repeat: settled in SQL
        '{"uuid":"e13","published":"2026-01-05T10:00:00.000Z","eventType":"user.session.start",'
        '"severity":"INFO","severity":"WARN","client":{"id":null,"id":"c1","ipAddress":"1.2.3.4"}}',
        # a key twice in the app's target object
        '{"uuid":"e5","published":"2026-01-05T10:00:00.000Z","eventType":"user.authentication.sso",'
        '"outcome":{"result":"SUCCESS"},"actor":{"alternateId":"a@x.com"},'
        '"target":[{"type":"AppInstance","id":"app1","displayName":"Gong","displayName":"Zoom"}]}',
        '{"uuid":"e6","published":"2026-01-05T10:00:00.000Z","eventType":"user.authentication.sso",'
        '"outcome":{"result":"SUCCESS"},"actor":{"alternateId":"a@x.com"},'
        '"target":[{"type":"AppInstance","type":"User","id":"app1","displayName":"Gong"}]}',
        '{"uuid":"e9","published":"2026-01-05T10:00:00.000Z","eventType":"user.session.start","zz":nan}',
        # a comma closing the app's object, or the target list
        '{"uuid":"e7","published":"2026-01-05T10:00:00.000Z","eventType":"user.authentication.sso",'
        '"outcome":{"result":"SUCCESS"},"actor":{"alternateId":"a@x.com"},'
        '"target":[{"type":"AppInstance","id":"app1",}]}',
        '{"uuid":"e8","published":"2026-01-05T10:00:00.000Z","eventType":"user.authentication.sso",'
        '"outcome":{"result":"SUCCESS"},"actor":{"alternateId":"a@x.com"},'
        '"target":[{"type":"AppInstance","id":"app1"},]}',
    ],
}


EDGE_CSV_LINES = [
    '"Id","UserId","LoginTime","Status","Application","LoginType"',
    # every field quoted, none holding a quote: split at '","'
    '"L1","005A","2026-01-05T10:00:00.000+0000","Success","Browser","Application"',
    '"L2","005A","2026-01-05T10:00:00.000+0000","Failed: a, b","",""',
    '"L3"," 005A ","2026-01-05T10:00:00.000+0000","Success","Browser","Application"',
    # a quote inside a field, a '","' inside one, quoted and bare fields mixed: the general split
    '"L4","005A","2026-01-05T10:00:00.000+0000","Success","Brow""ser","Application"',
    '"L5","005A","2026-01-05T10:00:00.000+0000","Success","a"",""b","Application"',
    'L6,"005A",2026-01-05T10:00:00.000+0000,"Success","Browser",Application',
    # whitespace at a cell's edge, bare or quoted, any that str.strip() removes: trimmed
    'L9,005A\t,2026-01-05T10:00:00.000+0000,"\u2003Success",Browser ,\u00a0Application',
    # one cell too few, or too many: left to Python, which quarantines them
    '"L7","005A","2026-01-05T10:00:00.000+0000","Success","Browser"',
    '"L8","005A","2026-01-05T10:00:00.000+0000","Success","Browser","Application",""',
    # one empty field: a blank line, skipped
    '""',
]


def test_quoted_csv_lines_are_split_in_sql_as_python_reads_them(tmp_path, monkeypatch):
    """Lines L1 to L6 and L9 are settled in SQL (a wrong split would leave them to Python, whose
    rows would then still match: so the count of staged rows is asserted too)."""
    day = tmp_path / "landing" / "sf_login_history" / "2026-01-05"
    day.mkdir(parents=True)
    path = day / "logins.csv"
    path.write_text("\n".join(EDGE_CSV_LINES) + "\n", encoding="utf-8")
    finishes = recorded_finishes(monkeypatch)
    fast, slow = load_both(tmp_path, "sf_login_history", [str(path)], monkeypatch)
    assert fast == slow
    reads, handed_back = finishes[0]
    assert ([r.staged for r in reads.values()], handed_back) == ([7], [])
    rows = {row[0]: row[:6] for row in fast["raw"]}
    at = datetime(2026, 1, 5, 10)
    assert rows["L3"] == ("L3", "005A", at, "Success", "Browser", "Application")
    assert rows["L4"] == ("L4", "005A", at, "Success", 'Brow"ser', "Application")
    assert rows["L5"] == ("L5", "005A", at, "Success", 'a","b', "Application")
    assert rows["L9"] == ("L9", "005A", at, "Success", "Browser", "Application")
    assert sorted((line, rule) for line, _, rule, _ in fast["quarantine"]) == [
        (9, "malformed_row"),
        (10, "malformed_row"),
    ]


@pytest.mark.parametrize("source", sorted(EDGE_LINES))
def test_edge_records_load_the_same_on_both_paths(source, tmp_path, monkeypatch):
    day = tmp_path / "landing" / source / "2026-01-05"
    day.mkdir(parents=True)
    path = day / f"{source}.jsonl"
    path.write_text("\n".join(EDGE_LINES[source]) + "\n", encoding="utf-8")
    fast, slow = load_both(tmp_path, source, [str(path)], monkeypatch)
    assert fast == slow
    assert fast["raw"]


def test_chunks_stay_under_their_size_and_a_larger_file_streams_through_python(
    tmp_path, monkeypatch, generated_landing
):
    """Files are read in chunks of at most CHUNK_BYTES (a file that would overflow a chunk
    starts the next one); a file larger than a chunk goes to the Python reader whole."""
    files = sorted(str(p) for p in (generated_landing / "okta").rglob("*.jsonl"))[:6]
    sizes = [Path(f).stat().st_size for f in files]
    limit = sorted(sizes)[-2] + 1  # the largest file alone is over the limit
    chunks: list[int] = []
    flush = native.Batch._flush

    def recording_flush(self):
        if self.pending:
            chunks.append(self.pending_bytes)
        flush(self)

    monkeypatch.setattr(native, "CHUNK_BYTES", limit)
    monkeypatch.setattr(native.Batch, "_flush", recording_flush)
    fast, slow = load_both(tmp_path, "okta", files, monkeypatch)

    assert fast == slow
    assert all(size <= limit for size in chunks)
    assert sum(chunks) == sum(sizes) - max(sizes)  # every file but the largest, in SQL
    assert len(chunks) >= 2


@pytest.mark.parametrize("source", ["content_activity", "okta"])
def test_a_backfill_loads_in_groups_as_one_batch_would(source, tmp_path, monkeypatch, generated_landing):
    """More than BATCH_BYTES of files load one group after another (a transaction each), and
    leave the same raw rows, quarantine rows and per-file counts as one batch of them all."""
    from enablement_audit import load

    files = sorted(str(p) for p in (generated_landing / source).rglob("*") if p.is_file())[:30]
    total = sum(Path(f).stat().st_size for f in files)
    groups: list[int] = []
    load_batch = load._load_batch

    def counting(warehouse, spec, sources, *args):
        groups.append(len(sources))
        return load_batch(warehouse, spec, sources, *args)

    monkeypatch.setattr(load, "_load_batch", counting)
    results = {}
    for name, limit in (("one", total), ("groups", total // 4)):
        monkeypatch.setattr(load, "BATCH_BYTES", limit)
        warehouse = Warehouse.from_url(f"duckdb:///{tmp_path / f'{name}.duckdb'}")
        load_files(warehouse, source, files)
        results[name] = snapshot(warehouse, source)

    assert results["groups"] == results["one"]
    assert results["one"]["quarantine"], "the generated files hold planted bad rows"
    assert groups[0] == 30 and sum(groups[1:]) == 30 and len(groups) in (4, 5)


def test_lines_of_several_chunks_are_typed_together(tmp_path, monkeypatch, generated_landing):
    """A chunk's lines wait until TYPE_ROWS lines are read (so that DuckDB types them on every
    thread), then are typed, checked and staged in one statement; the rows, rejects and counts
    stay the Python reader's."""
    files = sorted(str(p) for p in (generated_landing / "okta").rglob("*.jsonl"))[:8]
    lines = {f: Path(f).read_bytes().count(b"\n") + 1 for f in files}  # a last empty one too
    chunks: list[int] = []
    typed: list[int] = []
    flush, type_lines = native.Batch._flush, native.Batch._type

    def recording_flush(self):
        if self.pending:
            chunks.append(sum(lines[row[1]] for row in self.pending))
        flush(self)

    def recording_type(self, kind):
        typed.append(self.untyped[kind])
        type_lines(self, kind)

    monkeypatch.setattr(native, "CHUNK_BYTES", max(Path(f).stat().st_size for f in files) + 1)
    monkeypatch.setattr(native, "TYPE_ROWS", sum(lines.values()) // 3)
    monkeypatch.setattr(native.Batch, "_flush", recording_flush)
    monkeypatch.setattr(native.Batch, "_type", recording_type)
    fast, slow = load_both(tmp_path, "okta", files, monkeypatch)

    assert fast == slow
    expected, gathered = [], 0
    for count in chunks:
        gathered += count
        if gathered >= native.TYPE_ROWS:
            expected.append(gathered)
            gathered = 0
    assert typed == [*expected, gathered] if gathered else expected
    assert sum(typed) == sum(lines.values())
    assert len(chunks) > len(typed) >= 3


@pytest.mark.parametrize("source", ["content_activity", "okta"])
def test_files_with_crlf_line_ends_are_settled_in_sql_as_python_reads_them(
    source, tmp_path, monkeypatch, generated_landing
):
    files = []
    for number, path in enumerate(
        sorted(p for p in (generated_landing / source).rglob("*") if p.is_file())[:4]
    ):
        day = tmp_path / "landing" / source / path.parent.name
        day.mkdir(parents=True, exist_ok=True)
        target = day / f"crlf-{number}{path.suffix}"
        target.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
        files.append(str(target))
    finishes = recorded_finishes(monkeypatch)
    fast, slow = load_both(tmp_path, source, files, monkeypatch)

    assert fast == slow
    reads, handed_back = finishes[0]
    rows = sum(r.staged for r in reads.values())
    assert handed_back == []  # every file read in SQL, its CRLF line ends too
    assert rows > 0.9 * len(fast["raw"])


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "",
        " ",
        " abc",
        "abc\t",
        "\u3000abc\u3000",
        "a\u00a0",
        "\u0085x\u0085",
        "x\u2028",
        "\x1fx",
        "\x7fx\x84",
        "\u0301a\u0301",
        "é",
        "\U0001f600 ",
        "a b",
        *(f"{space}v{space}" for space in native.WHITESPACE),
    ],
)
def test_trimmed_text_is_pythons_strip(text):
    import duckdb

    (value,) = duckdb.connect().execute(f"select {native.trimmed('$1')}", [text]).fetchone()
    assert value == (text.strip() or None)
