"""The course catalog: one row per course, keyed by the xAPI activity IRI its statements use."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from enablement_audit.sources.base import (
    CsvField,
    FieldError,
    SourceSpec,
    csv_columns,
    csv_reader,
    parse_int,
    parse_timestamp,
    shown,
)

DEFAULT_REINFORCEMENT_DAYS = 90
"""Training impact fades within about 90 days without reinforcement (SPEC section 5)."""

COURSE_FIELDS = {
    "course_id": CsvField("course_id", required=True),
    "title": CsvField("title"),
    "bucket": CsvField("bucket"),
    "published_at": CsvField("published_at", parse_timestamp),
    # "all" or ";"-separated titles, kept as given; matched against titles downstream.
    "required_for": CsvField("required_for"),
    "due_days_after_hire": CsvField("due_days_after_hire", parse_int),
    "recert_days": CsvField("recert_days", parse_int),
    "reinforcement_days": CsvField("reinforcement_days", parse_int),
}

MINIMUMS = {"due_days_after_hire": 0, "recert_days": 0, "reinforcement_days": 1}


def _check_course(values: dict[str, Any]) -> None:
    course_id = values["course_id"]
    parts = urlsplit(course_id)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise FieldError(
            "course_id",
            "bad_iri",
            f"{shown(course_id)} is not an activity IRI: expected http:// or https:// and a host",
        )
    for name, minimum in MINIMUMS.items():
        value = values[name]
        if value is not None and value < minimum:
            rule = "negative_value" if value < 0 else "out_of_range"
            raise FieldError(name, rule, f"{value} must be at least {minimum}")


def _derive_course(values: dict[str, Any]) -> dict[str, Any]:
    if values["reinforcement_days"] is None:
        return {"reinforcement_days": DEFAULT_REINFORCEMENT_DAYS}
    return {}


COURSES = SourceSpec(
    name="courses",
    table="raw_course",
    columns=csv_columns(COURSE_FIELDS),
    key=("course_id",),
    snapshot=True,
    reader=csv_reader(COURSE_FIELDS, check=_check_course, derive=_derive_course),
    description="Course catalog export: one row per course (activity IRI), with who must take it",
)

SPECS: tuple[SourceSpec, ...] = (COURSES,)
