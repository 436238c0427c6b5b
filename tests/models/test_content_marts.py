"""Content marts (SPEC section 5, Content) on DuckDB and PostgreSQL, with hand-worked numbers.

Calendar used below (ISO weeks start on Monday): 2025-12-01, 2026-01-05, 2026-02-09,
2026-03-02 and 2026-03-30 are Mondays. Week W = 2026-03-02 ends on Sunday 2026-03-08.
"""

from __future__ import annotations

from datetime import date

import pytest

from enablement_audit.config import Settings
from enablement_audit.pipeline import processing_window
from tests.conftest import fetch
from tests.models.conftest import build, load_text

# Sellers are the Account Executives (a default seller title); Fay (Solutions Engineer, no quota)
# and Mo (Sales Manager) are not sellers. Di joined 2026-02-16; Cy left (inactive in the CRM).
USERS = """Id,Name,Email,ManagerId,Title,Department,IsActive,CreatedDate
005M,Mo Manager,mo@example.com,,Sales Manager,Sales,true,2020-01-06T09:00:00.000+0000
005A,Ann,ann@example.com,005M,Account Executive,Sales,true,2025-01-06T09:00:00.000+0000
005B,Bob,bob@example.com,005M,Account Executive,Sales,true,2025-01-06T09:00:00.000+0000
005C,Cy,cy@example.com,005M,Account Executive,Sales,false,2025-01-06T09:00:00.000+0000
005D,Di,di@example.com,005M,Account Executive,Sales,true,2026-02-16T09:00:00.000+0000
005E,Ed,ed@example.com,005M,Account Executive,Sales,true,2025-01-06T09:00:00.000+0000
005F,Fay,fay@example.com,005M,Solutions Engineer,Sales,true,2025-01-06T09:00:00.000+0000
005G,Gus,gus@example.com,005M,Account Executive,Sales,true,2025-01-06T09:00:00.000+0000
005H,Hal,hal@example.com,005M,Account Executive,Sales,true,2025-01-06T09:00:00.000+0000
005I,Ivy,ivy@example.com,005M,Account Executive,Sales,true,2025-01-06T09:00:00.000+0000
"""

# Bob is on leave 03-04..03-12 (overlapping week W); Cy was terminated on 2026-02-20.
HR = """email,hire_date,employment_status,status_start,status_end,fte
bob@example.com,2025-01-06,leave,2026-03-04,2026-03-12,1
cy@example.com,2025-01-06,terminated,2026-02-20,,1
"""

CATALOG_HEADER = "asset_id,title,asset_type,bucket,owner_email,published_at,expires_at,status,tags\n"
ACTIVITY_HEADER = "event_id,occurred_at,user_email,asset_id,action,duration_seconds,opportunity_id\n"
OPPORTUNITY_HEADER = "Id,OwnerId,StageName,Amount,CloseDate,CreatedDate,IsClosed,IsWon\n"

W = date(2026, 3, 2)


def load_people(warehouse, tmp_path) -> None:
    load_text(warehouse, tmp_path, "users", "User.csv", USERS)
    load_text(warehouse, tmp_path, "hr", "hr.csv", HR)


def load_catalog(warehouse, tmp_path, rows: str) -> None:
    load_text(warehouse, tmp_path, "content_catalog", "assets.csv", CATALOG_HEADER + rows)


def load_people_and_deck(warehouse, tmp_path) -> None:
    """The people and one live asset, a1."""
    load_people(warehouse, tmp_path)
    load_catalog(warehouse, tmp_path, "a1,Pricing deck,deck,Sales plays,mo@example.com,2025-06-01,,live,\n")


def load_activity(warehouse, tmp_path, rows: str, name: str = "activity.csv") -> dict:
    return load_text(warehouse, tmp_path, "content_activity", name, ACTIVITY_HEADER + rows)


def content_week(warehouse, columns: str, week: date) -> tuple:
    rows = fetch(
        warehouse,
        f"select {columns} from {warehouse.schema}.mart_content_week where week_start = :week",
        week=week,
    )
    assert len(rows) == 1
    return rows[0]


def test_content_active_rate_counts_eligible_sellers_only(any_warehouse, tmp_path):
    load_people(any_warehouse, tmp_path)
    load_catalog(
        any_warehouse,
        tmp_path,
        "a1,Pricing deck,deck,Sales plays,mo@example.com,2025-06-01,,live,\n"
        "a2,ROI calculator,tool,Sales plays,mo@example.com,2025-06-01,,live,\n",
    )
    load_activity(
        any_warehouse,
        tmp_path,
        "c1,2026-03-03T10:00:00Z,ann@example.com,a1,view,30,\n"
        "c2,2026-03-03T11:00:00Z,ann@example.com,a1,share,,\n"
        "c3,2026-03-04T09:00:00Z,ann@example.com,a2,present,600,\n"
        # Sunday 23:30 UTC: still week W in the (default) UTC reporting zone
        "c4,2026-03-08T23:30:00Z,hal@example.com,a1,customer_view,,\n"
        "c5,2026-03-05T09:00:00Z,bob@example.com,a1,share,,\n"
        "c6,2026-03-04T09:00:00Z,di@example.com,a2,download,,\n"
        "c7,2026-03-03T09:00:00Z,cy@example.com,a1,share,,\n"
        "c8,2026-03-03T09:00:00Z,fay@example.com,a1,present,,\n"
        # Sunday of the week before W
        "c9,2026-03-01T12:00:00Z,gus@example.com,a1,view,,\n"
        "c10,2026-03-03T09:00:00Z,nobody@example.com,a1,share,,\n",
    )
    build(any_warehouse, W, date(2026, 3, 9), select=["mart_content_week"])

    row = content_week(
        any_warehouse,
        "eligible_sellers, content_active_sellers, content_active_rate, content_actions, "
        "customer_facing_actions, customer_facing_sellers",
        W,
    )
    # Eligible in W: Ann, Ed, Gus, Hal, Ivy = 5. Not eligible: Bob (on leave), Di (hired 02-16,
    # inside the 30-day ramp: 02-16 > 03-02 - 30 = 01-31), Cy (terminated), Fay and Mo (not sellers).
    # Content active among them: Ann and Hal (Gus only acted the week before) -> 2 / 5 = 0.4,
    # although Bob, Di, Cy and Fay also acted in W.
    # Seller actions in W (a rep on leave or in ramp is still a seller): Ann 3 + Hal 1 + Bob 1
    # + Di 1 = 6; Cy (left), Fay (not a seller) and the unknown address do not count.
    # Customer-facing (share, present, customer_view): Ann share + present, Hal customer_view,
    # Bob share = 4 actions by 3 sellers; Ann's view and Di's download are not customer-facing.
    assert row == (5, 2, 0.4, 6, 4, 3)


# Week W2 = 2026-03-30 ends 2026-04-05; its trailing 90 days are 2026-01-06..2026-04-05 and the
# utilisation base needs publication on or before 2026-04-05 - 30 = 2026-03-06.
W2 = date(2026, 3, 30)
USAGE_CATALOG = (
    "a1,Pricing deck,deck,Sales plays,mo@example.com,2025-06-01,,live,\n"
    "a2,ROI calculator,tool,Sales plays,mo@example.com,2025-06-01,,live,\n"
    # published 20 days before the week end: too new for the base
    "a3,New battlecard,battlecard,Competitive,mo@example.com,2026-03-16,,live,\n"
    "a4,Old deck,deck,Sales plays,mo@example.com,2025-06-01,,archived,\n"
    "a5,Stale battlecard,battlecard,Competitive,mo@example.com,2025-06-01,,live,\n"
    "a6,Win story,case_study,Competitive,mo@example.com,2025-06-01,,live,\n"
    # published exactly 30 days before the week end: in the base
    "a7,Product tour,video,Product,mo@example.com,2026-03-06,,live,\n"
    # published after the week end: no row for W2
    "a8,Launch kit,deck,Product,mo@example.com,2026-04-10,,live,\n"
)
USAGE_ACTIVITY = (
    "u1,2026-02-23T10:00:00Z,ann@example.com,a1,view,,\n"
    "u2,2026-03-10T10:00:00Z,ann@example.com,a1,view,,\n"
    "u3,2026-03-17T10:00:00Z,ann@example.com,a1,view,,\n"
    "u4,2026-03-31T10:00:00Z,ann@example.com,a1,view,,\n"
    "u5,2026-04-01T10:00:00Z,ann@example.com,a1,share,,\n"
    "u6,2026-04-02T10:00:00Z,bob@example.com,a1,present,,\n"
    "u7,2026-04-01T10:00:00Z,fay@example.com,a2,view,,\n"
    "u8,2026-04-01T11:00:00Z,ann@example.com,a3,view,,\n"
    "u9,2026-04-01T12:00:00Z,ann@example.com,a4,view,,\n"
    # 91 days before the week end (outside the 90) and 90 days (inside)
    "u10,2026-01-05T10:00:00Z,ann@example.com,a5,view,,\n"
    "u11,2026-01-06T10:00:00Z,ann@example.com,a6,view,,\n"
)


@pytest.fixture
def usage_warehouse(any_warehouse, tmp_path):
    """13 weeks built (2026-01-05 .. 2026-03-30) so seller status covers the 90-day history."""
    load_people(any_warehouse, tmp_path)
    load_catalog(any_warehouse, tmp_path, USAGE_CATALOG)
    load_activity(any_warehouse, tmp_path, USAGE_ACTIVITY)
    build(
        any_warehouse,
        date(2026, 1, 5),
        date(2026, 4, 6),
        select=["mart_content_week", "mart_content_bucket_week"],
    )
    return any_warehouse


def test_asset_usage_counts_trend_utilisation_base_and_shelfware(usage_warehouse):
    rows = fetch(
        usage_warehouse,
        "select asset_id, is_live, actions_week, customer_facing_actions_week, reps_week, actions_90d, "
        "reps_90d, actions_prev_4w_avg, trend, is_in_utilisation_base, is_shelfware, usage_rank_90d "
        f"from {usage_warehouse.schema}.mart_asset_usage where week_start = :week order by asset_id",
        week=W2,
    )
    assert rows == [
        # a1: in W2 Ann view + share and Bob present = 3 actions, 2 customer-facing, 2 reps;
        # 90 days add Ann's views of 02-23, 03-10, 03-17 = 6 actions, still 2 reps;
        # previous 4 weeks (03-02..03-29): 03-10 and 03-17 = 2 / 4 = 0.5; trend 3 - 0.5 = 2.5.
        ("a1", True, 3, 2, 2, 6, 2, 0.5, 2.5, True, False, 1),
        # a2: only Fay (not a seller) used it: in the base with no seller action -> shelfware.
        ("a2", True, 0, 0, 0, 0, 0, 0.0, 0.0, True, True, 4),
        # a3: used, but published 03-16 > 03-06: outside the base, so never shelfware.
        ("a3", True, 1, 0, 1, 1, 1, 0.0, 1.0, False, False, 2),
        # a4: archived: not live, not in the base, not ranked.
        ("a4", False, 1, 0, 1, 1, 1, 0.0, 1.0, False, False, None),
        # a5: last seller action on 01-05, one day before the 90-day window: shelfware.
        ("a5", True, 0, 0, 0, 0, 0, 0.0, 0.0, True, True, 4),
        # a6: seller action on 01-06, the window's first day: used.
        ("a6", True, 0, 0, 0, 1, 1, 0.0, 0.0, True, False, 2),
        # a7: published 03-06, exactly 30 days before the week end: in the base, unused.
        ("a7", True, 0, 0, 0, 0, 0, 0.0, 0.0, True, True, 4),
    ]
    # Ranks among live assets by actions_90d: a1 (6) 1; a3, a6 (1) tie at 2; the three zeros at 4.

    earlier = fetch(
        usage_warehouse,
        f"select asset_id from {usage_warehouse.schema}.mart_asset_usage "
        "where week_start = :week order by asset_id",
        week=date(2026, 3, 9),
    )
    # Week 03-09 ends 03-15: a3 (published 03-16) and a8 (04-10) do not exist yet.
    assert earlier == [("a1",), ("a2",), ("a4",), ("a5",), ("a6",), ("a7",)]


def test_content_week_utilisation_shelfware_and_concentration(usage_warehouse):
    row = content_week(
        usage_warehouse,
        "assets_in_base, assets_used_90d, asset_utilisation, shelfware_assets, live_assets, "
        "top10_share_90d, gini_90d",
        W2,
    )
    # Base: a1, a2, a5, a6, a7 = 5; used in 90 days: a1, a6 = 2 -> 2 / 5 = 0.4; shelfware 3.
    # Live assets: a1, a2, a3, a5, a6, a7 = 6 with 90-day actions 6, 0, 1, 0, 1, 0 (total 8).
    # Top 10%: ceil(0.6) = 1 asset (a1): 6 / 8 = 0.75.
    # Gini, ascending 0, 0, 0, 1, 1, 6 with weights 2i - n - 1 = -5, -3, -1, 1, 3, 5:
    # (1 + 3 + 30) / (6 * 8) = 34 / 48.
    assert row[:6] == (5, 2, 0.4, 3, 6, 0.75)
    assert row[6] == pytest.approx(34 / 48)


def test_bucket_week_utilisation(usage_warehouse):
    rows = fetch(
        usage_warehouse,
        "select bucket, assets_in_base, assets_used_90d, asset_utilisation, shelfware_assets, actions_week "
        f"from {usage_warehouse.schema}.mart_content_bucket_week where week_start = :week order by bucket",
        week=W2,
    )
    assert rows == [
        # a3 (too new), a5 (shelfware), a6 (used): base 2, used 1 -> 0.5; a3's 1 action in W2.
        ("Competitive", 2, 1, 0.5, 1, 1),
        # a7 only (a8 not yet published): base 1, unused -> 0.0, shelfware 1.
        ("Product", 1, 0, 0.0, 1, 0),
        # a1 (used), a2 (shelfware), a4 (archived): base 2, used 1 -> 0.5; actions 3 + 0 + 1 = 4.
        ("Sales plays", 2, 1, 0.5, 1, 4),
    ]


def test_top10_share_and_gini_on_four_live_assets(any_warehouse, tmp_path):
    load_people(any_warehouse, tmp_path)
    load_catalog(
        any_warehouse,
        tmp_path,
        "b1,One,deck,Sales plays,mo@example.com,2025-06-01,,live,\n"
        "b2,Two,deck,Sales plays,mo@example.com,2025-06-01,,live,\n"
        "b3,Three,deck,Sales plays,mo@example.com,2025-06-01,,live,\n"
        "b4,Four,deck,Sales plays,mo@example.com,2025-06-01,,live,\n"
        "b5,Five,deck,Sales plays,mo@example.com,2025-06-01,,archived,\n",
    )
    # Ann (a seller): b1 x6, b2 x3, b3 x1, archived b5 x5; Fay (not a seller): b4 x2.
    counts = [("ann", "b1", 6), ("ann", "b2", 3), ("ann", "b3", 1), ("ann", "b5", 5), ("fay", "b4", 2)]
    rows = [
        f"{user}-{asset}-{i},2026-03-0{3 + i % 3}T10:00:00Z,{user}@example.com,{asset},view,,\n"
        for user, asset, n in counts
        for i in range(n)
    ]
    load_activity(any_warehouse, tmp_path, "".join(rows))
    build(any_warehouse, W, date(2026, 3, 9), select=["mart_content_week"])

    top10, gini, live = content_week(any_warehouse, "top10_share_90d, gini_90d, live_assets", W)
    # Live assets b1..b4 with seller actions 6, 3, 1, 0 (b5 archived, Fay's b4 views not seller
    # actions): total 10. Top 10% of 4 = ceil(0.4) = 1 asset: b1 = 6 / 10 = 0.6.
    # Gini, ascending x = 0, 1, 3, 6, n = 4: sum((2i - 5) x_i) = -3*0 - 1*1 + 1*3 + 3*6 = 20;
    # 20 / (4 * 10) = 0.5 (check: sum of |xi - xj| over ordered pairs 40 / (2 * 4^2 * 2.5) = 0.5).
    assert (top10, gini, live) == (0.6, 0.5, 4)
    ranks = fetch(
        any_warehouse,
        f"select asset_id, actions_90d, usage_rank_90d from {any_warehouse.schema}.mart_asset_usage "
        "where week_start = :week order by asset_id",
        week=W,
    )
    assert ranks == [("b1", 6, 1), ("b2", 3, 2), ("b3", 1, 3), ("b4", 0, 4), ("b5", 5, None)]


def test_content_transitions_new_retained_reactivated_lapsed(any_warehouse, tmp_path):
    load_people_and_deck(any_warehouse, tmp_path)
    load_activity(
        any_warehouse,
        tmp_path,
        # Ivy in week 01-12, before the build window: history read from the facts
        "r0,2026-01-13T10:00:00Z,ivy@example.com,a1,view,,\n"
        "r1,2026-02-10T10:00:00Z,gus@example.com,a1,view,,\n"
        "r2,2026-02-17T10:00:00Z,ivy@example.com,a1,view,,\n"
        "r3,2026-02-24T10:00:00Z,ann@example.com,a1,view,,\n"
        "r4,2026-02-25T10:00:00Z,hal@example.com,a1,view,,\n"
        "r5,2026-03-03T10:00:00Z,ann@example.com,a1,view,,\n"
        "r6,2026-03-03T12:00:00Z,ann@example.com,a1,share,,\n"
        "r7,2026-03-04T10:00:00Z,ed@example.com,a1,view,,\n"
        "r8,2026-03-05T10:00:00Z,gus@example.com,a1,view,,\n"
        "r9,2026-03-03T10:00:00Z,fay@example.com,a1,view,,\n",
    )
    build(any_warehouse, date(2026, 2, 9), date(2026, 3, 9), select=["mart_content_week"])

    rows = fetch(
        any_warehouse,
        "select week_start, new_users, retained_users, reactivated_users, lapsed_users "
        f"from {any_warehouse.schema}.mart_content_week order by week_start",
    )
    assert rows == [
        # 02-09: Gus acts for the first time -> new. Ivy (01-12) was not active 02-02: not lapsed.
        (date(2026, 2, 9), 1, 0, 0, 0),
        # 02-16: Ivy again after a gap (active 01-12, not 02-09) -> reactivated; Gus lapsed.
        (date(2026, 2, 16), 0, 0, 1, 1),
        # 02-23: Ann and Hal for the first time -> new 2; Ivy lapsed.
        (date(2026, 2, 23), 2, 0, 0, 1),
        # 03-02: Ann retained, Ed new, Gus reactivated (02-09, not 02-23), Hal lapsed; Fay is not
        # a seller, so her first action is not a new user.
        (W, 1, 1, 1, 1),
    ]
    active = content_week(any_warehouse, "eligible_sellers, content_active_sellers, content_active_rate", W)
    # Eligible in W: Ann, Ed, Gus, Hal, Ivy (Bob on leave, Di in ramp, Cy left); active Ann, Ed,
    # Gus -> 3 / 5 = 0.6.
    assert active == (5, 3, 0.6)


INFLUENCE_OPPORTUNITIES = OPPORTUNITY_HEADER + (
    "O1,005A,Closed Won,50000,2026-03-06,2026-02-02T10:00:00Z,true,true\n"
    "O2,005A,Negotiation,20000,2026-04-30,2026-02-02T10:00:00Z,false,false\n"
    "O3,005E,Closed Lost,10000,2026-03-06,2026-02-02T10:00:00Z,true,false\n"
)


def test_strict_versus_exposure_influence(any_warehouse, tmp_path):
    load_people(any_warehouse, tmp_path)
    load_text(any_warehouse, tmp_path, "opportunities", "Opportunity.csv", INFLUENCE_OPPORTUNITIES)
    load_activity(
        any_warehouse,
        tmp_path,
        # O1 (Ann's, created 02-02, closed 03-06):
        # shared with O1 after it closed: strict, not exposure
        "i1,2026-03-20T10:00:00Z,ann@example.com,a1,share,,O1\n"
        # viewed (not customer-facing) inside the window: neither
        "i2,2026-02-10T10:00:00Z,ann@example.com,a2,view,,\n"
        # customer_view inside the window, no opportunity: exposure only
        "i3,2026-02-11T10:00:00Z,ann@example.com,a3,customer_view,,\n"
        # presented with O1 by Bob, who does not own it: neither
        "i4,2026-02-12T10:00:00Z,bob@example.com,a4,present,,O1\n"
        # downloaded with O1: not a share or present, not customer-facing: neither
        "i5,2026-02-13T10:00:00Z,ann@example.com,a5,download,,O1\n"
        # presented with O1 on its close date: strict and exposure (inclusive)
        "i6,2026-03-06T22:00:00Z,ann@example.com,a6,present,,O1\n"
        # shared the day before O1 was created, no opportunity: neither
        "i7,2026-02-01T10:00:00Z,ann@example.com,a7,share,,\n"
        # customer_view tagged with O1: exposure only (strict is share or present)
        "i8,2026-02-15T10:00:00Z,ann@example.com,a8,customer_view,,O1\n",
    )
    build(any_warehouse, W, date(2026, 3, 9), select=["mart_opportunity_influence"])
    schema = any_warehouse.schema

    pairs = fetch(
        any_warehouse,
        f"select opportunity_id, rep_id, asset_id, is_strict, is_exposure from {schema}.int_opportunity_influence "
        "order by opportunity_id, asset_id",
    )
    # O2 is open (no rows although Ann's actions fall in its window); O3 had no content.
    assert pairs == [
        ("O1", "005A", "a1", True, False),
        ("O1", "005A", "a3", False, True),
        ("O1", "005A", "a6", True, True),
        ("O1", "005A", "a8", False, True),
    ]
    deals = fetch(
        any_warehouse,
        "select opportunity_id, rep_id, close_date, is_won, amount, is_influenced_strict, "
        "is_influenced_exposure, influencing_assets_strict, influencing_assets_exposure "
        f"from {schema}.mart_opportunity_influence order by opportunity_id",
    )
    assert deals == [
        # strict: a1, a6 = 2; exposure: a3, a6, a8 = 3
        ("O1", "005A", date(2026, 3, 6), True, 50000.0, True, True, 2, 3),
        ("O3", "005E", date(2026, 3, 6), False, 10000.0, False, False, 0, 0),
    ]


RESTATED_HEADER = "Id,OwnerId,StageName,Amount,CloseDate,CreatedDate,IsClosed,IsWon,SystemModstamp\n"


def influence_pairs(warehouse) -> list[tuple]:
    return fetch(
        warehouse,
        "select opportunity_id, asset_id, is_strict, is_exposure "
        f"from {warehouse.schema}.int_opportunity_influence order by opportunity_id, asset_id",
    )


def test_influence_is_restated_by_opportunity_night_by_night(any_warehouse, tmp_path):
    """Night 1 builds 2026-01-05..03-08 whole; night 2 builds the week of 03-09 alone and restates
    only the opportunities loaded since night 1, open in that week, or named by a share in it."""
    load_people(any_warehouse, tmp_path)
    modstamp = "2026-03-08T00:00:00Z"
    load_text(
        any_warehouse,
        tmp_path,
        "opportunities",
        "Opportunity-1.csv",
        RESTATED_HEADER
        + f"O1,005A,Closed Won,100,2026-03-06,2026-02-02T10:00:00Z,true,true,{modstamp}\n"
        + f"O4,005A,Closed Lost,100,2026-01-30,2026-01-05T10:00:00Z,true,false,{modstamp}\n"
        + f"O5,005A,Closed Won,100,2026-02-20,2026-02-02T10:00:00Z,true,true,{modstamp}\n"
        + f"O7,005A,Closed Won,100,2026-03-13,2026-03-02T10:00:00Z,true,true,{modstamp}\n"
        + f"O9,005A,Closed Won,100,2026-01-20,2026-01-06T10:00:00Z,true,true,{modstamp}\n",
    )
    load_activity(
        any_warehouse,
        tmp_path,
        "j1,2026-01-10T10:00:00Z,ann@example.com,a1,share,,\n"  # inside O4 (01-05..01-30), O9
        "j2,2026-02-10T10:00:00Z,ann@example.com,a2,customer_view,,\n"  # inside O1 and O5
        "j3,2026-03-03T10:00:00Z,ann@example.com,a3,present,,O1\n",  # strict and inside O1; inside O7
        name="activity-1.csv",
    )
    build(any_warehouse, date(2026, 1, 5), date(2026, 3, 9), select=["int_opportunity_influence"])
    assert influence_pairs(any_warehouse) == [
        ("O1", "a2", False, True),
        ("O1", "a3", True, True),
        ("O4", "a1", False, True),
        ("O5", "a2", False, True),
        ("O7", "a3", False, True),
        ("O9", "a1", False, True),
    ]
    # O9 is neither loaded again nor open in night 2's week: its rows are kept as they are (a
    # row put in by hand survives), where a whole rebuild would drop the made-up one.
    any_warehouse.engine.dispose()
    with any_warehouse.engine.begin() as conn:
        conn.exec_driver_sql(
            f"insert into {any_warehouse.schema}.int_opportunity_influence values ('O9', '005A', 'kept', false, true)"
        )

    later = "2026-03-12T00:00:00Z"
    load_text(
        any_warehouse,
        tmp_path,
        "opportunities",
        "Opportunity-2.csv",
        RESTATED_HEADER
        # O4's close is backdated to 01-08, before j1 on 01-10: it loses a1
        + f"O4,005A,Closed Lost,100,2026-01-08,2026-01-05T10:00:00Z,true,false,{later}\n"
        # O5 is reopened: an open deal has no influence rows
        + f"O5,005A,Negotiation,100,2026-04-30,2026-02-02T10:00:00Z,false,false,{later}\n"
        # O6 is new, open 03-09..03-12
        + f"O6,005A,Closed Won,100,2026-03-12,2026-03-09T10:00:00Z,true,true,{later}\n",
    )
    load_activity(
        any_warehouse,
        tmp_path,
        "j4,2026-03-10T10:00:00Z,ann@example.com,a4,share,,\n"  # inside O6
        "j5,2026-03-11T10:00:00Z,ann@example.com,a5,share,,O1\n",  # strict for O1, after its close
        name="activity-2.csv",
    )
    build(any_warehouse, date(2026, 3, 9), date(2026, 3, 16), select=["int_opportunity_influence"])
    assert influence_pairs(any_warehouse) == [
        ("O1", "a2", False, True),
        ("O1", "a3", True, True),
        ("O1", "a5", True, False),
        ("O6", "a4", False, True),
        ("O6", "a5", False, True),  # j5 also falls inside O6
        # O7 (03-02..03-13, not loaded again) is open in the new week: it gains j4 and j5
        ("O7", "a3", False, True),
        ("O7", "a4", False, True),
        ("O7", "a5", False, True),
        ("O9", "a1", False, True),
        ("O9", "kept", False, True),
    ]
    builds = fetch(
        any_warehouse,
        f"select week_lo, week_hi from {any_warehouse.schema}.model_builds "
        "where model = 'int_opportunity_influence' order by build_started_at",
    )
    assert builds == [(date(2026, 1, 5), date(2026, 3, 9)), (date(2026, 3, 9), date(2026, 3, 16))]


# Governance as of W (the build window's last week, ending 2026-03-08); trailing 90 days are
# 2025-12-09..2026-03-08. The build starts 2025-12-01 so seller status covers that history.
GOVERNANCE_CATALOG = (
    "g1,Never used,deck,Sales plays,mo@example.com,2025-06-01,,live,\n"
    "g2,Used long ago,deck,Sales plays,mo@example.com,2025-06-01,,live,\n"
    "g3,Mostly lost,deck,Sales plays,mo@example.com,2025-06-01,,live,\n"
    "g4,Lost but few,deck,Sales plays,mo@example.com,2025-06-01,,live,\n"
    "g5,Owner left,deck,Sales plays,cy@example.com,2025-06-01,,live,\n"
    "g6,Owner unknown,deck,Sales plays,ghost@example.com,2025-06-01,,live,\n"
    "g7,Expired in use,deck,Sales plays,mo@example.com,2025-06-01,2026-03-01,live,\n"
    "g8,Expired unused,deck,Sales plays,mo@example.com,2025-06-01,2026-03-01,live,\n"
    "g9,Expires at week end,deck,Sales plays,mo@example.com,2025-06-01,2026-03-08,live,\n"
)


def governance_opportunities() -> str:
    # Ann's L1..L10 (L1..L7 lost, L8..L10 won) and Ed's M1..M9 (all lost), created 01-05 and
    # closed 02-20; Ed's MOPEN is still open.
    rows = [
        f"L{i},005A,{'Closed Lost' if i <= 7 else 'Closed Won'},1000,2026-02-20,2026-01-05T10:00:00Z,"
        f"true,{'false' if i <= 7 else 'true'}\n"
        for i in range(1, 11)
    ]
    rows += [f"M{i},005E,Closed Lost,1000,2026-02-20,2026-01-05T10:00:00Z,true,false\n" for i in range(1, 10)]
    rows.append("MOPEN,005E,Negotiation,1000,2026-04-30,2026-01-05T10:00:00Z,false,false\n")
    return OPPORTUNITY_HEADER + "".join(rows)


def governance_activity() -> str:
    rows = [
        "v1,2026-03-03T10:00:00Z,fay@example.com,g1,view,,\n",
        "v2,2025-12-01T10:00:00Z,ann@example.com,g2,view,,\n",
        "v5,2026-03-03T10:00:00Z,ann@example.com,g5,view,,\n",
        "v6,2026-03-03T10:00:00Z,ann@example.com,g6,view,,\n",
        "v7,2026-03-02T10:00:00Z,ann@example.com,g7,view,,\n",
        "v8,2025-12-01T11:00:00Z,ann@example.com,g8,view,,\n",
        "v9,2026-03-03T10:00:00Z,ann@example.com,g9,view,,\n",
    ]
    # Ann shares g3 with L1..L8 on 02-02; L9 and L10 are influenced by exposure only (those
    # shares fall between their creation and close).
    rows += [f"s{i},2026-02-02T10:00:00Z,ann@example.com,g3,share,,L{i}\n" for i in range(1, 9)]
    # Ed shares g4 with M1..M9 and the open MOPEN on 02-03.
    rows += [f"t{i},2026-02-03T10:00:00Z,ed@example.com,g4,share,,M{i}\n" for i in range(1, 10)]
    rows.append("t10,2026-02-03T10:00:00Z,ed@example.com,g4,share,,MOPEN\n")
    return "".join(rows)


def test_asset_governance_flags(any_warehouse, tmp_path):
    load_people(any_warehouse, tmp_path)
    load_catalog(any_warehouse, tmp_path, GOVERNANCE_CATALOG)
    load_text(any_warehouse, tmp_path, "opportunities", "Opportunity.csv", governance_opportunities())
    load_activity(any_warehouse, tmp_path, governance_activity())
    build(any_warehouse, date(2025, 12, 1), date(2026, 3, 9), select=["mart_asset_governance"])

    rows = fetch(
        any_warehouse,
        "select asset_id, as_of_week_start, is_never_used, is_shelfware, is_mostly_lost, is_orphaned, "
        "is_expired_in_use, actions_90d, reps_90d, influenced_closed_n, influenced_lost_n, actions_ever, "
        f"last_seller_action_date from {any_warehouse.schema}.mart_asset_governance order by asset_id",
    )
    assert rows == [
        # only Fay (not a seller) used it: never used, and shelfware
        ("g1", W, True, True, False, False, False, 0, 0, 0, 0, 0, None),
        # Ann's view on 2025-12-01 is before the 90 days (from 12-09): used once, shelfware now
        ("g2", W, False, True, False, False, False, 0, 0, 0, 0, 1, date(2025, 12, 1)),
        # 8 strict + 2 exposure-only = 10 closed deals, 7 lost: 7 / 10 = 70% with n = 10
        ("g3", W, False, False, True, False, False, 8, 1, 10, 7, 8, date(2026, 2, 2)),
        # 9 closed deals, all lost, but n = 9 < 10 (the open MOPEN is not counted): not flagged;
        # its 10 shares are still 10 seller actions
        ("g4", W, False, False, False, False, False, 10, 1, 9, 9, 10, date(2026, 2, 3)),
        # owner Cy is inactive in the CRM: orphaned
        ("g5", W, False, False, False, True, False, 1, 1, 0, 0, 1, date(2026, 3, 3)),
        # owner not a CRM user at all: orphaned
        ("g6", W, False, False, False, True, False, 1, 1, 0, 0, 1, date(2026, 3, 3)),
        # expired 03-01, before the week end 03-08, and used on 03-02: expired but in use
        ("g7", W, False, False, False, False, True, 1, 1, 0, 0, 1, date(2026, 3, 2)),
        # expired 03-01 but last used 2025-12-01: not in use (it is shelfware)
        ("g8", W, False, True, False, False, False, 0, 0, 0, 0, 1, date(2025, 12, 1)),
        # expires on the week end itself, not before it: not flagged
        ("g9", W, False, False, False, False, False, 1, 1, 0, 0, 1, date(2026, 3, 3)),
    ]


def test_asset_governance_running_totals_over_nights_and_a_backfill(any_warehouse, tmp_path):
    """The running totals (actions ever, last seller action) add up ``int_asset_seller_week``:
    its first build holds every week loaded, a nightly build replaces only the window's weeks, and
    the mart counts the weeks up to its as-of week even when the table holds later ones."""
    load_people(any_warehouse, tmp_path)
    load_catalog(any_warehouse, tmp_path, GOVERNANCE_CATALOG)
    load_text(any_warehouse, tmp_path, "opportunities", "Opportunity.csv", governance_opportunities())
    load_activity(any_warehouse, tmp_path, governance_activity())
    # The first build is for week W only, yet it holds every week of seller actions loaded.
    build(any_warehouse, W, date(2026, 3, 9), select=["mart_asset_governance"])

    def totals() -> list[tuple]:
        return fetch(
            any_warehouse,
            "select asset_id, as_of_week_start, actions_ever, last_seller_action_date "
            f"from {any_warehouse.schema}.mart_asset_governance where asset_id in ('g2', 'g3', 'g7') "
            "order by asset_id",
        )

    assert totals() == [
        ("g2", W, 1, date(2025, 12, 1)),
        ("g3", W, 8, date(2026, 2, 2)),
        ("g7", W, 1, date(2026, 3, 2)),
    ]

    # The next night: Ann views g2 twice and Ed shares g3 on 03-10; Fay's view is no seller's.
    load_activity(
        any_warehouse,
        tmp_path,
        "n1,2026-03-10T10:00:00Z,ann@example.com,g2,view,,\n"
        "n2,2026-03-11T10:00:00Z,ann@example.com,g2,view,,\n"
        "n3,2026-03-10T12:00:00Z,ed@example.com,g3,share,,\n"
        "n4,2026-03-12T10:00:00Z,fay@example.com,g3,view,,\n",
        "night.csv",
    )
    build(any_warehouse, date(2026, 3, 9), date(2026, 3, 16), select=["mart_asset_governance"])
    next_week = date(2026, 3, 9)
    assert totals() == [
        ("g2", next_week, 3, date(2026, 3, 11)),
        ("g3", next_week, 9, date(2026, 3, 10)),
        ("g7", next_week, 1, date(2026, 3, 2)),
    ]
    weeks = fetch(
        any_warehouse,
        f"select asset_id, week_start, seller_actions, last_action_date from {any_warehouse.schema}."
        "int_asset_seller_week where asset_id in ('g2', 'g3') order by asset_id, week_start",
    )
    assert weeks == [
        ("g2", date(2025, 12, 1), 1, date(2025, 12, 1)),
        ("g2", next_week, 2, date(2026, 3, 11)),
        ("g3", date(2026, 2, 2), 8, date(2026, 2, 2)),
        ("g3", next_week, 1, date(2026, 3, 10)),
    ]

    # A backfill of February's first week describes that week: later weeks are not counted.
    build(any_warehouse, date(2026, 2, 2), date(2026, 2, 9), select=["mart_asset_governance"])
    february = date(2026, 2, 2)
    assert totals() == [
        ("g2", february, 1, date(2025, 12, 1)),
        ("g3", february, 8, date(2026, 2, 2)),
        ("g7", february, 0, None),
    ]


def test_asset_governance_after_a_backfill_first_and_a_seller_known_late(any_warehouse, tmp_path):
    """The weekly table could lag the facts two ways; the 12 weeks each build rebuilds before its
    window cover both. Its first build is a backfill of an older week (seller status is known up
    to that build's end, so the weeks since wait for the next build); and a quota read late
    makes Fay, whose view of g1 was no seller's, a seller in week W."""
    load_people(any_warehouse, tmp_path)
    load_catalog(any_warehouse, tmp_path, GOVERNANCE_CATALOG)
    load_text(any_warehouse, tmp_path, "opportunities", "Opportunity.csv", governance_opportunities())
    load_activity(any_warehouse, tmp_path, governance_activity())

    def governance() -> list[tuple]:
        return fetch(
            any_warehouse,
            "select asset_id, as_of_week_start, is_never_used, actions_ever, last_seller_action_date, "
            f"actions_90d from {any_warehouse.schema}.mart_asset_governance "
            "where asset_id in ('g1', 'g2', 'g3', 'g7') order by asset_id",
        )

    february = date(2026, 2, 2)
    build(any_warehouse, february, date(2026, 2, 9), select=["mart_asset_governance"])
    assert governance() == [
        ("g1", february, True, 0, None, 0),
        ("g2", february, False, 1, date(2025, 12, 1), 1),
        ("g3", february, False, 8, date(2026, 2, 2), 8),
        ("g7", february, True, 0, None, 0),
    ]

    load_text(
        any_warehouse,
        tmp_path,
        "quotas",
        "ForecastingQuota.csv",
        "Id,QuotaOwnerId,StartDate,QuotaAmount\n0J9F,005F,2026-01-01,100000\n",
    )
    next_week = date(2026, 3, 9)
    build(any_warehouse, next_week, date(2026, 3, 16), select=["mart_asset_governance"])
    assert governance() == [
        # Fay is a seller in week W now: her view of 03-03 counts, in both windows
        ("g1", next_week, False, 1, date(2026, 3, 3), 1),
        # December's view is older than the 12 weeks: kept from the first build
        ("g2", next_week, False, 1, date(2025, 12, 1), 0),
        ("g3", next_week, False, 8, date(2026, 2, 2), 8),
        # week W was after the first build's end: built now
        ("g7", next_week, False, 1, date(2026, 3, 2), 1),
    ]


def test_duplicate_delivery_counts_once(any_warehouse, tmp_path):
    load_people_and_deck(any_warehouse, tmp_path)
    first = load_activity(
        any_warehouse, tmp_path, "d1,2026-03-03T10:00:00Z,ann@example.com,a1,share,,\n", "day1.csv"
    )
    # the next day's delivery repeats d1
    second = load_activity(
        any_warehouse,
        tmp_path,
        "d1,2026-03-03T10:00:00Z,ann@example.com,a1,share,,\nd2,2026-03-04T10:00:00Z,ann@example.com,a1,view,,\n",
        "day2.csv",
    )
    assert first == {"source": "content_activity", "read": 1, "loaded": 1, "quarantined": 0, "duplicates": 0}
    assert second == {"source": "content_activity", "read": 2, "loaded": 1, "quarantined": 0, "duplicates": 1}
    build(any_warehouse, W, date(2026, 3, 9), select=["mart_content_week"])

    # d1 once + d2 = 2 actions, 1 customer-facing (d1), on a1
    assert content_week(any_warehouse, "content_actions, customer_facing_actions", W) == (2, 1)
    usage = fetch(
        any_warehouse,
        f"select actions_week, customer_facing_actions_week from {any_warehouse.schema}.mart_asset_usage "
        "where asset_id = 'a1' and week_start = :week",
        week=W,
    )
    assert usage == [(2, 1)]


def test_late_event_lands_in_its_own_week_on_the_next_run(any_warehouse, tmp_path):
    load_people_and_deck(any_warehouse, tmp_path)
    load_activity(any_warehouse, tmp_path, "e1,2026-03-03T10:00:00Z,ann@example.com,a1,share,,\n", "day1.csv")

    def nightly(day: date, **settings) -> None:
        # the run for one day rebuilds [day - late_arrival_days, day + 1), widened to whole weeks
        window = processing_window(
            Settings.model_construct(**settings), day, date.fromordinal(day.toordinal() + 1)
        )
        build(any_warehouse, window.start, window.end, select=["mart_content_week"], **settings)

    def customer_facing() -> list[tuple]:
        return fetch(
            any_warehouse,
            f"select week_start, customer_facing_actions from {any_warehouse.schema}.mart_content_week "
            "order by week_start",
        )

    nightly(date(2026, 3, 9))  # window 03-06..03-09: weeks 03-02 and 03-09
    assert customer_facing() == [(W, 1), (date(2026, 3, 9), 0)]

    # Sunday 03-08's presentation arrives two days late, with the delivery of 03-10.
    load_activity(
        any_warehouse, tmp_path, "e2,2026-03-08T20:00:00Z,ann@example.com,a1,present,,\n", "day3.csv"
    )
    # Without a lookback the run for 03-10 rebuilds only week 03-09: week W stays stale.
    nightly(date(2026, 3, 10), late_arrival_days=0)
    assert customer_facing() == [(W, 1), (date(2026, 3, 9), 0)]
    # With the default 3-day lookback (03-07..03-10) week W is rebuilt: the event lands in its
    # own week (2 customer-facing actions), not in the week it arrived.
    nightly(date(2026, 3, 10))
    assert customer_facing() == [(W, 2), (date(2026, 3, 9), 0)]


def test_a_fact_holds_the_loaded_history_first_then_replaces_the_window_weeks(any_warehouse, tmp_path):
    """``fct_content_activity`` is incremental with ``first_build: history``: its first build
    holds every event loaded so far, whatever the window; later builds replace only the window's
    weeks, so an event loaded late for an older week waits for a backfill of that week."""
    load_people_and_deck(any_warehouse, tmp_path)
    load_activity(
        any_warehouse,
        tmp_path,
        "h1,2025-11-05T10:00:00Z,ann@example.com,a1,view,,\nh2,2026-03-03T10:00:00Z,ann@example.com,a1,share,,\n",
        "day1.csv",
    )

    def events() -> list[tuple]:
        return fetch(
            any_warehouse,
            f"select event_id, week_start, rep_id from {any_warehouse.schema}.fct_content_activity "
            "order by event_id",
        )

    # The first build is for week W only, yet the fact has November's event too.
    build(any_warehouse, W, date(2026, 3, 9), select=["fct_content_activity"])
    assert events() == [("h1", date(2025, 11, 3), "005A"), ("h2", W, "005A")]

    # Week W's event is replaced, one of November 2025 loaded late is not there yet...
    load_activity(
        any_warehouse,
        tmp_path,
        "h3,2025-11-06T10:00:00Z,bob@example.com,a1,view,,\nh4,2026-03-04T23:30:00Z,bob@example.com,a1,view,,\n",
        "day2.csv",
    )
    build(any_warehouse, W, date(2026, 3, 9), select=["fct_content_activity"])
    assert events() == [("h1", date(2025, 11, 3), "005A"), ("h2", W, "005A"), ("h4", W, "005B")]
    # ...until a backfill rebuilds its week (11-03).
    build(any_warehouse, date(2025, 11, 3), date(2025, 11, 10), select=["fct_content_activity"])
    assert events() == [
        ("h1", date(2025, 11, 3), "005A"),
        ("h2", W, "005A"),
        ("h3", date(2025, 11, 3), "005B"),
        ("h4", W, "005B"),
    ]
