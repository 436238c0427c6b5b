"""The loader's fast path: DuckDB's own CSV and text readers, with the rules in set-based SQL.

The Python readers stay the definition of what a row means. Here DuckDB reads a file, types
every field and applies a source's rules in SQL to all rows at once, and settles only the rows
that plainly pass: each rule's SQL is written so that a row it calls clean is one the Python
reader accepts with the same values (it may be stricter, never looser). Every other row is
handed, by its line number and raw text, to the Python reader's own per-row code, so it is
loaded or quarantined for exactly the reason it would have been anyway; ``rows_read`` counts
both. A file the fast path cannot read exactly as Python does (not a local file, not plain
UTF-8, a byte-order mark, NUL bytes, bare carriage returns, a record running over lines, a
JSON array, a vendor mapping) is left to the Python reader whole. ``tests/test_native.py``
holds the two paths to the same rows, rejects and reasons.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from enablement_audit.sources.base import (
    MAX_JSON_DEPTH,
    MAX_YEAR,
    MIN_YEAR,
    ColumnMapping,
    CsvField,
    CsvReader,
    Parsed,
    Reject,
    SourceFile,
    SourceSpec,
    csv_positions,
    csv_record,
    json_line,
    parse_bool,
    parse_date,
    parse_email,
    parse_float,
    parse_int,
    parse_text,
    parse_timestamp,
)

WHITESPACE = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
"""What ``str.strip()`` removes."""


def literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_SPACE = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in WHITESPACE) + "]"


def trimmed(text_sql: str) -> str:
    """Text as the Python readers see it: stripped of whitespace, NULL when empty. (DuckDB's
    ``trim`` with a set of characters is slow, so it only runs on text that needs it.)"""
    needs_trim = f"regexp_matches({text_sql}, '^{_SPACE}|{_SPACE}$')"
    return (
        f"nullif(case when {needs_trim} then trim({text_sql}, {literal(WHITESPACE)}) else {text_sql} end, '')"
    )


# ---------------------------------------------------------------------------------------------
# One field: its typed value and whether SQL settles it. ``@`` stands for the trimmed text.

_TIMESTAMP_TEXT = (
    r"\d{4}-\d{2}-\d{2}([T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?"
    r"([Zz]|[+-]([01]\d|2[0-3]):?[0-5]\d)?)?"
)
_OFFSET = r"([+-])(\d{2}):?(\d{2})$"
_TIMESTAMP = (
    r"(try_cast(regexp_replace(@, '([Zz]|[+-]\d{2}:?\d{2})$', '') as timestamp) - to_minutes("
    rf"case when regexp_matches(@, '[T ].*{_OFFSET}') then"
    rf" (case when regexp_extract(@, '{_OFFSET}', 1) = '-' then -1 else 1 end)"
    rf" * (try_cast(regexp_extract(@, '{_OFFSET}', 2) as integer) * 60"
    rf" + try_cast(regexp_extract(@, '{_OFFSET}', 3) as integer))"
    " else 0 end))"
)
_IN_RANGE = f"between {MIN_YEAR} and {MAX_YEAR}"
_TRUE = ("true", "t", "1", "yes", "y")
_FALSE = ("false", "f", "0", "no", "n")


def sql_list(values: Iterable[str]) -> str:
    """``('a', 'b')``, sorted."""
    return "(" + ", ".join(literal(v) for v in sorted(values)) + ")"


_TYPED: dict[Callable[[str], Any], tuple[str, str]] = {
    parse_text: ("@", "true"),
    parse_email: (
        "lower(@)",
        r"length(@) <= 254 and regexp_full_match(@, '[!-?A-~]+@[!-?A-~]+\.[!-?A-~]+')"
        " and not starts_with(lower(@), 'mailto:')",
    ),
    parse_timestamp: (
        _TIMESTAMP,
        f"regexp_full_match(@, '{_TIMESTAMP_TEXT}') and year({_TIMESTAMP}) {_IN_RANGE}",
    ),
    parse_date: (
        f"case when length(@) = 10 then try_cast(@ as date) else cast({_TIMESTAMP} as date) end",
        rf"(regexp_full_match(@, '\d{{4}}-\d{{2}}-\d{{2}}') and year(try_cast(@ as date)) {_IN_RANGE})"
        f" or (regexp_full_match(@, '{_TIMESTAMP_TEXT}') and year({_TIMESTAMP}) {_IN_RANGE})",
    ),
    parse_int: ("try_cast(@ as bigint)", r"regexp_full_match(@, '[+-]?\d{1,18}')"),
    parse_float: (
        "try_cast(@ as double)",
        r"regexp_full_match(@, '[+-]?(\d{1,15}(\.\d{0,15})?|\.\d{1,15})')",
    ),
    parse_bool: (f"lower(@) in {sql_list(_TRUE)}", f"lower(@) in {sql_list(_TRUE + _FALSE)}"),
}


def field_sql(spec: CsvField, text: str) -> tuple[str, str]:
    """``(value, clean)`` SQL for one field whose trimmed text is the SQL ``text``."""
    if spec.choices is not None:
        value, clean = _TYPED[spec.parse]
        value, clean = value.replace("@", "lower(@)"), f"lower(@) in {sql_list(spec.choices)} and ({clean})"
    else:
        value, clean = _TYPED[spec.parse]
    clean = f"(@ is not null and {clean})" if spec.required else f"(@ is null or ({clean}))"
    return value.replace("@", text), clean.replace("@", text)


def typed_select(
    fields: Mapping[str, CsvField], checks: Sequence[str], derived: Mapping[str, str], also: str = "true"
) -> str:
    """After a CTE ``texts`` of ``file_seq``, ``line`` and one trimmed text column per field
    (named as the field), the rest of the query giving the typed columns, the derived ones and
    ``clean`` (which needs the SQL ``also`` too)."""
    values, cleans = [], []
    for name, spec in fields.items():
        value, clean = field_sql(spec, ident(name))
        values.append(f"{value} as {ident(name)}")
        cleans.append(clean)
    typed = (
        f"select file_seq, line, {', '.join(values)}, {also} and {' and '.join(cleans)} as fields_clean "
        "from texts"
    )
    clean = " and ".join(["fields_clean", *(f"coalesce({c}, false)" for c in checks)])
    extra = "".join(f", {sql} as {ident(name)}" for name, sql in derived.items())
    kept = ", ".join(ident(n) for n in fields if n not in derived)
    return (
        f"typed as materialized ({typed}) "
        f"select file_seq, line, {kept}{extra}, coalesce({clean}, false) as clean from typed"
    )


# ---------------------------------------------------------------------------------------------
# What a source declares.


@dataclass(frozen=True)
class NativeCsv:
    """A CSV source on the fast path: its Python reader plus its row rules in SQL. ``checks``
    are predicates over the typed columns that hold only when the reader's ``check`` passes;
    ``derived`` gives the SQL of each column its ``derive`` adds or replaces."""

    reader: CsvReader
    checks: tuple[str, ...] = ()
    derived: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class NativeJson:
    """A JSON Lines source on the fast path. Each line (``doc``) is parsed twice in all: for
    ``paths``, ``ty[i]`` is the ``json_type`` of the i-th path (NULL when missing) and
    ``tx[i]`` its text (a string's value; an object's or list's JSON). ``lets`` are further
    named columns over those, computed once; ``columns`` gives each raw column's SQL and
    ``clean`` the predicate under which those values are the Python reader's (both only
    evaluated on lines that are valid JSON objects). ``row(line, raw_text, value)`` is the
    reader's per-record code. With ``typed``, ``columns`` are the fields' texts, typed and
    checked as that CSV source's."""

    paths: tuple[str, ...]
    columns: Mapping[str, str]
    clean: str
    row: Callable[[int, str, Any], Parsed | Reject]
    lets: Mapping[str, str] = field(default_factory=dict)
    typed: NativeCsv | None = None


def json_is(index: int, *types: str) -> str:
    """The value at the ``index``-th path is missing, null, or one of ``types``."""
    return f"coalesce(ty[{index}] in {sql_list(('NULL', *types))}, true)"


def json_fields(typed: NativeCsv, row: Callable[[int, str, Any], Parsed | Reject]) -> NativeJson:
    """A JSON Lines reading of CSV-style fields (keys named as the headers): a string or a
    whole number is the field's text, as :func:`~enablement_audit.sources.content.json_record`
    takes it; a line whose keys are spelled otherwise, repeated, or hold other types is left to
    Python."""
    fields = typed.reader.fields
    paths = tuple("$." + ident(spec.header) for spec in fields.values())
    texts = {name: trimmed(f"tx[{i}]") for i, name in enumerate(fields, start=1)}
    headers = [spec.header for spec in fields.values()]
    wanted = [k for spec in fields.values() for k in (spec.header, *spec.aliases)]
    normalized = sorted({"".join(ch for ch in k.lower() if ch.isalnum() and ch.isascii()) for k in wanted})
    keys_plain = (
        f"list_bool_and(list_transform(keys, lambda k: k in {sql_list(headers)} "
        f"or regexp_replace(lower(k), '[^a-z0-9]', '', 'g') not in {sql_list(normalized)}))"
        " and len(keys) = len(list_distinct(keys))"
    )
    types = " and ".join(json_is(i, "VARCHAR", "UBIGINT", "BIGINT") for i in range(1, len(fields) + 1))
    return NativeJson(
        paths=paths,
        lets={"keys": "json_keys(doc)"},
        columns=texts,
        clean=f"{keys_plain} and {types}",
        row=row,
        typed=typed,
    )


# ---------------------------------------------------------------------------------------------
# Reading a batch of files: each file is read into a cell (CSV) or line (JSON) table as it is
# added, then all of them are typed, checked and staged by one statement.


@dataclass
class NativeRead:
    """What the fast path did with a file: rows already in the stage, and the rows left to
    Python (parsed or rejected by the reader's per-row code), in line order."""

    staged: int
    leftovers: list[Parsed | Reject]


@dataclass
class _Added:
    source: SourceFile
    lines: list[str]
    positions: Mapping[str, int | None] | None = None


def _plain_text(source: SourceFile) -> str | None:
    """The file's text when the fast path reads it exactly as Python would, else None."""
    path = source.path.removeprefix("file://")
    if source.mapping is not None or "://" in path:
        return None
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None  # the Python reader names the problem
    if not data or data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        return None
    if data.count(b"\r") != data.count(b"\r\n"):
        return None  # a bare carriage return ends a line for Python, not for DuckDB
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _lines(text: str) -> list[str]:
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


_UNSTORABLE_ESCAPE = r"\\u(0000|[dD][89a-fA-F])"


class Batch:
    """The fast path for the files of one load of one source, inside its transaction.

    ``add`` reads a file into a work table, or returns False when the Python reader must read
    it whole; ``finish`` types and checks every added file's rows at once, moves the clean ones
    into the stage and returns, per file, what it staged and the rows left to Python.
    """

    def __init__(self, duck: Any, spec: SourceSpec, stage: str, run_id: str, loaded_at: Any) -> None:
        self.duck, self.spec, self.stage = duck, spec, stage
        self.run_id, self.loaded_at = run_id, loaded_at
        self.added: dict[int, _Added] = {}
        self.probe = duckdb.connect()
        self.csv, self.json = spec.native_csv, spec.native_json
        self.fields = list(self.csv.reader.fields) if self.csv is not None else []
        duck.execute(
            "create or replace temp table _ea_native_files (file_seq bigint, path varchar, day date)"
        )
        cells = "".join(f", {ident(name)} varchar" for name in self.fields)
        duck.execute(f"create or replace temp table _ea_native_cells (file_seq bigint, line bigint{cells})")
        duck.execute(
            "create or replace temp table _ea_native_lines (file_seq bigint, line bigint, doc varchar)"
        )

    @staticmethod
    def applies(spec: SourceSpec) -> bool:
        return spec.native_csv is not None or spec.native_json is not None

    def add(self, seq: int, source: SourceFile) -> bool:
        text = _plain_text(source)
        if text is None:
            return False
        if text.lstrip()[:1] == "{":
            added = self._add_json(seq, source, text) if self.json is not None else None
        else:
            added = self._add_csv(seq, source, text) if self.csv is not None else None
        if added is None:
            return False
        self.added[seq] = added
        self.duck.execute(
            "insert into _ea_native_files values (?, ?, ?)", [seq, source.path, source.file_date]
        )
        return True

    def _add_csv(self, seq: int, source: SourceFile, text: str) -> _Added | None:
        assert self.csv is not None
        lines = _lines(text)
        header_line = lines[0] if lines else ""
        if len(lines) < 2 or header_line.count('"') % 2 or not header_line.strip():
            return None
        header = next(csv.reader([header_line]))
        positions = csv_positions(source.path, header, self.csv.reader.fields, ColumnMapping())
        columns = "{" + ", ".join(f"{literal(f'c{i}')}: 'VARCHAR'" for i in range(len(header))) + "}"
        texts = ", ".join(
            trimmed(f"c{positions[name]}") if positions[name] is not None else "null" for name in self.fields
        )
        # Read on a connection of its own: an error would abort the load's transaction.
        try:
            cells = self.probe.execute(
                f"select ? as file_seq, row_number() over () + 1 as line, {texts} "
                f"from read_csv({literal(source.path)}, header = true, auto_detect = false, "
                f"columns = {columns}, delim = ',', quote = '\"', escape = '\"', strict_mode = true, "
                "null_padding = false, encoding = 'utf-8')",
                [seq],
            ).fetch_arrow_table()
        except duckdb.Error:
            return None  # the Python reader reads it and says what is wrong
        if cells.num_rows != len(lines) - 1:  # a record over several lines, or blank lines
            return None
        self.duck.register("_ea_native_batch", cells)
        try:
            self.duck.execute("insert into _ea_native_cells select * from _ea_native_batch")
        finally:
            self.duck.unregister("_ea_native_batch")
        return _Added(source, lines, positions)

    def _add_json(self, seq: int, source: SourceFile, text: str) -> _Added | None:
        lines = _lines(text)
        first = lines[0].strip()
        if first and isinstance(json_line(1, first), Reject):
            return None  # the whole file may be one object over several lines: Python's to read
        self.duck.execute(
            "insert into _ea_native_lines select ?, unnest(generate_series(1, len(ls))), unnest(ls) "
            "from (select ? as ls)",
            [seq, lines],
        )
        return _Added(source, lines)

    def finish(self) -> dict[int, NativeRead]:
        """Type, check and stage every added file; per file, what was staged and left over."""
        duck = self.duck
        queries = []
        if self.csv is not None:
            queries.append(
                f"with texts as (select file_seq, line, {', '.join(ident(f) for f in self.fields)} "
                "from _ea_native_cells), "
                + typed_select(self.csv.reader.fields, self.csv.checks, self.csv.derived)
            )
        if self.json is not None:
            queries.append(_json_query(self.json))
        columns = ", ".join(ident(c) for c in self.spec.column_names)
        staged: dict[int, int] = {}
        leftover: dict[int, list[int]] = {}
        for query in queries:
            duck.execute(f"create or replace temp table _ea_native_typed as {query}")
            for seq, count in duck.execute(
                "select file_seq, count(*) from _ea_native_typed where clean group by file_seq"
            ).fetchall():
                staged[seq] = staged.get(seq, 0) + count
            for seq, line in duck.execute(
                "select file_seq, line from _ea_native_typed where not clean order by file_seq, line"
            ).fetchall():
                leftover.setdefault(seq, []).append(line)
            duck.execute(
                f"insert into {ident(self.stage)} "
                f"({columns}, source_file, source_line, source_date, run_id, loaded_at, file_seq) "
                f"select {columns}, f.path, t.line, f.day, ?, ?, t.file_seq "
                "from _ea_native_typed as t join _ea_native_files as f using (file_seq) where t.clean",
                [self.run_id, self.loaded_at],
            )
        for table in ("typed", "cells", "lines", "files"):
            duck.execute(f"drop table if exists _ea_native_{table}")
        self.probe.close()
        return {
            seq: NativeRead(staged.get(seq, 0), self._leftovers(added, leftover.get(seq, [])))
            for seq, added in self.added.items()
        }

    def _leftovers(self, added: _Added, numbers: list[int]) -> list[Parsed | Reject]:
        rows: list[Parsed | Reject] = []
        for number in numbers:
            raw = added.lines[number - 1]
            if added.positions is not None:
                assert self.csv is not None
                record = csv_record(next(csv.reader([raw])), added.positions, ColumnMapping())
                rows.append(self.csv.reader.row(number, raw, record))
                continue
            assert self.json is not None
            item = json_line(number, raw.strip())
            rows.append(item if isinstance(item, Reject) else self.json.row(*item))
        return rows


def _json_query(native: NativeJson) -> str:
    depth = f"length(doc) - length(replace(replace(doc, '{{', ''), '[', '')) <= {MAX_JSON_DEPTH}"
    shaped = (
        "starts_with(doc, '{') and ends_with(doc, '}') and json_valid(doc) "
        f"and not regexp_matches(doc, '{_UNSTORABLE_ESCAPE}') and {depth}"
    )
    paths = "[" + ", ".join(literal(p) for p in native.paths) + "]"
    lets = "".join(f", case when shaped then {sql} end as {ident(name)}" for name, sql in native.lets.items())
    columns = ", ".join(
        f"case when shaped then {sql} end as {ident(name)}" for name, sql in native.columns.items()
    )
    clean = f"coalesce(case when shaped then {native.clean} end, false)"
    ctes = (
        f"with docs as (select file_seq, line, doc, {shaped} as shaped "
        f"from _ea_native_lines where not regexp_full_match(doc, '{_SPACE}*')), "
        "parts as (select file_seq, line, doc, shaped, "
        f"case when shaped then json_type(doc, {paths}) end as ty, "
        f"case when shaped then json_extract_string(doc, {paths}) end as tx from docs), "
        f"named as (select *{lets} from parts), "
        f"texts as (select file_seq, line, {clean} as json_clean, {columns} from named)"
    )
    if native.typed is None:
        names = ", ".join(ident(n) for n in native.columns)
        return ctes + f" select file_seq, line, {names}, json_clean as clean from texts"
    typed = native.typed
    return ctes + ", " + typed_select(typed.reader.fields, typed.checks, typed.derived, also="json_clean")
