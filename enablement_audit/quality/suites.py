"""What the data-quality checks expect of each table, declared once.

A :class:`TableSuite` says what a table must hold: its columns, key, required values,
accepted values, ranges, ordering of dates, references to other tables, and how to pick the
interval's rows. :func:`plan_suite` turns it into concrete :class:`Check` objects (one Great
Expectations expectation each) once the facts of a run are known (the interval, the values
other tables hold, the volume history), so this module stays free of I/O and of GX itself.

Suites are named after their table (``raw_content_event``, ``mart_tool_seats``); the identity
match rate of a source is the suite ``identity_match.<source>``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from enablement_audit.quality.settings import Kind, QualityConfig
from enablement_audit.sources import SOURCES
from enablement_audit.sources.content import ACTIONS
from enablement_audit.sources.okta import SSO_EVENT_TYPE
from enablement_audit.warehouse import LOAD_COLUMNS

Layer = Literal["raw", "mart"]
BatchName = Literal["structure", "rows"]

# Verbs whose object must be a catalogued course (other verbs may name modules, videos, ...).
COURSE_RESULT_VERBS = (
    "http://adlnet.gov/expapi/verbs/completed",
    "http://adlnet.gov/expapi/verbs/passed",
    "http://adlnet.gov/expapi/verbs/failed",
)
XAPI_OBJECT_TYPES = ("Activity", "Agent", "Group", "StatementRef", "SubStatement")
# Okta's documented outcome.result values.
OKTA_OUTCOMES = ("SUCCESS", "FAILURE", "SKIPPED", "ALLOW", "DENY", "CHALLENGE", "UNKNOWN")
HR_STATUSES = ("active", "leave", "terminated")
ASSET_STATUSES = ("live", "archived")
BOOLEANS = (True, False)


@dataclass(frozen=True)
class Range:
    """``low <= column <= high`` (either bound optional; nulls are not checked)."""

    column: str
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Ordered:
    """``later >= earlier`` on every row where both are present (close not before create)."""

    later: str
    earlier: str


@dataclass(frozen=True)
class Reference:
    """Every ``column`` value is a ``target_table.target_column`` value, optionally only on rows
    where ``when_column`` holds one of ``when_values``."""

    column: str
    target_table: str
    target_column: str
    when_column: str | None = None
    when_values: tuple[Any, ...] = ()


@dataclass(frozen=True)
class TableSuite:
    """The expectations of one table (see the module docstring)."""

    table: str
    layer: Layer
    columns: tuple[str, ...]
    key: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    accepted: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    patterns: Mapping[str, str] = field(default_factory=dict)
    ranges: tuple[Range, ...] = ()
    ordered: tuple[Ordered, ...] = ()
    not_future: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()
    # Raw event tables: the event time (rows of the interval, freshness, volume). Snapshot
    # tables have none: every row as known at the interval end, freshness by export day.
    time_column: str | None = None
    # Marts with a week_start: the rows of the interval's ISO weeks; others: every row.
    weekly: bool = False
    exact_columns: bool = True
    source: str | None = None
    # Columns computed in the batch query: name -> (function, column); only "date" exists.
    derived: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.table

    @property
    def is_snapshot(self) -> bool:
        return self.layer == "raw" and self.time_column is None


def _raw(source: str, **kwargs: Any) -> TableSuite:
    """A raw table's suite: columns from the reader's spec plus the load columns."""
    spec = SOURCES[source]
    columns = (*spec.column_names, *(c.name for c in LOAD_COLUMNS))
    key = kwargs.pop("key", spec.key)
    return TableSuite(table=spec.table, layer="raw", columns=columns, key=key, source=source, **kwargs)


RAW_SUITES: tuple[TableSuite, ...] = (
    _raw(
        "users",
        required=("email", "is_active", "created_at"),
        not_future=("created_at",),
    ),
    _raw(
        "opportunities",
        required=("owner_id", "stage_name", "close_date", "created_at", "is_closed", "is_won"),
        ranges=(Range("amount", low=0),),
        ordered=(Ordered("close_date", "created_date"),),
        not_future=("created_at",),
        derived={"created_date": ("date", "created_at")},
    ),
    _raw(
        "quotas",
        required=("owner_id", "start_date", "quota_amount"),
        ranges=(Range("quota_amount", low=0),),
    ),
    _raw(
        "sf_login_history",
        required=("user_id", "login_at", "status"),
        not_future=("login_at",),
        time_column="login_at",
    ),
    _raw(
        "hr",
        required=("employment_status",),
        accepted={"employment_status": HR_STATUSES},
        ranges=(Range("fte", low=0, high=1),),
        ordered=(Ordered("status_end", "status_start"),),
    ),
    _raw(
        "identity_map",
        required=("email",),
        accepted={"source": tuple(SOURCES)},
    ),
    _raw(
        "content_catalog",
        required=("status",),
        accepted={"status": ASSET_STATUSES},
        ordered=(Ordered("expires_at", "published_at"),),
    ),
    _raw(
        "content_activity",
        required=("occurred_at", "user_email", "asset_id", "action"),
        accepted={"action": tuple(sorted(ACTIONS))},
        ranges=(Range("duration_seconds", low=0),),
        not_future=("occurred_at",),
        references=(Reference("asset_id", "raw_content_asset", "asset_id"),),
        time_column="occurred_at",
    ),
    _raw(
        "courses",
        patterns={"course_id": r"^https?://"},
        ranges=(
            Range("due_days_after_hire", low=0),
            Range("recert_days", low=0),
            Range("reinforcement_days", low=1),
        ),
    ),
    _raw(
        "xapi",
        required=("verb_id", "object_id", "occurred_at"),
        accepted={"object_type": XAPI_OBJECT_TYPES},
        ranges=(Range("result_score_scaled", low=0, high=1),),
        not_future=("occurred_at", "stored_at"),
        references=(
            Reference(
                "object_id",
                "raw_course",
                "course_id",
                when_column="verb_id",
                when_values=COURSE_RESULT_VERBS,
            ),
        ),
        time_column="occurred_at",
    ),
    _raw(
        "okta",
        required=("published_at", "event_type"),
        accepted={"outcome_result": OKTA_OUTCOMES},
        not_future=("published_at",),
        references=(
            Reference(
                "app_display_name",
                "raw_licence",
                "tool",
                when_column="event_type",
                when_values=(SSO_EVENT_TYPE,),
            ),
        ),
        time_column="published_at",
    ),
    _raw(
        "licences",
        required=("seats_purchased", "annual_cost_per_seat", "currency"),
        patterns={"currency": r"^[A-Z]{3}$"},
        ranges=(Range("seats_purchased", low=0), Range("annual_cost_per_seat", low=0)),
    ),
    _raw(
        "licence_assignments",
        ordered=(Ordered("unassigned_at", "assigned_at"),),
        not_future=("assigned_at",),
        references=(Reference("tool", "raw_licence", "tool"),),
    ),
)

# The analyst contract (issue 3); marts may carry more columns.
MART_SUITES: tuple[TableSuite, ...] = (
    TableSuite(
        table="mart_tool_seats",
        layer="mart",
        exact_columns=False,
        weekly=True,
        columns=(
            "tool",
            "week_start",
            "seats_purchased",
            "assigned_seats",
            "active_users",
            "inactive_seats",
            "unassigned_seats",
            "seat_utilization",
            "reclaimable_annual_spend",
        ),
        key=("tool", "week_start"),
        required=("seats_purchased", "assigned_seats", "unassigned_seats"),
        ranges=(
            Range("seats_purchased", low=0),
            Range("assigned_seats", low=0),
            Range("active_users", low=0),
            Range("inactive_seats", low=0),
            Range("unassigned_seats", low=0),
            Range("seat_utilization", low=0, high=1),
            Range("reclaimable_annual_spend", low=0),
        ),
    ),
    TableSuite(
        table="mart_asset_governance",
        layer="mart",
        exact_columns=False,
        columns=(
            "asset_id",
            "title",
            "is_never_used",
            "is_shelfware",
            "is_mostly_lost",
            "is_orphaned",
            "is_expired_in_use",
            "actions_90d",
            "reps_90d",
        ),
        key=("asset_id",),
        required=("is_never_used", "is_shelfware", "is_orphaned", "is_expired_in_use"),
        accepted={
            "is_never_used": BOOLEANS,
            "is_shelfware": BOOLEANS,
            "is_mostly_lost": BOOLEANS,
            "is_orphaned": BOOLEANS,
            "is_expired_in_use": BOOLEANS,
        },
        ranges=(Range("actions_90d", low=0), Range("reps_90d", low=0)),
        # the running total holds the trailing 90 days (int_asset_seller_week rebuilds them)
        ordered=(Ordered("actions_ever", "actions_90d"),),
    ),
    TableSuite(
        table="mart_course_compliance",
        layer="mart",
        exact_columns=False,
        weekly=True,
        columns=(
            "course_id",
            "manager_id",
            "week_start",
            "assignments_due",
            "completed_on_time",
            "overdue",
            "compliance_rate",
            "decayed",
        ),
        key=("course_id", "manager_id", "week_start"),
        required=("assignments_due", "completed_on_time", "overdue"),
        ranges=(
            Range("assignments_due", low=0),
            Range("completed_on_time", low=0),
            Range("overdue", low=0),
            Range("compliance_rate", low=0, high=1),
            Range("decayed", low=0),
        ),
        ordered=(Ordered("assignments_due", "completed_on_time"), Ordered("assignments_due", "overdue")),
    ),
    TableSuite(
        table="mart_rep_week",
        layer="mart",
        exact_columns=False,
        weekly=True,
        columns=(
            "rep_id",
            "manager_id",
            "week_start",
            "content_actions",
            "customer_facing_actions",
            "distinct_assets",
            "learning_statements",
            "completions",
            "tool_active_days",
            "bookings",
            "quota",
            "attainment",
            "wins",
            "losses",
            "engagement_index",
            "is_eligible",
        ),
        key=("rep_id", "week_start"),
        required=("is_eligible",),
        accepted={"is_eligible": BOOLEANS},
        ranges=(
            Range("content_actions", low=0),
            Range("customer_facing_actions", low=0),
            Range("distinct_assets", low=0),
            Range("learning_statements", low=0),
            Range("completions", low=0),
            Range("tool_active_days", low=0, high=7),
            Range("bookings", low=0),
            Range("quota", low=0),
            Range("attainment", low=0),
            Range("wins", low=0),
            Range("losses", low=0),
            Range("engagement_index", low=0, high=100),
        ),
    ),
    TableSuite(
        table="mart_adoption_impact",
        layer="mart",
        exact_columns=False,
        columns=(
            "item_type",
            "item_id",
            "outcome",
            "adopters_n",
            "non_adopters_n",
            "adopters_value",
            "non_adopters_value",
            "difference",
            "ci_low",
            "ci_high",
            "is_significant",
            "verdict",
        ),
        # One row per item, outcome and tenure stratum (the marts contract adds `stratum`).
        key=("item_type", "item_id", "outcome", "stratum"),
        required=("verdict", "adopters_n", "non_adopters_n"),
        accepted={
            "item_type": ("asset", "course", "tool", "engagement"),
            "outcome": ("win_rate", "attainment", "won_deal_size", "cycle_days"),
            "verdict": (
                "insufficient evidence",
                "positive association",
                "negative association",
                "no clear difference",
            ),
            "is_significant": BOOLEANS,
        },
        ranges=(Range("adopters_n", low=0), Range("non_adopters_n", low=0)),
        ordered=(Ordered("ci_high", "ci_low"),),
    ),
    TableSuite(
        table="mart_scorecard",
        layer="mart",
        exact_columns=False,
        weekly=True,
        columns=("metric", "week_start", "value", "goal", "status", "streak_weeks", "is_stale"),
        key=("metric", "week_start"),
        required=("status", "streak_weeks", "is_stale"),
        accepted={"status": ("green", "red", "no data"), "is_stale": BOOLEANS},
        ranges=(Range("streak_weeks", low=0),),
    ),
)

IDENTITY_TABLE = "identity_match"
IDENTITY_SUITE_PREFIX = "identity_match."


# ---------------------------------------------------------------------------------------------
# From declarations to checks


@dataclass(frozen=True)
class Interval:
    """``[start, end)`` as naive UTC datetimes, with the ISO weeks it touches."""

    start: datetime
    end: datetime

    @classmethod
    def of(cls, start: date | datetime, end: date | datetime) -> Interval:
        start_at, end_at = _as_datetime(start), _as_datetime(end)
        if end_at <= start_at:
            raise ValueError(f"the interval end {end} must be after its start {start}")
        return cls(start_at, end_at)

    @property
    def first_day(self) -> date:
        return self.start.date()

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(microseconds=1)).date()

    @property
    def week_lo(self) -> date:
        return self.first_day - timedelta(days=self.first_day.weekday())

    @property
    def week_hi(self) -> date:
        return self.last_day - timedelta(days=self.last_day.weekday()) + timedelta(days=7)

    def shifted(self, days: int) -> Interval:
        return Interval(self.start - timedelta(days=days), self.end - timedelta(days=days))


def _as_datetime(value: date | datetime) -> datetime:
    """Naive UTC, as the warehouse stores timestamps; a date is its midnight."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    return datetime.combine(value, time())


@dataclass(frozen=True)
class Check:
    """One expectation on one batch of one suite.

    ``gx_class`` names the Great Expectations expectation class and ``kwargs`` its arguments;
    ``when`` limits it to rows whose column holds one of the values. A check with a
    ``skip_reason`` is recorded, not run.
    """

    suite: str
    table: str
    kind: Kind
    gx_class: str
    column: str | None
    kwargs: Mapping[str, Any]
    batch: BatchName = "rows"
    when: tuple[str, tuple[Any, ...]] | None = None
    skip_reason: str | None = None
    note: str | None = None

    @property
    def expectation(self) -> str:
        """The expectation's name as GX reports it (``expect_column_values_to_be_unique``)."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.gx_class).lower()

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns the check reads (for selecting only those)."""
        found: list[str] = []
        for name in ("column", "column_A", "column_B"):
            if name in self.kwargs:
                found.append(self.kwargs[name])
        found.extend(self.kwargs.get("column_list", ()))
        if self.when:
            found.append(self.when[0])
        return tuple(dict.fromkeys(found))


@dataclass(frozen=True)
class VolumeBaseline:
    """Row counts of the same interval shifted back one to ``weeks`` weeks."""

    counts: tuple[int, ...]

    @property
    def mean(self) -> float:
        return sum(self.counts) / len(self.counts)


@dataclass(frozen=True)
class Facts:
    """What a suite's checks depend on beyond the declaration, gathered by the engine."""

    interval: Interval
    known: Mapping[tuple[str, str], tuple[Any, ...]] = field(default_factory=dict)
    volume: VolumeBaseline | None = None
    volume_skip: str | None = None
    table_rows: int | None = None


def plan_suite(suite: TableSuite, facts: Facts, config: QualityConfig) -> list[Check]:
    """The checks of ``suite`` for one run, in a stable order."""
    checks: list[Check] = []

    def add(kind: Kind, gx_class: str, label: str | None, batch: BatchName = "rows", **kwargs: Any) -> None:
        """``label`` is the column as results name it (``a,b`` for a pair or compound key)."""
        when = kwargs.pop("when", None)
        note = kwargs.pop("note", None)
        checks.append(Check(suite.name, suite.table, kind, gx_class, label, kwargs, batch, when, None, note))

    add(
        "structure",
        "ExpectTableColumnsToMatchSet",
        None,
        batch="structure",
        column_set=list(suite.columns),
        exact_match=suite.exact_columns,
    )
    for column in dict.fromkeys((*suite.key, *suite.required)):
        add("keys", "ExpectColumnValuesToNotBeNull", column, column=column)
    if len(suite.key) == 1:
        add("keys", "ExpectColumnValuesToBeUnique", suite.key[0], column=suite.key[0])
    elif suite.key:
        add("keys", "ExpectCompoundColumnsToBeUnique", ",".join(suite.key), column_list=list(suite.key))
    for column, values in suite.accepted.items():
        add("accepted_values", "ExpectColumnValuesToBeInSet", column, column=column, value_set=list(values))
    for column, pattern in suite.patterns.items():
        add("accepted_values", "ExpectColumnValuesToMatchRegex", column, column=column, regex=pattern)
    for bound in suite.ranges:
        add(
            "ranges",
            "ExpectColumnValuesToBeBetween",
            bound.column,
            column=bound.column,
            min_value=bound.low,
            max_value=bound.high,
        )
    latest = facts.interval.end + timedelta(hours=config.future_tolerance_hours)
    for column in suite.not_future:
        add("ranges", "ExpectColumnValuesToBeBetween", column, column=column, max_value=latest)
    for pair in suite.ordered:
        add(
            "ranges",
            "ExpectColumnPairValuesAToBeGreaterThanB",
            f"{pair.later},{pair.earlier}",
            column_A=pair.later,
            column_B=pair.earlier,
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        )
    for ref in suite.references:
        known = facts.known.get((ref.target_table, ref.target_column), ())
        add(
            "referential",
            "ExpectColumnValuesToBeInSet",
            ref.column,
            column=ref.column,
            value_set=list(known),
            when=(ref.when_column, ref.when_values) if ref.when_column else None,
            note=f"known values: {ref.target_table}.{ref.target_column} ({len(known)})",
        )
    if suite.layer == "raw":
        checks.extend(_freshness_and_volume(suite, facts, config))
    return checks


def _freshness_and_volume(suite: TableSuite, facts: Facts, config: QualityConfig) -> list[Check]:
    checks: list[Check] = []
    hours = config.freshness_hours(suite.name, snapshot=suite.is_snapshot)
    newest_allowed = facts.interval.end - timedelta(hours=hours)
    column = suite.time_column or "source_date"
    low: date | datetime = newest_allowed if suite.time_column else newest_allowed.date()
    skip = None
    if facts.table_rows == 0 and suite.source in config.optional_sources:
        skip = f"optional source {suite.source} has no rows"
    checks.append(
        Check(
            suite.name,
            suite.table,
            "freshness",
            "ExpectColumnMaxToBeBetween",
            column,
            {"column": column, "min_value": low},
            skip_reason=skip,
            note=f"within {hours:g} h of the interval end",
        )
    )
    if suite.time_column:
        if facts.volume is None:
            kwargs: dict[str, Any] = {}
            reason = facts.volume_skip or f"needs {config.volume_weeks} weeks of history"
            note = None
        else:
            mean = facts.volume.mean
            kwargs = {
                "min_value": math.floor(mean * (1 - config.volume_band)),
                "max_value": math.ceil(mean * (1 + config.volume_band)),
            }
            reason = None
            note = f"trailing {len(facts.volume.counts)}-week mean {mean:g}"
        checks.append(
            Check(
                suite.name,
                suite.table,
                "volume",
                "ExpectTableRowCountToBeBetween",
                None,
                kwargs,
                skip_reason=reason,
                note=note,
            )
        )
    return checks


def identity_suite_name(source: str) -> str:
    return f"{IDENTITY_SUITE_PREFIX}{source}"


def plan_identity(source: str, config: QualityConfig) -> Check:
    """The identity match rate of ``source`` at least its threshold."""
    return Check(
        identity_suite_name(source),
        IDENTITY_TABLE,
        "identity_match",
        "ExpectColumnMinToBeBetween",
        "match_rate",
        {"column": "match_rate", "min_value": config.identity_threshold(source)},
    )


def suites_for(stage: str) -> tuple[TableSuite, ...]:
    """The table suites of a stage: ``raw``, ``marts`` or ``all``."""
    if stage == "raw":
        return RAW_SUITES
    if stage == "marts":
        return MART_SUITES
    if stage == "all":
        return (*RAW_SUITES, *MART_SUITES)
    raise ValueError(f"unknown stage {stage!r}; use raw, marts or all")
