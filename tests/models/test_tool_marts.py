"""Tool seats (SPEC section 5, Tools): int_tool_seat_week and mart_tool_seats, on DuckDB and
PostgreSQL.

The fixture is one small organisation over two ISO weeks, W1 = 2026-11-09..15 and
W2 = 2026-11-16..22 (trailing 28 days: W1 2026-10-19..11-15, W2 2026-10-26..11-22).

Reps (all Account Executives, i.e. sellers, created 2025-01-06 unless said):
  005A Ann, 005D Di, 005E Ed, 005F Fay, 005G Gus: active all along.
  005B Bob: on leave 2026-11-16..20 (W2).
  005C Cy: inactive in the CRM, terminated 2026-11-12 (overlaps W1 and W2): never eligible.
  005H Hal: created 2026-11-01, inside the 30-day ramp grace in both weeks: not eligible.
  contractor@partner.com: holds a Gong seat, not a CRM user.

Tools (licences): Gong 10 seats at 1200 USD, Salesforce 4 at 1500, Clari 3 at 600.
Gong and Clari sign-ins come from Okta (user.authentication.sso), Salesforce's from LoginHistory.
"""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa

from tests.conftest import fetch
from tests.models.conftest import build, load_text

W1, W2 = date(2026, 11, 9), date(2026, 11, 16)

USERS = """Id,Name,Email,ManagerId,Title,Department,IsActive,CreatedDate
005A,Ann,ann@example.com,,Account Executive,Sales,true,2025-01-06T09:00:00.000+0000
005B,Bob,bob@example.com,,Account Executive,Sales,true,2025-01-06T09:00:00.000+0000
005C,Cy,cy@example.com,,Account Executive,Sales,false,2025-01-06T09:00:00.000+0000
005D,Di,di@example.com,,Account Executive,Sales,true,2025-01-06T09:00:00.000+0000
005E,Ed,ed@example.com,,Account Executive,Sales,true,2025-01-06T09:00:00.000+0000
005F,Fay,fay@example.com,,Account Executive,Sales,true,2025-01-06T09:00:00.000+0000
005G,Gus,gus@example.com,,Account Executive,Sales,true,2025-01-06T09:00:00.000+0000
005H,Hal,hal@example.com,,Account Executive,Sales,true,2026-11-01T09:00:00.000+0000
"""

HR = """email,hire_date,employment_status,status_start,status_end,fte
bob@example.com,2025-01-06,leave,2026-11-16,2026-11-20,1
cy@example.com,2025-01-06,terminated,2026-11-12,,1
"""

LICENCES = """tool,seats_purchased,annual_cost_per_seat,currency,renewal_date
Gong,10,1200,USD,2027-03-31
Salesforce,4,1500,USD,2027-01-31
Clari,3,600,USD,
"""

ASSIGNMENTS = """tool,user_email,assigned_at,unassigned_at
Gong,ann@example.com,2026-01-05T09:00:00Z,
Gong,bob@example.com,2026-01-05T09:00:00Z,
Gong,cy@example.com,2026-01-05T09:00:00Z,
Gong,di@example.com,2026-01-05T09:00:00Z,
Gong,ed@example.com,2026-01-05T09:00:00Z,
Gong,fay@example.com,2026-01-05T09:00:00Z,2026-11-06T17:00:00Z
Gong,gus@example.com,2026-01-05T09:00:00Z,
Gong,hal@example.com,2026-11-02T09:00:00Z,
Gong,contractor@partner.com,2026-01-05T09:00:00Z,
Salesforce,ann@example.com,2026-01-05T09:00:00Z,
Salesforce,di@example.com,2026-01-05T09:00:00Z,
Salesforce,gus@example.com,2026-11-18T09:00:00Z,
Clari,ann@example.com,2026-01-05T09:00:00Z,
Clari,gus@example.com,2026-01-05T09:00:00Z,
Clari,di@example.com,2026-01-05T09:00:00Z,2026-11-15T18:00:00Z
"""

IDENTITY_MAP = """source,external_id,email
okta,edward,ed@example.com
"""

LOGIN_HISTORY = """Id,UserId,LoginTime,Status,Application,LoginType
0Ya1,005A,2026-11-16T08:00:00.000+0000,Success,Browser,Application
0Ya2,005D,2026-11-17T08:00:00.000+0000,Invalid Password,Browser,Application
0Ya3,005D,2026-11-11T08:00:00.000+0000,Success,Browser,Application
0Ya4,005A,2026-11-20T08:00:00.000+0000,Success,Browser,Application
"""


def okta_event(
    uuid: str, published: str, login: str, app: str, result: str = "SUCCESS", event_type: str = ""
) -> str:
    return json.dumps(
        {
            "uuid": uuid,
            "published": published,
            "eventType": event_type or "user.authentication.sso",
            "outcome": {"result": result},
            "actor": {"id": f"00u{uuid}", "type": "User", "alternateId": login, "displayName": login},
            "target": [{"id": f"0oa{app}", "type": "AppInstance", "alternateId": app, "displayName": app}],
        }
    )


OKTA = "\n".join(
    [
        # Ann: Gong twice on 11-17 (one day), and on 11-03 (the week before W1).
        okta_event("g1", "2026-11-17T09:00:00.000Z", "ann@example.com", "Gong"),
        okta_event("g2", "2026-11-17T15:00:00.000Z", "ann@example.com", "Gong"),
        okta_event("g3", "2026-11-03T09:00:00.000Z", "ann@example.com", "Gong"),
        # Di signs in with her login in another case and padded: still Di.
        okta_event("g4", "2026-11-18T10:00:00.000Z", " DI@Example.COM ", "Gong"),
        # Ed's Okta login is not an e-mail: the identity map says it is ed@example.com.
        okta_event("g5", "2026-11-10T10:00:00.000Z", "edward", "Gong"),
        okta_event("g6", "2026-11-19T10:00:00.000Z", "edward", "Gong"),
        # Gus: a failed SSO and a non-SSO event are not sign-ins.
        okta_event("g7", "2026-11-18T10:00:00.000Z", "gus@example.com", "Gong", result="FAILURE"),
        okta_event(
            "g8", "2026-11-18T11:00:00.000Z", "gus@example.com", "Gong", event_type="user.session.start"
        ),
        # The contractor is no CRM user: matched to the seat by the login itself.
        okta_event("g9", "2026-11-11T10:00:00.000Z", "contractor@partner.com", "Gong"),
        # Window edges: 10-19 is the first day of W1's trailing 28 days (11-15 - 27) and is
        # outside W2's (10-26..11-22); Bob's 10-18 is one day before W1's window.
        okta_event("g11", "2026-10-19T00:30:00.000Z", "contractor@partner.com", "Gong"),
        okta_event("g12", "2026-10-18T23:30:00.000Z", "bob@example.com", "Gong"),
        # Fay's seat ended on 11-06, yet she still signs in on 11-18.
        okta_event("g10", "2026-11-18T12:00:00.000Z", "fay@example.com", "Gong"),
        # Clari: one sign-in in W1, nothing at all in W2.
        okta_event("c1", "2026-11-12T10:00:00.000Z", "ann@example.com", "Clari"),
    ]
)


def load_and_build(warehouse, tmp_path) -> None:
    for source, name, text in [
        ("users", "User.csv", USERS),
        ("hr", "hr.csv", HR),
        ("licences", "licences.csv", LICENCES),
        ("licence_assignments", "assignments.csv", ASSIGNMENTS),
        ("identity_map", "map.csv", IDENTITY_MAP),
        ("sf_login_history", "LoginHistory.csv", LOGIN_HISTORY),
        ("okta", "logs.jsonl", OKTA),
    ]:
        summary = load_text(warehouse, tmp_path, source, name, text)
        assert summary["quarantined"] == 0, summary
    build(warehouse, W1, date(2026, 11, 23), select=["mart_tool_seats"])


SEAT_COLUMNS = (
    "tool, user_email, rep_id, week_start, is_eligible, has_data, signin_days_week, signin_days_28d, "
    "is_active_week, is_active_28d, is_inactive_seat, annual_cost_per_seat"
)


def seats(warehouse, tool: str) -> list[tuple]:
    return fetch(
        warehouse,
        f"select {SEAT_COLUMNS} from {warehouse.schema}.int_tool_seat_week "
        "where tool = :tool order by week_start, user_email",
        tool=tool,
    )


MART_COLUMNS = (
    "tool, week_start, seats_purchased, assigned_seats, active_users, inactive_seats, unassigned_seats, "
    "seat_utilization, reclaimable_annual_spend, annual_cost_per_seat, currency, has_data"
)


def mart(warehouse, columns: str = MART_COLUMNS) -> list[tuple]:
    return fetch(
        warehouse, f"select {columns} from {warehouse.schema}.mart_tool_seats order by tool, week_start"
    )


def test_gong_seats_active_and_inactive_per_assigned_user(any_warehouse, tmp_path):
    load_and_build(any_warehouse, tmp_path)
    c = "contractor@partner.com"
    assert seats(any_warehouse, "Gong") == [
        # W1 (trailing 28 days 10-19..11-15). Fay's seat ended 11-06, before W1: no row.
        # Ann: 11-03 only -> 1 day in 28, none in the week, active.
        ("Gong", "ann@example.com", "005A", W1, True, True, 0, 1, False, True, False, 1200.0),
        # Bob: eligible in W1, last sign-in 10-18, just outside 10-19..11-15 -> inactive seat.
        ("Gong", "bob@example.com", "005B", W1, True, True, 0, 0, False, False, True, 1200.0),
        # The contractor: 10-19 and 11-11, matched by the login; not a CRM user, never eligible.
        ("Gong", c, None, W1, False, True, 1, 2, True, True, False, 1200.0),
        # Cy: terminated 11-12, a leaver is never an inactive seat.
        ("Gong", "cy@example.com", "005C", W1, False, True, 0, 0, False, False, False, 1200.0),
        # Di: no sign-in up to 11-15 -> inactive.
        ("Gong", "di@example.com", "005D", W1, True, True, 0, 0, False, False, True, 1200.0),
        # Ed (Okta login 'edward' via the identity map): 11-10.
        ("Gong", "ed@example.com", "005E", W1, True, True, 1, 1, True, True, False, 1200.0),
        # Gus: only a FAILURE and a non-SSO event -> no sign-in, inactive.
        ("Gong", "gus@example.com", "005G", W1, True, True, 0, 0, False, False, True, 1200.0),
        # Hal: hired 11-01, inside the 30-day ramp -> not eligible, not flagged.
        ("Gong", "hal@example.com", "005H", W1, False, True, 0, 0, False, False, False, 1200.0),
        # W2 (trailing 28 days 10-26..11-22).
        # Ann: 11-03 and 11-17 (two sign-ins, one day) -> 2 days in 28, 1 in the week.
        ("Gong", "ann@example.com", "005A", W2, True, True, 1, 2, True, True, False, 1200.0),
        # Bob: on leave 11-16..20 -> not eligible, not an inactive seat.
        ("Gong", "bob@example.com", "005B", W2, False, True, 0, 0, False, False, False, 1200.0),
        # The contractor: 11-11 is still inside 10-26..11-22 (10-19 is not), not in the week.
        ("Gong", c, None, W2, False, True, 0, 1, False, True, False, 1200.0),
        ("Gong", "cy@example.com", "005C", W2, False, True, 0, 0, False, False, False, 1200.0),
        # Di: ' DI@Example.COM ' on 11-18 is Di.
        ("Gong", "di@example.com", "005D", W2, True, True, 1, 1, True, True, False, 1200.0),
        # Ed: 11-10 and 11-19.
        ("Gong", "ed@example.com", "005E", W2, True, True, 1, 2, True, True, False, 1200.0),
        ("Gong", "gus@example.com", "005G", W2, True, True, 0, 0, False, False, True, 1200.0),
        # Hal: 11-01 is after 11-16 - 30 = 10-17: still inside the ramp.
        ("Gong", "hal@example.com", "005H", W2, False, True, 0, 0, False, False, False, 1200.0),
    ]


def test_salesforce_login_history_success_counts_and_failure_does_not(any_warehouse, tmp_path):
    load_and_build(any_warehouse, tmp_path)
    assert seats(any_warehouse, "Salesforce") == [
        # W1: Ann has no Success -> inactive; Di's Success of 11-11 counts.
        ("Salesforce", "ann@example.com", "005A", W1, True, True, 0, 0, False, False, True, 1500.0),
        ("Salesforce", "di@example.com", "005D", W1, True, True, 1, 1, True, True, False, 1500.0),
        # W2: Ann 11-16 and 11-20 -> 2 days.
        ("Salesforce", "ann@example.com", "005A", W2, True, True, 2, 2, True, True, False, 1500.0),
        # Di: the 'Invalid Password' of 11-17 is no sign-in; 11-11 is in the trailing 28 days.
        ("Salesforce", "di@example.com", "005D", W2, True, True, 0, 1, False, True, False, 1500.0),
        # Gus: assigned 11-18, so counted from W2 (11-18 <= 11-22) and not in W1; no login.
        ("Salesforce", "gus@example.com", "005G", W2, True, True, 0, 0, False, False, True, 1500.0),
    ]


def test_seat_utilisation_unassigned_seats_and_reclaimable_spend(any_warehouse, tmp_path):
    load_and_build(any_warehouse, tmp_path)
    assert mart(any_warehouse) == [
        # Clari W1: 2 assigned (Ann, Gus; Di's seat ended 11-15, W1's last day, so it does not
        # count); Ann 11-12 active, Gus inactive; 3 - 2 = 1 unassigned;
        # utilisation 1 / 3; reclaimable (1 + 1) x 600 = 1200.
        ("Clari", W1, 3, 2, 1, 1, 1, 1 / 3, 1200.0, 600.0, "USD", True),
        # Clari W2: no Clari sign-in at all in W2 -> no data: nulls, not 0. Seats are still known.
        ("Clari", W2, 3, 2, None, None, 1, None, None, 600.0, "USD", False),
        # Gong W1: 8 assigned (Fay's seat ended 11-06); active Ann, Ed, contractor = 3;
        # inactive Bob, Di, Gus = 3; 10 - 8 = 2 unassigned; 3 / 10 = 0.3; (3 + 2) x 1200 = 6000.
        ("Gong", W1, 10, 8, 3, 3, 2, 0.3, 6000.0, 1200.0, "USD", True),
        # Gong W2: active Ann, Di, Ed, contractor = 4 (Fay signs in without a seat: not counted);
        # inactive Gus = 1 (Bob on leave); 4 / 10 = 0.4; (1 + 2) x 1200 = 3600.
        ("Gong", W2, 10, 8, 4, 1, 2, 0.4, 3600.0, 1200.0, "USD", True),
        # Salesforce W1: Ann and Di assigned; Di active, Ann inactive; 4 - 2 = 2 unassigned;
        # 1 / 4 = 0.25; (1 + 2) x 1500 = 4500.
        ("Salesforce", W1, 4, 2, 1, 1, 2, 0.25, 4500.0, 1500.0, "USD", True),
        # Salesforce W2: Ann, Di, Gus assigned; Ann and Di active, Gus inactive; 4 - 3 = 1;
        # 2 / 4 = 0.5; (1 + 1) x 1500 = 3000.
        ("Salesforce", W2, 4, 3, 2, 1, 1, 0.5, 3000.0, 1500.0, "USD", True),
    ]


def test_stickiness_is_weekly_over_monthly_active(any_warehouse, tmp_path):
    load_and_build(any_warehouse, tmp_path)
    assert mart(any_warehouse, "tool, week_start, weekly_active, monthly_active, stickiness") == [
        # Clari W1: Ann in the week and in 28 days -> 1 / 1.
        ("Clari", W1, 1, 1, 1.0),
        # Clari W2: no data.
        ("Clari", W2, None, None, None),
        # Gong W1: in the week Ed, contractor = 2; in 28 days Ann, Ed, contractor = 3 -> 2 / 3.
        ("Gong", W1, 2, 3, 2 / 3),
        # Gong W2: in the week Ann, Di, Ed = 3 (Fay holds no seat); in 28 days also the
        # contractor = 4 -> 3 / 4.
        ("Gong", W2, 3, 4, 0.75),
        # Salesforce W1: Di both -> 1 / 1.
        ("Salesforce", W1, 1, 1, 1.0),
        # Salesforce W2: in the week Ann; in 28 days Ann, Di -> 1 / 2.
        ("Salesforce", W2, 1, 2, 0.5),
    ]


def test_tool_transitions_new_retained_reactivated_lapsed(any_warehouse, tmp_path):
    load_and_build(any_warehouse, tmp_path)
    rows = mart(any_warehouse, "tool, week_start, new_users, retained_users, reactivated_users, lapsed_users")
    assert rows == [
        # Clari W1: Ann's first Clari sign-in -> new 1.
        ("Clari", W1, 1, 0, 0, 0),
        # Clari W2: no data, so nobody can be called lapsed.
        ("Clari", W2, None, None, None, None),
        # Gong W1 (sellers; the contractor is none): Ed's first sign-in -> new; Ann was active
        # the week of 11-02, not in W1 -> lapsed.
        ("Gong", W1, 1, 0, 0, 1),
        # Gong W2: Di and Fay first ever -> new 2; Ed in W1 and W2 -> retained 1; Ann not in
        # W1 but on 11-03 -> reactivated 1; nobody active in W1 is missing in W2 -> lapsed 0.
        ("Gong", W2, 2, 1, 1, 0),
        # Salesforce W1: Di's first Success -> new 1.
        ("Salesforce", W1, 1, 0, 0, 0),
        # Salesforce W2: Ann's first Success -> new 1; Di active in W1, not W2 -> lapsed 1.
        ("Salesforce", W2, 1, 0, 0, 1),
    ]


def test_okta_login_case_and_identity_map_resolve_to_the_rep(any_warehouse, tmp_path):
    load_and_build(any_warehouse, tmp_path)
    rows = fetch(
        any_warehouse,
        f"select external_id, rep_id, activity_date from {any_warehouse.schema}.fct_tool_signin "
        "where tool = 'Gong' and signin_id in ('okta:g4', 'okta:g6', 'okta:g7', 'okta:g8') "
        "order by signin_id",
    )
    # ' DI@Example.COM ' is trimmed and lower-cased to Di's CRM e-mail; 'edward' is in the
    # identity map; g7 (FAILURE) and g8 (user.session.start) are not sign-ins at all.
    assert rows == [
        ("di@example.com", "005D", date(2026, 11, 18)),
        ("edward", "005E", date(2026, 11, 19)),
    ]


def test_rebuilding_a_week_changes_nothing(any_warehouse, tmp_path):
    load_and_build(any_warehouse, tmp_path)
    before = mart(any_warehouse, "*"), seats(any_warehouse, "Gong")
    # W2 alone again: its rows are replaced, W1's kept; the trailing windows read history.
    build(any_warehouse, W2, date(2026, 11, 23), select=["mart_tool_seats"])
    assert (mart(any_warehouse, "*"), seats(any_warehouse, "Gong")) == before


def test_sign_in_days_are_in_the_reporting_time_zone(any_warehouse, tmp_path):
    """In UTC a sign-in's day is its UTC date; in Los Angeles (UTC-7 until 1 November 2026, then
    UTC-8) g11 (19 Oct 00:30Z) falls on Sunday 18 October, in the ISO week of 12 October, and
    0Ya1 (16 Nov 08:00Z) on 16 November at local midnight."""
    query = (
        f"select signin_id, activity_date, week_start from {any_warehouse.schema}.fct_tool_signin "
        "where signin_id in ('okta:g11', 'okta:g12', 'sf_login_history:0Ya1') order by signin_id"
    )
    load_and_build(any_warehouse, tmp_path)
    assert fetch(any_warehouse, query) == [
        ("okta:g11", date(2026, 10, 19), date(2026, 10, 19)),
        ("okta:g12", date(2026, 10, 18), date(2026, 10, 12)),
        ("sf_login_history:0Ya1", date(2026, 11, 16), W2),
    ]
    # a first build again (it holds every sign-in loaded), in the other zone
    with any_warehouse.engine.begin() as conn:
        conn.execute(sa.text(f"drop table {any_warehouse.schema}.fct_tool_signin cascade"))
    build(any_warehouse, W1, date(2026, 11, 23), select=["fct_tool_signin"], timezone="America/Los_Angeles")
    assert fetch(any_warehouse, query) == [
        ("okta:g11", date(2026, 10, 18), date(2026, 10, 12)),
        ("okta:g12", date(2026, 10, 18), date(2026, 10, 12)),
        ("sf_login_history:0Ya1", date(2026, 11, 16), W2),
    ]
