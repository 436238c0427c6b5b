"""Hand-made fixture marts for the report tests: each mart created with exactly the columns of the
mart contract (/work/briefs/marts-contract.md) and filled with a few rows whose numbers the tests
look for on the page.

The week is 2026-W10 (Monday 2026-03-02). Two teams: manager M1 (Maria Manager) with reps R1
(Ada Lovelace) and R2 (a hostile name), manager M2 (Omar Overseer) with R3 (Grace Hopper) and R4
(Alan Turing). An asset title, a course name and a rep name carry script and img payloads.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from enablement_audit.warehouse import Warehouse

XSS = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
ASSET_XSS = f"{XSS}"
COURSE_XSS = f"Course {XSS}"
REP_XSS = f"Rep {XSS}"
WEEK = date(2026, 3, 2)  # ISO 2026-W10
PREV = WEEK - timedelta(weeks=1)
TEAM_1_NAMES = ("Ada Lovelace", REP_XSS)
TEAM_2_NAMES = ("Grace Hopper", "Alan Turing")

T, I, F, B, D, TS = "text", "int", "float", "bool", "date", "timestamp"  # noqa: E741 - short on purpose
TYPES = {
    T: sa.Text(),
    I: sa.BigInteger(),
    F: sa.Float(precision=53),
    B: sa.Boolean(),
    D: sa.Date(),
    TS: sa.DateTime(),
}

# Contract columns of every table the report reads (name: type).
COLUMNS: dict[str, dict[str, str]] = {
    "dim_rep": dict(
        rep_id=T, rep_name=T, email=T, title=T, department=T, region=T, manager_id=T, manager_name=T,
        is_active=B, hire_date=D, has_seller_title=B, direct_reports=I, is_manager=B,
    ),
    "identity_match": dict(source=T, identities=I, matched=I, unmatched=I, match_rate=F),
    "mart_org_week": dict(
        week_start=D, metric_version=T, eligible_sellers=I, content_active_sellers=I, content_active_rate=F,
        asset_utilisation=F, shelfware_assets=I, training_active_sellers=I, training_active_rate=F,
        assignments_due=I, completed_on_time=I, compliance_rate=F, overdue_assignments=I, tools_with_data=I,
        tools_without_data=I, tool_active_users=I, seats_purchased=I, seat_utilization=F,
        reclaimable_annual_spend=F,
    ),
    "mart_verdict_week": dict(
        area=T, week_start=D, metric=T, metric_value=F, previous_value=F, change_vs_last_week=F, avg_4w=F,
        yes_at=F, partly_at=F, verdict=T,
    ),
    "mart_scorecard": dict(
        metric=T, label=T, position=I, week_start=D, value=F, goal=F, direction=T, status=T, streak_weeks=I,
        is_stale=B,
    ),
    "mart_content_week": dict(
        week_start=D, eligible_sellers=I, content_active_sellers=I, content_active_rate=F,
        customer_facing_actions=I, assets_in_base=I, assets_used_90d=I, asset_utilisation=F,
        shelfware_assets=I, top10_share_90d=F, gini_90d=F, new_users=I, retained_users=I,
        reactivated_users=I, lapsed_users=I,
    ),
    "mart_content_bucket_week": dict(
        bucket=T, week_start=D, assets_in_base=I, assets_used_90d=I, asset_utilisation=F, shelfware_assets=I,
        actions_week=I,
    ),
    "mart_asset_usage": dict(
        asset_id=T, week_start=D, title=T, asset_type=T, bucket=T, is_live=B, published_date=D, actions_week=I,
        customer_facing_actions_week=I, reps_week=I, actions_90d=I, reps_90d=I, actions_prev_4w_avg=F,
        trend=F, is_in_utilisation_base=B, is_shelfware=B, usage_rank_90d=I,
    ),
    "mart_asset_governance": dict(
        asset_id=T, title=T, asset_type=T, bucket=T, owner_email=T, as_of_week_start=D, is_never_used=B,
        is_shelfware=B, is_mostly_lost=B, is_orphaned=B, is_expired_in_use=B, actions_90d=I, reps_90d=I,
        influenced_closed_n=I, influenced_lost_n=I,
    ),
    "mart_course_compliance": dict(
        course_id=T, course_title=T, manager_id=T, week_start=D, assignments_due=I, completed_on_time=I,
        completed_late=I, overdue=I, compliance_rate=F, decayed=I, avg_scaled_score=F,
    ),
    "mart_certification": dict(
        rep_id=T, manager_id=T, course_id=T, course_title=T, as_of_week_start=D, last_passed_date=D,
        valid_until=D, is_valid=B, is_expiring_30d=B, last_activity_date=D, is_decayed=B,
    ),
    "mart_tool_seats": dict(
        tool=T, week_start=D, seats_purchased=I, assigned_seats=I, active_users=I, inactive_seats=I,
        unassigned_seats=I, seat_utilization=F, reclaimable_annual_spend=F, annual_cost_per_seat=F,
        currency=T, has_data=B, weekly_active=I, monthly_active=I, stickiness=F, new_users=I,
        retained_users=I, reactivated_users=I, lapsed_users=I,
    ),
    "int_tool_seat_week": dict(
        tool=T, user_email=T, rep_id=T, week_start=D, is_eligible=B, signin_days_28d=I, is_active_28d=B,
        is_inactive_seat=B, annual_cost_per_seat=F,
    ),
    "mart_rep_week": dict(
        rep_id=T, manager_id=T, week_start=D, is_seller=B, is_eligible=B, tenure_days=I, content_actions=I,
        customer_facing_actions=I, distinct_assets=I, learning_statements=I, completions=I,
        tool_active_days=I, bookings=F, wins=I, losses=I, quota=F, bookings_period_to_date=F, attainment=F,
        open_opportunities=I, customer_facing_actions_28d=I, tool_active_day_rate_28d=F, compliance_rate=F,
        engagement_index=F, engagement_quartile=I,
    ),
    "mart_team_week": dict(
        manager_id=T, manager_name=T, week_start=D, eligible_sellers=I, content_active_sellers=I,
        content_active_rate=F, training_active_sellers=I, training_active_rate=F, tool_active_sellers=I,
        assignments_due=I, overdue=I, compliance_rate=F, bookings=F, quota=F, attainment=F,
        avg_engagement_index=F,
    ),
    "mart_adoption_impact": dict(
        item_type=T, item_id=T, item_name=T, outcome=T, stratum=T, period_start=D, period_end=D, adopters_n=I,
        non_adopters_n=I, adopters_value=F, non_adopters_value=F, difference=F, ci_low=F, ci_high=F,
        is_significant=B, verdict=T, caveat=T,
    ),
    "mart_stop_doing": dict(
        item_type=T, item_id=T, item_name=T, utilisation=F, threshold=F, impact_verdict=T,
        reclaimable_annual_spend=F, reason=T,
    ),
    "mart_manager_actions": dict(
        manager_id=T, week_start=D, action_rank=I, action_type=T, rep_id=T, item_id=T, item_name=T, detail=T,
        impact_score=F, annual_cost=F, is_resolved=B,
    ),
    "dq_results": dict(
        run_id=T, suite=T, expectation=T, column_name=T, severity=T, success=B, observed_value=T,
        unexpected_count=I, checked_at=TS,
    ),
}  # fmt: skip


def table(warehouse: Warehouse, name: str) -> sa.Table:
    return sa.Table(
        name,
        sa.MetaData(schema=warehouse.schema),
        *(sa.Column(column, TYPES[kind]) for column, kind in COLUMNS[name].items()),
    )


def create(warehouse: Warehouse, name: str, rows: list[dict[str, Any]]) -> None:
    """Create ``name`` with the contract columns (if missing) and insert ``rows``."""
    target = table(warehouse, name)
    unknown = {k for row in rows for k in row} - set(COLUMNS[name])
    assert not unknown, f"{name}: not contract columns: {unknown}"
    with warehouse.engine.begin() as conn:
        target.create(conn, checkfirst=True)
        if rows:
            conn.execute(target.insert(), [{c: row.get(c) for c in COLUMNS[name]} for row in rows])


def execute(warehouse: Warehouse, sql: str, **params: Any) -> None:
    with warehouse.engine.begin() as conn:
        conn.execute(sa.text(sql.format(s=warehouse.schema)), params)


def scorecard_rows() -> list[dict[str, Any]]:
    """13 weeks ending 2026-W10. Sellers using content: red for 10 weeks, then green for 3
    (streak 3 at W10). Overdue training: no data for 4 weeks, then red for 9 (streak 9, stale)."""
    rows = []
    for i in range(13):
        week = WEEK - timedelta(weeks=12 - i)
        green = i >= 10
        rows.append(
            dict(
                metric="content_active_rate",
                label="Sellers using content",
                position=1,
                week_start=week,
                value=0.625 if i == 12 else (0.61 if green else 0.40),
                goal=0.6,
                direction="higher",
                status="green" if green else "red",
                streak_weeks=(i - 9) if green else i + 1,
                is_stale=False,
            )
        )
        known = i >= 4
        rows.append(
            dict(
                metric="overdue_assignments",
                label="Overdue required training",
                position=2,
                week_start=week,
                value=2.0 if known else None,
                goal=1.0,
                direction="lower",
                status="red" if known else "no data",
                streak_weeks=(i - 3) if known else i + 1,
                is_stale=known and i - 3 >= 8,
            )
        )
    return rows  # fmt: skip


def org_week(week: date, **values: Any) -> dict[str, Any]:
    base = dict(
        week_start=week, metric_version="2026.11-1", eligible_sellers=8, content_active_sellers=5,
        content_active_rate=0.625, asset_utilisation=0.4, shelfware_assets=3, training_active_sellers=4,
        training_active_rate=0.5, assignments_due=12, completed_on_time=9, compliance_rate=0.75,
        overdue_assignments=2, tools_with_data=1, tools_without_data=1, tool_active_users=6, seats_purchased=10,
        seat_utilization=0.6, reclaimable_annual_spend=4200.0,
    )  # fmt: skip
    return base | values


def rep_week(rep_id: str, manager_id: str, **values: Any) -> dict[str, Any]:
    base = dict(
        rep_id=rep_id, manager_id=manager_id, week_start=WEEK, is_seller=True, is_eligible=True, tenure_days=400,
        content_actions=3, customer_facing_actions=1, distinct_assets=2, learning_statements=1, completions=0,
        tool_active_days=2, bookings=0.0, wins=0, losses=0, quota=None, bookings_period_to_date=0.0,
        attainment=None, open_opportunities=1, customer_facing_actions_28d=4, tool_active_day_rate_28d=0.25,
        compliance_rate=0.5, engagement_index=50.0, engagement_quartile=2,
    )  # fmt: skip
    return base | values


def fill(warehouse: Warehouse) -> None:
    """Every mart of the contract, with the week's rows."""
    reps = [
        ("M1", "Maria Manager", None), ("M2", "Omar Overseer", None), ("R1", "Ada Lovelace", "M1"),
        ("R2", REP_XSS, "M1"), ("R3", "Grace Hopper", "M2"), ("R4", "Alan Turing", "M2"),
    ]  # fmt: skip
    create(
        warehouse,
        "dim_rep",
        [dict(rep_id=r, rep_name=n, manager_id=m, is_active=True, is_manager=m is None) for r, n, m in reps],
    )
    create(
        warehouse,
        "identity_match",
        [
            dict(source="content_activity", identities=50, matched=48, unmatched=2, match_rate=0.96),
            dict(source="xapi", identities=20, matched=18, unmatched=2, match_rate=0.9),
        ],
    )
    create(
        warehouse,
        "mart_org_week",
        [org_week(WEEK), org_week(PREV, content_active_rate=0.5, compliance_rate=0.8, seat_utilization=None)],
    )
    create(
        warehouse,
        "mart_verdict_week",
        [
            # 0.625 >= 0.60: Yes; change 0.625 - 0.5 = +12.5 pts
            dict(area="content", week_start=WEEK, metric="content_active_rate", metric_value=0.625,
                 previous_value=0.5, change_vs_last_week=0.125, avg_4w=0.55, yes_at=0.6, partly_at=0.3,
                 verdict="Yes"),
            # 0.70 <= 0.75 < 0.90: Partly; change 0.75 - 0.80 = -5.0 pts
            dict(area="training", week_start=WEEK, metric="compliance_rate", metric_value=0.75,
                 previous_value=0.8, change_vs_last_week=-0.05, avg_4w=0.775, yes_at=0.9, partly_at=0.7,
                 verdict="Partly"),
            # no previous week: the change is unknown
            dict(area="tools", week_start=WEEK, metric="seat_utilization", metric_value=0.6,
                 previous_value=None, change_vs_last_week=None, avg_4w=0.6, yes_at=0.8, partly_at=0.5,
                 verdict="Partly"),
        ],
    )  # fmt: skip
    create(warehouse, "mart_scorecard", scorecard_rows())
    create(
        warehouse,
        "mart_content_week",
        [
            dict(week_start=WEEK, eligible_sellers=8, content_active_sellers=5, content_active_rate=0.625,
                 customer_facing_actions=14, assets_in_base=10, assets_used_90d=4, asset_utilisation=0.4,
                 shelfware_assets=3, top10_share_90d=0.35, gini_90d=0.42, new_users=1, retained_users=3,
                 reactivated_users=1, lapsed_users=2),
        ],
    )  # fmt: skip
    create(
        warehouse,
        "mart_content_bucket_week",
        [
            dict(bucket="Product", week_start=WEEK, assets_in_base=6, assets_used_90d=3, asset_utilisation=0.5,
                 shelfware_assets=2, actions_week=20),
            dict(bucket="Competitive", week_start=WEEK, assets_in_base=4, assets_used_90d=1,
                 asset_utilisation=0.25, shelfware_assets=1, actions_week=5),
        ],
    )  # fmt: skip
    usage = dict(week_start=WEEK, is_live=True, is_in_utilisation_base=True, is_shelfware=False)
    create(
        warehouse,
        "mart_asset_usage",
        [
            usage | dict(asset_id="A1", title=ASSET_XSS, asset_type="deck", bucket="Product", actions_week=9,
                         customer_facing_actions_week=4, reps_week=3, actions_90d=40, reps_90d=6,
                         actions_prev_4w_avg=3.5, trend=5.5, usage_rank_90d=1),
            usage | dict(asset_id="A2", title="Pricing sheet $x$ & more", asset_type="sheet", bucket="Product",
                         actions_week=2, customer_facing_actions_week=1, reps_week=2, actions_90d=25,
                         reps_90d=4, actions_prev_4w_avg=3.0, trend=-1.0, usage_rank_90d=2),
            usage | dict(asset_id="A3", title="Battlecard: Acme", asset_type="battlecard", bucket="Competitive",
                         actions_week=4, customer_facing_actions_week=0, reps_week=1, actions_90d=7,
                         reps_90d=1, actions_prev_4w_avg=2.0, trend=2.0, usage_rank_90d=3),
        ],
    )  # fmt: skip
    governance = dict(as_of_week_start=WEEK, is_never_used=False, is_shelfware=False, is_mostly_lost=False,
                      is_orphaned=False, is_expired_in_use=False)  # fmt: skip
    create(
        warehouse,
        "mart_asset_governance",
        [
            governance | dict(asset_id="A1", title=ASSET_XSS, asset_type="deck", bucket="Product",
                              owner_email="owner@example.com", is_expired_in_use=True, actions_90d=40,
                              reps_90d=6, influenced_closed_n=12, influenced_lost_n=5),
            governance | dict(asset_id="A4", title="Old deck 2019", asset_type="deck", bucket="Product",
                              owner_email="gone@example.com", is_never_used=True, is_shelfware=True,
                              is_orphaned=True, actions_90d=0, reps_90d=0, influenced_closed_n=0,
                              influenced_lost_n=0),
        ],
    )  # fmt: skip
    course = dict(course_id="C1", course_title=COURSE_XSS, week_start=WEEK)
    create(
        warehouse,
        "mart_course_compliance",
        [
            # 4 of 6 on time = 66.7%; 1 late, 1 overdue
            course | dict(manager_id="M1", assignments_due=6, completed_on_time=4, completed_late=1, overdue=1,
                          compliance_rate=4 / 6, decayed=2, avg_scaled_score=0.81),
            # 5 of 6 on time = 83.3%; 1 overdue
            course | dict(manager_id="M2", assignments_due=6, completed_on_time=5, completed_late=0, overdue=1,
                          compliance_rate=5 / 6, decayed=0, avg_scaled_score=0.9),
        ],
    )  # fmt: skip
    create(
        warehouse,
        "mart_certification",
        [
            dict(rep_id="R1", manager_id="M1", course_id="C1", course_title=COURSE_XSS, as_of_week_start=WEEK,
                 last_passed_date=date(2025, 3, 20), valid_until=date(2026, 3, 20), is_valid=True,
                 is_expiring_30d=True, last_activity_date=date(2026, 2, 1), is_decayed=False),
            dict(rep_id="R3", manager_id="M2", course_id="C1", course_title=COURSE_XSS, as_of_week_start=WEEK,
                 last_passed_date=date(2024, 1, 10), valid_until=date(2025, 1, 10), is_valid=False,
                 is_expiring_30d=False, last_activity_date=date(2024, 1, 10), is_decayed=True),
        ],
    )  # fmt: skip
    create(
        warehouse,
        "mart_tool_seats",
        [
            # 6 active / 10 seats = 60%; (2 inactive + 2 unassigned) x 1,050 = 4,200; 5 / 6 = 83.3%
            dict(tool="Gong", week_start=WEEK, seats_purchased=10, assigned_seats=8, active_users=6,
                 inactive_seats=2, unassigned_seats=2, seat_utilization=0.6, reclaimable_annual_spend=4200.0,
                 annual_cost_per_seat=1050.0, currency="USD", has_data=True, weekly_active=5,
                 monthly_active=6, stickiness=5 / 6, new_users=1, retained_users=4, reactivated_users=0,
                 lapsed_users=1),
            dict(tool="Gong", week_start=PREV, seats_purchased=10, assigned_seats=8, active_users=5,
                 seat_utilization=0.5, currency="USD", has_data=True),
            # no sign-in data this week: every sign-in figure unknown
            dict(tool="Highspot", week_start=WEEK, seats_purchased=20, assigned_seats=15, active_users=None,
                 inactive_seats=None, unassigned_seats=5, seat_utilization=None, reclaimable_annual_spend=None,
                 annual_cost_per_seat=600.0, currency="USD", has_data=False),
        ],
    )  # fmt: skip
    seat = dict(tool="Gong", week_start=WEEK, is_eligible=True, signin_days_28d=0, is_active_28d=False,
                is_inactive_seat=True, annual_cost_per_seat=1050.0)  # fmt: skip
    create(
        warehouse,
        "int_tool_seat_week",
        [
            seat | dict(user_email="r2@example.com", rep_id="R2"),
            seat | dict(user_email="r4@example.com", rep_id="R4"),
        ],
    )
    create(
        warehouse,
        "mart_rep_week",
        [
            rep_week("R1", "M1", content_actions=7, customer_facing_actions_28d=11, bookings=12000.0,
                     attainment=0.42, engagement_index=81.5, engagement_quartile=4),
            rep_week("R2", "M1", content_actions=0, engagement_index=12.5, engagement_quartile=1),
            rep_week("R3", "M2", content_actions=5),
            rep_week("R4", "M2", content_actions=1),
        ],
    )  # fmt: skip
    team = dict(week_start=WEEK, eligible_sellers=2, training_active_sellers=1, training_active_rate=0.5)
    create(
        warehouse,
        "mart_team_week",
        [
            team | dict(manager_id="M1", manager_name="Maria Manager", content_active_sellers=1,
                        content_active_rate=0.5, tool_active_sellers=1, assignments_due=6, overdue=1,
                        compliance_rate=4 / 6, bookings=12000.0, quota=50000.0, attainment=0.24,
                        avg_engagement_index=47.0),
            team | dict(manager_id="M2", manager_name="Omar Overseer", content_active_sellers=2,
                        content_active_rate=1.0, tool_active_sellers=2, assignments_due=6, overdue=1,
                        compliance_rate=5 / 6, bookings=30500.0, quota=None, attainment=None,
                        avg_engagement_index=55.0),
            dict(manager_id="M1", manager_name="Maria Manager", week_start=PREV, eligible_sellers=2,
                 content_active_rate=0.0, training_active_rate=0.5, compliance_rate=0.5),
        ],
    )  # fmt: skip
    period = dict(
        period_start=date(2025, 12, 8), period_end=date(2026, 3, 8), caveat="association, not proof of cause"
    )
    create(
        warehouse,
        "mart_adoption_impact",
        [
            period | dict(item_type="asset", item_id="A1", item_name=ASSET_XSS, outcome="win_rate",
                          stratum="combined", adopters_n=40, non_adopters_n=45, adopters_value=0.35,
                          non_adopters_value=0.25, difference=0.10, ci_low=0.02, ci_high=0.18,
                          is_significant=True, verdict="positive association"),
            period | dict(item_type="asset", item_id="A1", item_name=ASSET_XSS, outcome="win_rate",
                          stratum="tenure_lt_6m", adopters_n=8, non_adopters_n=9, adopters_value=0.5,
                          non_adopters_value=0.2, is_significant=False, verdict="insufficient evidence"),
            period | dict(item_type="course", item_id="C1", item_name=COURSE_XSS, outcome="attainment",
                          stratum="combined", adopters_n=35, non_adopters_n=31, adopters_value=0.7,
                          non_adopters_value=0.75, difference=-0.05, ci_low=-0.15, ci_high=0.05,
                          is_significant=False, verdict="no clear difference"),
            period | dict(item_type="tool", item_id="Gong", item_name="Gong", outcome="won_deal_size",
                          stratum="combined", adopters_n=12, non_adopters_n=80, adopters_value=None,
                          non_adopters_value=None, is_significant=False, verdict="insufficient evidence"),
        ],
    )  # fmt: skip
    create(
        warehouse,
        "mart_stop_doing",
        [
            dict(item_type="asset", item_id="A4", item_name="Old deck 2019", utilisation=0.0, threshold=0.05,
                 impact_verdict="insufficient evidence", reason="no seller use in 90 days"),
            dict(item_type="tool", item_id="Highspot", item_name="Highspot", utilisation=0.02, threshold=0.3,
                 impact_verdict="no clear difference", reclaimable_annual_spend=9000.0,
                 reason="2% of seats in use"),
        ],
    )  # fmt: skip
    action = dict(manager_id="M1", week_start=WEEK)
    create(
        warehouse,
        "mart_manager_actions",
        [
            action | dict(action_rank=1, action_type="inactive_paid_seat", rep_id="R2", item_id="Gong",
                          item_name="Gong", detail="no sign-in in 28 days", impact_score=1050.0,
                          annual_cost=1050.0),
            action | dict(action_rank=2, action_type="overdue_training", rep_id="R1", item_id="C1",
                          item_name=COURSE_XSS, detail="due 2026-02-20", impact_score=10.0),
            dict(manager_id="M1", week_start=PREV, action_rank=1, action_type="overdue_training", rep_id="R1",
                 item_id="C1", item_name=COURSE_XSS, detail="due 2026-02-20", is_resolved=False),
            dict(manager_id="M1", week_start=PREV, action_rank=2, action_type="decayed_certification",
                 rep_id="R2", item_id="C9", item_name="Negotiation basics", detail="no activity in 90 days",
                 is_resolved=True),
            dict(manager_id="M2", week_start=WEEK, action_rank=1, action_type="overdue_training", rep_id="R3",
                 item_id="C1", item_name=COURSE_XSS, detail="due 2026-02-27", impact_score=9.0),
        ],
    )  # fmt: skip
    create(
        warehouse,
        "dq_results",
        [
            # an older run had a blocking failure; the newest run (run-2) only a warning
            dict(run_id="run-1", suite="raw_okta_event", expectation="expect_column_values_to_not_be_null",
                 column_name="event_id", severity="block", success=False, observed_value="3 nulls",
                 unexpected_count=3, checked_at=datetime(2026, 3, 9, 1, 0)),
            dict(run_id="run-2", suite="raw_okta_event", expectation="expect_column_values_to_not_be_null",
                 column_name="event_id", severity="block", success=True, observed_value="0 nulls",
                 unexpected_count=0, checked_at=datetime(2026, 3, 10, 1, 0)),
            dict(run_id="run-2", suite="raw_okta_event", expectation="freshness", column_name="published_at",
                 severity="warn", success=False, observed_value="newest 2026-03-05 08:00",
                 unexpected_count=None, checked_at=datetime(2026, 3, 10, 1, 0)),
        ],
    )  # fmt: skip
    # Raw events and load records for the trust strip (the raw tables exist: warehouse.ensure()).
    execute(
        warehouse,
        "insert into {s}.raw_content_event (event_id, occurred_at) values "
        "('e1', '2026-03-07 15:30:00'), ('e2', '2026-03-09 10:00:00'), ('e3', '2026-02-20 09:00:00')",
    )
    runs = [
        # the same file loaded twice: 120 loaded once, its 3 quarantined rows replaced, not added
        ("r1", "content_activity", "/landing/content_activity/2026-03-04/events.csv", "ok", 123, 120, 3, 0),
        ("r2", "content_activity", "/landing/content_activity/2026-03-04/events.csv", "ok", 123, 0, 3, 120),
        ("r1", "content_activity", "/landing/content_activity/2026-02-20/events.csv", "ok", 50, 50, 0, 0),
        ("r1", "xapi", "/landing/xapi/2026-03-05/statements.json", "ok", 31, 30, 1, 0),
        ("r1", "okta", "/landing/okta/2026-03-06/logs.json", "failed", 0, 0, 0, 0),
    ]
    with warehouse.engine.begin() as conn:
        conn.execute(
            warehouse.pipeline_runs.insert(),
            [
                dict(run_id=r, source=s, source_file=f, status=st, rows_read=rd, rows_loaded=ld,
                     rows_quarantined=q, rows_duplicate=dup, started_at=datetime(2026, 3, 9, 1, i),
                     finished_at=datetime(2026, 3, 9, 1, i))
                for i, (r, s, f, st, rd, ld, q, dup) in enumerate(runs)
            ],
        )  # fmt: skip
