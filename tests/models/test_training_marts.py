"""Training marts (SPEC section 5, training) on DuckDB and PostgreSQL.

The fixture: weeks 2026-11-02, 11-09 and 11-16 (week ends 11-08, 11-15, 11-22), as of 11-16.

Reps (managers 005M and 005N are not sellers):
- Ann 005A, Account Executive, hired 2025-01-06, eligible every week; xAPI actor by mbox.
- Bob 005B, Account Executive, hired 2025-01-06, on leave 11-10..11-20 (eligible only 11-02);
  xAPI actor by mbox_sha1sum.
- Cy 005C, Account Executive, inactive, terminated 11-12 (a seller only in 11-02).
- Di 005D, Sales Development Representative, hired 2026-10-26: inside the 30-day ramp all along.
- Eve 005E, Account Executive, hired 2026-10-01 (past the ramp from 11-02: 10-01 <= 11-02 - 30);
  xAPI actor by account u123, mapped to her through the identity map.
- Fay 005F, Solutions Engineer, no quota: not a seller.
- Gus 005G, Account Manager, hired 2025-01-06, reports to 005N.

Courses:
- C1 discovery: required for all, published 2026-01-01, due 14 days, recert 365, reinforce 90.
- C2 negotiation: required for " Account Executive ; Sales Development Representative "
  (blanks around the entries), published 2026-10-20, due 26 days, no recertification.
- C3 forecasting: required for "Account;Sales Manager": "Account" is not "Account Executive",
  and the Sales Managers are not sellers, so nobody has it.
- C4 product certification: not required, recert 180 days, reinforce 30.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

from tests.conftest import fetch
from tests.models.conftest import build, load_text

START, END = date(2026, 11, 2), date(2026, 11, 23)
W1, W2, W3 = date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)
TRAINING_MARTS = ["mart_rep_training_week", "mart_course_compliance", "mart_certification"]

USERS = """Id,Name,Email,ManagerId,Title,Department,IsActive,CreatedDate
005M,Mo Manager,mo@example.com,,Sales Manager,Sales,true,2020-01-06T09:00:00.000+0000
005N,Nia Manager,nia@example.com,,Sales Manager,Sales,true,2020-01-06T09:00:00.000+0000
005A,Ann,ann@example.com,005M,Account Executive,Sales,true,2025-01-06T09:00:00.000+0000
005B,Bob,bob@example.com,005M,Account Executive,Sales,true,2025-01-06T09:00:00.000+0000
005C,Cy,cy@example.com,005M,Account Executive,Sales,false,2025-01-06T09:00:00.000+0000
005D,Di,di@example.com,005M,Sales Development Representative,Sales,true,2026-10-26T09:00:00.000+0000
005E,Eve,eve@example.com,005M,Account Executive,Sales,true,2026-10-01T09:00:00.000+0000
005F,Fay,fay@example.com,005M,Solutions Engineer,Sales,true,2025-01-06T09:00:00.000+0000
005G,Gus,gus@example.com,005N,Account Manager,Sales,true,2025-01-06T09:00:00.000+0000
"""

HR = """email,hire_date,employment_status,status_start,status_end,fte
bob@example.com,2025-01-06,leave,2026-11-10,2026-11-20,1
cy@example.com,2025-01-06,terminated,2026-11-12,,1
"""

IDENTITY_MAP = """source,external_id,email
xapi,u123,eve@example.com
"""

LMS = "https://lms.example.com/courses/"
C1, C2, C3, C4 = LMS + "discovery", LMS + "negotiation", LMS + "forecasting", LMS + "product-cert"
COURSES = f"""course_id,title,bucket,published_at,required_for,due_days_after_hire,recert_days,reinforcement_days
{C1},Discovery,core,2026-01-01T00:00:00Z,all,14,365,90
{C2},Negotiation,core,2026-10-20T00:00:00Z," Account Executive ; Sales Development Representative ",26,,90
{C3},Forecasting,core,2026-01-01T00:00:00Z,Account;Sales Manager,14,,90
{C4},Product certification,product,2026-01-01T00:00:00Z,,,180,30
"""

ANN = {"mbox": "mailto:ann@example.com"}
BOB = {"mbox_sha1sum": hashlib.sha1(b"mailto:bob@example.com").hexdigest()}
DI = {"mbox": "mailto:di@example.com"}
EVE = {"account": {"homePage": "https://lms.example.com", "name": "u123"}}
GUS = {"mbox": "mailto:gus@example.com"}
GUS_C1_COMPLETION = "00000000-0000-4000-8000-000000000010"


def statement(number: int, actor: dict, verb: str, course: str, day: str, score: float | None = None) -> str:
    record = {
        "id": f"00000000-0000-4000-8000-{number:012d}",
        "actor": {"objectType": "Agent", **actor},
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}", "display": {"en-US": verb}},
        "object": {"id": course, "objectType": "Activity"},
        "timestamp": f"{day}T09:00:00Z",
    }
    if score is not None:
        record["result"] = {"score": {"scaled": score}, "success": verb == "passed"}
    return json.dumps(record)


XAPI = "\n".join(
    [
        statement(1, ANN, "completed", C1, "2026-01-10"),  # on time: due 01-15
        statement(2, ANN, "experienced", C1, "2026-08-20"),  # Ann's last activity on C1
        statement(3, ANN, "attempted", C2, "2026-11-09", 0.25),  # not a passed/failed attempt
        statement(4, ANN, "failed", C2, "2026-11-10", 0.5),  # failed: not a completion
        statement(5, ANN, "passed", C2, "2026-11-12", 0.75),  # completion, on time (due 11-15)
        statement(6, ANN, "passed", C4, "2026-06-01"),
        statement(7, BOB, "completed", C1, "2026-01-20"),  # late: due 01-15
        statement(8, BOB, "passed", C4, "2026-01-10"),
        statement(9, BOB, "experienced", C4, "2026-11-20"),
        statement(10, GUS, "completed", C1, "2026-11-11"),  # late: due 01-15
        statement(11, GUS, "failed", C4, "2026-11-17", 0.25),
        statement(12, GUS, "passed", C4, "2026-11-25"),  # after the as-of week end 11-22
        statement(13, EVE, "passed", C1, "2026-10-14"),  # on time: due 10-15
        statement(14, EVE, "passed", C4, "2026-10-01"),
        statement(15, EVE, "progressed", C4, "2026-10-24"),
        statement(16, EVE, "completed", C2, "2026-11-18"),  # late: due 11-15
        statement(17, DI, "launched", C1, "2026-11-17"),
    ]
)


def load_fixture(warehouse, tmp_path) -> None:
    load_text(warehouse, tmp_path, "users", "User.csv", USERS)
    load_text(warehouse, tmp_path, "hr", "hr.csv", HR)
    load_text(warehouse, tmp_path, "identity_map", "map.csv", IDENTITY_MAP)
    load_text(warehouse, tmp_path, "courses", "courses.csv", COURSES)
    load_text(warehouse, tmp_path, "xapi", "statements.jsonl", XAPI)


def build_training(warehouse, tmp_path) -> None:
    load_fixture(warehouse, tmp_path)
    build(warehouse, START, END, select=TRAINING_MARTS)


def test_required_assignments_match_titles_and_due_dates(any_warehouse, tmp_path):
    build_training(any_warehouse, tmp_path)

    rows = fetch(
        any_warehouse,
        "select rep_id, manager_id, course_id, due_date, first_completed_date, is_completed_on_time "
        f"from {any_warehouse.schema}.int_required_assignment order by course_id, rep_id",
    )
    assert rows == [
        # C1 'all': every seller (A, B, C, D, E, G), not Fay (no seller) nor the managers.
        # due = later of hire and publish (2026-01-01) + 14.
        # Ann (mbox): hired 2025-01-06 -> 01-01 + 14 = 01-15; completed 01-10 <= 01-15: on time.
        ("005A", "005M", C1, date(2026, 1, 15), date(2026, 1, 10), True),
        # Bob (mbox_sha1sum): completed 01-20 > 01-15: late.
        ("005B", "005M", C1, date(2026, 1, 15), date(2026, 1, 20), False),
        ("005C", "005M", C1, date(2026, 1, 15), None, False),
        # Di: hired 10-26 after the publication: 10-26 + 14 = 11-09; 'launched' is no completion.
        ("005D", "005M", C1, date(2026, 11, 9), None, False),
        # Eve (account u123 via the identity map): hired 10-01: 10-15; passed 10-14: on time.
        ("005E", "005M", C1, date(2026, 10, 15), date(2026, 10, 14), True),
        ("005G", "005N", C1, date(2026, 1, 15), date(2026, 11, 11), False),
        # C2 for the trimmed titles "Account Executive" and "Sales Development Representative";
        # Gus (Account Manager) does not match. Published 10-20 + 26 = 11-15 for earlier hires.
        # Ann: failed 11-10 does not complete; passed 11-12 does: on time.
        ("005A", "005M", C2, date(2026, 11, 15), date(2026, 11, 12), True),
        ("005B", "005M", C2, date(2026, 11, 15), None, False),
        ("005C", "005M", C2, date(2026, 11, 15), None, False),
        # Di hired 10-26, after the publication: 10-26 + 26 = 11-21.
        ("005D", "005M", C2, date(2026, 11, 21), None, False),
        # Eve: completed 11-18 > 11-15: late.
        ("005E", "005M", C2, date(2026, 11, 15), date(2026, 11, 18), False),
        # C3 ('Account;Sales Manager') and C4 (not required): no assignment.
    ]


def test_rep_training_week(any_warehouse, tmp_path):
    build_training(any_warehouse, tmp_path)

    rows = fetch(
        any_warehouse,
        "select rep_id, manager_id, week_start, is_eligible, assignments_due, completed_on_time, "
        "completed_late, overdue, compliance_rate, learning_statements, completions, is_training_active "
        f"from {any_warehouse.schema}.mart_rep_training_week order by rep_id, week_start",
    )
    assert rows == [
        # Ann: W1 (end 11-08) C1 due (01-15), C2 not yet (11-15 > 11-08): 1 of 1 on time.
        ("005A", "005M", W1, True, 1, 1, 0, 0, 1.0, 0, 0, False),
        # W2 (end 11-15): C2 due on the week's last day: 2 due, both on time (C2 passed 11-12).
        # Statements: attempted 11-09, failed 11-10, passed 11-12 = 3, of which 1 completion.
        ("005A", "005M", W2, True, 2, 2, 0, 0, 1.0, 3, 1, True),
        ("005A", "005M", W3, True, 2, 2, 0, 0, 1.0, 0, 0, False),
        # Bob: W1 C1 completed late: neither on time nor overdue: 0 / 1 = 0.0.
        ("005B", "005M", W1, True, 1, 0, 1, 0, 0.0, 0, 0, False),
        # On leave in W2 and W3: nothing counted (C2 due 11-15 is never overdue), rate null.
        ("005B", "005M", W2, False, 0, 0, 0, 0, None, 0, 0, False),
        # The 'experienced' statement 11-20 still counts as training activity.
        ("005B", "005M", W3, False, 0, 0, 0, 0, None, 1, 0, True),
        # Cy: C1 never completed: overdue in W1; terminated 11-12, so no seller row after W1.
        ("005C", "005M", W1, True, 1, 0, 0, 1, 0.0, 0, 0, False),
        # Di: inside the ramp every week: C1 (due 11-09) and C2 (due 11-21) are never counted.
        ("005D", "005M", W1, False, 0, 0, 0, 0, None, 0, 0, False),
        ("005D", "005M", W2, False, 0, 0, 0, 0, None, 0, 0, False),
        ("005D", "005M", W3, False, 0, 0, 0, 0, None, 1, 0, True),
        # Eve: W1 C1 (due 10-15) on time: 1 / 1.
        ("005E", "005M", W1, True, 1, 1, 0, 0, 1.0, 0, 0, False),
        # W2: C2 due 11-15, not completed by 11-15: overdue; 1 / 2 = 0.5.
        ("005E", "005M", W2, True, 2, 1, 0, 1, 0.5, 0, 0, False),
        # W3: C2 completed 11-18 (late): neither on time nor overdue; still 1 / 2 = 0.5.
        ("005E", "005M", W3, True, 2, 1, 1, 0, 0.5, 1, 1, True),
        # Gus: C1 completed 11-11: overdue at the end of W1 (11-08), completed late from W2.
        ("005G", "005N", W1, True, 1, 0, 0, 1, 0.0, 0, 0, False),
        ("005G", "005N", W2, True, 1, 0, 1, 0, 0.0, 1, 1, True),
        ("005G", "005N", W3, True, 1, 0, 1, 0, 0.0, 1, 0, True),
    ]


def test_training_active_rate_over_eligible_sellers(any_warehouse, tmp_path):
    build_training(any_warehouse, tmp_path)

    rows = fetch(
        any_warehouse,
        "select week_start, count(*), "
        "cast(sum(case when is_training_active then 1 else 0 end) as double precision) / count(*) "
        f"from {any_warehouse.schema}.mart_rep_training_week where is_eligible "
        "group by week_start order by week_start",
    )
    assert rows == [
        (W1, 5, 0.0),  # A, B, C, E, G eligible; no statement in 11-02..11-08
        (W2, 3, 2 / 3),  # A, E, G eligible; Ann and Gus active
        (W3, 3, 2 / 3),  # A, E, G eligible; Eve and Gus active (Bob and Di are not eligible)
    ]


def test_course_compliance(any_warehouse, tmp_path):
    build_training(any_warehouse, tmp_path)

    rows = fetch(
        any_warehouse,
        "select course_id, manager_id, week_start, assignments_due, completed_on_time, completed_late, "
        "overdue, compliance_rate, completed, decayed, scored_attempts, avg_scaled_score "
        f"from {any_warehouse.schema}.mart_course_compliance order by week_start, course_id, manager_id",
    )
    assert rows == [
        # W1 (end 11-08), eligible A, B, C, E under 005M and G under 005N; C2 not due yet.
        # C1/005M: on time A, E; late B; overdue C: 2 / 4 = 0.5. Decay window 90 days =
        # [11-08 - 89, 11-08] = [08-11, 11-08]: Ann 08-20 and Eve 10-14 inside, Bob's last
        # statement 01-20 outside: 1 decayed.
        (C1, "005M", W1, 4, 2, 1, 1, 0.5, 3, 1, 0, None),
        (C1, "005N", W1, 1, 0, 0, 1, 0.0, 0, 0, 0, None),  # Gus completes only on 11-11
        # W2 (end 11-15): eligible A, E, G. Window [08-18, 11-15]: Ann's 08-20 still inside.
        (C1, "005M", W2, 2, 2, 0, 0, 1.0, 2, 0, 0, None),
        (C1, "005N", W2, 1, 0, 1, 0, 0.0, 1, 0, 0, None),
        # C2 due 11-15 for Ann (on time) and Eve (overdue): 1 / 2. Scores of passed and failed
        # attempts in W2: (0.5 + 0.75) / 2 = 0.625; the 'attempted' 0.25 is left out.
        (C2, "005M", W2, 2, 1, 0, 1, 0.5, 1, 0, 2, 0.625),
        # W3 (end 11-22): window [08-25, 11-22]: Ann's last C1 statement 08-20 is 94 days old:
        # decayed. Eve (10-14) is not.
        (C1, "005M", W3, 2, 2, 0, 0, 1.0, 2, 1, 0, None),
        (C1, "005N", W3, 1, 0, 1, 0, 0.0, 1, 0, 0, None),
        # Eve completed C2 on 11-18: late, not overdue. Di's C2 (due 11-21) is not counted (ramp).
        (C2, "005M", W3, 2, 1, 1, 0, 0.5, 2, 0, 0, None),
    ]


def test_leavers_leave_and_new_hires_are_never_overdue(any_warehouse, tmp_path):
    build_training(any_warehouse, tmp_path)
    schema = any_warehouse.schema

    # Bob (leave 11-10..11-20), Cy (terminated 11-12) and Di (in the ramp) all have assignments
    # due and never completed in W2 and W3, yet none is counted anywhere in those weeks.
    counted = fetch(
        any_warehouse,
        "select rep_id, week_start, assignments_due, overdue "
        f"from {schema}.mart_rep_training_week "
        "where rep_id in ('005B', '005C', '005D') and week_start > :w1 order by rep_id, week_start",
        w1=W1,
    )
    assert counted == [
        ("005B", W2, 0, 0),
        ("005B", W3, 0, 0),
        ("005D", W2, 0, 0),
        ("005D", W3, 0, 0),
    ]
    # The course rows hold only Ann, Eve (005M) and Gus (005N) after W1: 2 + 1 due per course week.
    totals = fetch(
        any_warehouse,
        f"select week_start, sum(assignments_due), sum(overdue) from {schema}.mart_course_compliance "
        "group by week_start order by week_start",
    )
    assert totals == [(W1, 5, 2), (W2, 5, 1), (W3, 5, 0)]


def test_certification_validity_expiry_and_decay(any_warehouse, tmp_path):
    build_training(any_warehouse, tmp_path)

    rows = fetch(
        any_warehouse,
        "select rep_id, manager_id, course_id, as_of_week_start, is_eligible, last_passed_date, valid_until, "
        "is_valid, is_expiring_30d, last_activity_date, is_decayed "
        f"from {any_warehouse.schema}.mart_certification order by rep_id, course_id",
    )
    # As of W3 (week end 11-22). Only passes count: Ann's C1 'completed' is no certification;
    # Gus failed C4 on 11-17 and passed only on 11-25, after the week end: no row.
    assert rows == [
        # 06-01 + 180 = 11-28: valid (>= 11-22) and expiring (<= 11-22 + 30 = 12-22). Decay
        # window 30 days = [10-24, 11-22]; last activity 06-01: decayed.
        (
            "005A",
            "005M",
            C4,
            W3,
            True,
            date(2026, 6, 1),
            date(2026, 11, 28),
            True,
            True,
            date(2026, 6, 1),
            True,
        ),
        # 01-10 + 180 = 07-09 < 11-22: expired. Activity on 11-20: not decayed. On leave.
        (
            "005B",
            "005M",
            C4,
            W3,
            False,
            date(2026, 1, 10),
            date(2026, 7, 9),
            False,
            False,
            date(2026, 11, 20),
            False,
        ),
        # 10-14 + 365 = 2027-10-14: valid, not expiring; window 90 days [08-25, 11-22] holds 10-14.
        (
            "005E",
            "005M",
            C1,
            W3,
            True,
            date(2026, 10, 14),
            date(2027, 10, 14),
            True,
            False,
            date(2026, 10, 14),
            False,
        ),
        # 10-01 + 180 = 2027-03-30: valid, not expiring; 'progressed' on 10-24, the window's first
        # day: not decayed.
        (
            "005E",
            "005M",
            C4,
            W3,
            True,
            date(2026, 10, 1),
            date(2027, 3, 30),
            True,
            False,
            date(2026, 10, 24),
            False,
        ),
    ]


def test_voided_completion_stops_counting(any_warehouse, tmp_path):
    build_training(any_warehouse, tmp_path)
    schema = any_warehouse.schema
    query = (
        "select week_start, assignments_due, completed_late, overdue, learning_statements, completions "
        f"from {schema}.mart_rep_training_week where rep_id = '005G' order by week_start"
    )
    # Gus completed C1 on 11-11: overdue at the end of W1, completed late in W2 and W3.
    assert fetch(any_warehouse, query) == [
        (W1, 1, 0, 1, 0, 0),
        (W2, 1, 1, 0, 1, 1),
        (W3, 1, 1, 0, 1, 0),
    ]

    voiding = json.dumps(
        {
            "id": "00000000-0000-4000-8000-000000000099",
            "actor": {"objectType": "Agent", **GUS},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}},
            "object": {"objectType": "StatementRef", "id": GUS_C1_COMPLETION},
            "timestamp": "2026-11-19T09:00:00Z",
        }
    )
    load_text(any_warehouse, tmp_path, "xapi", "voiding.jsonl", voiding)
    build(any_warehouse, START, END, select=TRAINING_MARTS)

    # The completion is gone (and the voiding statement is no activity): overdue every week.
    assert fetch(any_warehouse, query) == [
        (W1, 1, 0, 1, 0, 0),
        (W2, 1, 0, 1, 0, 0),
        (W3, 1, 0, 1, 1, 0),  # the failed C4 attempt on 11-17 remains
    ]
    assert fetch(
        any_warehouse,
        f"select first_completed_date from {schema}.int_required_assignment "
        "where rep_id = '005G' and course_id = :course",
        course=C1,
    ) == [(None,)]
    assert fetch(
        any_warehouse,
        f"select overdue, compliance_rate from {schema}.mart_course_compliance "
        "where manager_id = '005N' order by week_start",
    ) == [(1, 0.0), (1, 0.0), (1, 0.0)]
