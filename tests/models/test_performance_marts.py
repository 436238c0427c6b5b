"""Performance marts (SPEC section 5, Performance and Engagement index) on DuckDB and PostgreSQL:
mart_rep_period, mart_rep_week and mart_team_week, every number worked out by hand."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from tests.conftest import fetch
from tests.models.conftest import build, load_text

# --- mart_rep_period -------------------------------------------------------------------------

PERIOD_USERS = """Id,Name,Email,ManagerId,Title,Department,IsActive,CreatedDate
005M,Mo Manager,mo@example.com,,Sales Manager,Sales,true,2020-01-06T09:00:00.000+0000
005A,Ann,ann@example.com,005M,Account Executive,Sales,true,2025-01-06T09:00:00.000+0000
005B,Bob,bob@example.com,005M,Account Executive,Sales,true,2025-01-06T09:00:00.000+0000
"""

OPP_HEADER = (
    "Id,OwnerId,AccountId,Name,StageName,Amount,CloseDate,CreatedDate,IsClosed,IsWon,Type,"
    "ForecastCategoryName,SystemModstamp,IsDeleted\n"
)


def opp(
    opp_id: str,
    owner: str,
    stage: str,
    amount: int,
    close: str,
    created: str,
    closed: bool,
    won: bool,
    modstamp: str = "2026-03-26T00:00:00.000+0000",
    deleted: bool = False,
) -> str:
    flag = {True: "true", False: "false"}
    return (
        f"{opp_id},{owner},001X,{opp_id},{stage},{amount},{close},{created}T10:00:00.000+0000,"
        f"{flag[closed]},{flag[won]},New Business,Closed,{modstamp},{flag[deleted]}\n"
    )


# Ann (quota 100000 for Q1 2026) and Bob (no quota). Cycle days = CloseDate - created date.
PERIOD_OPPORTUNITIES = (
    OPP_HEADER
    + opp("O1", "005A", "Closed Won", 30000, "2026-01-20", "2026-01-05", True, True)  # cycle 15
    + opp("O2", "005A", "Closed Won", 40000, "2026-02-10", "2025-12-01", True, True)  # cycle 71
    + opp("O3", "005A", "Closed Lost", 20000, "2026-02-25", "2026-02-01", True, False)
    + opp("O4", "005A", "Closed Won", 10000, "2026-03-10", "2026-02-15", True, True)  # cycle 23
    + opp("O5", "005A", "Negotiation", 50000, "2026-04-30", "2026-03-01", False, False)  # open
    + opp("O6", "005A", "Closed Won", 5000, "2026-03-20", "2026-03-02", True, True, deleted=True)
    + opp("O7", "005A", "Closed Won", 15000, "2026-03-25", "2026-03-05", True, True)  # cycle 20
    + opp("B1", "005B", "Closed Won", 8000, "2026-02-05", "2026-01-10", True, True)  # cycle 26
)

QUARTER_QUOTA = """Id,QuotaOwnerId,StartDate,QuotaAmount
0J9A1,005A,2026-01-01,100000
"""

MONTH_QUOTAS = """Id,QuotaOwnerId,StartDate,QuotaAmount
0J9A1,005A,2026-01-01,30000
0J9A2,005A,2026-02-01,30000
0J9A3,005A,2026-03-01,40000
"""

PERIOD_COLUMNS = (
    "rep_id, manager_id, period_type, period_start, period_end, bookings, quota, attainment, wins, "
    "losses, win_rate, amount_weighted_win_rate, avg_won_deal_size, median_cycle_days, pipeline_created"
)


def load_period_fixture(warehouse, tmp_path, quotas: str = QUARTER_QUOTA) -> None:
    load_text(warehouse, tmp_path, "users", "User.csv", PERIOD_USERS)
    load_text(warehouse, tmp_path, "quotas", "ForecastingQuota.csv", quotas)
    load_text(warehouse, tmp_path, "opportunities", "2026-03-31/Opportunity.csv", PERIOD_OPPORTUNITIES)


def rep_period(warehouse) -> list[tuple]:
    return fetch(
        warehouse,
        f"select {PERIOD_COLUMNS} from {warehouse.schema}.mart_rep_period "
        "order by rep_id, period_type, period_start",
    )


def build_q1(warehouse, **settings) -> None:
    # Weeks 2026-01-05 .. 2026-03-30 are built; periods starting before 2026-04-01 are kept.
    build(warehouse, date(2026, 1, 5), date(2026, 4, 1), select=["mart_rep_period"], **settings)


def test_rep_period_metrics_per_month_and_quarter(any_warehouse, tmp_path):
    load_period_fixture(any_warehouse, tmp_path)
    build_q1(any_warehouse)
    dec, jan, feb, mar = date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
    q4, q1 = date(2025, 10, 1), date(2026, 1, 1)
    assert rep_period(any_warehouse) == [
        # Ann, December 2025: only O2 was created (pipeline 40000); nothing closed.
        ("005A", "005M", "month", dec, date(2025, 12, 31), 0, None, None, 0, 0, None, None, None, None, 40000),
        # January: O1 won 30000, cycle 15; created O1 30000. Quarterly quotas: no month quota.
        ("005A", "005M", "month", jan, date(2026, 1, 31), 30000, None, None, 1, 0, 1.0, 1.0, 30000, 15, 30000),
        # February: O2 won 40000 (cycle 71), O3 lost 20000: win rate 1/2, weighted 40000/60000;
        # created O3 20000 + O4 10000 = 30000.
        (
            "005A", "005M", "month", feb, date(2026, 2, 28),
            40000, None, None, 1, 1, 0.5, 40000 / 60000, 40000, 71, 30000,
        ),
        # March: O4 10000 (cycle 23) and O7 15000 (cycle 20) won; O6 is deleted and ignored.
        # Average 25000 / 2 = 12500; median of (20, 23) = 21.5; created O5 50000 + O7 15000.
        ("005A", "005M", "month", mar, date(2026, 3, 31), 25000, None, None, 2, 0, 1.0, 1.0, 12500, 21.5, 65000),
        # Q4 2025: O2 created in December.
        ("005A", "005M", "quarter", q4, date(2025, 12, 31), 0, None, None, 0, 0, None, None, None, None, 40000),
        # Q1 2026: won 30000 + 40000 + 10000 + 15000 = 95000 of quota 100000 -> 0.95;
        # 4 wins, 1 loss -> 0.8; weighted 95000 / (95000 + 20000); average 95000 / 4 = 23750;
        # cycles 15, 20, 23, 71 -> median (20 + 23) / 2 = 21.5;
        # created 30000 + 20000 + 10000 + 50000 + 15000 = 125000 (O2 was created in Q4, O6 deleted).
        (
            "005A", "005M", "quarter", q1, date(2026, 3, 31),
            95000, 100000, 0.95, 4, 1, 0.8, 95000 / 115000, 23750, 21.5, 125000,
        ),
        # Bob, a seller every week from the first activity (December), no quota: attainment is
        # null, never 0; December and Q4 2025 have no deals of his.
        ("005B", "005M", "month", dec, date(2025, 12, 31), 0, None, None, 0, 0, None, None, None, None, 0),
        ("005B", "005M", "month", jan, date(2026, 1, 31), 0, None, None, 0, 0, None, None, None, None, 8000),
        ("005B", "005M", "month", feb, date(2026, 2, 28), 8000, None, None, 1, 0, 1.0, 1.0, 8000, 26, 0),
        ("005B", "005M", "month", mar, date(2026, 3, 31), 0, None, None, 0, 0, None, None, None, None, 0),
        ("005B", "005M", "quarter", q4, date(2025, 12, 31), 0, None, None, 0, 0, None, None, None, None, 0),
        ("005B", "005M", "quarter", q1, date(2026, 3, 31), 8000, None, None, 1, 0, 1.0, 1.0, 8000, 26, 8000),
    ]  # fmt: skip


def test_rep_period_monthly_quotas(any_warehouse, tmp_path):
    load_period_fixture(any_warehouse, tmp_path, quotas=MONTH_QUOTAS)
    build_q1(any_warehouse, quota_period="month")
    rows = fetch(
        any_warehouse,
        f"select period_type, period_start, bookings, quota, attainment from {any_warehouse.schema}.mart_rep_period "
        "where rep_id = '005A' and period_start >= '2026-01-01' order by period_type, period_start",
    )
    assert rows == [
        ("month", date(2026, 1, 1), 30000, 30000, 1.0),  # 30000 / 30000
        ("month", date(2026, 2, 1), 40000, 30000, 40000 / 30000),
        ("month", date(2026, 3, 1), 25000, 40000, 0.625),  # 25000 / 40000
        # the quarter's quota is the sum of the quotas starting in it: 30000 + 30000 + 40000
        ("quarter", date(2026, 1, 1), 95000, 100000, 0.95),
    ]


def test_newer_opportunity_version_moves_it_from_open_to_won(any_warehouse, tmp_path):
    load_period_fixture(any_warehouse, tmp_path)
    build_q1(any_warehouse)
    q1_ann = (
        f"select bookings, wins, attainment, median_cycle_days from {any_warehouse.schema}.mart_rep_period "
        "where rep_id = '005A' and period_type = 'quarter' and period_start = '2026-01-01'"
    )
    assert fetch(any_warehouse, q1_ann) == [(95000, 4, 0.95, 21.5)]
    # O5 re-exported with a newer SystemModstamp: won on 2026-03-28 (cycle 27). A stale copy of
    # the open version arrives in a later file but loses on SystemModstamp.
    load_text(
        any_warehouse,
        tmp_path,
        "opportunities",
        "2026-04-01/Opportunity.csv",
        OPP_HEADER
        + opp(
            "O5",
            "005A",
            "Closed Won",
            50000,
            "2026-03-28",
            "2026-03-01",
            True,
            True,
            "2026-03-28T12:00:00.000+0000",
        ),
    )
    load_text(
        any_warehouse,
        tmp_path,
        "opportunities",
        "2026-04-02/Opportunity.csv",
        OPP_HEADER
        + opp(
            "O5",
            "005A",
            "Negotiation",
            50000,
            "2026-04-30",
            "2026-03-01",
            False,
            False,
            "2026-03-01T12:00:00.000+0000",
        ),
    )
    build_q1(any_warehouse)
    # bookings 95000 + 50000 = 145000 -> attainment 1.45; cycles 15, 20, 23, 27, 71 -> median 23
    assert fetch(any_warehouse, q1_ann) == [(145000, 5, 1.45, 23)]


# --- mart_rep_week and mart_team_week: the week of 2026-03-16 (Sunday 03-22) ----------------
# Trailing 28 days at that week = 2026-02-23 .. 2026-03-22.

WEEK = date(2026, 3, 16)

WEEK_USERS = """Id,Name,Email,ManagerId,Title,Department,IsActive,CreatedDate
005M,Mo Manager,mo@example.com,,Sales Manager,Sales,true,2020-01-06T09:00:00.000+0000
005Z,Zed Manager,zed@example.com,,Sales Manager,Sales,true,2020-01-06T09:00:00.000+0000
005A,Ann,ann@example.com,005M,Account Executive,Sales,true,2025-01-06T09:00:00.000+0000
005B,Bob,bob@example.com,005M,Account Executive,Sales,true,2025-01-06T09:00:00.000+0000
005C,Cy,cy@example.com,005M,Account Executive,Sales,true,2025-01-06T09:00:00.000+0000
005N,Nia,nia@example.com,005M,Account Executive,Sales,true,2026-03-01T09:00:00.000+0000
005P,Pat,pat@example.com,005M,Account Executive,Sales,true,2025-01-06T09:00:00.000+0000
005L,Leo,leo@example.com,005M,Account Executive,Sales,true,2025-01-06T09:00:00.000+0000
005D,Di,di@example.com,005Z,Account Manager,Sales,true,2025-01-06T09:00:00.000+0000
"""

# Nia was hired 2026-03-01, inside the 30-day ramp grace (03-01 > 03-16 - 30 = 02-14); Pat is on
# leave 03-18 .. 03-25; Leo leaves on 03-18 (terminated during the week: not a seller in it).
WEEK_HR = """email,hire_date,employment_status,status_start,status_end,fte
pat@example.com,2025-01-06,leave,2026-03-18,2026-03-25,1
leo@example.com,2025-01-06,terminated,2026-03-18,,1
"""

# Ann and Di have a Q1 quota; Bob, Cy, Nia, Pat have none.
WEEK_QUOTAS = """Id,QuotaOwnerId,StartDate,QuotaAmount
0J9A1,005A,2026-01-01,100000
0J9D1,005D,2026-01-01,50000
"""

WEEK_OPPORTUNITIES = (
    OPP_HEADER
    + opp("A1", "005A", "Closed Won", 20000, "2026-03-18", "2026-02-01", True, True)  # won in W
    + opp("A2", "005A", "Closed Won", 30000, "2026-02-10", "2026-01-05", True, True)  # won earlier in Q1
    + opp("A3", "005A", "Closed Lost", 5000, "2026-03-20", "2026-03-01", True, False)  # lost in W
    + opp("A4", "005A", "Negotiation", 40000, "2026-04-30", "2026-03-01", False, False)  # open
    + opp("A5", "005A", "Prospecting", 9000, "2026-05-30", "2026-03-23", False, False)  # created after W
    + opp("A6", "005A", "Closed Won", 6000, "2026-03-25", "2026-03-10", True, True)  # open at 03-22
    + opp("A7", "005A", "Closed Won", 7000, "2026-03-17", "2026-03-02", True, True, deleted=True)
    + opp("A8", "005A", "Closed Won", 10000, "2025-12-15", "2025-11-01", True, True)  # Q4 2025
    + opp("B1", "005B", "Closed Won", 8000, "2026-03-19", "2026-03-01", True, True)
    + opp("N1", "005N", "Closed Won", 2000, "2026-03-20", "2026-03-05", True, True)
)

WEEK_CONTENT = """event_id,occurred_at,user_email,asset_id,action,duration_seconds,opportunity_id
c01,2026-02-22T23:59:59Z,ann@example.com,a1,share,,
c02,2026-02-23T00:00:01Z,ann@example.com,a2,customer_view,,
c03,2026-03-02T10:00:00Z,ann@example.com,a1,present,,
c04,2026-03-16T10:00:00Z,ann@example.com,a1,view,30,
c05,2026-03-17T10:00:00Z,ann@example.com,a1,share,,
c06,2026-03-22T23:30:00Z,ann@example.com,a2,download,,
c07,2026-03-23T08:00:00Z,ann@example.com,a2,share,,
c08,2026-03-10T10:00:00Z,bob@example.com,a1,share,,
c09,2026-03-18T10:00:00Z,cy@example.com,a3,view,,
c10,2026-03-20T10:00:00Z,di@example.com,a3,present,,
c11,2026-03-16T10:00:00Z,nia@example.com,a1,share,,
c12,2026-03-17T10:00:00Z,nia@example.com,a1,share,,
c13,2026-03-18T10:00:00Z,nia@example.com,a2,share,,
c14,2026-03-19T10:00:00Z,nia@example.com,a2,share,,
c15,2026-03-20T10:00:00Z,nia@example.com,a3,share,,
c16,2026-03-16T10:00:00Z,pat@example.com,a1,share,,
c17,2026-03-17T10:00:00Z,pat@example.com,a2,share,,
c18,2026-03-16T10:00:00Z,leo@example.com,a1,share,,
"""

# Two required courses for Account Executives (Di, an Account Manager, has none):
# Discovery due 2025-01-06 + 30 = 2025-02-05; Negotiation due 2026-01-01 + 30 = 2026-01-31.
COURSES = """course_id,title,bucket,published_at,required_for,due_days_after_hire,recert_days,reinforcement_days
https://lms.example.com/courses/discovery,Discovery,sales,2025-01-01,Account Executive,30,,
https://lms.example.com/courses/negotiation,Negotiation,sales,2026-01-01,Account Executive,30,,
"""

DISCOVERY = "https://lms.example.com/courses/discovery"
NEGOTIATION = "https://lms.example.com/courses/negotiation"


def xapi_statement(number: int, email: str, verb: str, course: str, timestamp: str) -> str:
    return json.dumps(
        {
            "id": f"00000000-0000-4000-8000-{number:012d}",
            "actor": {"objectType": "Agent", "mbox": f"mailto:{email}"},
            "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}", "display": {"en-US": verb}},
            "object": {"id": course, "objectType": "Activity"},
            "timestamp": timestamp,
        }
    )


WEEK_XAPI = "\n".join(
    [
        # Ann: both on time (2/2); one statement in W that is not a completion.
        xapi_statement(1, "ann@example.com", "completed", DISCOVERY, "2025-02-01T10:00:00Z"),
        xapi_statement(2, "ann@example.com", "passed", NEGOTIATION, "2026-01-20T10:00:00Z"),
        xapi_statement(3, "ann@example.com", "experienced", DISCOVERY, "2026-03-17T10:00:00Z"),
        # Bob: Discovery on time, Negotiation completed late in W (neither on time nor overdue).
        xapi_statement(4, "bob@example.com", "completed", DISCOVERY, "2025-02-01T10:00:00Z"),
        xapi_statement(5, "bob@example.com", "completed", NEGOTIATION, "2026-03-18T10:00:00Z"),
        # Cy: nothing; Pat (on leave) learns in W but is not counted in the team.
        xapi_statement(6, "pat@example.com", "experienced", DISCOVERY, "2026-03-16T10:00:00Z"),
    ]
)


def okta_signin(uuid: str, login: str, day: date, result: str = "SUCCESS") -> str:
    return json.dumps(
        {
            "uuid": uuid,
            "published": f"{day.isoformat()}T09:00:00.000Z",
            "eventType": "user.authentication.sso",
            "outcome": {"result": result},
            "actor": {"id": "00u1", "type": "User", "alternateId": login, "displayName": login},
            "target": [{"id": "0oa1", "type": "AppInstance", "alternateId": "Gong", "displayName": "Gong"}],
        }
    )


def days(*spec: str) -> list[date]:
    return [date.fromisoformat(d) for d in spec]


def day_range(first: str, count: int) -> list[date]:
    start = date.fromisoformat(first)
    return [start + timedelta(days=i) for i in range(count)]


# Ann: Okta on 7 days in the 28-day window (4 of them in W) and 02-22, just outside it.
ANN_OKTA_DAYS = (
    days("2026-02-22", "2026-02-23", "2026-03-02", "2026-03-09")
    + day_range("2026-03-16", 3)
    + days("2026-03-22")
)
# Cy: Okta on 7 days, 02-23 .. 03-01, none in W.
CY_OKTA_DAYS = day_range("2026-02-23", 7)
WEEK_OKTA = "\n".join(
    [okta_signin(f"ann{i}", "ann@example.com", d) for i, d in enumerate(ANN_OKTA_DAYS)]
    + [okta_signin(f"cy{i}", "cy@example.com", d) for i, d in enumerate(CY_OKTA_DAYS)]
    # Di: a failed sign-in is not a sign-in.
    + [okta_signin("di0", "di@example.com", date(2026, 3, 18), "FAILURE")]
)
# Bob: Salesforce logins on the 14 days 03-09 .. 03-22; Ann also logs in to Salesforce on 03-17,
# a day she already signed in through Okta (counted once); a failed login for Cy counts nothing.
WEEK_SF_LOGINS = (
    "Id,UserId,LoginTime,Status,Application,LoginType\n"
    + "".join(
        f"L{i},005B,{d.isoformat()}T08:00:00.000+0000,Success,Browser,Application\n"
        for i, d in enumerate(day_range("2026-03-09", 14))
    )
    + "LA1,005A,2026-03-17T15:00:00.000+0000,Success,Browser,Application\n"
    + "LC1,005C,2026-03-19T15:00:00.000+0000,Invalid Password,Browser,Application\n"
)


def load_week_fixture(warehouse, tmp_path, okta: str = WEEK_OKTA, sf_logins: str = WEEK_SF_LOGINS) -> None:
    load_text(warehouse, tmp_path, "users", "User.csv", WEEK_USERS)
    load_text(warehouse, tmp_path, "hr", "hr.csv", WEEK_HR)
    load_text(warehouse, tmp_path, "quotas", "ForecastingQuota.csv", WEEK_QUOTAS)
    load_text(warehouse, tmp_path, "opportunities", "2026-03-22/Opportunity.csv", WEEK_OPPORTUNITIES)
    load_text(warehouse, tmp_path, "content_activity", "activity.csv", WEEK_CONTENT)
    load_text(warehouse, tmp_path, "courses", "courses.csv", COURSES)
    load_text(warehouse, tmp_path, "xapi", "statements.jsonl", WEEK_XAPI)
    if okta:
        load_text(warehouse, tmp_path, "okta", "logs.jsonl", okta)
    if sf_logins:
        load_text(warehouse, tmp_path, "sf_login_history", "LoginHistory.csv", sf_logins)


def build_week(warehouse, select: str) -> None:
    build(warehouse, WEEK, WEEK + timedelta(days=7), select=[select])


def rep_week(warehouse, columns: str) -> list[tuple]:
    return fetch(warehouse, f"select rep_id, {columns} from {warehouse.schema}.mart_rep_week order by rep_id")


def test_rep_week_activity_counts(any_warehouse, tmp_path):
    load_week_fixture(any_warehouse, tmp_path)
    build_week(any_warehouse, "mart_rep_week")
    rows = rep_week(
        any_warehouse,
        "manager_id, week_start, is_seller, is_eligible, tenure_days, content_actions, "
        "customer_facing_actions, distinct_assets, learning_statements, completions, tool_active_days",
    )
    assert rows == [
        # Ann: c04 view a1, c05 share a1, c06 download a2 (23:30 UTC on Sunday) -> 3 actions, 1
        # customer-facing, 2 assets (c07 is Monday 03-23, next week); one statement; signed in on
        # 03-16, 03-17 (Okta and Salesforce: one day), 03-18 and 03-22 -> 4 days.
        # Tenure: 2025-01-06 .. 2026-03-16 = 365 + 31 + 28 + 10 = 434 days.
        ("005A", "005M", WEEK, True, True, 434, 3, 1, 2, 1, 0, 4),
        # Bob: no content in W (c08 is 03-10); Negotiation completed in W; Salesforce 03-16 .. 03-22.
        ("005B", "005M", WEEK, True, True, 434, 0, 0, 0, 1, 1, 7),
        # Cy: one view; no statement; signed in only before W, and a failed login.
        ("005C", "005M", WEEK, True, True, 434, 1, 0, 1, 0, 0, 0),
        # Di: one presentation; her failed Okta sign-in is not a sign-in.
        ("005D", "005Z", WEEK, True, True, 434, 1, 1, 1, 0, 0, 0),
        # Nia: in the ramp grace: a seller, not eligible; 5 shares of 3 assets; tenure 15 days.
        ("005N", "005M", WEEK, True, False, 15, 5, 5, 3, 0, 0, 0),
        # Pat: on leave from 03-18: a seller, not eligible. Leo left on 03-18: no row at all.
        ("005P", "005M", WEEK, True, False, 434, 2, 2, 2, 1, 0, 0),
    ]


def test_rep_week_bookings_quota_attainment_and_open_deals(any_warehouse, tmp_path):
    load_week_fixture(any_warehouse, tmp_path)
    build_week(any_warehouse, "mart_rep_week")
    rows = rep_week(
        any_warehouse,
        "bookings, wins, losses, quota, bookings_period_to_date, attainment, open_opportunities",
    )
    assert rows == [
        # Ann: A1 20000 won and A3 lost in W (A7 is deleted); Q1 to 03-22: A2 30000 + A1 20000 =
        # 50000 of 100000 -> 0.5 (A8 closed in Q4 2025). Open at 03-22: A4 (open), A6 (closed
        # 03-25); A5 was created after the week.
        ("005A", 20000, 1, 1, 100000, 50000, 0.5, 2),
        # Bob: B1 8000 won in W, no quota: attainment null, never 0.
        ("005B", 8000, 1, 0, None, 8000, None, 0),
        ("005C", 0, 0, 0, None, 0, None, 0),
        # Di: a quota and nothing booked: attainment 0 / 50000 = 0.
        ("005D", 0, 0, 0, 50000, 0, 0.0, 0),
        ("005N", 2000, 1, 0, None, 2000, None, 0),
        ("005P", 0, 0, 0, None, 0, None, 0),
    ]


def test_rep_week_trailing_28_days_and_compliance(any_warehouse, tmp_path):
    load_week_fixture(any_warehouse, tmp_path)
    build_week(any_warehouse, "mart_rep_week")
    rows = rep_week(any_warehouse, "customer_facing_actions_28d, tool_active_day_rate_28d, compliance_rate")
    assert rows == [
        # Ann: c02 (02-23, the window's first day), c03, c05; c01 (02-22) and c07 (03-23) are out.
        # Sign-in days 02-23, 03-02, 03-09, 03-16, 03-17, 03-18, 03-22 = 7 -> 7 / 28 = 0.25.
        # Both courses on time -> 2 / 2.
        ("005A", 3, 0.25, 1.0),
        # Bob: c08; 14 days / 28 = 0.5; Discovery on time, Negotiation late -> 1 / 2.
        ("005B", 1, 0.5, 0.5),
        # Cy: 7 days 02-23 .. 03-01 -> 0.25; nothing completed -> 0 / 2.
        ("005C", 0, 0.25, 0.0),
        # Di: no required course: no compliance rate (null, not 0).
        ("005D", 1, 0.0, None),
        # Nia's assignments are not due yet (hired 03-01 + 30); Pat is on leave: nothing counted.
        ("005N", 5, 0.0, None),
        ("005P", 2, 0.0, None),
    ]


def test_tool_columns_are_no_data_when_no_sign_in_arrived(any_warehouse, tmp_path):
    load_week_fixture(any_warehouse, tmp_path, okta="", sf_logins="")
    build_week(any_warehouse, "mart_rep_week")
    rows = rep_week(any_warehouse, "has_tool_data, tool_active_days, tool_active_day_rate_28d")
    assert rows == [(rep, False, None, None) for rep in ("005A", "005B", "005C", "005D", "005N", "005P")]


def test_engagement_index_ranks_eligible_sellers_only(any_warehouse, tmp_path):
    load_week_fixture(any_warehouse, tmp_path)
    build_week(any_warehouse, "mart_rep_week")
    rows = rep_week(
        any_warehouse, "content_rank, compliance_rank, tool_rank, engagement_index, engagement_quartile"
    )
    # Eligible sellers: Ann, Bob, Cy, Di (Nia in the ramp grace and Pat on leave are left out, or
    # Nia's 5 customer-facing actions would outrank Ann). percent_rank = (rank - 1) / (n - 1):
    #   customer-facing 28d: Cy 0 -> 0; Bob 1, Di 1 -> rank 2 -> 1/3; Ann 3 -> rank 4 -> 3/3 = 1
    #   compliance (Di null, skipped; n = 3): Cy 0 -> 0; Bob 0.5 -> 1/2; Ann 1 -> 2/2 = 1
    #   tool rate 28d: Di 0 -> 0; Ann 0.25, Cy 0.25 -> rank 2 -> 1/3; Bob 0.5 -> rank 4 -> 1
    # index = 100 x mean of the available ranks:
    #   Ann (1 + 1 + 1/3) / 3 = 7/9; Bob (1/3 + 1/2 + 1) / 3 = 11/18; Cy (0 + 0 + 1/3) / 3 = 1/9;
    #   Di (1/3 + 0) / 2 = 1/6.  Quartiles by ntile(4): Cy 1, Di 2, Bob 3, Ann 4.
    third = pytest.approx(1 / 3)
    assert rows == [
        ("005A", 1.0, 1.0, third, pytest.approx(700 / 9), 4),
        ("005B", third, 0.5, 1.0, pytest.approx(1100 / 18), 3),
        ("005C", 0.0, 0.0, third, pytest.approx(100 / 9), 1),
        ("005D", third, None, 0.0, pytest.approx(100 / 6), 2),
        ("005N", None, None, None, None, None),
        ("005P", None, None, None, None, None),
    ]


def test_team_week_rolls_up_eligible_sellers(any_warehouse, tmp_path):
    load_week_fixture(any_warehouse, tmp_path)
    build_week(any_warehouse, "mart_team_week")
    team_week = (
        "select manager_id, manager_name, week_start, sellers, eligible_sellers, content_active_sellers, "
        "content_active_rate, training_active_sellers, training_active_rate, tool_active_sellers, "
        "assignments_due, overdue, compliance_rate, bookings, quota, attainment, avg_engagement_index "
        f"from {any_warehouse.schema}.mart_team_week order by manager_id"
    )
    rows = fetch(any_warehouse, team_week)
    assert rows == [
        # Mo: sellers Ann, Bob, Cy, Nia, Pat (Leo left during W: not a seller). Eligible: Ann, Bob,
        # Cy = 3 (Nia's ramp and Pat's leave keep them out of every denominator).
        # Content active: Ann, Cy -> 2/3. Training active: Ann, Bob -> 2/3. Tools in W: Ann, Bob.
        # Assignments due 2 + 2 + 2 = 6; on time 2 + 1 + 0 = 3 -> 0.5; overdue: Cy's 2 (Bob's late
        # completion is not overdue). Bookings in W: Ann 20000 + Bob 8000 + Nia 2000 = 30000.
        # Quota: Ann's 100000 only; her period-to-date 50000 -> 0.5.
        # Engagement: (700/9 + 1100/18 + 100/9) / 3 = (1400 + 1100 + 200) / 18 / 3 = 50.
        (
            "005M", "Mo Manager", WEEK, 5, 3, 2, 2 / 3, 2, 2 / 3, 2,
            6, 2, 0.5, 30000, 100000, 0.5, pytest.approx(50.0),
        ),
        # Zed: Di alone: content active (1/1); no training; no sign-in; no assignment due (null
        # compliance); quota 50000 with nothing booked -> 0; engagement 100/6.
        (
            "005Z", "Zed Manager", WEEK, 1, 1, 1, 1.0, 0, 0.0, 0,
            0, 0, None, 0, 50000, 0.0, pytest.approx(100 / 6),
        ),
    ]  # fmt: skip
    # A rerun of the same week replaces its rows (delete + insert), never appends.
    build_week(any_warehouse, "mart_team_week")
    assert fetch(any_warehouse, team_week) == rows
