"""The plain data objects the report templates display (built by :mod:`.data`).

Values are as the marts hold them: ``None`` means unknown and is shown as "no data".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from markupsafe import Markup


@dataclass
class VerdictArea:
    area: str
    label: str
    metric: str | None = None
    metric_label: str = ""
    unit: str = "rate"
    metric_value: float | None = None
    previous_value: float | None = None
    change_vs_last_week: float | None = None
    avg_4w: float | None = None
    yes_at: float | None = None
    partly_at: float | None = None
    verdict: str = "No data"


@dataclass
class OrgWeek:
    week_start: date
    metric_version: str | None = None
    eligible_sellers: int | None = None
    content_active_sellers: int | None = None
    content_active_rate: float | None = None
    asset_utilisation: float | None = None
    shelfware_assets: int | None = None
    training_active_sellers: int | None = None
    training_active_rate: float | None = None
    assignments_due: int | None = None
    completed_on_time: int | None = None
    compliance_rate: float | None = None
    overdue_assignments: int | None = None
    tools_with_data: int | None = None
    tools_without_data: int | None = None
    tool_active_users: int | None = None
    seats_purchased: int | None = None
    seat_utilization: float | None = None
    reclaimable_annual_spend: float | None = None


@dataclass
class SourceTrust:
    source: str
    newest_at: datetime | date | None = None  # a day for snapshot sources
    newest_kind: str = "event"  # event (newest event time) or snapshot (newest export day)
    is_stale: bool = False
    files: int = 0
    failed_files: int = 0
    loaded: int = 0
    quarantined: int = 0
    identities: int | None = None
    match_rate: float | None = None
    # Event sources: events of this week's files that landed more than late_arrival_days after
    # they happened, and the day of the oldest (None for snapshot sources).
    late_events: int | None = None
    earliest_late: date | None = None


@dataclass
class CheckRow:
    suite: str
    expectation: str
    column_name: str | None = None
    severity: str | None = None
    success: bool | None = None
    observed_value: str | None = None
    unexpected_count: int | None = None


@dataclass
class Quality:
    run_id: str | None = None
    checked_at: datetime | None = None
    checks: int = 0
    passed: int = 0
    blocking: list[CheckRow] = field(default_factory=list)
    warnings: list[CheckRow] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.run_id is None:
            return "not checked"
        if self.blocking:
            return "blocked"
        return "passed with warnings" if self.warnings else "passed"


@dataclass
class Restatement:
    week: str
    metric: str
    label: str
    unit: str
    reported: float | None
    current: float | None


@dataclass
class Trust:
    sources: list[SourceTrust]
    quality: Quality
    metric_version: str | None
    has_history: bool  # a previous report was recorded to compare against
    restated_weeks: list[str]
    restatements: list[Restatement]


@dataclass
class ScoreCell:
    week: str
    value: float | None
    status: str


@dataclass
class ScoreRow:
    metric: str
    label: str
    unit: str
    goal: float | None
    direction: str | None
    value: float | None
    status: str
    streak_weeks: int | None
    is_stale: bool
    cells: list[ScoreCell]


@dataclass
class Scorecard:
    weeks: list[str]
    rows: list[ScoreRow]
    chart: Markup | None


@dataclass
class ContentWeek:
    eligible_sellers: int | None = None
    content_active_sellers: int | None = None
    content_active_rate: float | None = None
    customer_facing_actions: int | None = None
    assets_in_base: int | None = None
    assets_used_90d: int | None = None
    asset_utilisation: float | None = None
    shelfware_assets: int | None = None
    top10_share_90d: float | None = None
    gini_90d: float | None = None
    new_users: int | None = None
    retained_users: int | None = None
    reactivated_users: int | None = None
    lapsed_users: int | None = None


@dataclass
class BucketRow:
    bucket: str | None
    assets_in_base: int | None = None
    assets_used_90d: int | None = None
    asset_utilisation: float | None = None
    shelfware_assets: int | None = None
    actions_week: int | None = None


@dataclass
class AssetRow:
    asset_id: str
    title: str | None = None
    asset_type: str | None = None
    bucket: str | None = None
    actions_week: int | None = None
    customer_facing_actions_week: int | None = None
    reps_week: int | None = None
    actions_90d: int | None = None
    reps_90d: int | None = None
    actions_prev_4w_avg: float | None = None
    trend: float | None = None
    usage_rank_90d: int | None = None


@dataclass
class GovernanceAsset:
    asset_id: str
    title: str | None = None
    asset_type: str | None = None
    bucket: str | None = None
    owner_email: str | None = None
    actions_90d: int | None = None
    reps_90d: int | None = None
    influenced_closed_n: int | None = None
    influenced_lost_n: int | None = None


@dataclass
class GovernanceFlag:
    key: str
    label: str
    count: int
    assets: list[GovernanceAsset]


@dataclass
class Content:
    week: ContentWeek | None
    buckets: list[BucketRow]
    top_assets: list[AssetRow]
    trending_assets: list[AssetRow]
    flags: list[GovernanceFlag]
    governance_as_of: str | None


@dataclass
class TeamRow:
    manager_id: str | None
    manager_name: str | None = None
    eligible_sellers: int | None = None
    content_active_sellers: int | None = None
    content_active_rate: float | None = None
    training_active_sellers: int | None = None
    training_active_rate: float | None = None
    tool_active_sellers: int | None = None
    assignments_due: int | None = None
    overdue: int | None = None
    compliance_rate: float | None = None
    bookings: float | None = None
    quota: float | None = None
    attainment: float | None = None
    avg_engagement_index: float | None = None
    page: str | None = None  # the team report's file name


@dataclass
class CourseTeamRow:
    course_id: str
    course_title: str | None = None
    manager_id: str | None = None
    manager_name: str | None = None
    assignments_due: int | None = None
    completed_on_time: int | None = None
    completed_late: int | None = None
    overdue: int | None = None
    compliance_rate: float | None = None
    decayed: int | None = None
    avg_scaled_score: float | None = None


@dataclass
class CertRow:
    rep_id: str
    rep_name: str | None = None
    manager_name: str | None = None
    course_title: str | None = None
    last_passed_date: date | None = None
    valid_until: date | None = None
    is_valid: bool | None = None
    is_expiring_30d: bool | None = None
    last_activity_date: date | None = None
    is_decayed: bool | None = None


@dataclass
class Training:
    org: OrgWeek | None
    teams: list[TeamRow]
    overdue: list[CourseTeamRow]
    overdue_rows: int
    decayed: list[CourseTeamRow]
    decayed_rows: int
    expiring: list[CertRow]
    expiring_count: int
    decayed_certs: int
    certification_as_of: str | None


@dataclass
class ToolRow:
    tool: str
    seats_purchased: int | None = None
    assigned_seats: int | None = None
    active_users: int | None = None
    inactive_seats: int | None = None
    unassigned_seats: int | None = None
    seat_utilization: float | None = None
    reclaimable_annual_spend: float | None = None
    annual_cost_per_seat: float | None = None
    currency: str | None = None
    has_data: bool | None = None
    weekly_active: int | None = None
    monthly_active: int | None = None
    stickiness: float | None = None
    new_users: int | None = None
    retained_users: int | None = None
    reactivated_users: int | None = None
    lapsed_users: int | None = None


@dataclass
class Tools:
    org: OrgWeek | None
    rows: list[ToolRow]
    currency: str | None  # the one currency all tools are priced in, else None
    currencies: list[str]
    utilisation_chart: Markup | None
    trend_chart: Markup | None
    trend_note: str


@dataclass
class ImpactRow:
    item_type: str
    item_id: str
    item_name: str | None = None
    outcome: str = ""
    outcome_label: str = ""
    unit: str = "rate"
    stratum: str = "combined"
    stratum_label: str = ""
    adopters_n: int | None = None
    non_adopters_n: int | None = None
    adopters_value: float | None = None
    non_adopters_value: float | None = None
    difference: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    is_significant: bool | None = None
    verdict: str | None = None


@dataclass
class Impact:
    period_start: date | None
    period_end: date | None
    rows: list[ImpactRow]  # combined stratum with enough evidence
    more_rows: int
    strata: list[ImpactRow]  # the tenure bands of the significant items
    insufficient: list[ImpactRow]
    insufficient_count: int
    caveat: str
    chart: Markup | None


@dataclass
class StopRow:
    item_type: str
    item_id: str
    item_name: str | None = None
    utilisation_measure: str | None = None  # beyond the contract: e.g. seller_actions_90d (a count)
    utilisation: float | None = None
    threshold: float | None = None
    impact_verdict: str | None = None
    reclaimable_annual_spend: float | None = None
    reason: str | None = None

    @property
    def unit(self) -> str:
        """Utilisation is a rate unless the mart says it counts actions."""
        return "count" if (self.utilisation_measure or "").endswith(("actions_90d", "_count")) else "rate"


@dataclass
class StopGroup:
    item_type: str
    label: str
    count: int
    rows: list[StopRow]


@dataclass
class Method:
    metric_version: str | None
    package_version: str
    verdicts: list[VerdictArea]
    goals: list[ScoreRow]
    impact_min_n: int
    ramp_grace_days: int
    late_arrival_days: int


@dataclass
class OrgReport:
    week: str
    week_start: date
    week_end: date
    version: str
    verdict: list[VerdictArea]
    adoption_chart: Markup | None
    trust: Trust
    scorecard: Scorecard
    content: Content
    training: Training
    tools: Tools
    impact: Impact
    teams: list[TeamRow]
    stop_doing: list[StopGroup]
    method: Method
    missing: list[str]  # marts not built yet


@dataclass
class RepRow:
    rep_id: str
    rep_name: str | None = None
    is_eligible: bool | None = None
    content_actions: int | None = None
    customer_facing_actions: int | None = None
    customer_facing_actions_28d: int | None = None
    learning_statements: int | None = None
    completions: int | None = None
    compliance_rate: float | None = None
    tool_active_days: int | None = None
    tool_active_day_rate_28d: float | None = None
    bookings: float | None = None
    attainment: float | None = None
    open_opportunities: int | None = None
    engagement_index: float | None = None
    engagement_quartile: int | None = None


@dataclass
class ActionRow:
    action_rank: int
    action_type: str
    action_label: str = ""
    rep_id: str | None = None
    rep_name: str | None = None
    item_id: str | None = None
    item_name: str | None = None
    detail: str | None = None
    impact_score: float | None = None
    annual_cost: float | None = None
    is_resolved: bool | None = None


@dataclass
class SeatRow:
    tool: str
    rep_id: str | None = None
    rep_name: str | None = None
    signin_days_28d: int | None = None
    annual_cost_per_seat: float | None = None


@dataclass
class TeamReport:
    week: str
    week_start: date
    week_end: date
    version: str
    metric_version: str | None
    manager_id: str
    manager_name: str | None
    page: str
    org_page: str
    team: TeamRow | None
    reps: list[RepRow]
    actions: list[ActionRow]
    last_week: str
    last_week_actions: list[ActionRow]
    compliance: list[CourseTeamRow]
    certifications: list[CertRow]
    seats: list[SeatRow]
    trend_chart: Markup | None
    method: Method


@dataclass
class HoldReport:
    week: str
    week_start: date
    week_end: date
    version: str
    quality: Quality
    previous_page: str | None
