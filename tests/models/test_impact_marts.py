"""Adoption versus performance, the stop-doing list and manager actions (SPEC section 5) on DuckDB
and PostgreSQL, with tiny fixtures and every number worked out by hand.

Impact fixture: 13 weeks built, 2025-12-29 .. 2026-03-23; the as-of week A = 2026-03-23 ends
2026-03-29, so the trailing quarter is 2025-12-29 .. 2026-03-29. Minimum cohort n = 3.

Sellers (Account Executives reporting to Mo), tenure at 2026-03-29 from the CRM CreatedDate:
  005A1, 005A2 created 2024-01-08 (811 days, over 18 months); 005A3, 005A4 created 2025-06-02
  (300 days, 6 to 18 months); 005N1 2024-01-08 (811); 005N2 2024-09-27 (548: over 18 months);
  005N3 2025-06-02 (300); 005N4 2025-09-28 (182: 6 to 18 months); 005Y 2025-09-29 (181: under 6).
  005R created 2026-03-10 (inside the 30-day ramp) and 005L (on leave 03-20..04-10) are sellers
  but not eligible in A: never in the population, whatever they do.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.conftest import fetch
from tests.models.conftest import build, load_text

Z95 = 1.959963984540054  # standard normal 97.5th percentile (tables: 1.96)

# --- fixture shared by the adoption-impact and stop-doing tests ------------------------------

A = date(2026, 3, 23)
PERIOD = (date(2025, 12, 29), date(2026, 3, 29))

USERS = """Id,Name,Email,ManagerId,Title,Department,IsActive,CreatedDate
005M,Mo Manager,mo@example.com,,Sales Manager,Sales,true,2020-01-06T09:00:00.000+0000
005A1,Ann,a1@example.com,005M,Account Executive,Sales,true,2024-01-08T09:00:00.000+0000
005A2,Abe,a2@example.com,005M,Account Executive,Sales,true,2024-01-08T09:00:00.000+0000
005A3,Ada,a3@example.com,005M,Account Executive,Sales,true,2025-06-02T09:00:00.000+0000
005A4,Al,a4@example.com,005M,Account Executive,Sales,true,2025-06-02T09:00:00.000+0000
005N1,Ned,n1@example.com,005M,Account Executive,Sales,true,2024-01-08T09:00:00.000+0000
005N2,Nia,n2@example.com,005M,Account Executive,Sales,true,2024-09-27T09:00:00.000+0000
005N3,Noa,n3@example.com,005M,Account Executive,Sales,true,2025-06-02T09:00:00.000+0000
005N4,Nils,n4@example.com,005M,Account Executive,Sales,true,2025-09-28T09:00:00.000+0000
005Y,Yan,y@example.com,005M,Account Executive,Sales,true,2025-09-29T09:00:00.000+0000
005R,Rex,r@example.com,005M,Account Executive,Sales,true,2026-03-10T09:00:00.000+0000
005L,Lea,l@example.com,005M,Account Executive,Sales,true,2024-01-08T09:00:00.000+0000
"""

HR = """email,hire_date,employment_status,status_start,status_end,fte
l@example.com,2024-01-08,leave,2026-03-20,2026-04-10,1
"""

CATALOG = """asset_id,title,asset_type,bucket,owner_email,published_at,expires_at,status,tags
a1,Pricing deck,deck,Sales plays,mo@example.com,2025-06-01,,live,
a2,ROI calculator,tool,Sales plays,mo@example.com,2025-06-01,,live,
a3,Old battlecard,battlecard,Competitive,mo@example.com,2025-06-01,,live,
"""

ACTIVITY = """event_id,occurred_at,user_email,asset_id,action,duration_seconds,opportunity_id
e1,2026-02-10T10:00:00Z,a1@example.com,a1,view,,
e2,2026-02-10T10:00:00Z,a2@example.com,a1,view,,
e3,2026-02-10T10:00:00Z,a3@example.com,a1,view,,
e4,2026-02-10T10:00:00Z,a4@example.com,a1,view,,
e5,2026-03-03T10:00:00Z,a1@example.com,a2,view,,
e6,2025-12-20T10:00:00Z,n1@example.com,a1,view,,
e7,2026-03-24T10:00:00Z,r@example.com,a1,share,,
e8,2026-03-02T10:00:00Z,l@example.com,a1,share,,
"""

OPP_HEADER = (
    "Id,OwnerId,AccountId,Name,StageName,Amount,CloseDate,CreatedDate,IsClosed,IsWon,Type,"
    "ForecastCategoryName,SystemModstamp,IsDeleted\n"
)


def opp(opp_id: str, owner: str, amount: int, close: str, created: str, closed: bool, won: bool) -> str:
    flag = {True: "true", False: "false"}
    stage = "Closed Won" if won else ("Closed Lost" if closed else "Negotiation")
    return (
        f"{opp_id},{owner},001X,{opp_id},{stage},{amount},{close},{created}T10:00:00.000+0000,"
        f"{flag[closed]},{flag[won]},New Business,Closed,2026-03-29T00:00:00.000+0000,false\n"
    )


OPPORTUNITIES = (
    OPP_HEADER
    + opp("W1", "005A1", 10000, "2026-02-15", "2026-01-15", True, True)  # cycle 31
    + opp("L1", "005A1", 3000, "2026-02-20", "2026-01-20", True, False)
    + opp("W2", "005A2", 12000, "2026-03-10", "2026-02-08", True, True)  # cycle 30
    + opp("W3", "005A3", 8000, "2026-01-20", "2025-12-01", True, True)  # cycle 50
    + opp("W4", "005A4", 10000, "2026-03-01", "2026-02-01", True, True)  # cycle 28
    + opp("W5", "005N1", 6000, "2026-02-02", "2026-01-02", True, True)  # cycle 31
    + opp("L5", "005N1", 4000, "2026-03-05", "2026-01-05", True, False)
    + opp("W6", "005N2", 8000, "2026-02-12", "2026-01-12", True, True)  # cycle 31
    + opp("L6", "005N2", 1000, "2026-01-10", "2025-12-10", True, False)
    + opp("W7", "005N3", 5000, "2026-03-20", "2026-01-20", True, True)  # cycle 59
    + opp("L7", "005N3", 2000, "2026-02-25", "2026-01-25", True, False)
    + opp("W8", "005N4", 5000, "2026-02-27", "2026-02-01", True, True)  # cycle 26
    # outside the quarter: the day before it starts and the day after it ends
    + opp("X1", "005N4", 50000, "2025-12-28", "2025-11-01", True, True)
    + opp("X2", "005A2", 99999, "2026-03-30", "2026-03-01", True, True)
    # open deals are no outcome
    + opp("O1", "005Y", 7000, "2026-05-01", "2026-03-01", False, False)
)

# Quarterly quotas (the default quota period). Q1 2026 = 01-01..03-31 (90 days) overlaps the
# quarter on 01-01..03-29 = 88 days: 90000 x 88 / 90 = 88000. Q4 2025 = 10-01..12-31 (92 days)
# overlaps it on 12-29..12-31 = 3 days: 92000 x 3 / 92 = 3000.
QUOTAS = """Id,QuotaOwnerId,StartDate,QuotaAmount
Q1,005A1,2026-01-01,90000
Q2,005A2,2026-01-01,90000
Q3,005A3,2026-01-01,90000
Q4,005N1,2026-01-01,90000
Q5,005N2,2026-01-01,90000
Q6,005N3,2026-01-01,90000
Q7,005A1,2025-10-01,92000
"""

LICENCES = """tool,seats_purchased,annual_cost_per_seat,currency,renewal_date
Gong,10,1200,USD,2027-03-31
Clari,2,600,USD,
"""

ASSIGNMENTS = """tool,user_email,assigned_at,unassigned_at
Gong,a1@example.com,2025-01-06T09:00:00Z,
Gong,n1@example.com,2025-01-06T09:00:00Z,
Gong,a3@example.com,2025-01-06T09:00:00Z,
Gong,n2@example.com,2025-01-06T09:00:00Z,
Clari,a1@example.com,2025-01-06T09:00:00Z,
Clari,a2@example.com,2025-01-06T09:00:00Z,
"""


def okta_event(uuid: str, published: str, login: str, app: str) -> str:
    return json.dumps(
        {
            "uuid": uuid,
            "published": published,
            "eventType": "user.authentication.sso",
            "outcome": {"result": "SUCCESS"},
            "actor": {"id": f"00u{uuid}", "type": "User", "alternateId": login, "displayName": login},
            "target": [{"id": f"0oa{app}", "type": "AppInstance", "alternateId": app, "displayName": app}],
        }
    )


OKTA = "\n".join(
    [
        okta_event("g1", "2026-03-25T09:00:00.000Z", "a1@example.com", "Gong"),
        okta_event("g2", "2026-02-10T09:00:00.000Z", "n1@example.com", "Gong"),
        okta_event("g3", "2026-01-20T09:00:00.000Z", "a3@example.com", "Gong"),
        okta_event("c1", "2026-03-24T09:00:00.000Z", "a1@example.com", "Clari"),
        okta_event("c2", "2026-03-26T09:00:00.000Z", "a2@example.com", "Clari"),
    ]
)

LMS = "https://lms.example.com/courses/"
C1, C2, C3 = LMS + "discovery", LMS + "negotiation", LMS + "product-cert"
COURSES = f"""course_id,title,bucket,published_at,required_for,due_days_after_hire,recert_days,reinforcement_days
{C1},Discovery,core,2025-01-01T00:00:00Z,all,14,,90
{C2},Negotiation,core,2025-01-01T00:00:00Z,all,14,,90
{C3},Product certification,product,2025-01-01T00:00:00Z,,,30,90
"""


def statement(number: int, email: str, verb: str, course: str, day: str) -> str:
    return json.dumps(
        {
            "id": f"00000000-0000-4000-8000-{number:012d}",
            "actor": {"objectType": "Agent", "mbox": f"mailto:{email}"},
            "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}", "display": {"en-US": verb}},
            "object": {"id": course, "objectType": "Activity"},
            "timestamp": f"{day}T09:00:00Z",
        }
    )


XAPI = "\n".join(
    [
        statement(1, "a1@example.com", "completed", C1, "2025-02-01"),
        statement(2, "a2@example.com", "completed", C1, "2025-02-01"),
        statement(3, "a3@example.com", "passed", C1, "2025-07-01"),
        statement(4, "n1@example.com", "completed", C2, "2025-03-01"),
        # C3 recertifies every 30 days: A4's pass is valid until 02-04, before the quarter's end
        # (03-29); N4's until 03-31, still valid.
        statement(5, "a4@example.com", "passed", C3, "2026-01-05"),
        statement(6, "n4@example.com", "passed", C3, "2026-03-01"),
        # after the quarter: not counted
        statement(7, "a4@example.com", "completed", C2, "2026-03-30"),
    ]
)


def load_impact_fixture(warehouse, tmp_path) -> None:
    for source, name, text in [
        ("users", "User.csv", USERS),
        ("hr", "hr.csv", HR),
        ("content_catalog", "assets.csv", CATALOG),
        ("content_activity", "activity.csv", ACTIVITY),
        ("opportunities", "2026-03-29/Opportunity.csv", OPPORTUNITIES),
        ("quotas", "ForecastingQuota.csv", QUOTAS),
        ("licences", "licences.csv", LICENCES),
        ("licence_assignments", "assignments.csv", ASSIGNMENTS),
        ("okta", "logs.jsonl", OKTA),
        ("courses", "courses.csv", COURSES),
        ("xapi", "statements.jsonl", XAPI),
    ]:
        summary = load_text(warehouse, tmp_path, source, name, text)
        assert summary["quarantined"] == 0, (source, summary)


@pytest.fixture
def impact_warehouse(any_warehouse, tmp_path):
    load_impact_fixture(any_warehouse, tmp_path)
    build(
        any_warehouse,
        PERIOD[0],
        date(2026, 3, 30),
        select=["mart_adoption_impact", "mart_stop_doing"],
        impact_min_n=3,
    )
    return any_warehouse


IMPACT_COLUMNS = (
    "stratum, item_adopters_n, adopters_n, non_adopters_n, adopters_value, non_adopters_value, difference, "
    "ci_low, ci_high, is_significant, is_favourable, method, verdict"
)


def impact(warehouse, item_type: str, item_id: str, outcome: str) -> dict[str, tuple]:
    rows = fetch(
        warehouse,
        f"select {IMPACT_COLUMNS} from {warehouse.schema}.mart_adoption_impact "
        "where item_type = :item_type and item_id = :item_id and outcome = :outcome",
        item_type=item_type,
        item_id=item_id,
        outcome=outcome,
    )
    return {row[0]: row[1:] for row in rows}


def test_population_tenure_bands_and_rep_outcomes(impact_warehouse):
    rows = fetch(
        impact_warehouse,
        "select rep_id, as_of_week_start, period_start, period_end, tenure_days, tenure_band, closed_n, won_n, "
        "win_rate, bookings, quota, attainment, avg_won_deal_size, median_cycle_days "
        f"from {impact_warehouse.schema}.int_adoption_rep order by rep_id",
    )
    head = (A, *PERIOD)
    assert rows == [
        # A1: W1 won 10000 (cycle 31), L1 lost -> 1 / 2; quota 3000 (Q4) + 88000 (Q1) = 91000.
        ("005A1", *head, 811, "tenure_gt_18m", 2, 1, 0.5, 10000.0, 91000.0, 10000 / 91000, 10000.0, 31.0),
        ("005A2", *head, 811, "tenure_gt_18m", 1, 1, 1.0, 12000.0, 88000.0, 12000 / 88000, 12000.0, 30.0),
        ("005A3", *head, 300, "tenure_6_18m", 1, 1, 1.0, 8000.0, 88000.0, 8000 / 88000, 8000.0, 50.0),
        # A4 has no quota: no attainment (null, never 0).
        ("005A4", *head, 300, "tenure_6_18m", 1, 1, 1.0, 10000.0, None, None, 10000.0, 28.0),
        ("005N1", *head, 811, "tenure_gt_18m", 2, 1, 0.5, 6000.0, 88000.0, 6000 / 88000, 6000.0, 31.0),
        # 548 days: over 18 months.
        ("005N2", *head, 548, "tenure_gt_18m", 2, 1, 0.5, 8000.0, 88000.0, 8000 / 88000, 8000.0, 31.0),
        ("005N3", *head, 300, "tenure_6_18m", 2, 1, 0.5, 5000.0, 88000.0, 5000 / 88000, 5000.0, 59.0),
        # 182 days: 6 to 18 months; X1 closed 12-28, the day before the quarter, does not count.
        ("005N4", *head, 182, "tenure_6_18m", 1, 1, 1.0, 5000.0, None, None, 5000.0, 26.0),
        # 181 days: under 6 months; only an open deal: no win rate, no deal size, no cycle.
        ("005Y", *head, 181, "tenure_lt_6m", 0, 0, None, 0.0, None, None, None, None),
        # 005R (ramp) and 005L (on leave) are not eligible in A: not in the population.
    ]


def test_adopters_of_assets_courses_and_tools(impact_warehouse):
    rows = fetch(
        impact_warehouse,
        "select item_type, item_id, rep_id "
        f"from {impact_warehouse.schema}.int_adoption_item_rep order by item_type, item_id, rep_id",
    )
    assert rows == [
        # a1: A1..A4 viewed it on 02-10; N1's view of 12-20 is before the quarter; R and L are
        # not in the population.
        ("asset", "a1", "005A1"),
        ("asset", "a1", "005A2"),
        ("asset", "a1", "005A3"),
        ("asset", "a1", "005A4"),
        ("asset", "a2", "005A1"),
        # Completed before the quarter counts for a course without recertification.
        ("course", C1, "005A1"),
        ("course", C1, "005A2"),
        ("course", C1, "005A3"),
        # A4 completed C2 on 03-30, after the quarter: not an adopter.
        ("course", C2, "005N1"),
        # C3: A4's certification lapsed on 02-04; N4's is valid until 03-31.
        ("course", C3, "005N4"),
        ("tool", "Clari", "005A1"),
        ("tool", "Clari", "005A2"),
        ("tool", "Gong", "005A1"),
        ("tool", "Gong", "005A3"),
        ("tool", "Gong", "005N1"),
    ]


def test_asset_won_deal_size_welch_per_band_and_combined(impact_warehouse):
    rows = impact(impact_warehouse, "asset", "a1", "won_deal_size")
    # Adopters A1..A4: 10000, 12000, 8000, 10000 -> mean 10000. Non-adopters with a win:
    # N1..N4: 6000, 8000, 5000, 5000 -> mean 6000 (Y has no win and is left out).
    # Over 18 months: 10000, 12000 vs 6000, 8000: d = 4000, s² = 2e6 each, se² = 1e6 + 1e6 = 2e6.
    # 6 to 18 months: 8000, 10000 vs 5000, 5000: d = 4000, se² = 1e6 + 0 = 1e6.
    # Combined: w = 1 / 2e6 and 1 / 1e6, d = 4000; se = sqrt(1 / 1.5e-6) = 816.4966;
    # half width 1.959964 x 816.4966 = 1600.30 -> (2399.70, 5600.30): excludes zero.
    se = (1 / 1.5e-6) ** 0.5
    assert rows["combined"] == (
        4, 4, 4, 10000.0, 6000.0, pytest.approx(4000.0), pytest.approx(4000 - Z95 * se),
        pytest.approx(4000 + Z95 * se), True, True, "inverse_variance", "positive association",
    )  # fmt: skip
    assert rows["combined"][6] == pytest.approx(2399.70, abs=0.01)
    # Each band has 2 per cohort, below 3: insufficient evidence, no number.
    assert rows["tenure_gt_18m"] == (
        4,
        2,
        2,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        "insufficient evidence",
    )
    assert rows["tenure_6_18m"] == (
        4,
        2,
        2,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        "insufficient evidence",
    )
    assert rows["tenure_lt_6m"] == (
        4,
        0,
        0,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        "insufficient evidence",
    )


def test_asset_win_rate_pooled_proportions(impact_warehouse):
    rows = impact(impact_warehouse, "asset", "a1", "win_rate")
    # Adopters: won 4 of 5 closed (A1 1/2, A2..A4 1/1) = 0.8; non-adopters (Y has no closed deal):
    # N1 1/2, N2 1/2, N3 1/2, N4 1/1 -> 4 of 7.
    # Over 18 months: 2/3 vs 2/4: d = 1/6, var = (2/3)(1/3)/3 + (1/2)(1/2)/4 = 2/27 + 1/16 = 59/432.
    # 6 to 18 months: 2/2 vs 2/3: d = 1/3, var = 0 + (2/3)(1/3)/3 = 2/27.
    # Combined: w = 432/59 and 27/2, sum 2457/118; d = (72/59 + 9/2) / (2457/118) = 675/2457 = 25/91;
    # se = sqrt(118/2457) = 0.219149; half width 0.429522 -> (-0.154797, 0.704248): includes zero.
    se = (118 / 2457) ** 0.5
    assert rows["combined"] == (
        4, 4, 4, 0.8, 4 / 7, pytest.approx(25 / 91), pytest.approx(25 / 91 - Z95 * se),
        pytest.approx(25 / 91 + Z95 * se), False, None, "inverse_variance", "no clear difference",
    )  # fmt: skip


def test_tool_difference_is_adjusted_for_tenure(impact_warehouse):
    rows = impact(impact_warehouse, "tool", "Gong", "won_deal_size")
    # Gong adopters (a sign-in in the quarter): A1 10000, N1 6000, A3 8000 -> mean 8000.
    # Non-adopters with a win: A2 12000, A4 10000, N2 8000, N3 5000, N4 5000 -> 40000 / 5 = 8000.
    # Over 18 months: A1, N1 (mean 8000) vs A2, N2 (mean 10000): d = -2000, s² = 8e6 each,
    # se² = 4e6 + 4e6 = 8e6. 6 to 18 months: one adopter (A3), no variance: no estimate.
    # Combined = the one usable band: d = -2000, se = 2828.427, half width 5543.6
    # -> (-7543.6, 3543.6). The crude cohort values are equal; the tenure-adjusted difference is not.
    se = 8e6**0.5
    assert rows["combined"] == (
        3, 3, 5, 8000.0, 8000.0, pytest.approx(-2000.0), pytest.approx(-2000 - Z95 * se),
        pytest.approx(-2000 + Z95 * se), False, None, "inverse_variance", "no clear difference",
    )  # fmt: skip
    # Over 18 months 2 vs 2 and 6 to 18 months 1 vs 3 are below 3: insufficient evidence.
    assert rows["tenure_gt_18m"][-1] == rows["tenure_6_18m"][-1] == "insufficient evidence"
    assert rows["tenure_6_18m"][:3] == (3, 1, 3)


def test_attainment_leaves_out_reps_without_quota(impact_warehouse):
    rows = impact(impact_warehouse, "asset", "a1", "attainment")
    # Adopters with quota: A1 10000/91000, A2 12000/88000, A3 8000/88000 (A4 has none);
    # non-adopters: N1 6000/88000, N2 8000/88000, N3 5000/88000 (N4, Y have none).
    adopters = (10000 / 91000 + 12000 / 88000 + 8000 / 88000) / 3
    others = (6000 + 8000 + 5000) / 88000 / 3
    assert rows["combined"][:5] == (4, 3, 3, pytest.approx(adopters), pytest.approx(others))


def test_insufficient_evidence_below_min_n(impact_warehouse):
    rows = impact(impact_warehouse, "asset", "a2", "won_deal_size")
    # a2 has one adopter (A1), fewer than 3: every row says so and shows no number.
    assert rows["combined"] == (
        1,
        1,
        7,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        "insufficient evidence",
    )
    # Engagement: 9 eligible sellers, ntile(4) -> 3, 2, 2, 2: the top quartile has 2 reps.
    engagement = impact(impact_warehouse, "engagement", "top_vs_bottom_quartile", "won_deal_size")
    assert engagement["combined"][0] == 2
    assert {row[-1] for row in engagement.values()} == {"insufficient evidence"}
    counts = fetch(
        impact_warehouse,
        "select item_type, count(*), min(caveat), max(caveat) "
        f"from {impact_warehouse.schema}.mart_adoption_impact group by item_type order by item_type",
    )
    caveat = "association, not proof of cause"
    # one row per item x 4 outcomes x 4 strata: 3 assets, 3 courses, 2 tools, 1 engagement
    assert counts == [
        ("asset", 48, caveat, caveat),
        ("course", 48, caveat, caveat),
        ("engagement", 16, caveat, caveat),
        ("tool", 32, caveat, caveat),
    ]


def test_stop_doing_list(impact_warehouse):
    rows = fetch(
        impact_warehouse,
        "select item_type, item_id, item_name, as_of_week_start, utilisation_measure, utilisation, threshold, "
        "impact_verdict, reclaimable_annual_spend, reason "
        f"from {impact_warehouse.schema}.mart_stop_doing order by item_type, item_id",
    )
    assert rows == [
        # a3: in the base, no seller action in 90 days (shelfware), no adopter to judge it by.
        # a1 and a2 have seller actions: not listed.
        (
            "asset", "a3", "Old battlecard", A, "seller_actions_90d", 0.0, 1.0, "insufficient evidence", None,
            "Shelfware: no seller action in the trailing 90 days; "
            "adoption versus performance: insufficient evidence",
        ),
        # Assignments due by 03-29 to the 9 eligible sellers: C1 completed by A1, A2, A3 = 3/9,
        # below 0.5, but its adopters win bigger deals (won_deal_size combined, over 18 months:
        # 10000, 12000 vs 6000, 8000: d = 4000, se = 1414.2, (1228, 6772)): a favourable
        # association keeps it off the list. C2: 1/9 (A4's completion of 03-30 is after A),
        # one adopter: listed. C3 is not required: no completion rate.
        (
            "course", C2, "Negotiation", A, "completion_rate", 1 / 9, 0.5, "insufficient evidence", None,
            "Completed by 1 of the 9 eligible sellers it is due for; "
            "adoption versus performance: insufficient evidence",
        ),
        # Gong in A: 4 seats assigned, active in 28 days (03-02..03-29) only A1 -> 1 / 10 = 0.1;
        # inactive N1, A3, N2 = 3, unassigned 10 - 4 = 6: (3 + 6) x 1200 = 10800 reclaimable.
        # Its impact shows no significant difference. Clari: 2 / 2 = 1.0, not listed.
        (
            "tool", "Gong", "Gong", A, "seat_utilization", 0.1, 0.5, "no clear difference", 10800.0,
            "1 active user(s) for 10 seats; 10800 USD a year reclaimable; "
            "adoption versus performance: no clear difference",
        ),
    ]  # fmt: skip
    course = impact(impact_warehouse, "course", C1, "won_deal_size")["combined"]
    assert course[-3:] == (True, "inverse_variance", "positive association")
    assert course[9] is True  # is_favourable


# --- manager actions -------------------------------------------------------------------------

# Weeks W1 = 2026-03-02 (end 03-08) and W2 = 2026-03-09 (end 03-15). Mo (005M) and Nia (005N)
# manage; everyone else is an Account Executive, eligible both weeks unless said.
W1, W2 = date(2026, 3, 2), date(2026, 3, 9)

ACTION_USERS = """Id,Name,Email,ManagerId,Title,Department,IsActive,CreatedDate
005M,Mo Manager,mo@example.com,,Sales Manager,Sales,true,2020-01-06T09:00:00.000+0000
005N,Nia Manager,nia@example.com,,Sales Manager,Sales,true,2020-01-06T09:00:00.000+0000
005A,Ann,ann@example.com,005M,Account Executive,Sales,true,2024-01-01T09:00:00.000+0000
005B,Bob,bob@example.com,005M,Account Executive,Sales,true,2025-06-02T09:00:00.000+0000
005C,Cy,cy@example.com,005M,Account Executive,Sales,true,2024-01-01T09:00:00.000+0000
005D,Di,di@example.com,005M,Account Executive,Sales,true,2024-01-01T09:00:00.000+0000
005E,Eve,eve@example.com,005M,Account Executive,Sales,true,2024-01-01T09:00:00.000+0000
005G,Gus,gus@example.com,005N,Account Executive,Sales,true,2025-03-03T09:00:00.000+0000
005H,Hal,hal@example.com,005N,Account Executive,Sales,true,2024-01-01T09:00:00.000+0000
"""

# Eve is on leave over both weeks: her overdue course is never named.
ACTION_HR = """email,hire_date,employment_status,status_start,status_end,fte
eve@example.com,2024-01-01,leave,2026-02-20,2026-03-31,1
"""

# K1 required for all, due 14 days after the later of hire and 2025-01-01: Ann 2025-01-15,
# Bob 2025-06-16, Gus 2025-03-17, Eve 2025-01-15. K4 is a certification (recert 365 days,
# reinforcement 30), not required.
K1, K4 = LMS + "k1", LMS + "k4"
ACTION_COURSES = f"""course_id,title,bucket,published_at,required_for,due_days_after_hire,recert_days,reinforcement_days
{K1},Discovery,core,2025-01-01T00:00:00Z,all,14,,90
{K4},Product certification,product,2025-01-01T00:00:00Z,,,365,30
"""

ACTION_XAPI = "\n".join(
    [
        statement(1, "cy@example.com", "completed", K1, "2025-01-10"),
        statement(2, "di@example.com", "completed", K1, "2025-01-10"),
        statement(3, "hal@example.com", "completed", K1, "2025-01-10"),
        # Gus completes K1 in W2 (late): overdue in W1, resolved in W2.
        statement(4, "gus@example.com", "completed", K1, "2026-03-10"),
        # Di passed K4 on 2025-12-01 and did nothing on it since: decayed, still valid.
        statement(5, "di@example.com", "passed", K4, "2025-12-01"),
    ]
)

ACTION_LICENCES = """tool,seats_purchased,annual_cost_per_seat,currency,renewal_date
Gong,10,1200,USD,
Clari,5,600,USD,
"""

ACTION_ASSIGNMENTS = """tool,user_email,assigned_at,unassigned_at
Gong,ann@example.com,2025-01-06T09:00:00Z,
Clari,bob@example.com,2025-01-06T09:00:00Z,
"""

ACTION_OKTA = "\n".join(
    [
        # Sign-ins that give each tool data in each week; Ann has no Clari seat.
        okta_event("s1", "2026-03-03T09:00:00.000Z", "cy@example.com", "Gong"),
        okta_event("s2", "2026-03-03T09:00:00.000Z", "ann@example.com", "Clari"),
        okta_event("s3", "2026-03-10T09:00:00.000Z", "ann@example.com", "Clari"),
        # Ann uses her Gong seat again in W2: W1's inactive seat is resolved.
        okta_event("s4", "2026-03-10T09:00:00.000Z", "ann@example.com", "Gong"),
    ]
)

ACTION_OPPORTUNITIES = (
    OPP_HEADER
    + opp("P1", "005C", 50000, "2026-05-01", "2026-02-01", False, False)
    + opp("P2", "005H", 80000, "2026-05-01", "2026-02-01", False, False)
    # closed before W1: not open
    + opp("P3", "005A", 9000, "2026-02-20", "2026-01-01", True, True)
)

ACTION_CATALOG = """asset_id,title,asset_type,bucket,owner_email,published_at,expires_at,status,tags
a1,Pricing deck,deck,Sales plays,mo@example.com,2025-06-01,,live,
"""

# Hal shares content in W2; Cy only views (not customer-facing).
ACTION_ACTIVITY = """event_id,occurred_at,user_email,asset_id,action,duration_seconds,opportunity_id
e1,2026-03-11T10:00:00Z,hal@example.com,a1,share,,P2
e2,2026-03-04T10:00:00Z,cy@example.com,a1,view,,
"""


def load_actions(warehouse, tmp_path) -> None:
    for source, name, text in [
        ("users", "User.csv", ACTION_USERS),
        ("hr", "hr.csv", ACTION_HR),
        ("courses", "courses.csv", ACTION_COURSES),
        ("xapi", "statements.jsonl", ACTION_XAPI),
        ("licences", "licences.csv", ACTION_LICENCES),
        ("licence_assignments", "assignments.csv", ACTION_ASSIGNMENTS),
        ("okta", "logs.jsonl", ACTION_OKTA),
        ("opportunities", "2026-03-15/Opportunity.csv", ACTION_OPPORTUNITIES),
        ("content_catalog", "assets.csv", ACTION_CATALOG),
        ("content_activity", "activity.csv", ACTION_ACTIVITY),
    ]:
        summary = load_text(warehouse, tmp_path, source, name, text)
        assert summary["quarantined"] == 0, (source, summary)


@pytest.fixture
def actions_warehouse(any_warehouse, tmp_path):
    load_actions(any_warehouse, tmp_path)
    build(any_warehouse, W1, date(2026, 3, 16), select=["mart_manager_actions"])
    return any_warehouse


def manager_actions(warehouse) -> list[tuple]:
    return fetch(
        warehouse,
        "select manager_id, week_start, action_rank, action_type, rep_id, item_id, impact_score, "
        "impact_percentile, annual_cost, is_resolved "
        f"from {warehouse.schema}.mart_manager_actions order by week_start, manager_id, action_rank",
    )


def test_manager_actions_ranked_capped_and_resolved(actions_warehouse):
    assert manager_actions(actions_warehouse) == [
        # W1 candidates (week end 03-08), placed by cume_dist within their type across the org:
        # overdue K1: Bob 265 days (06-16 -> 03-08), Gus 356 (03-17 -> 03-08), Ann 417
        #   (01-15 -> 03-08) -> 1/3, 2/3, 1; Eve is on leave and never named.
        # inactive seats: Bob Clari 600 -> 1/2, Ann Gong 1200 -> 1.
        # open deals, no customer-facing content in 28 days: Cy 50000 -> 1/2, Hal 80000 -> 1.
        # decayed certification: Di K4, 03-08 - 12-01 = 97 days -> 1.
        # Mo: Ann overdue (1, type 1), Ann Gong (1, type 2), Di K4 (1, type 4) beat Cy (1/2),
        # Bob Clari (1/2) and Bob overdue (1/3): three named, the rest dropped.
        # Resolved in W2? Ann still overdue (no); Ann signed in to Gong 03-10 (yes); Di still
        # decayed (no).
        ("005M", W1, 1, "overdue_training", "005A", K1, 417.0, 1.0, None, False),
        ("005M", W1, 2, "inactive_paid_seat", "005A", "Gong", 1200.0, 1.0, 1200.0, True),
        ("005M", W1, 3, "decayed_certification", "005D", K4, 97.0, 1.0, None, False),
        # Nia: Hal (1) then Gus (2/3); Hal shared content 03-11 and Gus completed K1 03-10: both
        # resolved in W2.
        ("005N", W1, 1, "no_customer_facing_content", "005H", None, 80000.0, 1.0, None, True),
        ("005N", W1, 2, "overdue_training", "005G", K1, 356.0, 2 / 3, None, True),
        # W2 (end 03-15): overdue Bob 272 -> 1/2, Ann 424 -> 1; seat Bob Clari -> 1 (Ann's Gong
        # is active); no content Cy -> 1; decayed Di 104 days -> 1. W3 is not built: unknown.
        ("005M", W2, 1, "overdue_training", "005A", K1, 424.0, 1.0, None, None),
        ("005M", W2, 2, "inactive_paid_seat", "005B", "Clari", 600.0, 1.0, 600.0, None),
        ("005M", W2, 3, "no_customer_facing_content", "005C", None, 50000.0, 1.0, None, None),
    ]


def test_manager_actions_of_a_week_are_resolved_when_the_next_week_is_built(any_warehouse, tmp_path):
    """The mart is incremental with a week's lookback: a build of W2 alone rebuilds W1 too, so
    week by week ends as both weeks at once."""
    load_actions(any_warehouse, tmp_path)
    build(any_warehouse, W1, W2, select=["mart_manager_actions"])
    # W2 is not built: every W1 action is unresolved (the ranks are as at once).
    assert [row[-1] for row in manager_actions(any_warehouse)] == [None] * 5
    build(any_warehouse, W2, date(2026, 3, 16), select=["mart_manager_actions"])
    week_by_week = manager_actions(any_warehouse)
    assert [row[-1] for row in week_by_week] == [False, True, False, True, True, None, None, None]
    build(any_warehouse, W1, date(2026, 3, 16), select=["mart_manager_actions"])
    assert manager_actions(any_warehouse) == week_by_week


def test_manager_action_details(actions_warehouse):
    rows = fetch(
        actions_warehouse,
        "select action_type, rep_id, item_name, impact_unit, detail "
        f"from {actions_warehouse.schema}.mart_manager_actions where week_start = :week order by manager_id, action_rank",
        week=W1,
    )
    assert rows == [
        (
            "overdue_training", "005A", "Discovery", "days",
            "Required course due 2025-01-15, not completed: 417 day(s) overdue at the week end",
        ),
        ("inactive_paid_seat", "005A", "Gong", "annual_cost", "No sign-in to Gong in 28 days; the seat costs 1200 USD a year"),
        (
            "decayed_certification", "005D", "Product certification", "days",
            "Certification valid until 2026-12-01; no learning activity on the course since 2025-12-01",
        ),
        (
            "no_customer_facing_content", "005H", None, "open_pipeline",
            "1 open opportunity(ies) worth 80000 and no customer-facing content in 4 weeks",
        ),
        (
            "overdue_training", "005G", "Discovery", "days",
            "Required course due 2025-03-17, not completed: 356 day(s) overdue at the week end",
        ),
    ]  # fmt: skip


def test_a_band_of_two_constant_cohorts_is_left_out_of_the_combined_estimate():
    """Rounding must not give a constant cohort a variance: in the band over 18 months both
    adopters' attainment is 1.15 and both other reps' 0.45 (sums of deviations leave 2.8e-17
    where the variance is 0, a weight of about 3e16 when the bands are combined), so that band's
    standard error is exactly 0, its interval the point 1.15 - 0.45 = 0.7, and the combined
    estimate is the 6-18 month band's alone. Minimum cohort n = 2.

    6-18 months: adopters 0.2, 0.4, 0.6 (mean 0.4, s² = 0.04), others 0.5, 0.7, 0.9 (mean 0.7,
    s² = 0.04): d = -0.3, se² = 0.04/3 + 0.04/3, se = 0.1632993, Welch df = 4, t(0.975, 4) =
    2.776445 -> -0.3 ± 0.4533916. Combined: d = -0.3, se = 0.1632993, normal -> -0.3 ± 0.3200608.
    Crude combined cohort values: (2 x 1.15 + 1.2) / 5 = 0.7 and (2 x 0.45 + 2.1) / 5 = 0.6.
    """
    import math

    import numpy as np
    import pandas as pd

    from enablement_audit.marts.adoption_impact import impact_columns

    attainment = [1.15, 1.15, 0.45, 0.45, 0.2, 0.4, 0.6, 0.5, 0.7, 0.9]
    reps = pd.DataFrame(
        {
            "rep_id": [f"r{k:02d}" for k in range(10)],
            "tenure_band": ["tenure_gt_18m"] * 4 + ["tenure_6_18m"] * 6,
            "closed_n": 0,
            "won_n": 0,
            "win_rate": np.nan,
            "attainment": attainment,
            "avg_won_deal_size": np.nan,
            "median_cycle_days": np.nan,
            "engagement_quartile": np.nan,
        }
    )
    items = pd.DataFrame({"item_type": ["asset"], "item_id": ["a1"], "item_name": ["Deck"]})
    adoptions = pd.DataFrame({"item_at": [0] * 5, "rep_at": [0, 1, 4, 5, 6]})
    columns = pd.DataFrame(impact_columns(reps, items, adoptions, A, 2))
    rows = columns[columns["outcome"] == "attainment"].set_index("stratum")

    over_18m = rows.loc["tenure_gt_18m"]
    assert (over_18m["difference"], over_18m["std_error"]) == (pytest.approx(0.7), 0.0)
    assert (over_18m["ci_low"], over_18m["ci_high"]) == (pytest.approx(0.7), pytest.approx(0.7))
    assert (over_18m["method"], over_18m["verdict"]) == ("welch", "positive association")

    se = math.sqrt(0.08 / 3)
    mid = rows.loc["tenure_6_18m"]
    assert (mid["difference"], mid["std_error"]) == (pytest.approx(-0.3), pytest.approx(se))
    assert (mid["ci_low"], mid["ci_high"]) == (
        pytest.approx(-0.7533916, abs=1e-6),
        pytest.approx(0.1533916, abs=1e-6),
    )

    combined = rows.loc["combined"]
    assert (combined["adopters_n"], combined["non_adopters_n"]) == (5, 5)
    assert (combined["adopters_value"], combined["non_adopters_value"]) == (
        pytest.approx(0.7),
        pytest.approx(0.6),
    )
    assert (combined["difference"], combined["std_error"]) == (pytest.approx(-0.3), pytest.approx(se))
    assert (combined["ci_low"], combined["ci_high"]) == (
        pytest.approx(-0.6200608, abs=1e-6),
        pytest.approx(0.0200608, abs=1e-6),
    )
    assert (combined["method"], combined["verdict"]) == ("inverse_variance", "no clear difference")
    assert rows.loc["tenure_lt_6m", "verdict"] == "insufficient evidence"
