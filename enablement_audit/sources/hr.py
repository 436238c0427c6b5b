"""HR status (optional): employment periods per person, for hire dates and leave.

One row per status period; a person on leave has an ``active`` period, a ``leave`` period
and (usually) another ``active`` period, each with its own ``status_start``.
"""

from __future__ import annotations

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
)

HR_FIELDS = {
    "email": CsvField("email", parse_email, required=True),
    "hire_date": CsvField("hire_date", parse_date),
    "employment_status": CsvField(
        "employment_status", required=True, choices=frozenset({"active", "leave", "terminated"})
    ),
    "status_start": CsvField("status_start", parse_date, required=True),
    "status_end": CsvField("status_end", parse_date),
    "fte": CsvField("fte", parse_float),
}


def _check_hr(values: dict[str, Any]) -> None:
    start, end = values["status_start"], values["status_end"]
    if end is not None and end < start:
        raise FieldError(
            "status_end",
            "end_before_start",
            f"{end.isoformat()} is before status_start {start.isoformat()}",
        )
    fte = values["fte"]
    if fte is not None and not 0 <= fte <= 1:
        raise FieldError("fte", "bad_fte", f"{fte} is not between 0 and 1 (a full-time equivalent)")


_HR_READER = csv_reader(HR_FIELDS, check=_check_hr)

HR = SourceSpec(
    name="hr",
    table="raw_hr_status",
    columns=csv_columns(HR_FIELDS),
    key=("email", "status_start"),
    snapshot=True,
    reader=_HR_READER,
    native_csv=native.NativeCsv(
        _HR_READER,
        checks=("status_end is null or status_end >= status_start", "fte is null or fte between 0 and 1"),
    ),
    description="HR status export: one row per person per employment-status period",
)

SPECS: tuple[SourceSpec, ...] = (HR,)
