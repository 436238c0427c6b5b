"""What every reader shares: the source contract, file access, CSV and JSON streaming, value parsers.

A reader turns one file into a stream of :class:`Parsed` rows and :class:`Reject` rows. It never
holds a whole file in memory and never drops a row silently: a row that cannot be used is yielded
as a ``Reject`` naming the line, the field and the rule it broke. A problem with the whole file
(unreadable, no header, missing required columns) raises :class:`SourceFileError`.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import PurePosixPath
from typing import IO, TYPE_CHECKING, Any, Literal

import fsspec
import yaml

if TYPE_CHECKING:
    from enablement_audit.sources.native import NativeCsv, NativeJson

ColumnType = Literal["text", "int", "float", "bool", "date", "timestamp"]
DAY_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MIN_YEAR, MAX_YEAR = 1970, 2100
csv.field_size_limit(64 * 1024 * 1024)


class SourceFileError(Exception):
    """The whole file cannot be read; names the file and what to do."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


class FieldError(ValueError):
    """One field of one row is unusable; becomes a quarantine row."""

    def __init__(self, field_name: str, rule: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field_name = field_name
        self.rule = rule
        self.message = message


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType


@dataclass(frozen=True)
class Parsed:
    """A usable row: ``values`` has one entry per column of the source's raw table."""

    line: int
    values: dict[str, Any]


@dataclass(frozen=True)
class Reject:
    """A row that goes to quarantine. ``line`` is the 1-based line (or element number in a
    JSON array); ``rule`` a short code; ``reason`` names the field and what was wrong."""

    line: int
    raw: str
    rule: str
    reason: str


@dataclass(frozen=True)
class ColumnMapping:
    """Maps a vendor export onto a source's own field names, loaded from a YAML file:

    ``columns`` maps our field name to the vendor's column header; ``values`` maps, per our
    field name, vendor values to ours (matched ignoring case); ``constants`` fills fields the
    export lacks.
    """

    columns: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    constants: Mapping[str, str] = field(default_factory=dict)
    name: str = ""

    def translate(self, field_name: str, value: str) -> str:
        """The value in our vocabulary; vendor values match ignoring case."""
        table = self.values.get(field_name)
        if not table:
            return value
        return table.get(value.casefold(), value)

    @classmethod
    def from_yaml(cls, path: str) -> ColumnMapping:
        try:
            with fsspec.open(path, "r", encoding="utf-8") as handle:
                doc = yaml.safe_load(handle) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise SourceFileError(path, f"cannot read the column-mapping file: {exc}") from exc
        if not isinstance(doc, dict) or not isinstance(doc.get("columns", {}), dict):
            raise SourceFileError(path, "a mapping file needs a 'columns:' section of field: header")
        return cls(
            columns={str(k): str(v) for k, v in (doc.get("columns") or {}).items()},
            values={
                str(k): {str(a).casefold(): str(b) for a, b in (v or {}).items()}
                for k, v in (doc.get("values") or {}).items()
            },
            constants={str(k): str(v) for k, v in (doc.get("constants") or {}).items()},
            name=str(doc.get("name", path)),
        )


@dataclass(frozen=True)
class SourceFile:
    """One file to read: where it is, the landing day it belongs to, and an optional mapping."""

    path: str
    file_date: date | None = None
    mapping: ColumnMapping | None = None

    @classmethod
    def at(cls, path: str, mapping: ColumnMapping | None = None) -> SourceFile:
        """A file whose parent folder, when named ``YYYY-MM-DD``, gives its landing day."""
        parent = PurePosixPath(path.replace("\\", "/")).parent.name
        day = date.fromisoformat(parent) if DAY_FOLDER.match(parent) else None
        return cls(path=path, file_date=day, mapping=mapping)

    def open_binary(self) -> IO[bytes]:
        try:
            return fsspec.open(self.path, "rb").open()
        except (OSError, ValueError) as exc:
            raise SourceFileError(self.path, f"cannot open the file: {exc}") from exc

    def text_lines(self) -> Iterator[str]:
        """The file's lines as text, decoded as UTF-8 (a BOM is dropped); a file that is not
        UTF-8 is read as Windows-1252 (the usual spreadsheet export), line by line. A file that
        starts with a UTF-16 byte-order mark (a "Unicode" spreadsheet export) is read as UTF-16."""
        with self.open_binary() as handle:
            if handle.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
                handle.seek(0)
                yield from io.TextIOWrapper(handle, encoding="utf-16", errors="replace", newline="")
                return
            handle.seek(0)
            yield from decode_lines(handle)


def decode_lines(handle: IO[bytes]) -> Iterator[str]:
    """Lines of UTF-8 text (Windows-1252 for a line that is not UTF-8). A bare carriage return
    ends a line too, as in files saved by old Mac spreadsheets."""
    first = True
    for raw_line in handle:
        if first:
            raw_line = raw_line.removeprefix(codecs.BOM_UTF8)
            first = False
        ending = 2 if raw_line.endswith(b"\r\n") else 1 if raw_line.endswith((b"\n", b"\r")) else 0
        bare_cr = raw_line.find(b"\r", 0, len(raw_line) - ending) != -1
        pieces = raw_line.splitlines(keepends=True) if bare_cr else (raw_line,)
        for piece in pieces:
            try:
                yield piece.decode("utf-8")
            except UnicodeDecodeError:
                yield piece.decode("cp1252", errors="replace")


Reader = Callable[[SourceFile], Iterator[Parsed | Reject]]


@dataclass(frozen=True)
class SourceSpec:
    """One source: its CLI name, its raw table, its columns, how rows are deduplicated.

    ``key`` is the dedup key. ``version`` names the column whose larger value wins when the
    same key arrives again (``SystemModstamp`` for opportunities). ``snapshot`` sources are
    exports of current state: the newer landing day wins. Other sources are immutable events:
    the same key with the same content is a duplicate, with different content a conflict that
    goes to quarantine. ``post_load_sql`` runs after each file's merge, with ``{table}`` replaced
    by the qualified raw table (xAPI voiding uses it). ``native_csv`` and ``native_json`` put
    the source on the loader's fast path (:mod:`enablement_audit.sources.native`).
    """

    name: str
    table: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    reader: Reader
    description: str
    version: str | None = None
    snapshot: bool = False
    post_load_sql: str | None = None
    native_csv: NativeCsv | None = None
    native_json: NativeJson | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


# ---------------------------------------------------------------------------------------------
# Value parsers: each takes the raw text (already stripped, never empty) and returns a typed
# value or raises ValueError with a message fit for a person.


def normalize_header(name: str) -> str:
    """``ManagerId``, ``manager_id`` and ``Manager Id`` all become ``managerid``."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def shown(value: Any, width: int = 100) -> str:
    """A value as a reason quotes it, cut short so that a huge field cannot flood quarantine."""
    text = repr(value)
    return text if len(text) <= width else f"{text[: width - 3]}... ({len(str(value))} characters)"


_OFFSET_NO_COLON = re.compile(r"([+-]\d{2})(\d{2})$")


def parse_timestamp(value: str) -> datetime:
    """ISO 8601 with ``Z``, an offset (``+0000`` or ``+00:00``) or none (taken as UTC), with or
    without fractional seconds; returned as a naive UTC datetime."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    text = _OFFSET_NO_COLON.sub(r"\1:\2", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{shown(value)} is not an ISO 8601 timestamp") from None
    if parsed.tzinfo is not None:
        try:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:  # year 1 or 9999 moved past the calendar's ends by its offset
            raise ValueError(f"{shown(value)} is outside {MIN_YEAR}-{MAX_YEAR}") from None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise ValueError(f"{shown(value)} is outside {MIN_YEAR}-{MAX_YEAR}")
    return parsed


def parse_date(value: str) -> date:
    """``YYYY-MM-DD``, or a timestamp whose date part is taken (replication tools land dates
    as ``2018-12-19 00:00:00``)."""
    text = value.strip()
    try:
        parsed = date.fromisoformat(text) if len(text) == 10 else parse_timestamp(text).date()
    except ValueError:
        raise ValueError(f"{shown(value)} is not a YYYY-MM-DD date") from None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise ValueError(f"{shown(value)} is outside {MIN_YEAR}-{MAX_YEAR}")
    return parsed


def parse_float(value: str) -> float:
    try:
        number = float(value.replace(",", "")) if value.count(".") <= 1 else float("x")
    except ValueError:
        raise ValueError(f"{shown(value)} is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"{shown(value)} is not a finite number")
    return number


def parse_int(value: str) -> int:
    """A whole number that fits the warehouse's BIGINT (64 bits); ``1.0`` and ``1e3`` are whole."""
    try:
        number = int(value)
    except ValueError:
        as_float = parse_float(value)
        if not as_float.is_integer():
            raise ValueError(f"{shown(value)} is not a whole number") from None
        number = int(as_float)
    if not -(2**63) <= number < 2**63:
        raise ValueError(f"{shown(value)} is outside the 64-bit whole-number range")
    return number


_TRUE = {"true", "t", "1", "yes", "y"}
_FALSE = {"false", "f", "0", "no", "n"}


def parse_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"{shown(value)} is not true or false")


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_EMAIL_LENGTH = 254  # RFC 5321's limit on a forward path, less its angle brackets


def parse_email(value: str) -> str:
    """Trimmed and lower-cased, as identity matching needs."""
    email = value.strip().lower().removeprefix("mailto:").strip()
    if len(email) > MAX_EMAIL_LENGTH:
        raise ValueError(f"{shown(value)} is longer than an e-mail address can be ({MAX_EMAIL_LENGTH})")
    if not _EMAIL.match(email):
        raise ValueError(f"{shown(value)} is not an e-mail address")
    return email


def parse_text(value: str) -> str:
    return value


def mbox_sha1sum(email: str) -> str:
    """The xAPI ``mbox_sha1sum`` of an address: SHA-1 of its ``mailto:`` IRI, lower-case hex."""
    return hashlib.sha1(f"mailto:{email}".encode()).hexdigest()


PARSER_TYPES: dict[Callable[[str], Any], ColumnType] = {
    parse_text: "text",
    parse_email: "text",
    parse_timestamp: "timestamp",
    parse_date: "date",
    parse_float: "float",
    parse_int: "int",
    parse_bool: "bool",
}


# ---------------------------------------------------------------------------------------------
# CSV


@dataclass(frozen=True)
class CsvField:
    """One column of a CSV source: the header it comes from (any spelling that normalises to
    the same letters, so ``ManagerId`` and ``manager_id`` both match), how to parse it, and
    whether it must be present (header) and filled (value). ``choices`` limits accepted values."""

    header: str
    parse: Callable[[str], Any] = parse_text
    required: bool = False
    choices: frozenset[str] | None = None
    header_required: bool | None = None
    aliases: tuple[str, ...] = ()

    @property
    def column_type(self) -> ColumnType:
        return PARSER_TYPES[self.parse]


def csv_columns(fields: Mapping[str, CsvField]) -> tuple[Column, ...]:
    return tuple(Column(name, spec.column_type) for name, spec in fields.items())


class _LineRecorder:
    """Feeds lines to ``csv.reader`` and remembers the raw text of the current record."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)
        self.buffer: list[str] = []

    def __iter__(self) -> _LineRecorder:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.buffer.append(line)
        return line

    def take(self) -> str:
        text = "".join(self.buffer).rstrip("\r\n")
        self.buffer.clear()
        return text


def csv_positions(
    path: str, header: Sequence[str], fields: Mapping[str, CsvField], mapping: ColumnMapping
) -> dict[str, int | None]:
    """Where each field is in a header row (matched ignoring case, spaces and underscores, a
    mapping's vendor names first); :class:`SourceFileError` when a required column is missing."""
    header_index = {normalize_header(h): i for i, h in enumerate(header)}
    positions: dict[str, int | None] = {}
    missing: list[str] = []
    for name, spec in fields.items():
        wanted = [mapping.columns[name]] if name in mapping.columns else [spec.header]
        wanted += list(spec.aliases)
        found = next((header_index[k] for k in map(normalize_header, wanted) if k in header_index), None)
        positions[name] = found
        must_have = spec.required if spec.header_required is None else spec.header_required
        if found is None and must_have and name not in mapping.constants:
            missing.append(wanted[0])
    if missing:
        found = ", ".join(header)
        found = found if len(found) <= 300 else found[:297] + "..."
        raise SourceFileError(
            path,
            f"line 1: missing required column(s) {', '.join(missing)}; found {found}"
            " (a vendor export needs a column-mapping file)",
        )
    return positions


def iter_csv(
    source: SourceFile, fields: Mapping[str, CsvField]
) -> Iterator[tuple[int, str, dict[str, str | None]] | Reject]:
    """Stream a CSV file as ``(line, raw_text, {field: text or None})``, matched to ``fields``.

    A mapping file (``source.mapping``) renames vendor headers, translates values and fills
    constants. Rows with the wrong number of cells are yielded as rejects.
    """
    mapping = source.mapping or ColumnMapping()
    recorder = _LineRecorder(source.text_lines())
    reader = csv.reader(recorder)
    try:
        header = next(reader)
    except StopIteration:
        raise SourceFileError(source.path, "the file is empty: expected a header row") from None
    except csv.Error as exc:
        raise SourceFileError(source.path, f"line 1: the header is not valid CSV: {exc}") from exc
    if "\x00" in recorder.take():
        raise SourceFileError(
            source.path,
            "line 1: the header holds NUL characters: this is a binary file (or UTF-16 without a "
            "byte-order mark), not CSV text; export it again as UTF-8 CSV",
        )
    if not any(h.strip() for h in header):
        raise SourceFileError(source.path, "line 1: the header row is blank: expected column names")
    positions = csv_positions(source.path, header, fields, mapping)
    width = len(header)
    line = 1
    while True:
        start = line + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raw = recorder.take().replace("\x00", "\\x00")
            line = reader.line_num
            yield Reject(start, raw, "malformed_row", f"not valid CSV: {exc}")
            continue
        raw = recorder.take()
        line = reader.line_num
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue  # blank line
        if "\x00" in raw:
            # No text column can store NUL (PostgreSQL refuses it): the row is damaged.
            yield Reject(
                start,
                raw.replace("\x00", "\\x00"),
                "bad_character",
                "row: holds a NUL character (shown as \\x00), which no text column can store",
            )
            continue
        if len(cells) != width:
            yield width_reject(start, raw, width, len(cells), line)
            continue
        yield start, raw, csv_record(cells, positions, mapping)


def width_reject(start: int, raw: str, width: int, found: int, end: int | None = None) -> Reject:
    """A row of ``found`` cells in a file whose header has ``width`` (lines ``start``-``end``)."""
    reason = f"expected {width} cells as in the header, found {found}"
    if end is not None and end > start:
        reason += f"; the row runs over lines {start}-{end}, so a quote may be left open"
    return Reject(start, raw, "malformed_row", reason)


def csv_record(
    cells: Sequence[str], positions: Mapping[str, int | None], mapping: ColumnMapping
) -> dict[str, str | None]:
    """One row's ``{field: text or None}``: cells trimmed, vendor values translated, constants filled."""
    record: dict[str, str | None] = {}
    for name, pos in positions.items():
        text = cells[pos].strip() if pos is not None else mapping.constants.get(name, "")
        if text:
            text = mapping.translate(name, text)
        record[name] = text or None
    return record


def parse_record(record: Mapping[str, str | None], fields: Mapping[str, CsvField]) -> dict[str, Any]:
    """Typed values for one CSV record, or :class:`FieldError` for the first bad field."""
    values: dict[str, Any] = {}
    for name, spec in fields.items():
        text = record.get(name)
        if text is None:
            if spec.required:
                raise FieldError(spec.header, "missing_value", "is required but empty")
            values[name] = None
            continue
        if spec.choices is not None and text.lower() not in spec.choices:
            allowed = ", ".join(sorted(spec.choices))
            raise FieldError(spec.header, "unknown_value", f"{shown(text)} is not one of {allowed}")
        try:
            values[name] = spec.parse(text.lower() if spec.choices is not None else text)
        except ValueError as exc:
            rule = "bad_" + spec.parse.__name__.removeprefix("parse_")
            raise FieldError(spec.header, rule, str(exc)) from None
    return values


@dataclass(frozen=True)
class CsvReader:
    """The reader of a plain CSV source: parse each field, then ``check`` the row (raise
    :class:`FieldError` for a rule across fields), then ``derive`` extra columns. ``row`` is
    that step for one record."""

    fields: Mapping[str, CsvField]
    check: Callable[[dict[str, Any]], None] | None = None
    derive: Callable[[dict[str, Any]], dict[str, Any]] | None = None

    def __call__(self, source: SourceFile) -> Iterator[Parsed | Reject]:
        for item in iter_csv(source, self.fields):
            yield item if isinstance(item, Reject) else self.row(*item)

    def row(self, line: int, raw: str, record: Mapping[str, str | None]) -> Parsed | Reject:
        try:
            values = parse_record(record, self.fields)
            if self.check is not None:
                self.check(values)
            if self.derive is not None:
                values.update(self.derive(values))
        except FieldError as exc:
            return Reject(line, raw, exc.rule, f"{exc.field_name}: {exc.message}")
        return Parsed(line, values)


csv_reader = CsvReader


# ---------------------------------------------------------------------------------------------
# JSON: a JSON array, JSON Lines, or a single object, streamed.


def iter_json_records(source: SourceFile) -> Iterator[tuple[int, str, Any] | Reject]:
    """Stream JSON records as ``(line or element number, raw_text, value)``.

    A file whose first character is ``[`` is a JSON array (element numbers, 1-based); otherwise
    JSON Lines (line numbers; a file holding one pretty-printed object is read as that object).
    A truncated array yields what came before and a reject for the rest. A record nested more
    than ``MAX_JSON_DEPTH`` levels deep, or holding text no column can store (NUL, a lone
    UTF-16 surrogate), is a reject of its own.
    """
    with source.open_binary() as handle:
        first = _first_byte(handle)
        handle.seek(0)
        if not first:
            raise SourceFileError(source.path, "the file is empty: expected JSON")
        if first == b"[":
            yield from _iter_json_array(source, handle)
            return
        if first != b"{":
            raise SourceFileError(
                source.path, f"expected a JSON array or JSON Lines, found {first.decode(errors='replace')!r}"
            )
        records = _iter_json_lines(handle)
        first_record = next(records, None)
        # JSON Lines failed on the first line but a single object may span lines.
        if isinstance(first_record, Reject) and first_record.line == 1 and first_record.rule == "bad_json":
            whole = _single_object(source)
            if whole is not None:
                yield whole
                return
        if first_record is not None:
            yield first_record
        yield from records


MAX_JSON_DEPTH = 100
"""Deepest nesting read (an xAPI statement with extensions is about 10 levels deep)."""
MAX_SINGLE_OBJECT_CHARS = 64 * 1024 * 1024
_UNSTORABLE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _first_byte(handle: IO[bytes], chunk_size: int = 4096) -> bytes:
    """The first byte that is not blank (after a UTF-8 BOM), reading only as far as it."""
    first_chunk = True
    while chunk := handle.read(chunk_size):
        if first_chunk:
            chunk = chunk.removeprefix(codecs.BOM_UTF8)
            first_chunk = False
        stripped = chunk.lstrip()
        if stripped:
            return stripped[:1]
    return b""


def _single_object(source: SourceFile) -> tuple[int, str, Any] | Reject | None:
    """The whole file as one JSON value, if it is one (and not too large to hold)."""
    parts: list[str] = []
    size = 0
    with source.open_binary() as handle:
        for line in decode_lines(handle):
            size += len(line)
            if size > MAX_SINGLE_OBJECT_CHARS:
                return None
            parts.append(line)
    text = "".join(parts)
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    problem = _json_problem(text, value)
    if problem is not None:
        return Reject(1, _storable(text), problem[0], f"line {problem[1]}")
    return 1, text, value


def _json_problem(text: str, value: Any) -> tuple[str, str] | None:
    """``(rule, reason)`` when a parsed value cannot be loaded, else None. ``text`` is its JSON
    text: it tells cheaply whether the value can be too deep or hold unstorable characters."""
    deep = text.count("[") + text.count("{") > MAX_JSON_DEPTH
    if not deep and not _UNSTORABLE_ESCAPE.search(text):
        return None
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            found = _UNSTORABLE.search(item)
            if found:
                return (
                    "bad_character",
                    f"holds the character \\u{ord(found.group()):04x} (NUL or a lone UTF-16 "
                    "surrogate), which no text column can store",
                )
            continue
        if isinstance(item, dict):
            children: Iterable[Any] = [*item.keys(), *item.values()]
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth >= MAX_JSON_DEPTH:
            return "bad_json", f"is nested more than {MAX_JSON_DEPTH} levels deep"
        stack.extend((child, depth + 1) for child in children)
    return None


def _iter_json_lines(handle: IO[bytes]) -> Iterator[tuple[int, str, Any] | Reject]:
    for number, line in enumerate(decode_lines(handle), start=1):
        text = line.strip()
        if text:
            yield json_line(number, text)


def json_line(number: int, text: str) -> tuple[int, str, Any] | Reject:
    """One non-blank line of JSON Lines (already stripped) as ``(line, text, value)`` or a reject."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return Reject(
            number, _storable(text), "bad_json", f"line is not valid JSON: {exc.msg} (column {exc.colno})"
        )
    except RecursionError:
        return Reject(
            number, _storable(text), "bad_json", f"line is nested more than {MAX_JSON_DEPTH} levels deep"
        )
    except ValueError as exc:  # e.g. an integer longer than Python converts (4300 digits)
        detail = str(exc).split(":")[0]
        return Reject(number, _storable(text), "bad_json", f"line cannot be read as JSON: {detail}")
    problem = _json_problem(text, value)
    if problem is not None:
        return Reject(number, _storable(text), problem[0], f"line {problem[1]}")
    return number, text, value


def _storable(text: str) -> str:
    return _UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


# A \uD800-\uDBFF escape not followed by a \uDC00-\uDFFF one, or the reverse.
_LONE_SURROGATE_ESCAPE = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


class _Utf8Bytes:
    """A binary file as UTF-8 for ijson: bytes that are not UTF-8 are read as Windows-1252,
    as :func:`decode_lines` does for line-based files, and a BOM is dropped. Notes whether a
    lone surrogate escape went by (yajl would turn it into "?")."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors=_CP1252_FALLBACK)
        self.first = True
        self.tail = ""
        self.lone_surrogate = False

    def read(self, size: int = 65536) -> bytes:
        if size == 0:
            return b""  # ijson probes the type of the stream with read(0)
        while True:
            chunk = self.handle.read(size if size > 4 else 65536)
            text = self.decoder.decode(chunk, final=not chunk)
            if text or not chunk:  # else only part of a multi-byte character so far
                break
        if self.first and text:
            text = text.removeprefix("\ufeff")
            self.first = False
        if "\\u" in self.tail + text and _LONE_SURROGATE_ESCAPE.search(self.tail + text):
            self.lone_surrogate = True
        self.tail = text[-11:]
        return text.encode("utf-8")


_CP1252_FALLBACK = "enablement_audit.cp1252_fallback"


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return bad.decode("cp1252", errors="replace"), error.end


codecs.register_error(_CP1252_FALLBACK, _cp1252_fallback)


def _iter_json_array(source: SourceFile, handle: IO[bytes]) -> Iterator[tuple[int, str, Any] | Reject]:
    import ijson  # local: only array files need it

    done = 0  # elements read to their end and yielded
    backend: Any = ijson  # yajl2_c: fast, but stops at numbers beyond 64 bits and bad escapes
    while True:
        # Several arrays one after another (pages saved into one file) are read as one.
        stream = _Utf8Bytes(handle)
        events = backend.basic_parse(stream, use_float=True, multiple_values=True)
        already = done
        try:
            for number, item in enumerate(_array_elements(events), start=1):
                if backend is ijson and stream.lone_surrogate:
                    raise _BeyondYajl("a lone surrogate escape")
                if number > already:  # a second pass skips what the first one yielded
                    done = number
                    yield _array_record(number, item)
            return
        except (ijson.JSONError, ValueError) as exc:  # a UnicodeDecodeError is a ValueError
            if backend is ijson and (
                isinstance(exc, UnicodeDecodeError | _BeyondYajl) or "overflow" in str(exc)
            ):
                backend = ijson.get_backend("python")  # slower; reads any number and escape
                handle.seek(0)
                continue
            detail = " ".join(str(exc).split())[:200]
            yield Reject(
                done + 1,
                "",
                "bad_json",
                f"element {done + 1}: the JSON array is broken after element {done} ({detail}); "
                "the rest of the file was not read",
            )
            return


class _BeyondYajl(ValueError):
    """The file holds what yajl cannot read faithfully: read it again with Python."""


def _array_elements(events: Iterator[tuple[str, Any]]) -> Iterator[Any]:
    """The elements of the array (or arrays) that ``events`` describe, and any value between
    two arrays."""
    in_array = False
    for event, value in events:
        if event == ("end_array" if in_array else "start_array"):
            in_array = not in_array
            continue
        if event == "start_map" or event == "start_array":
            yield _build_element(event, events)
        else:
            yield value


def _array_record(number: int, item: Any) -> tuple[int, str, Any] | Reject:
    if item is _TOO_DEEP:
        return Reject(
            number, "", "bad_json", f"element {number}: is nested more than {MAX_JSON_DEPTH} levels deep"
        )
    raw = json.dumps(item, default=str)
    problem = _json_problem(raw, item)
    if problem is not None:
        return Reject(number, raw, problem[0], f"element {number}: {problem[1]}")
    return number, raw, item


def _build_element(first_event: str, events: Iterator[tuple[str, Any]]) -> Any:
    """One array element from ijson events, or ``_TOO_DEEP`` (its events are then consumed
    without building anything: ijson's own ``items`` needs memory quadratic in the depth)."""
    root: Any = {} if first_event == "start_map" else []
    containers = [root]
    key = None
    for event, value in events:
        if event == "map_key":
            key = value
            continue
        if event == "end_map" or event == "end_array":
            containers.pop()
            if not containers:
                return root
            continue
        if event == "start_map" or event == "start_array":
            if len(containers) >= MAX_JSON_DEPTH:
                _skip(events, open_containers=len(containers) + 1)
                return _TOO_DEEP
            value = {} if event == "start_map" else []
        top = containers[-1]
        if isinstance(top, list):
            top.append(value)
        else:
            top[key] = value
        if event == "start_map" or event == "start_array":
            containers.append(value)
    raise ValueError("the file ends inside an element")


def _skip(events: Iterator[tuple[str, Any]], open_containers: int) -> None:
    """Consume events until the containers open so far are all closed."""
    for event, _ in events:
        if event == "start_map" or event == "start_array":
            open_containers += 1
        elif event == "end_map" or event == "end_array":
            open_containers -= 1
            if open_containers == 0:
                return
    raise ValueError("the file ends inside an element")


_TOO_DEEP = object()
