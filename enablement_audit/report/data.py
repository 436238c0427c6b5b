"""Builds the report's plain data objects (:mod:`.objects`) from the marts and system tables.

Every number comes from a mart or a system table (``pipeline_runs``, ``quarantine``,
``identity_match``, ``dq_results``, the raw tables' event times); nothing here recomputes a
metric. A mart that is not built yet, or has no row for the week, becomes ``None`` or an empty
list, which the templates show as "no data" (never as zero).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import fields
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import sqlalchemy as sa
from markupsafe import Markup

from enablement_audit import __version__
from enablement_audit.config import Settings
from enablement_audit.lateness import EVENT_TIME as LATE_EVENT_TIME
from enablement_audit.lateness import late_events
from enablement_audit.report import charts
from enablement_audit.report.objects import (
    ActionRow,
    AssetRow,
    BucketRow,
    CertRow,
    CheckRow,
    Content,
    ContentWeek,
    CourseTeamRow,
    GovernanceAsset,
    GovernanceFlag,
    HoldReport,
    Impact,
    ImpactRow,
    Method,
    OrgReport,
    OrgWeek,
    Quality,
    RepRow,
    Restatement,
    Scorecard,
    ScoreCell,
    ScoreRow,
    SeatRow,
    SourceTrust,
    StopGroup,
    StopRow,
    TeamReport,
    TeamRow,
    ToolRow,
    Tools,
    Training,
    Trust,
    VerdictArea,
)
from enablement_audit.sources import SOURCES
from enablement_audit.sources.base import SourceFile
from enablement_audit.warehouse import Warehouse, quote_identifier, run_sql

ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
SCORECARD_WEEKS = 13
LIST_LIMIT = 15
TOP_ASSETS = 10
IMPACT_ROWS_LIMIT = 30
CHART_ITEMS_PER_OUTCOME = 12
TREND_TOOLS = 8

AREAS = (("content", "Content"), ("training", "Training"), ("tools", "Tools"))
METRIC_LABELS = {
    "content_active_rate": "Sellers using content",
    "asset_utilisation": "Assets used (90 days)",
    "training_active_rate": "Sellers learning",
    "compliance_rate": "Required training on time",
    "overdue_assignments": "Overdue required training",
    "seat_utilization": "Paid seats in use",
    "reclaimable_annual_spend": "Reclaimable annual spend",
}
METRIC_UNITS = {"overdue_assignments": "count", "reclaimable_annual_spend": "money"}
OUTCOMES = {
    "win_rate": ("Win rate", "rate"),
    "attainment": ("Quota attainment", "rate"),
    "won_deal_size": ("Won deal size", "money"),
    "cycle_days": ("Sales cycle (days)", "days"),
}
STRATA = {
    "combined": "all tenures (combined)",
    "tenure_lt_6m": "tenure under 6 months",
    "tenure_6_18m": "tenure 6 to 18 months",
    "tenure_gt_18m": "tenure over 18 months",
}
ACTION_LABELS = {
    "overdue_training": "Overdue required training",
    "inactive_paid_seat": "Inactive paid seat",
    "no_customer_facing_content": "Open deals, no customer-facing content in 4 weeks",
    "decayed_certification": "Certification decayed",
}
# Raw tables' event-time columns: the trust strip's "newest event" per event source.
EVENT_TIME = {
    "content_activity": "occurred_at",
    "xapi": "occurred_at",
    "okta": "published_at",
    "sf_login_history": "login_at",
    "opportunities": "coalesce(system_modstamp, created_at)",
}


def parse_iso_week(text: str) -> date:
    """The Monday of an ISO week written ``YYYY-Www``."""
    match = ISO_WEEK.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not an ISO week like 2026-W47")
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid ISO week: {exc}") from None


def iso_week_label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def metric_unit(metric: str) -> str:
    return METRIC_UNITS.get(metric, "rate")


# --------------------------------------------------------------------------- reading


def _plain(value: Any) -> Any:
    """Driver values as plain Python: Decimal (PostgreSQL sums) to int or float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _day(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


T = TypeVar("T")


def _make(cls: type[T], row: Mapping[str, Any], **extra: Any) -> T:
    """A dataclass from the row's columns of the same names (missing optional ones None)."""
    values = {}
    for f in fields(cls):  # type: ignore[arg-type]
        if f.name in extra:
            values[f.name] = extra[f.name]
        elif f.name in row:
            value = _plain(row[f.name])
            values[f.name] = _day(value) if f.type in ("date", "date | None") else value
    return cls(**values)


class Marts:
    """Reads the warehouse: which tables exist, and rows of the ones that do."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse
        self.schema = warehouse.schema
        inspector = sa.inspect(warehouse.engine)
        self.existing = set(inspector.get_table_names(schema=self.schema)) | set(
            inspector.get_view_names(schema=self.schema)
        )
        self.missing: set[str] = set()

    def has(self, table: str) -> bool:
        if table in self.existing:
            return True
        self.missing.add(table)
        return False

    def table(self, name: str) -> str:
        return f"{self.schema}.{quote_identifier(name)}"

    def query(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        """Rows of ``sql`` (``{name}`` placeholders become schema-qualified table names that the
        code chose; values are bound parameters)."""
        names = {n: self.table(n) for n in re.findall(r"\{(\w+)\}", sql)}
        with self.warehouse.engine.connect() as conn:
            result = run_sql(conn, sql.format(**names), params)
            return [{k: _plain(v) for k, v in row._mapping.items()} for row in result]

    def rows(self, sql: str, *tables: str, **params: Any) -> list[dict[str, Any]]:
        """:meth:`query` when every table in ``tables`` exists, else no rows."""
        if not all(self.has(t) for t in tables):
            return []
        return self.query(sql, **params)


# --------------------------------------------------------------------------- builders


def org_page_name(monday: date) -> str:
    return f"enablement-audit-{iso_week_label(monday)}.html"


def team_page_name(manager_id: str, monday: date) -> str:
    """``team-<manager Id>-YYYY-Www.html``; an Id that is not file-name safe is replaced by a
    stable digest (Salesforce Ids always are safe)."""
    safe = manager_id if re.fullmatch(r"[A-Za-z0-9_-]{1,64}", manager_id) else None
    if safe is None:
        import hashlib

        safe = "id" + hashlib.sha1(manager_id.encode("utf-8"), usedforsecurity=False).hexdigest()[:16]
    return f"team-{safe}-{iso_week_label(monday)}.html"


def weeks_back(monday: date, n: int = SCORECARD_WEEKS) -> list[date]:
    return [monday - timedelta(weeks=i) for i in range(n - 1, -1, -1)]


def read_quality(marts: Marts) -> Quality:
    """The newest data-quality run in ``dq_results``: its blocking failures and warnings."""
    if not marts.has("dq_results"):
        return Quality()
    latest = marts.query("select run_id, checked_at from {dq_results} order by checked_at desc limit 1")
    if not latest:
        return Quality()
    run_id, checked_at = latest[0]["run_id"], latest[0]["checked_at"]
    rows = marts.query(
        "select suite, expectation, column_name, severity, success, observed_value, unexpected_count "
        "from {dq_results} where run_id = :run_id order by suite, expectation, column_name",
        run_id=run_id,
    )
    checks = [_make(CheckRow, r) for r in rows]
    return Quality(
        run_id=run_id,
        checked_at=checked_at,
        checks=sum(1 for c in checks if c.success is not None),  # not "not built" or skipped
        passed=sum(1 for c in checks if c.success),
        blocking=[c for c in checks if c.severity == "block" and c.success is False],
        warnings=[c for c in checks if c.severity != "block" and c.success is False],
    )


def _org_weeks(marts: Marts, monday: date) -> dict[date, OrgWeek]:
    weeks = weeks_back(monday)
    rows = marts.rows(
        "select * from {mart_org_week} where week_start >= :lo and week_start <= :hi",
        "mart_org_week",
        lo=weeks[0],
        hi=monday,
    )
    return {_day(r["week_start"]): _make(OrgWeek, r) for r in rows}


def _verdict(marts: Marts, monday: date) -> list[VerdictArea]:
    rows = marts.rows(
        "select area, metric, metric_value, previous_value, change_vs_last_week, avg_4w, yes_at, "
        "partly_at, verdict from {mart_verdict_week} where week_start = :week",
        "mart_verdict_week",
        week=monday,
    )
    by_area = {r["area"]: r for r in rows}
    areas = []
    for area, label in AREAS:
        row = by_area.get(area)
        if row is None:
            areas.append(VerdictArea(area, label))
            continue
        metric = row["metric"]
        areas.append(
            _make(
                VerdictArea,
                row,
                label=label,
                metric_label=METRIC_LABELS.get(metric, metric),
                unit=metric_unit(metric),
                verdict=row["verdict"] or "No data",
            )
        )
    return areas


def _adoption_chart(org_weeks: dict[date, OrgWeek], monday: date) -> Markup | None:
    weeks = weeks_back(monday)
    if not org_weeks:
        return None
    series = [
        (METRIC_LABELS[name], [getattr(org_weeks.get(w), name, None) for w in weeks])
        for name in ("content_active_rate", "training_active_rate", "seat_utilization", "compliance_rate")
    ]
    return charts.trend_lines(
        "adoption",
        "Adoption trends over 13 weeks: content, training and seat use",
        [iso_week_label(w) for w in weeks],
        series,
    )


def _trust(marts: Marts, settings: Settings, monday: date, org: OrgWeek | None, published: dict) -> Trust:
    week_end_excl = monday + timedelta(days=7)
    match = {
        r["source"]: r
        for r in marts.rows("select source, identities, match_rate from {identity_match}", "identity_match")
    }
    loads: dict[str, SourceTrust] = {}
    runs = marts.rows(
        "select source, source_file, status, rows_loaded, rows_quarantined, finished_at "
        "from {pipeline_runs} order by finished_at",
        "pipeline_runs",
    )
    latest_quarantine: dict[tuple[str, str], int] = {}
    for run in runs:
        # A file belongs to the week of its landing day (``<source>/<YYYY-MM-DD>/``), else to
        # the week its load finished.
        day = SourceFile.at(run["source_file"]).file_date or _day(run["finished_at"])
        if not (monday <= day < week_end_excl):
            continue
        trust = loads.setdefault(run["source"], SourceTrust(run["source"]))
        if run["status"] != "ok":
            trust.failed_files += 1
            continue
        trust.files += 1
        trust.loaded += int(run["rows_loaded"] or 0)
        # Reloading a file replaces its quarantined rows, so its latest run's count stands.
        latest_quarantine[(run["source"], run["source_file"])] = int(run["rows_quarantined"] or 0)
    for (source, _), count in latest_quarantine.items():
        loads[source].quarantined += count
    with_events = [n for n in LATE_EVENT_TIME if marts.has(SOURCES[n].table)]
    late = late_events(
        marts.warehouse, monday, week_end_excl, settings.late_arrival_days, settings.timezone, with_events
    )
    sources = []
    for name, spec in SOURCES.items():
        trust = loads.get(name, SourceTrust(name))
        if marts.has(spec.table):
            if name in EVENT_TIME:
                column = EVENT_TIME[name]
                newest = marts.query(
                    f"select max({column}) as newest from {{{spec.table}}} where {column} < :hi",  # noqa: S608
                    hi=datetime.combine(week_end_excl, datetime.min.time()),
                )[0]["newest"]
                trust.newest_at = newest
                trust.is_stale = newest is None or (
                    datetime.combine(week_end_excl, datetime.min.time()) - newest
                    > timedelta(days=settings.late_arrival_days)
                )
            else:
                newest = marts.query(
                    f"select max(source_date) as newest from {{{spec.table}}} where source_date < :hi",  # noqa: S608
                    hi=week_end_excl,
                )[0]["newest"]
                trust.newest_kind = "snapshot"
                trust.newest_at = _day(newest)
        if name in late:
            trust.late_events = late[name].events
            trust.earliest_late = late[name].earliest
        if name in match:
            trust.identities = match[name]["identities"]
            trust.match_rate = match[name]["match_rate"]
        if trust.newest_at or trust.files or trust.failed_files or trust.identities:
            sources.append(trust)
    restatements, has_history = _restatements(marts, monday, published)
    return Trust(
        sources=sources,
        quality=read_quality(marts),
        metric_version=org.metric_version if org else None,
        has_history=has_history,
        restated_weeks=sorted({r.week for r in restatements}),
        restatements=restatements,
    )


def published_values(scorecard: Scorecard, verdict: list[VerdictArea], monday: date) -> dict:
    """The headline numbers this report publishes: ``{(week_start, metric): value}``."""
    values: dict[tuple[date, str], float | None] = {}
    weeks = dict(zip(scorecard.weeks, weeks_back(monday), strict=True))
    for row in scorecard.rows:
        for cell in row.cells:
            values[(weeks[cell.week], row.metric)] = cell.value
    for area in verdict:
        if area.metric:
            values[(monday, area.metric)] = area.metric_value
    return values


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _restatements(marts: Marts, monday: date, published: dict) -> tuple[list[Restatement], bool]:
    """Past weeks whose headline numbers differ from what the last report showed for them."""
    if "report_snapshots" not in marts.existing:  # the report's own table, made by the first report
        return [], False
    rows = marts.query(
        "select s.week_start, s.metric, s.value from {report_snapshots} as s "
        "where s.week_start < :week and s.reported_at = ("
        "select max(t.reported_at) from {report_snapshots} as t "
        "where t.week_start = s.week_start and t.metric = s.metric)",
        week=monday,
    )
    found = []
    for row in rows:
        key = (_day(row["week_start"]), row["metric"])
        if key in published and not _same(row["value"], published[key]):
            found.append(
                Restatement(
                    iso_week_label(key[0]),
                    key[1],
                    METRIC_LABELS.get(key[1], key[1]),
                    metric_unit(key[1]),
                    row["value"],
                    published[key],
                )
            )
    found.sort(key=lambda r: (r.week, r.metric))
    return found, bool(rows)


def _scorecard(marts: Marts, monday: date) -> Scorecard:
    weeks = weeks_back(monday)
    labels = [iso_week_label(w) for w in weeks]
    rows = marts.rows(
        "select metric, label, position, week_start, value, goal, direction, status, streak_weeks, "
        "is_stale from {mart_scorecard} where week_start >= :lo and week_start <= :hi "
        "order by position, metric, week_start",
        "mart_scorecard",
        lo=weeks[0],
        hi=monday,
    )
    by_metric: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_metric.setdefault(row["metric"], []).append(row)
    result = []
    for metric, history in by_metric.items():
        cells_by_week = {_day(r["week_start"]): r for r in history}
        current = cells_by_week.get(monday)
        last = history[-1]
        cells = [
            ScoreCell(
                iso_week_label(w),
                cells_by_week[w]["value"] if w in cells_by_week else None,
                cells_by_week[w]["status"] if w in cells_by_week else "no data",
            )
            for w in weeks
        ]
        result.append(
            ScoreRow(
                metric=metric,
                label=last["label"] or METRIC_LABELS.get(metric, metric),
                unit=metric_unit(metric),
                goal=last["goal"],
                direction=last["direction"],
                value=current["value"] if current else None,
                status=current["status"] if current else "no data",
                streak_weeks=current["streak_weeks"] if current else None,
                is_stale=bool(current and current["is_stale"]),
                cells=cells,
            )
        )
    chart = None
    if result:
        chart = charts.heat_strip(
            labels,
            [
                charts.HeatRow(
                    r.label,
                    [c.status for c in r.cells],
                    (f"{r.streak_weeks} wk {r.status}" if r.streak_weeks else "no data")
                    + (", stale" if r.is_stale else ""),
                )
                for r in result
            ],
        )
    return Scorecard(labels, result, chart)


def _content(marts: Marts, monday: date) -> Content:
    week_rows = marts.rows(
        "select * from {mart_content_week} where week_start = :week", "mart_content_week", week=monday
    )
    buckets = marts.rows(
        "select * from {mart_content_bucket_week} where week_start = :week order by bucket",
        "mart_content_bucket_week",
        week=monday,
    )
    top = marts.rows(
        "select * from {mart_asset_usage} where week_start = :week and usage_rank_90d is not null "
        "and actions_90d > 0 order by usage_rank_90d, asset_id limit :n",
        "mart_asset_usage",
        week=monday,
        n=TOP_ASSETS,
    )
    trending = marts.rows(
        "select * from {mart_asset_usage} where week_start = :week and trend > 0 "
        "order by trend desc, asset_id limit :n",
        "mart_asset_usage",
        week=monday,
        n=TOP_ASSETS,
    )
    flags: list[GovernanceFlag] = []
    as_of = None
    if marts.has("mart_asset_governance"):
        specs = (
            ("is_never_used", "Never used"),
            ("is_shelfware", "Shelfware (no seller use in 90 days)"),
            ("is_mostly_lost", "Mostly in lost deals (70%+ of 10 or more)"),
            ("is_orphaned", "Orphaned (owner not an active user)"),
            ("is_expired_in_use", "Expired but still in use"),
        )
        for key, label in specs:
            count = marts.query(f"select count(*) as n from {{mart_asset_governance}} where {key}")[0]["n"]  # noqa: S608
            assets = marts.query(
                f"select * from {{mart_asset_governance}} where {key} "  # noqa: S608
                "order by actions_90d desc nulls last, title, asset_id limit :n",
                n=LIST_LIMIT,
            )
            flags.append(GovernanceFlag(key, label, int(count), [_make(GovernanceAsset, a) for a in assets]))
        as_of_rows = marts.query("select max(as_of_week_start) as w from {mart_asset_governance}")
        as_of = iso_week_label(_day(as_of_rows[0]["w"])) if as_of_rows[0]["w"] else None
    return Content(
        week=_make(ContentWeek, week_rows[0]) if week_rows else None,
        buckets=[_make(BucketRow, b) for b in buckets],
        top_assets=[_make(AssetRow, a) for a in top],
        trending_assets=[_make(AssetRow, a) for a in trending],
        flags=flags,
        governance_as_of=as_of,
    )


def _teams(marts: Marts, monday: date) -> list[TeamRow]:
    rows = marts.rows(
        "select * from {mart_team_week} where week_start = :week "
        "order by manager_name nulls last, manager_id nulls last",
        "mart_team_week",
        week=monday,
    )
    return [
        _make(TeamRow, r, page=team_page_name(r["manager_id"], monday) if r["manager_id"] else None)
        for r in rows
    ]


COURSE_TEAM_SQL = (
    "select c.*, m.rep_name as manager_name from {mart_course_compliance} as c "
    "left join {dim_rep} as m on m.rep_id = c.manager_id where c.week_start = :week"
)
CERT_SQL = (
    "select c.*, r.rep_name, m.rep_name as manager_name from {mart_certification} as c "
    "left join {dim_rep} as r on r.rep_id = c.rep_id left join {dim_rep} as m on m.rep_id = c.manager_id"
)


def _count(marts: Marts, sql: str, *tables: str, **params: Any) -> int:
    rows = marts.rows(sql, *tables, **params)
    return int(rows[0]["n"] or 0) if rows else 0


def _training(marts: Marts, monday: date, org: OrgWeek | None, teams: list[TeamRow]) -> Training:
    """Lists are the first :data:`LIST_LIMIT` rows; counts come from the same filters in SQL."""
    overdue = marts.rows(
        COURSE_TEAM_SQL + " and c.overdue > 0 order by c.overdue desc, c.course_title, m.rep_name limit :n",
        "mart_course_compliance",
        "dim_rep",
        week=monday,
        n=LIST_LIMIT,
    )
    decayed = marts.rows(
        COURSE_TEAM_SQL + " and c.decayed > 0 order by c.decayed desc, c.course_title, m.rep_name limit :n",
        "mart_course_compliance",
        "dim_rep",
        week=monday,
        n=LIST_LIMIT,
    )
    rows_with = (
        "select sum(case when overdue > 0 then 1 else 0 end) as overdue_rows, "
        "sum(case when decayed > 0 then 1 else 0 end) as decayed_rows "
        "from {mart_course_compliance} where week_start = :week"
    )
    counts = marts.rows(rows_with, "mart_course_compliance", week=monday)
    expiring = marts.rows(
        CERT_SQL + " where c.is_expiring_30d order by c.valid_until, r.rep_name, c.rep_id limit :n",
        "mart_certification",
        "dim_rep",
        n=LIST_LIMIT,
    )
    certs = marts.rows(
        "select sum(case when is_expiring_30d then 1 else 0 end) as expiring, "
        "sum(case when is_decayed then 1 else 0 end) as decayed, max(as_of_week_start) as as_of "
        "from {mart_certification}",
        "mart_certification",
    )
    cert = certs[0] if certs else {}
    return Training(
        org=org,
        teams=teams,
        overdue=[_make(CourseTeamRow, r) for r in overdue],
        overdue_rows=int(counts[0]["overdue_rows"] or 0) if counts else 0,
        decayed=[_make(CourseTeamRow, r) for r in decayed],
        decayed_rows=int(counts[0]["decayed_rows"] or 0) if counts else 0,
        expiring=[_make(CertRow, r) for r in expiring],
        expiring_count=int(cert.get("expiring") or 0),
        decayed_certs=int(cert.get("decayed") or 0),
        certification_as_of=iso_week_label(_day(cert["as_of"])) if cert.get("as_of") else None,
    )


def _tools(marts: Marts, monday: date, org: OrgWeek | None) -> Tools:
    rows = [
        _make(ToolRow, r)
        for r in marts.rows(
            "select * from {mart_tool_seats} where week_start = :week order by tool",
            "mart_tool_seats",
            week=monday,
        )
    ]
    currencies = sorted({r.currency for r in rows if r.currency})
    currency = currencies[0] if len(currencies) == 1 else None
    utilisation_chart = (
        charts.utilisation_bars([(r.tool, r.seat_utilization if r.has_data else None) for r in rows])
        if rows
        else None
    )
    trend_chart, trend_note = None, ""
    if rows:
        chosen = sorted(rows, key=lambda r: (-(r.seats_purchased or 0), r.tool))[:TREND_TOOLS]
        weeks = weeks_back(monday)
        history = marts.query(
            "select tool, week_start, seat_utilization from {mart_tool_seats} "
            "where week_start >= :lo and week_start <= :hi",
            lo=weeks[0],
            hi=monday,
        )
        values = {(h["tool"], _day(h["week_start"])): h["seat_utilization"] for h in history}
        trend_chart = charts.trend_lines(
            "tool-trend",
            "Seat utilisation per tool over 13 weeks",
            [iso_week_label(w) for w in weeks],
            [(r.tool, [values.get((r.tool, w)) for w in weeks]) for r in chosen],
        )
        if len(rows) > TREND_TOOLS:
            trend_note = f"The {TREND_TOOLS} tools with the most seats are drawn."
    return Tools(org, rows, currency, currencies, utilisation_chart, trend_chart, trend_note)


def _impact_row(row: Mapping[str, Any]) -> ImpactRow:
    label, unit = OUTCOMES.get(row["outcome"], (row["outcome"], "rate"))
    stratum = row["stratum"]
    return _make(ImpactRow, row, outcome_label=label, unit=unit, stratum_label=STRATA.get(stratum, stratum))


def _impact(marts: Marts) -> Impact:
    rows = marts.rows(
        "select * from {mart_adoption_impact} where stratum = 'combined' "
        "order by item_type, item_name, item_id, outcome",
        "mart_adoption_impact",
    )
    combined = rows
    evidence = [
        r for r in combined if r["verdict"] != "insufficient evidence" and r["difference"] is not None
    ]
    order = list(OUTCOMES)
    evidence.sort(
        key=lambda r: (
            order.index(r["outcome"]) if r["outcome"] in order else len(order),
            not r["is_significant"],
            -abs(r["difference"]),
            r["item_type"],
            r["item_id"],
        )
    )
    chosen = {id(r) for r in evidence}
    insufficient = [r for r in combined if id(r) not in chosen]
    significant = {
        key: i
        for i, key in enumerate(
            (r["item_type"], r["item_id"], r["outcome"]) for r in evidence if r["is_significant"]
        )
    }
    strata_order = {name: i for i, name in enumerate(STRATA)}
    strata = [
        r
        for r in marts.rows(
            "select s.* from {mart_adoption_impact} as s where s.stratum <> 'combined' and exists ("
            "select 1 from {mart_adoption_impact} as c where c.stratum = 'combined' and c.is_significant "
            "and c.item_type = s.item_type and c.item_id = s.item_id and c.outcome = s.outcome) "
            "order by s.item_type, s.item_name, s.item_id, s.outcome, s.stratum",
            "mart_adoption_impact",
        )
        if (r["item_type"], r["item_id"], r["outcome"]) in significant
    ]
    # the table's order of items, then the tenure bands youngest first
    strata.sort(
        key=lambda r: (
            significant[(r["item_type"], r["item_id"], r["outcome"])],
            strata_order.get(r["stratum"], len(strata_order)),
        )
    )
    caveats = sorted({r["caveat"] for r in rows if r.get("caveat")})
    panels = []
    for outcome, (label, unit) in OUTCOMES.items():
        items = [r for r in evidence if r["outcome"] == outcome and r["ci_low"] is not None][
            :CHART_ITEMS_PER_OUTCOME
        ]
        if not items:
            continue
        # Rates are drawn in percentage points, like the table shows them.
        scale = 100.0 if unit == "rate" else 1.0
        axis = {"rate": "percentage points", "money": "deal size", "days": "days"}[unit]
        panels.append(
            (
                f"{label}: adopters minus non-adopters",
                axis,
                [
                    charts.Interval(
                        f"{r['item_type']}: {r['item_name'] or r['item_id']}",
                        float(r["difference"]) * scale,
                        float(r["ci_low"]) * scale,
                        float(r["ci_high"]) * scale,
                        bool(r["is_significant"]),
                    )
                    for r in items
                ],
            )
        )
    return Impact(
        period_start=_day(rows[0]["period_start"]) if rows else None,
        period_end=_day(rows[0]["period_end"]) if rows else None,
        rows=[_impact_row(r) for r in evidence[:IMPACT_ROWS_LIMIT]],
        more_rows=max(len(evidence) - IMPACT_ROWS_LIMIT, 0),
        strata=[_impact_row(r) for r in strata[:IMPACT_ROWS_LIMIT]],
        insufficient=[_impact_row(r) for r in insufficient[:LIST_LIMIT]],
        insufficient_count=len(insufficient),
        caveat="; ".join(caveats) or "association, not proof of cause",
        chart=charts.interval_chart(panels) if panels else None,
    )


STOP_TYPES = {"tool": "Tools", "course": "Courses", "asset": "Assets"}
STOP_ORDER = {kind: i for i, kind in enumerate(STOP_TYPES)}


def _stop_doing(marts: Marts) -> list[StopGroup]:
    """Tools first (by reclaimable spend), then courses and assets (least used first)."""
    rows = marts.rows(
        "select * from {mart_stop_doing} order by reclaimable_annual_spend desc nulls last, "
        "utilisation nulls first, item_name, item_id",
        "mart_stop_doing",
    )
    groups = []
    kinds = sorted({r["item_type"] for r in rows}, key=lambda t: (STOP_ORDER.get(t, len(STOP_ORDER)), t))
    for item_type in kinds:
        of_type = [r for r in rows if r["item_type"] == item_type]
        groups.append(
            StopGroup(
                item_type,
                STOP_TYPES.get(item_type, item_type),
                len(of_type),
                [_make(StopRow, r) for r in of_type[:LIST_LIMIT]],
            )
        )
    return groups


def build_org_report(
    warehouse: Warehouse, settings: Settings, monday: date, marts: Marts | None = None
) -> OrgReport:
    """Everything the organisation page shows for the ISO week starting ``monday``."""
    marts = marts or Marts(warehouse)
    org_weeks = _org_weeks(marts, monday)
    org = org_weeks.get(monday)
    verdict = _verdict(marts, monday)
    scorecard = _scorecard(marts, monday)
    trust = _trust(marts, settings, monday, org, published_values(scorecard, verdict, monday))
    teams = _teams(marts, monday)
    return OrgReport(
        week=iso_week_label(monday),
        week_start=monday,
        week_end=monday + timedelta(days=6),
        version=__version__,
        verdict=verdict,
        adoption_chart=_adoption_chart(org_weeks, monday),
        trust=trust,
        scorecard=scorecard,
        content=_content(marts, monday),
        training=_training(marts, monday, org, teams),
        tools=_tools(marts, monday, org),
        impact=_impact(marts),
        teams=teams,
        stop_doing=_stop_doing(marts),
        method=Method(
            metric_version=trust.metric_version,
            package_version=__version__,
            verdicts=verdict,
            goals=scorecard.rows,
            impact_min_n=settings.impact_min_n,
            ramp_grace_days=settings.ramp_grace_days,
            late_arrival_days=settings.late_arrival_days,
        ),
        missing=sorted(marts.missing - {"dq_results"}),  # no checks yet: the trust strip says so
    )


def _by_manager(rows: list[dict[str, Any]]) -> dict[str | None, list[dict[str, Any]]]:
    grouped: dict[str | None, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row["manager_id"], []).append(row)
    return grouped


class TeamData:
    """The week's rows for every team, read once (a query per mart, not per manager) and
    grouped by manager."""

    def __init__(self, marts: Marts, monday: date) -> None:
        weeks = weeks_back(monday)
        self.last_week = monday - timedelta(weeks=1)
        self.reps = _by_manager(
            marts.rows(
                "select w.*, r.rep_name from {mart_rep_week} as w "
                "left join {dim_rep} as r on r.rep_id = w.rep_id "
                "where w.week_start = :week order by r.rep_name, w.rep_id",
                "mart_rep_week",
                "dim_rep",
                week=monday,
            )
        )
        self.compliance = _by_manager(
            marts.rows(
                COURSE_TEAM_SQL + " order by c.course_title, c.course_id",
                "mart_course_compliance",
                "dim_rep",
                week=monday,
            )
        )
        self.certifications = _by_manager(
            marts.rows(
                CERT_SQL + " where c.is_expiring_30d or c.is_decayed or not c.is_valid "
                "order by c.valid_until, r.rep_name, c.rep_id",
                "mart_certification",
                "dim_rep",
            )
        )
        # Inactive paid seats of the reps who are in the manager's team this week.
        self.seats = _by_manager(
            marts.rows(
                "select w.manager_id, s.tool, s.rep_id, r.rep_name, s.signin_days_28d, "
                "s.annual_cost_per_seat from {int_tool_seat_week} as s "
                "inner join {mart_rep_week} as w on w.rep_id = s.rep_id and w.week_start = s.week_start "
                "left join {dim_rep} as r on r.rep_id = s.rep_id "
                "where s.week_start = :week and s.is_inactive_seat order by s.tool, r.rep_name, s.rep_id",
                "int_tool_seat_week",
                "mart_rep_week",
                "dim_rep",
                week=monday,
            )
        )
        actions = marts.rows(
            "select a.*, r.rep_name from {mart_manager_actions} as a "
            "left join {dim_rep} as r on r.rep_id = a.rep_id "
            "where a.week_start in (:week, :last_week) and a.action_rank <= 3 "
            "order by a.manager_id, a.week_start, a.action_rank",
            "mart_manager_actions",
            "dim_rep",
            week=monday,
            last_week=self.last_week,
        )
        self.actions: dict[tuple[str | None, date], list[ActionRow]] = {}
        for row in actions:
            label = ACTION_LABELS.get(row["action_type"], row["action_type"])
            key = (row["manager_id"], _day(row["week_start"]))
            self.actions.setdefault(key, []).append(_make(ActionRow, row, action_label=label))
        self.weeks = weeks
        self.history: dict[str | None, dict[date, dict[str, Any]]] = {}
        for row in marts.rows(
            "select manager_id, week_start, content_active_rate, training_active_rate, compliance_rate "
            "from {mart_team_week} where week_start >= :lo and week_start <= :hi",
            "mart_team_week",
            lo=weeks[0],
            hi=monday,
        ):
            self.history.setdefault(row["manager_id"], {})[_day(row["week_start"])] = row


TEAM_TREND = (
    ("content_active_rate", "Sellers using content"),
    ("training_active_rate", "Sellers learning"),
    ("compliance_rate", "Required training on time"),
)


def build_team_report(team: TeamRow, monday: date, org: OrgReport, data: TeamData) -> TeamReport:
    """One manager's page: that manager's reps only, and the action queue."""
    manager = team.manager_id
    history = data.history.get(manager, {})
    trend = None
    if history:
        trend = charts.trend_lines(
            "team-trend",
            "The team's adoption over 13 weeks",
            [iso_week_label(w) for w in data.weeks],
            [(label, [history.get(w, {}).get(column) for w in data.weeks]) for column, label in TEAM_TREND],
        )
    return TeamReport(
        week=iso_week_label(monday),
        week_start=monday,
        week_end=monday + timedelta(days=6),
        version=__version__,
        metric_version=org.trust.metric_version,
        manager_id=manager or "",
        manager_name=team.manager_name,
        page=team.page or team_page_name(manager or "", monday),
        org_page=org_page_name(monday),
        team=team,
        reps=[_make(RepRow, r) for r in data.reps.get(manager, [])],
        actions=data.actions.get((manager, monday), []),
        last_week=iso_week_label(data.last_week),
        last_week_actions=data.actions.get((manager, data.last_week), []),
        compliance=[_make(CourseTeamRow, r) for r in data.compliance.get(manager, [])],
        certifications=[_make(CertRow, r) for r in data.certifications.get(manager, [])],
        seats=[_make(SeatRow, r) for r in data.seats.get(manager, [])],
        trend_chart=trend,
        method=org.method,
    )


def build_hold_report(monday: date, quality: Quality, previous_page: str | None) -> HoldReport:
    return HoldReport(
        week=iso_week_label(monday),
        week_start=monday,
        week_end=monday + timedelta(days=6),
        version=__version__,
        quality=quality,
        previous_page=previous_page,
    )


def manager_names(marts: Marts) -> dict[tuple[str, date], str | None]:
    """``(manager_id, week_start) -> manager_name`` for the archive index."""
    rows = marts.rows(
        "select manager_id, week_start, manager_name from {mart_team_week} where manager_id is not null",
        "mart_team_week",
    )
    return {(r["manager_id"], _day(r["week_start"])): r["manager_name"] for r in rows}
