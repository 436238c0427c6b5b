"""The loader's fast path: DuckDB reads the files and applies the rules in set-based SQL.

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
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from enablement_audit.sources.base import (
    MAX_EMAIL_LENGTH,
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
    ``trim`` with a set of characters is slow, so it only runs on text that may need it: text
    that starts or ends with a control character, a space, or a character past U+0084, where
    every other character ``str.strip()`` removes lies; ``[-1]`` finds the last character
    faster than ``right``.)"""
    plain = f"ord({text_sql}) between 33 and 132 and ord(({text_sql})[-1]) between 33 and 132"
    return f"nullif(case when {plain} then {text_sql} else trim({text_sql}, {literal(WHITESPACE)}) end, '')"


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
_UTC_TEXT = r"\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?(Z|\+0000|\+00:00)"
_UTC = "try_cast(@ as timestamp)"
"""The usual spelling (UTC with ``Z`` or ``+0000``, as Okta, Salesforce and LRSs write it) read
with one pattern instead of the general rule's seven: DuckDB's cast reads such a text as it is
(it ignores an offset, which here is zero; any other offset takes the general rule)."""
_TRUE = ("true", "t", "1", "yes", "y")
_FALSE = ("false", "f", "0", "no", "n")


def sql_list(values: Iterable[str]) -> str:
    """``('a', 'b')``, sorted."""
    return "(" + ", ".join(literal(v) for v in sorted(values)) + ")"


def ascii_only(text_sql: str) -> str:
    """The text (or NULL) is ASCII. A value SQL lower- or upper-cases must be: DuckDB maps a
    character to one character, Python's ``str.lower`` may not ("İ" is "i" in DuckDB, "i̇" in
    Python), so a non-ASCII one is left to Python. (As many bytes as characters: seven times
    cheaper than a pattern.)"""
    return f"coalesce(strlen({text_sql}) = length({text_sql}), true)"


EMAIL_TEXT = r"[!-?A-~]+\x40[!-?A-~]+\.[!-?A-~]+"
"""An address SQL settles: printable ASCII, no blank, one at sign (written ``\x40``: a bare one
would be taken for the text below). Stricter than the Python rule, never looser."""

_TYPED: dict[Callable[[str], Any], tuple[str, str]] = {
    parse_text: ("@", "true"),
    parse_email: (
        "lower(@)",
        f"length(@) <= {MAX_EMAIL_LENGTH} and regexp_full_match(@, '{EMAIL_TEXT}')"
        " and not starts_with(lower(@), 'mailto:')",
    ),
    parse_timestamp: (
        f"case when regexp_full_match(@, '{_UTC_TEXT}') then {_UTC} else {_TIMESTAMP} end",
        f"case when regexp_full_match(@, '{_UTC_TEXT}') then coalesce(year({_UTC}) {_IN_RANGE}, false) "
        f"else regexp_full_match(@, '{_TIMESTAMP_TEXT}') and year({_TIMESTAMP}) {_IN_RANGE} end",
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
    # (no ASCII test: the only characters DuckDB lower-cases to ASCII are "İ" and the Kelvin
    # sign, to "i" and "k", in no true or false word)
    parse_bool: (f"lower(@) in {sql_list(_TRUE)}", f"lower(@) in {sql_list(_TRUE + _FALSE)}"),
}


def field_sql(spec: CsvField, text: str) -> tuple[str, str]:
    """``(value, clean)`` SQL for one field whose trimmed text is the SQL ``text``."""
    if spec.choices is not None:
        value, clean = _TYPED[spec.parse]
        value = value.replace("@", "lower(@)")
        clean = f"{ascii_only('@')} and lower(@) in {sql_list(spec.choices)} and ({clean})"
    else:
        value, clean = _TYPED[spec.parse]
    clean = f"(@ is not null and {clean})" if spec.required else f"(@ is null or ({clean}))"
    return value.replace("@", text), clean.replace("@", text)


def typed_select(
    fields: Mapping[str, CsvField], checks: Sequence[str], derived: Mapping[str, str], also: str = "true"
) -> str:
    """After a CTE ``texts`` of ``file_seq``, ``line``, ``doc`` (the line's text), ``whole``
    and one trimmed text column per field (named as the field), the rest of the query giving
    the typed columns, the derived ones, ``clean`` (which needs the SQL ``also`` too), ``whole``
    and, on lines that are not clean, ``doc``."""
    values, cleans = [], []
    for name, spec in fields.items():
        value, clean = field_sql(spec, ident(name))
        values.append(f"{value} as {ident(name)}")
        cleans.append(clean)
    typed = (
        f"select file_seq, line, doc, whole, {', '.join(values)}, "
        f"{also} and {' and '.join(cleans)} as fields_clean from texts"
    )
    clean = " and ".join(["fields_clean", *(f"coalesce({c}, false)" for c in checks)])
    extra = "".join(f", {sql} as {ident(name)}" for name, sql in derived.items())
    kept = ", ".join(ident(n) for n in fields if n not in derived)
    return (
        f"typed as materialized ({typed}), "
        f"settled as (select *, coalesce({clean}, false) as clean from typed) "
        f"select file_seq, line, {kept}{extra}, clean, whole, "
        "case when not clean then doc end as doc from settled"
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
    """A JSON Lines source on the fast path. For ``paths``, ``ty[i]`` is the ``json_type`` of
    the i-th path (NULL when missing), ``tx[i]`` its text (a string's value; an object's or
    list's JSON) and ``tt[i]`` a scalar's text trimmed as the Python readers trim it. ``lets`` are
    further named columns over those, computed once each, in order (one may use those before
    it); ``columns`` gives each raw column's SQL
    and ``clean`` the predicate under which those values are the Python reader's (both only
    evaluated on lines that are valid JSON objects). ``row(line, raw_text, value)`` is the
    reader's per-record code (one row, or a list of them). With ``typed``, ``columns`` are the
    fields' texts, typed and checked as that CSV source's."""

    paths: tuple[str, ...]
    columns: Mapping[str, str]
    clean: str
    row: Callable[[int, str, Any], Parsed | Reject | Iterable[Parsed | Reject]]
    lets: Mapping[str, str] = field(default_factory=dict)
    typed: NativeCsv | None = None
    types_only: frozenset[str] = frozenset()
    """Paths (objects) read for their type alone: their ``tx`` is NULL, which spares writing
    each one's JSON text."""


def json_is(index: int, *types: str) -> str:
    """The value at the ``index``-th path is missing, null, or one of ``types``."""
    return f"coalesce(ty[{index}] in {sql_list(('NULL', *types))}, true)"


_PATH = re.compile(r'(?P<parent>\$(?:\.(?:\w+|"[^"]*"))*)\.(?P<key>\w+|"[^"]*")')


def keys_once(paths: Sequence[str]) -> str:
    """No key a reader reads is twice in its object, for a reader that reads only ``paths``
    (``$.a."b-c"`` paths, ``ty[i]`` being the i-th one's type): keys it never reads may repeat,
    as they change nothing. Per object, the keys read are counted in its list of keys and must
    match those present (half the cost of looking for any repeat)."""
    objects: dict[str, dict[str, int]] = {}
    for index, path in enumerate(paths, start=1):
        match = _PATH.fullmatch(path)
        assert match, path
        key = match["key"].removeprefix('"').removesuffix('"')
        objects.setdefault(match["parent"], {})[key] = index
    read = "[" + ", ".join("[" + sql_list(keys)[1:-1] + "]" for keys in objects.values()) + "]"
    present = ", ".join(
        " + ".join(f"(ty[{index}] is not null)::int" for index in keys.values()) for keys in objects.values()
    )
    listed = "[" + ", ".join(literal(p) for p in objects) + "]"
    return (
        f"list_transform(json_keys(doc, {listed}), "
        f"lambda k, i: coalesce(len(list_filter(k, lambda x: list_contains({read}[i], x))), 0)) = [{present}]"
    )


def json_fields(typed: NativeCsv, row: Callable[[int, str, Any], Parsed | Reject]) -> NativeJson:
    """A JSON Lines reading of CSV-style fields (keys named as the headers): a string or a
    whole number is the field's text, as :func:`~enablement_audit.sources.content.json_record`
    takes it; a line whose keys are spelled otherwise, repeated, or hold other types is left to
    Python."""
    fields = typed.reader.fields
    paths = tuple("$." + ident(spec.header) for spec in fields.values())
    texts = {name: f"tt[{i}]" for i, name in enumerate(fields, start=1)}
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
# Reading a batch of files: per chunk of files, DuckDB reads them and splits them into lines
# (one statement), then splits a CSV line into cells, types and checks every line (one
# statement) and stages the clean ones; only the rows SQL does not settle come back to Python.

CHUNK_BYTES = 128 * 1024 * 1024
"""File bytes read per statement, which bounds the memory a statement needs whatever the batch's
size: splitting a chunk into lines holds it about five times over (the bytes, the text, the
lines), within the warehouse's 1GB cap. A file larger than this goes to the Python reader,
which streams it (a scale-L Okta day is 90 MB; 192 MB chunks of them ran out of memory)."""

TYPE_ROWS = 2 * 122_880
"""Lines gathered, over chunks, before they are typed: DuckDB types a table's row groups of
122,880 rows in parallel, one a thread, and a chunk of JSON events (about 115,000 Okta lines)
fills only one (typing Okta at scale M on two cores: about 45 s on one thread)."""

_CSV_FIELD = r'"(?:[^"]|"")*"|[^,"]*'
CSV_LINE = f"(?:{_CSV_FIELD})(?:,(?:{_CSV_FIELD}))*"
"""A CSV line that is one whole record, each field quoted properly or holding no quote; the
split below reads it exactly as Python's ``csv`` module does. A line with a quote that is not
of this shape may open a record running over lines, so its file is left to Python."""
_CSV_LINE_RE = re.compile(CSV_LINE)
_ALL_QUOTED = r'"[^"]*"(?:,"[^"]*")*'
"""A line whose every field is quoted and holds no quote, as Salesforce exports write them: the
text between its first and last quote, split at ``","``, is its cells (three times cheaper than
the general split)."""
_CELLS = (
    "case when not contains(doc, '\"') then string_split(doc, ',') "
    f"when regexp_full_match(doc, {literal(_ALL_QUOTED)}) then string_split(doc[2:-2], '\",\"') "
    f"when regexp_full_match(doc, {literal(CSV_LINE)}) then list_transform("
    f"regexp_extract_all(doc || ',', {literal(f'({_CSV_FIELD}),')}, 1), "
    "lambda f: case when starts_with(f, '\"') then replace(f[2:-2], '\"\"', '\"') else f end) end"
)
_EDGE_SPACE = f'(^|,)"?{_SPACE}|{_SPACE}"?(,|$)'
"""Whitespace at the start or end of a cell, quoted or not: a CSV line without it has no cell
to trim (one pattern a line costs a third of trimming every cell)."""
_HEAD_BYTES = 1024 * 1024


def _lines_sql(kind: str) -> str:
    """CTEs ending in ``lines``: every line (number, text) of the chunk's ``kind`` files
    (``$paths``, files ``$seqs``).
    A file Python must read (not UTF-8, NUL bytes, a bare carriage return) gives one line
    marked ``bad_file``. ``unnest ... with ordinality`` would need many times the text's size
    in memory, hence ``generate_subscripts``."""
    crlf = "chr(13) || chr(10)"
    return (
        "decoded as (select f.file_seq, f.width, f.pos, try(decode(b.content)) as raw "
        "from read_blob($paths) as b join _ea_native_files as f on f.path = b.filename "
        f"where f.kind = {literal(kind)} and list_contains($seqs, f.file_seq)), "
        # (replace copies the text even when there is nothing to replace)
        f"file_texts as (select file_seq, width, pos, case when contains(raw, chr(13)) "
        f"then replace(raw, {crlf}, chr(10)) else raw end as text from decoded), "
        "checked as (select *, text is null or contains(text, chr(13)) or contains(text, chr(0)) "
        "as bad_file from file_texts), "
        "lines as (select file_seq, width, pos, bad_file, generate_subscripts(parts, 1) as line, "
        "unnest(parts) as doc from (select *, case when bad_file then [null] "
        "else string_split(text, chr(10)) end as parts from checked))"
    )


@dataclass
class NativeRead:
    """What the fast path did with a file: rows already in the stage, and the rows left to
    Python (parsed or rejected by the reader's per-row code), in line order."""

    staged: int = 0
    leftovers: list[Parsed | Reject] = field(default_factory=list)


def _head(source: SourceFile) -> bytes | None:
    """The start of a local file the fast path may read (no mapping, no byte-order mark)."""
    path = source.path.removeprefix("file://")
    if source.mapping is not None or "://" in path or any(c in path for c in "*?[{"):
        return None  # (read_blob would take the name for a glob pattern)
    try:
        with open(path, "rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError:
        return None  # the Python reader names the problem
    if not head.strip() or head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return None
    return head


class Batch:
    """The fast path for the files of one load of one source, inside its transaction.

    ``add`` takes a file, or returns False when the Python reader must read it whole. ``finish``
    returns, per file taken, what was staged and the rows left to Python, and the files handed
    back to the Python reader after all (not UTF-8, say, or a CSV record over several lines).
    """

    def __init__(self, duck: Any, spec: SourceSpec, stage: str, run_id: str, loaded_at: Any) -> None:
        self.duck, self.spec, self.stage = duck, spec, stage
        self.run_id, self.loaded_at = run_id, loaded_at
        self.csv, self.json = spec.native_csv, spec.native_json
        self.fields = list(self.csv.reader.fields) if self.csv is not None else []
        self.reads: dict[int, NativeRead] = {}
        self.layouts: dict[int, tuple[Mapping[str, int | None], int]] = {}
        self.handed_back: list[int] = []
        self.pending: list[tuple[Any, ...]] = []
        self.pending_bytes = 0
        self.untyped: dict[str, int] = {}  # lines read and not yet typed, per kind
        duck.execute(
            "create or replace temp table _ea_native_files "
            "(file_seq bigint, path varchar, day date, kind varchar, width bigint, pos bigint[])"
        )

    @staticmethod
    def applies(spec: SourceSpec) -> bool:
        return spec.native_csv is not None or spec.native_json is not None

    def add(self, seq: int, source: SourceFile) -> bool:
        head = _head(source)
        if head is None:
            return False
        if head.lstrip()[:1] == b"{":
            taken = self.json is not None and self._json_file(head)
            row = (seq, source.path, source.file_date, "json", None, None)
        else:
            layout = self._csv_layout(source, head) if self.csv is not None else None
            taken = layout is not None
            if layout is not None:
                positions, width = self.layouts[seq] = layout
                cells = [None if positions[f] is None else positions[f] + 1 for f in self.fields]  # type: ignore[operator]
                row = (seq, source.path, source.file_date, "csv", width, cells)
        size = Path(source.path.removeprefix("file://")).stat().st_size
        if not taken or size > CHUNK_BYTES:
            return False
        if self.pending_bytes + size > CHUNK_BYTES:
            self._flush()
        self.reads[seq] = NativeRead()
        self.pending.append(row)
        self.pending_bytes += size
        return True

    def _csv_layout(self, source: SourceFile, head: bytes) -> tuple[Mapping[str, int | None], int] | None:
        assert self.csv is not None
        if b"\n" not in head and len(head) == _HEAD_BYTES:
            return None
        try:
            header_line = head.split(b"\n", 1)[0].removesuffix(b"\r").decode("utf-8")
        except UnicodeDecodeError:
            return None
        if "\r" in header_line or ('"' in header_line and not _CSV_LINE_RE.fullmatch(header_line)):
            return None
        header = next(csv.reader([header_line]), [])
        if not any(h.strip() for h in header) or "\x00" in header_line:
            return None  # the Python reader says what is wrong
        try:
            positions = csv_positions(source.path, header, self.csv.reader.fields, ColumnMapping())
        except SourceFileError:
            return None
        return positions, len(header)

    @staticmethod
    def _json_file(head: bytes) -> bool:
        """False when line 1 is not a JSON value: the whole file may be one object over several
        lines, which the Python reader reads."""
        first = head.split(b"\n", 1)[0]
        if b"\n" not in head and len(head) == _HEAD_BYTES:
            return False
        try:
            text = first.decode("utf-8").strip()
        except UnicodeDecodeError:
            return True  # the statement hands the file back
        return not text or not isinstance(json_line(1, text), Reject)

    def finish(self) -> tuple[dict[int, NativeRead], list[int]]:
        """Type and stage what is left. Per file taken, what was staged and left to Python;
        and the files handed back to the Python reader."""
        self._flush()
        for kind in list(self.untyped):
            self._type(kind)
        for table in ("files", "lines_csv", "lines_json", "typed"):
            self.duck.execute(f"drop table if exists _ea_native_{table}")
        for seq in self.handed_back:
            self.reads.pop(seq, None)
        for read in self.reads.values():
            read.leftovers.sort(key=lambda item: item.line)
        return self.reads, self.handed_back

    def _flush(self) -> None:
        """Read the files added since the last flush into lines; type, check and stage the
        lines of a kind once there are :data:`TYPE_ROWS` of them."""
        pending, self.pending, self.pending_bytes = self.pending, [], 0
        if not pending:
            return
        self.duck.executemany("insert into _ea_native_files values (?, ?, ?, ?, ?, ?)", pending)
        for kind in ("csv", "json"):
            chunk = [row for row in pending if row[3] == kind]
            if not chunk:
                continue
            # Lines into a table first: read_blob runs on one thread, while the row groups
            # of a table are typed in parallel.
            table = f"_ea_native_lines_{kind}"
            into = f"create or replace temp table {table} as"
            if kind in self.untyped:
                into = f"insert into {table}"
            self.duck.execute(
                f"{into} with {_lines_sql(kind)} select * from lines",
                {"paths": [row[1] for row in chunk], "seqs": [row[0] for row in chunk]},
            )
            (self.untyped[kind],) = self.duck.execute(f"select count(*) from {table}").fetchone()
            if self.untyped[kind] >= TYPE_ROWS:
                self._type(kind)

    def _type(self, kind: str) -> None:
        """Type, check and stage the lines read of ``kind`` files; then forget those files."""
        table = f"_ea_native_lines_{kind}"
        unread = self.duck.execute(
            "select file_seq from _ea_native_files where kind = ? "
            f"and file_seq not in (select file_seq from {table})",
            [kind],
        ).fetchall()
        self.handed_back.extend(seq for (seq,) in unread)  # never lost: Python reads it
        self._stage(self._csv_query(table) if kind == "csv" else self._json_query(table))
        self.duck.execute(f"drop table {table}")
        self.duck.execute("delete from _ea_native_files where kind = ?", [kind])
        del self.untyped[kind]

    def _csv_query(self, table: str) -> str:
        assert self.csv is not None
        texts = ", ".join(
            f"case when edged then {trimmed(f'cells[pos[{i}]]')} else nullif(cells[pos[{i}]], '') end "
            f"as {ident(name)}"
            for i, name in enumerate(self.fields, start=1)
        )
        blank = f"len(cells) = 1 and {trimmed('cells[1]')} is null"
        return (
            f"with lines as (select * from {table}), "
            f"cells as (select *, {_CELLS} as cells, regexp_matches(doc, {literal(_EDGE_SPACE)}) as edged "
            "from lines where line > 1 or bad_file), "
            "texts as (select file_seq, line, doc, bad_file or cells is null as whole, "
            f"len(cells) = width as fits, {texts} from cells where whole or not ({blank})), "
            + typed_select(self.csv.reader.fields, self.csv.checks, self.csv.derived, "fits")
        )

    def _json_query(self, table: str) -> str:
        assert self.json is not None
        return _json_query(self.json, table)

    def _stage(self, query: str) -> None:
        duck = self.duck
        duck.execute(f"create or replace temp table _ea_native_typed as {query}")
        back = [
            seq
            for (seq,) in duck.execute(
                "select distinct file_seq from _ea_native_typed where whole"
            ).fetchall()
        ]
        self.handed_back.extend(back)
        for seq, count in duck.execute(
            "select file_seq, count(*) from _ea_native_typed "
            "where clean and not list_contains($back, file_seq) group by file_seq",
            {"back": back},
        ).fetchall():
            self.reads[seq].staged += count
        for seq, line, doc in duck.execute(
            "select file_seq, line, doc from _ea_native_typed "
            "where not clean and not list_contains($back, file_seq)",
            {"back": back},
        ).fetchall():
            self.reads[seq].leftovers.extend(self._leftover(seq, line, doc))
        columns = ", ".join(ident(c) for c in self.spec.column_names)
        duck.execute(
            f"insert into {ident(self.stage)} "
            f"({columns}, source_file, source_line, source_date, run_id, loaded_at, file_seq) "
            f"select {columns}, f.path, t.line, f.day, $run_id, $loaded_at, t.file_seq "
            "from _ea_native_typed as t join _ea_native_files as f using (file_seq) "
            "where t.clean and not list_contains($back, t.file_seq)",
            {"run_id": self.run_id, "loaded_at": self.loaded_at, "back": back},
        )

    def _leftover(self, seq: int, number: int, raw: str) -> list[Parsed | Reject]:
        """The rows of a line SQL did not settle, read by the Python reader's own per-row code
        (a JSON record may hold several rows, or none)."""
        if seq in self.layouts:
            assert self.csv is not None
            positions, width = self.layouts[seq]
            cells = next(csv.reader([raw]))
            if len(cells) != width:
                return [width_reject(number, raw, width, len(cells))]
            return [self.csv.reader.row(number, raw, csv_record(cells, positions, ColumnMapping()))]
        assert self.json is not None
        item = json_line(number, raw.strip())
        if isinstance(item, Reject):
            return [item]
        rows = self.json.row(*item)
        return [rows] if isinstance(rows, Parsed | Reject) else list(rows)


_UNSTORABLE_ESCAPE = r"\\u(0000|[dD][89a-fA-F])"
_NAN_OR_INF = r"[ \t\n\r]*[+-]?([nN][aA][nN]|[iI][nN][fF])"
_NOT_PYTHONS_JSON = (rf",([ \t\n\r]*[]}}]|{_NAN_OR_INF})", rf":{_NAN_OR_INF}", rf"\[{_NAN_OR_INF}")
"""What DuckDB's JSON functions accept and Python's ``json`` does not: a comma closing an object
or a list, and ``nan`` or ``inf`` in any spelling (Python takes ``NaN`` and ``Infinity`` only).
Such a line, or one with that text inside a string, or ``NaN``, is left to Python. (One pattern
per leading character: RE2 scans for a single literal first character quickly, for a set of
them about five times slower.)"""


def _digits_within_pythons_limit() -> str:
    """No integer longer than Python's ``json`` reads (4,300 digits unless
    ``PYTHONINTMAXSTRDIGITS`` says otherwise), which DuckDB reads as a double: a line that long
    with a run of that many digits (at most 1,000, RE2's limit) is left to Python."""
    limit = sys.get_int_max_str_digits()
    return (
        f"(strlen(doc) <= {limit} or not regexp_matches(doc, '[0-9]{{{min(limit + 1, 1000)}}}'))"
        if limit
        else "true"
    )


_TRIMMED_SCALARS = (
    f"list_transform(tx, lambda v, i: case when ty[i] not in ('OBJECT', 'ARRAY') then {trimmed('v')} end)"
)
"""``tt``: each path's text trimmed, for scalars only (an object's JSON text is long, and
finding its last character means reading all of it)."""


def _json_query(native: NativeJson, table: str) -> str:
    depth = f"strlen(doc) - strlen(replace(replace(doc, '{{', ''), '[', '')) <= {MAX_JSON_DEPTH}"
    shaped = (
        "starts_with(doc, '{') and ends_with(doc, '}') and json_valid(doc) "
        f"and not regexp_matches(doc, '{_UNSTORABLE_ESCAPE}') and {depth} "
        + "".join(f"and not regexp_matches(doc, '{pattern}') " for pattern in _NOT_PYTHONS_JSON)
        + f"and {_digits_within_pythons_limit()}"
    )
    paths = "[" + ", ".join(literal(p) for p in native.paths) + "]"
    # ($[0] finds nothing in an object, which every line read here is)
    text_paths = "[" + ", ".join(literal("$[0]" if p in native.types_only else p) for p in native.paths) + "]"
    lets = "".join(
        f", let{i} as (select *, case when shaped then {sql} end as {ident(name)} from "
        f"{f'let{i - 1}' if i else 'named'})"
        for i, (name, sql) in enumerate(native.lets.items())
    )
    named = f"let{len(native.lets) - 1}" if native.lets else "named"
    columns = ", ".join(
        f"case when shaped then {sql} end as {ident(name)}" for name, sql in native.columns.items()
    )
    clean = f"coalesce(case when shaped then {native.clean} end, false)"
    ctes = (
        f"with lines as (select * from {table}), "
        "docs as (select file_seq, line, doc, bad_file as whole, "
        f"not bad_file and {shaped} as shaped from lines "
        f"where bad_file or not regexp_full_match(doc, '{_SPACE}*')), "
        "parts as (select *, "
        f"case when shaped then json_type(doc, {paths}) end as ty, "
        f"case when shaped then json_extract_string(doc, {text_paths}) end as tx from docs), "
        f"named as (select *, {_TRIMMED_SCALARS} as tt from parts){lets}, "
        f"texts as (select file_seq, line, doc, whole, {clean} as json_clean, {columns} from {named})"
    )
    if native.typed is None:
        names = ", ".join(ident(n) for n in native.columns)
        return (
            ctes + f" select file_seq, line, {names}, json_clean as clean, whole, "
            "case when not json_clean then doc end as doc from texts"
        )
    typed = native.typed
    return ctes + ", " + typed_select(typed.reader.fields, typed.checks, typed.derived, also="json_clean")
