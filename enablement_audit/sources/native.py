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
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    SourceFileError,
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
    width_reject,
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
# Reading a batch of files: each file's text is split into lines (and a CSV line into cells) in
# SQL as it is added; every CHUNK_CHARS of text, the lines so far are typed, checked and staged
# by one statement, and only the rows SQL does not settle come back to Python.

CHUNK_CHARS = 96 * 1024 * 1024
"""Text typed per statement: bounds the work tables' memory whatever the batch's size."""

_CSV_FIELD = r'"(?:[^"]|"")*"|[^,"]*'
CSV_LINE = f"(?:{_CSV_FIELD})(?:,(?:{_CSV_FIELD}))*"
"""A CSV line that is one whole record, each field quoted properly or holding no quote; the
split below reads it exactly as Python's ``csv`` module does. A line with a quote that is not
of this shape may open a record running over lines, so its file is left to Python."""
_CSV_LINE_RE = re.compile(CSV_LINE)
_CELLS = (
    "case when not contains(doc, '\"') then string_split(doc, ',') "
    f"when regexp_full_match(doc, {literal(CSV_LINE)}) then list_transform("
    f"regexp_extract_all(doc || ',', {literal(f'({_CSV_FIELD}),')}, 1), "
    "lambda f: case when starts_with(f, '\"') then replace(f[2:-2], '\"\"', '\"') else f end) end"
)
_LINES = (
    "(select file_seq, width, pos, generate_subscripts(parts, 1) as line, unnest(parts) as doc "
    "from (select *, string_split(text, chr(10)) as parts from _ea_native_texts))"
)
"""Each line of each text with its number. (``unnest ... with ordinality`` needs many times
the text's size in memory.)"""


@dataclass
class NativeRead:
    """What the fast path did with a file: rows already in the stage, and the rows left to
    Python (parsed or rejected by the reader's per-row code), in line order."""

    staged: int = 0
    leftovers: list[Parsed | Reject] = field(default_factory=list)


@dataclass(frozen=True)
class _Pending:
    """A file taken, not yet split: its text and, for CSV, where each field is."""

    seq: int
    source: SourceFile
    text: str
    positions: Mapping[str, int | None] | None = None
    width: int = 0


def _plain_text(source: SourceFile) -> str | None:
    """The file's text, each line ended by ``\n``, when the fast path reads it exactly as Python
    would; else None."""
    path = source.path.removeprefix("file://")
    if source.mapping is not None or "://" in path:
        return None
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None  # the Python reader names the problem
    if not data or data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        return None
    if b"\r" in data:
        if data.count(b"\r") != data.count(b"\r\n"):
            return None  # a bare carriage return ends a line for Python too
        data = data.replace(b"\r\n", b"\n")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


class Batch:
    """The fast path for the files of one load of one source, inside its transaction.

    ``add`` takes a file, or returns False when the Python reader must read it whole. ``finish``
    returns, per file taken, what was staged and the rows left to Python, and the files it
    handed back to the Python reader after all (a CSV record may run over lines in them).
    """

    def __init__(self, duck: Any, spec: SourceSpec, stage: str, run_id: str, loaded_at: Any) -> None:
        self.duck, self.spec, self.stage = duck, spec, stage
        self.run_id, self.loaded_at = run_id, loaded_at
        self.csv, self.json = spec.native_csv, spec.native_json
        self.fields = list(self.csv.reader.fields) if self.csv is not None else []
        self.reads: dict[int, NativeRead] = {}
        self.layouts: dict[int, tuple[Mapping[str, int | None], int]] = {}
        self.handed_back: list[int] = []
        self.pending: list[_Pending] = []
        self.pending_chars = 0
        cells = "".join(f", {ident(name)} varchar" for name in self.fields)
        for sql in (
            "create or replace temp table _ea_native_files (file_seq bigint, path varchar, day date)",
            "create or replace temp table _ea_native_texts "
            "(file_seq bigint, width bigint, pos bigint[], text varchar)",
            "create or replace temp table _ea_native_lines (file_seq bigint, line bigint, doc varchar)",
            "create or replace temp table _ea_native_cells "
            f"(file_seq bigint, line bigint, doc varchar, fits boolean{cells})",
        ):
            duck.execute(sql)

    @staticmethod
    def applies(spec: SourceSpec) -> bool:
        return spec.native_csv is not None or spec.native_json is not None

    def add(self, seq: int, source: SourceFile) -> bool:
        text = _plain_text(source)
        if text is None:
            return False
        if text.lstrip(" \t\n\r\x0b\x0c")[:1] == "{":
            pending = self._json_file(seq, source, text) if self.json is not None else None
        else:
            pending = self._csv_file(seq, source, text) if self.csv is not None else None
        if pending is None:
            return False
        self.pending.append(pending)
        self.pending_chars += len(text)
        if self.pending_chars >= CHUNK_CHARS:
            self._flush()
        return True

    def _csv_file(self, seq: int, source: SourceFile, text: str) -> _Pending | None:
        assert self.csv is not None
        header_line = text.split("\n", 1)[0]
        if '"' in header_line and not _CSV_LINE_RE.fullmatch(header_line):
            return None
        header = next(csv.reader([header_line]), [])
        if not any(h.strip() for h in header):
            return None  # the Python reader says what is wrong
        try:
            positions = csv_positions(source.path, header, self.csv.reader.fields, ColumnMapping())
        except SourceFileError:
            return None
        return _Pending(seq, source, text, positions, len(header))

    def _json_file(self, seq: int, source: SourceFile, text: str) -> _Pending | None:
        first = text.split("\n", 1)[0].strip()
        if first and isinstance(json_line(1, first), Reject):
            return None  # the whole file may be one object over several lines: Python's to read
        return _Pending(seq, source, text)

    def finish(self) -> tuple[dict[int, NativeRead], list[int]]:
        """Type and stage what is left. Per file taken, what was staged and left to Python;
        and the files handed back to the Python reader."""
        self._flush()
        for table in ("cells", "lines", "files", "texts", "typed"):
            self.duck.execute(f"drop table if exists _ea_native_{table}")
        for read in self.reads.values():
            read.leftovers.sort(key=lambda item: item.line)
        return self.reads, self.handed_back

    def _flush(self) -> None:
        """Split, type, check and stage the files added since the last flush, in one statement
        per step whatever their number."""
        pending, self.pending, self.pending_chars = self.pending, [], 0
        if not pending:
            return
        files = [(p.seq, p.source.path, p.source.file_date) for p in pending]
        self.duck.executemany("insert into _ea_native_files values (?, ?, ?)", files)
        csv_files = [p for p in pending if p.positions is not None]
        json_files = [p for p in pending if p.positions is None]
        if csv_files:
            self._split_csv(csv_files)
        if json_files:
            self._texts(json_files)
            self.duck.execute(
                f"insert into _ea_native_lines select file_seq, line, doc from {_LINES} "
                f"where not regexp_full_match(doc, '{_SPACE}*')"
            )
        for p in pending:
            if p.seq not in self.handed_back:
                self.reads[p.seq] = NativeRead()
        if self.csv is not None and csv_files:
            names = ", ".join(ident(f) for f in self.fields)
            query = f"with texts as (select file_seq, line, fits, {names} from _ea_native_cells), "
            query += typed_select(self.csv.reader.fields, self.csv.checks, self.csv.derived, "fits")
            self._stage(query, "_ea_native_cells")
        if self.json is not None and json_files:
            self._stage(_json_query(self.json), "_ea_native_lines")
        self.duck.execute("delete from _ea_native_files")
        self.duck.execute("delete from _ea_native_texts")

    def _split_csv(self, files: list[_Pending]) -> None:
        """Each file's lines as cells; a file with a line SQL cannot split is handed back."""
        texts = "".join(f", {trimmed(f'cells[pos[{i}]]')}" for i in range(1, len(self.fields) + 1))
        self._texts(files)
        self.duck.execute(
            "insert into _ea_native_cells "
            f"select file_seq, line, doc, len(cells) = width{texts} from ("
            f"select file_seq, width, pos, line, doc, {_CELLS} as cells from {_LINES} where line > 1) "
            f"where cells is null or len(cells) > 1 or {trimmed('cells[1]')} is not null"
        )
        for (seq,) in self.duck.execute(
            "select distinct file_seq from _ea_native_cells where fits is null"
        ).fetchall():
            self.handed_back.append(seq)
        if self.handed_back:
            self.duck.execute(
                "delete from _ea_native_cells where list_contains($seqs, file_seq)",
                {"seqs": self.handed_back},
            )
        self.layouts.update((p.seq, (p.positions, p.width)) for p in files if p.positions is not None)

    def _texts(self, files: list[_Pending]) -> None:
        """The files' texts in ``_ea_native_texts`` (with, for CSV, each field's cell number)."""
        self.duck.execute("delete from _ea_native_texts")
        rows = []
        for p in files:
            pos = None if p.positions is None else [p.positions[f] for f in self.fields]
            cells = None if pos is None else [None if i is None else i + 1 for i in pos]
            rows.append((p.seq, p.width, cells, p.text))
        self.duck.executemany("insert into _ea_native_texts values (?, ?, ?, ?)", rows)

    def _stage(self, query: str, table: str) -> None:
        duck = self.duck
        duck.execute(f"create or replace temp table _ea_native_typed as {query}")
        for seq, count in duck.execute(
            "select file_seq, count(*) from _ea_native_typed where clean group by file_seq"
        ).fetchall():
            self.reads[seq].staged += count
        for seq, line, doc in duck.execute(
            f"select file_seq, line, doc from _ea_native_typed join {table} using (file_seq, line) "
            "where not clean"
        ).fetchall():
            self.reads[seq].leftovers.append(self._leftover(seq, line, doc))
        columns = ", ".join(ident(c) for c in self.spec.column_names)
        duck.execute(
            f"insert into {ident(self.stage)} "
            f"({columns}, source_file, source_line, source_date, run_id, loaded_at, file_seq) "
            f"select {columns}, f.path, t.line, f.day, ?, ?, t.file_seq "
            "from _ea_native_typed as t join _ea_native_files as f using (file_seq) where t.clean",
            [self.run_id, self.loaded_at],
        )
        duck.execute(f"delete from {table}")

    def _leftover(self, seq: int, number: int, raw: str) -> Parsed | Reject:
        """A row SQL did not settle, read by the Python reader's own per-row code."""
        if seq in self.layouts:
            assert self.csv is not None
            positions, width = self.layouts[seq]
            cells = next(csv.reader([raw]))
            if len(cells) != width:
                return width_reject(number, raw, width, len(cells))
            return self.csv.reader.row(number, raw, csv_record(cells, positions, ColumnMapping()))
        assert self.json is not None
        item = json_line(number, raw.strip())
        return item if isinstance(item, Reject) else self.json.row(*item)


_UNSTORABLE_ESCAPE = r"\\u(0000|[dD][89a-fA-F])"


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
        f"with docs as (select file_seq, line, doc, {shaped} as shaped from _ea_native_lines), "
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
