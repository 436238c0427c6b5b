"""Property tests: whatever a file holds, the xAPI, Okta and CSV readers never crash and never
lose a row. Each input record comes out as exactly one ``Parsed`` or ``Reject`` carrying its own
line (or array element) number, and everything they yield can be stored: a parsed row has one
value per column, and no text (value, raw text or reason) holds NUL or a lone surrogate.

Files are written to fsspec's in-memory filesystem, which the readers open like any other URL.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Iterable
from typing import Any

import fsspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enablement_audit.sources import SOURCES, content, hr, identity_map, licences, salesforce, training
from enablement_audit.sources.base import CsvField, Parsed, Reject, SourceFile

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MEMORY = fsspec.filesystem("memory")
INT64 = 2**63 - 1  # yajl reads -(2**63 - 1) to 2**63 - 1; beyond, Python re-reads the file

# Any code point, lone surrogates and NUL included, for text inside JSON (escaped on the way out).
ANY_CHARACTER = st.characters(exclude_categories=())
# Text a UTF-8 file can hold on one line.
LINE_CHARACTER = st.characters(exclude_categories=("Cs",), exclude_characters="\r\n")
# Text a UTF-8 CSV cell can hold, line breaks included (the writer quotes them).
CELL_CHARACTER = st.characters(exclude_categories=("Cs",))


def json_values(integers: st.SearchStrategy[int], floats: st.SearchStrategy[float]) -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | integers | floats | st.text(ANY_CHARACTER, max_size=12)
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(ANY_CHARACTER, max_size=8), children, max_size=5)
        ),
        max_leaves=24,
    )


# JSON Lines go through Python's json: any integer, NaN and infinities included.
LINE_VALUES = json_values(st.integers(), st.floats())
# A JSON array goes through yajl, which stops at numbers beyond 64 bits and at NaN (the file is
# then reported broken after the last good element, a documented limit).
ARRAY_VALUES = json_values(st.integers(-INT64 - 1, INT64), st.floats(allow_nan=False, allow_infinity=False))


def _statement(n: int) -> dict[str, Any]:
    return {
        "id": str(uuid.UUID(int=n)),
        "actor": {"mbox": f"mailto:rep{n}@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
        "object": {"id": f"https://lms.example.com/courses/{n}"},
        "timestamp": "2026-03-02T10:00:00Z",
    }


def _event(n: int) -> dict[str, Any]:
    return {
        "uuid": str(uuid.UUID(int=n)),
        "published": "2026-03-02T10:00:00.000Z",
        "eventType": "user.authentication.sso",
        "outcome": {"result": "SUCCESS"},
        "actor": {"alternateId": f"rep{n}@example.com"},
        "target": [{"id": "0oa1", "type": "AppInstance", "displayName": "Gong"}],
    }


def plausible(make: Any, values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A valid record with some fields replaced by arbitrary ``values``, so that both rows and
    rejects are exercised."""
    return st.builds(
        lambda n, changes: {**make(n), **changes},
        st.integers(1, 10**6),
        st.dictionaries(st.sampled_from(sorted(make(0))), values, max_size=2),
    )


def write(data: bytes, suffix: str) -> str:
    path = f"memory://properties/{uuid.uuid4().hex}{suffix}"
    with MEMORY.open(path, "wb") as handle:
        handle.write(data)
    return path


def read(source: str, path: str) -> list[Parsed | Reject]:
    try:
        return list(SOURCES[source].reader(SourceFile(path)))
    finally:
        MEMORY.rm(path)


def storable(text: str) -> bool:
    return "\x00" not in text and not re.search("[\ud800-\udfff]", text)


def check(source: str, records: list[Parsed | Reject], lines: list[int]) -> None:
    """One output per input record, in order, each with its own line, all of it storable."""
    assert [r.line for r in records] == lines
    columns = set(SOURCES[source].column_names)
    for record in records:
        if isinstance(record, Parsed):
            assert set(record.values) == columns
            texts: Iterable[Any] = record.values.values()
        else:
            assert re.fullmatch(r"[a-z][a-z0-9_]*", record.rule), record
            assert record.reason, record
            texts = (record.raw, record.reason)
        assert all(storable(t) for t in texts if isinstance(t, str)), record


def is_statement_result(value: Any) -> bool:
    """A saved ``GET /statements`` answer: the xAPI reader yields each of its statements."""
    return (
        isinstance(value, dict)
        and isinstance(value.get("statements"), list)
        and not {"actor", "verb", "object"} & value.keys()
    )


def outputs(source: str, value: Any) -> int:
    if source == "xapi" and is_statement_result(value):
        return len(value["statements"])
    return 1


def json_line_file(first: dict[str, Any], rest: list[Any | str], blank_every: int) -> tuple[bytes, list]:
    """JSON Lines: ``first`` (an object, so the file is read as JSON Lines), then each item as
    a JSON value or, for a ``str`` marked raw, as the text itself; a blank line every so often."""
    lines, values = [json.dumps(first)], [first]
    for index, item in enumerate(rest, start=1):
        if index % blank_every == 0:
            lines.append("")
            values.append(None)
        if isinstance(item, tuple):  # ("raw", text)
            lines.append(item[1])
            try:
                values.append(json.loads(item[1]) if item[1].strip() else None)
            except ValueError:
                values.append("not json")
        else:
            lines.append(json.dumps(item))
            values.append(item)
    return "\n".join(lines).encode("utf-8") + b"\n", list(zip(lines, values, strict=True))


def expected_lines(source: str, numbered: list[tuple[str, Any]]) -> list[int]:
    lines: list[int] = []
    for number, (text, value) in enumerate(numbered, start=1):
        if not text.strip():
            continue  # a blank line is not a record
        lines.extend([number] * outputs(source, value))
    return lines


RAW_LINES = st.text(LINE_CHARACTER, max_size=40).map(lambda text: ("raw", text))


@PROPERTY_SETTINGS
@given(
    source=st.sampled_from(["xapi", "okta"]),
    first=st.dictionaries(st.text(ANY_CHARACTER, max_size=8), LINE_VALUES, max_size=5)
    | plausible(_statement, LINE_VALUES)
    | plausible(_event, LINE_VALUES),
    rest=st.lists(
        LINE_VALUES | plausible(_statement, LINE_VALUES) | plausible(_event, LINE_VALUES) | RAW_LINES,
        max_size=12,
    ),
    blank_every=st.integers(2, 8),
)
def test_json_lines_never_crash_and_never_lose_a_line(source, first, rest, blank_every):
    data, numbered = json_line_file(first, rest, blank_every)

    records = read(source, write(data, ".jsonl"))

    check(source, records, expected_lines(source, numbered))


@PROPERTY_SETTINGS
@given(
    source=st.sampled_from(["xapi", "okta"]),
    elements=st.lists(
        ARRAY_VALUES | plausible(_statement, ARRAY_VALUES) | plausible(_event, ARRAY_VALUES), max_size=12
    ),
    indent=st.sampled_from([None, 1, 4]),
    bom=st.booleans(),
)
def test_json_arrays_never_crash_and_never_lose_an_element(source, elements, indent, bom):
    data = json.dumps(elements, indent=indent).encode("utf-8")
    data = b"\xef\xbb\xbf" + data if bom else data

    records = read(source, write(data, ".json"))

    lines = [number for number, value in enumerate(elements, start=1) for _ in range(outputs(source, value))]
    check(source, records, lines)


CSV_FIELDS: dict[str, dict[str, CsvField]] = {
    "users": salesforce.USER_FIELDS,
    "opportunities": salesforce.OPPORTUNITY_FIELDS,
    "quotas": salesforce.QUOTA_FIELDS,
    "sf_login_history": salesforce.LOGIN_FIELDS,
    "content_catalog": content.CATALOG_FIELDS,
    "content_activity": content.ACTIVITY_FIELDS,
    "courses": training.COURSE_FIELDS,
    "licences": licences.LICENCE_FIELDS,
    "licence_assignments": licences.ASSIGNMENT_FIELDS,
    "hr": hr.HR_FIELDS,
    "identity_map": identity_map.IDENTITY_FIELDS,
}
# A valid cell per parser (and for the few text columns with a rule of their own): rows start
# valid and get some cells replaced, so that rows load as well as fail.
VALID_BY_PARSER = {
    "parse_text": "X-1",
    "parse_email": "Rep1@Example.com",
    "parse_timestamp": "2026-03-01T10:00:00+05:45",
    "parse_date": "2026-03-01",
    "parse_float": "1,234.50",
    "parse_int": "30",
    "parse_bool": "true",
}
VALID_TEXT = {"course_id": "https://lms.example.com/courses/1", "currency": "usd"}
ODD_CELLS = st.sampled_from(
    ["", " ", "2026-02-30", "03/04/2026", "maybe", "-5", "12.5", "1e400", '"quoted"', "a,b", "two\nlines"]
)
CELLS = ODD_CELLS | st.text(CELL_CHARACTER, max_size=20)


def valid_row(fields: dict[str, CsvField]) -> list[str]:
    row = []
    for name, spec in fields.items():
        if spec.choices:
            row.append(sorted(spec.choices)[0].upper())
        else:
            row.append(VALID_TEXT.get(name) or VALID_BY_PARSER[spec.parse.__name__])
    return row


def rows_for(fields: dict[str, CsvField]) -> st.SearchStrategy[list[str]]:
    """A valid row with up to three cells replaced, sometimes a cell short or one too many."""
    width = len(fields)

    def build(changes: dict[int, str], width_change: int, extra: str) -> list[str]:
        row = valid_row(fields)
        for index, cell in changes.items():
            row[index] = cell
        return row[:-1] if width_change < 0 else [*row, extra] if width_change > 0 else row

    return st.builds(
        build,
        st.dictionaries(st.integers(0, width - 1), CELLS, max_size=3),
        st.sampled_from([0, 0, 0, 0, -1, 1]),
        CELLS,
    )


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def csv_text(rows: list[list[str]], quoting: int) -> tuple[str, list[int]]:
    """The CSV text of ``rows`` and each row's first line (the header is line 1)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=quoting)
    starts, line = [], 1
    for row in rows:
        before = buffer.tell()
        writer.writerow(row)
        starts.append(line)
        line += len(_LINE_BREAK.findall(buffer.getvalue()[before:]))
    return buffer.getvalue(), starts


@PROPERTY_SETTINGS
@given(
    source=st.sampled_from(sorted(CSV_FIELDS)),
    data=st.data(),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_csv_cells_never_crash_and_never_lose_a_row(source, data, quoting, encoding):
    fields = CSV_FIELDS[source]
    header = [spec.header for spec in fields.values()]
    width = len(header)
    rows = data.draw(st.lists(rows_for(fields), max_size=10))
    text, starts = csv_text([header, *rows], quoting)
    path = write(text.encode(encoding), ".csv")

    records = read(source, path)

    check(source, records, starts[1:])
    for record, row in zip(records, rows, strict=True):
        if any("\x00" in cell for cell in row):
            assert (record.rule, record.reason) == (
                "bad_character",
                "row: holds a NUL character (shown as \\x00), which no text column can store",
            )
        elif len(row) != width:
            assert (record.rule, record.reason.split(";")[0]) == (
                "malformed_row",
                f"expected {width} cells as in the header, found {len(row)}",
            )
