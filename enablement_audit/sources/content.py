"""Content: the asset catalog (CSV) and content activity (CSV or JSON Lines).

Activity from a content platform's own export (Highspot, Seismic, ...) is read through a
column-mapping file (``enablement_audit/mappings/*.yaml``) that renames its columns and
translates its action names; the reader and its rules stay the same for every vendor.
A JSON file goes through the same field list and the same checks as a CSV file, so a row
is accepted or quarantined for the same reason whatever format it came in.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator, Mapping
from typing import Any

from enablement_audit.sources import native
from enablement_audit.sources.base import (
    Column,
    ColumnMapping,
    CsvField,
    FieldError,
    Parsed,
    Reject,
    SourceFile,
    SourceSpec,
    csv_columns,
    csv_reader,
    iter_json_records,
    normalize_header,
    parse_email,
    parse_int,
    parse_record,
    parse_timestamp,
)

CATALOG_FIELDS = {
    "asset_id": CsvField("asset_id", required=True),
    "title": CsvField("title"),
    "asset_type": CsvField("asset_type"),
    "bucket": CsvField("bucket"),
    "owner_email": CsvField("owner_email", parse_email),
    # A date alone (2026-01-05) parses as midnight UTC.
    "published_at": CsvField("published_at", parse_timestamp),
    "expires_at": CsvField("expires_at", parse_timestamp),
    "status": CsvField("status", required=True, choices=frozenset({"live", "archived"})),
    # Kept as given (";"-separated); split where it is used.
    "tags": CsvField("tags"),
}

_CATALOG_READER = csv_reader(CATALOG_FIELDS)

CONTENT_CATALOG = SourceSpec(
    name="content_catalog",
    table="raw_content_asset",
    columns=csv_columns(CATALOG_FIELDS),
    key=("asset_id",),
    snapshot=True,
    reader=_CATALOG_READER,
    native_csv=native.NativeCsv(_CATALOG_READER),
    description="Content catalog export: one row per asset (live or archived)",
)

ACTIONS = frozenset({"view", "download", "share", "present", "copy_link", "customer_view"})
CUSTOMER_FACING_ACTIONS = frozenset({"share", "present", "customer_view"})

ACTIVITY_FIELDS = {
    "event_id": CsvField("event_id", required=True),
    "occurred_at": CsvField("occurred_at", parse_timestamp, required=True),
    "user_email": CsvField("user_email", parse_email, required=True),
    "asset_id": CsvField("asset_id", required=True),
    "action": CsvField("action", required=True, choices=ACTIONS),
    "duration_seconds": CsvField("duration_seconds", parse_int),
    "opportunity_id": CsvField("opportunity_id"),
}


def _check_activity(values: dict[str, Any]) -> None:
    duration = values["duration_seconds"]
    if duration is not None and duration < 0:
        raise FieldError("duration_seconds", "negative_duration", f"{duration} must be at least 0")


def _derive_activity(values: dict[str, Any]) -> dict[str, Any]:
    return {"is_customer_facing": values["action"] in CUSTOMER_FACING_ACTIONS}


_read_activity_csv = csv_reader(ACTIVITY_FIELDS, check=_check_activity, derive=_derive_activity)


def read_activity(source: SourceFile) -> Iterator[Parsed | Reject]:
    """CSV, or JSON (Lines or array) when the file's first non-blank character is ``{``/``[``."""
    if _first_character(source) in (b"{", b"["):
        yield from _read_activity_json(source)
    else:
        yield from _read_activity_csv(source)


def _first_character(source: SourceFile, chunk_size: int = 4096) -> bytes:
    """The first non-blank byte of the file (after a UTF-8 BOM), reading only as far as it."""
    with source.open_binary() as handle:
        first_chunk = True
        while chunk := handle.read(chunk_size):
            if first_chunk:
                chunk = chunk.removeprefix(codecs.BOM_UTF8)
                first_chunk = False
            stripped = chunk.lstrip()
            if stripped:
                return stripped[:1]
    return b""


def _read_activity_json(source: SourceFile) -> Iterator[Parsed | Reject]:
    mapping = source.mapping or ColumnMapping()
    for item in iter_json_records(source):
        yield item if isinstance(item, Reject) else activity_json_row(*item, mapping)


def activity_json_row(line: int, raw: str, obj: Any, mapping: ColumnMapping | None = None) -> Parsed | Reject:
    """One parsed JSON value of an activity file as a row, or the reject saying why it is not one."""
    if not isinstance(obj, dict):
        found = type(obj).__name__
        return Reject(line, raw, "not_an_object", f"event: expected a JSON object, found {found}")
    try:
        values = parse_record(json_record(obj, ACTIVITY_FIELDS, mapping or ColumnMapping()), ACTIVITY_FIELDS)
        _check_activity(values)
        values.update(_derive_activity(values))
    except FieldError as exc:
        return Reject(line, raw, exc.rule, f"{exc.field_name}: {exc.message}")
    return Parsed(line, values)


def json_record(
    obj: Mapping[str, Any], fields: Mapping[str, CsvField], mapping: ColumnMapping
) -> dict[str, str | None]:
    """A JSON object as the ``{field: text or None}`` record ``parse_record`` takes.

    Keys are matched the way CSV headers are (case, spaces and underscores ignored, mapping
    applied); scalars become their text (``true``/``false`` for booleans) so the CSV rules
    apply unchanged. A nested object or list where a value belongs is a :class:`FieldError`.
    """
    by_key = {normalize_header(str(k)): v for k, v in obj.items()}
    record: dict[str, str | None] = {}
    for name, spec in fields.items():
        wanted = [mapping.columns[name]] if name in mapping.columns else [spec.header]
        wanted += list(spec.aliases)
        keys = [k for k in map(normalize_header, wanted) if k in by_key]
        text = _scalar_text(spec.header, by_key[keys[0]]) if keys else mapping.constants.get(name, "")
        if text:
            text = mapping.translate(name, text)
        record[name] = text or None
    return record


def _scalar_text(header: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        kind = "an object" if isinstance(value, dict) else "a list"
        raise FieldError(header, "not_a_value", f"expected a single value, found {kind}")
    return str(value).strip()


_NATIVE_ACTIVITY = native.NativeCsv(
    _read_activity_csv,
    checks=("duration_seconds is null or duration_seconds >= 0",),
    derived={"is_customer_facing": f"action in {native.sql_list(CUSTOMER_FACING_ACTIONS)}"},
)

CONTENT_ACTIVITY = SourceSpec(
    name="content_activity",
    table="raw_content_event",
    columns=(*csv_columns(ACTIVITY_FIELDS), Column("is_customer_facing", "bool")),
    key=("event_id",),
    reader=read_activity,
    native_csv=_NATIVE_ACTIVITY,
    native_json=native.json_fields(_NATIVE_ACTIVITY, activity_json_row),
    description="Content activity events (CSV or JSON Lines; vendor exports via a mapping file)",
)

SPECS: tuple[SourceSpec, ...] = (CONTENT_CATALOG, CONTENT_ACTIVITY)
