"""Licences: seats bought per tool, and who was assigned a seat when."""

from __future__ import annotations

import re
from typing import Any

from enablement_audit.sources import native
from enablement_audit.sources.base import (
    CsvField,
    FieldError,
    SourceSpec,
    csv_columns,
    csv_reader,
    parse_date,
    parse_email,
    parse_float,
    parse_int,
    parse_timestamp,
    shown,
)

CURRENCY = re.compile(r"^[A-Za-z]{3}$")

LICENCE_FIELDS = {
    "tool": CsvField("tool", required=True),
    "seats_purchased": CsvField("seats_purchased", parse_int, required=True),
    "annual_cost_per_seat": CsvField("annual_cost_per_seat", parse_float, required=True),
    "currency": CsvField("currency", required=True),
    "renewal_date": CsvField("renewal_date", parse_date),
}


def _check_licence(values: dict[str, Any]) -> None:
    for name in ("seats_purchased", "annual_cost_per_seat"):
        if values[name] < 0:
            raise FieldError(name, "negative_value", f"{values[name]} must be at least 0")
    if not CURRENCY.match(values["currency"]):
        raise FieldError(
            "currency",
            "bad_currency",
            f"{shown(values['currency'])} is not a 3-letter ISO 4217 code (e.g. USD)",
        )


def _derive_licence(values: dict[str, Any]) -> dict[str, Any]:
    return {"currency": values["currency"].upper()}


LICENCES = SourceSpec(
    name="licences",
    table="raw_licence",
    columns=csv_columns(LICENCE_FIELDS),
    key=("tool",),
    snapshot=True,
    reader=csv_reader(LICENCE_FIELDS, check=_check_licence, derive=_derive_licence),
    description="Licence contracts: one row per tool with seats bought and cost per seat",
)

ASSIGNMENT_FIELDS = {
    "tool": CsvField("tool", required=True),
    "user_email": CsvField("user_email", parse_email, required=True),
    "assigned_at": CsvField("assigned_at", parse_timestamp, required=True),
    "unassigned_at": CsvField("unassigned_at", parse_timestamp),
}


def _check_assignment(values: dict[str, Any]) -> None:
    end, start = values["unassigned_at"], values["assigned_at"]
    if end is not None and end < start:
        raise FieldError(
            "unassigned_at",
            "end_before_start",
            f"{end.isoformat()} is before assigned_at {start.isoformat()}",
        )


_ASSIGNMENT_READER = csv_reader(ASSIGNMENT_FIELDS, check=_check_assignment)

LICENCE_ASSIGNMENTS = SourceSpec(
    name="licence_assignments",
    table="raw_licence_assignment",
    columns=csv_columns(ASSIGNMENT_FIELDS),
    key=("tool", "user_email", "assigned_at"),
    snapshot=True,
    reader=_ASSIGNMENT_READER,
    native_csv=native.NativeCsv(
        _ASSIGNMENT_READER, checks=("unassigned_at is null or unassigned_at >= assigned_at",)
    ),
    description="Licence assignments: one row per seat given to a user (open while not unassigned)",
)

SPECS: tuple[SourceSpec, ...] = (LICENCES, LICENCE_ASSIGNMENTS)
