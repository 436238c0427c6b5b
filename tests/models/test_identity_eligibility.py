"""Identity resolution and eligibility (SPEC section 4) on DuckDB and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from datetime import date

from tests.conftest import fetch
from tests.models.conftest import build, load_text

USERS = """Id,Name,Email,ManagerId,Title,Department,IsActive,CreatedDate
005M,Mo Manager,mo@example.com,,Sales Manager,Sales,true,2020-01-06T09:00:00.000+0000
005A,Ann,ann@example.com,005M,Account Executive,Sales,true,2025-01-06T09:00:00.000+0000
005B,Bob,bob@example.com,005M,Account Executive,Sales,true,2025-01-06T09:00:00.000+0000
005C,Cy,cy@example.com,005M,Account Executive,Sales,false,2025-01-06T09:00:00.000+0000
005D,Di,di@example.com,005M,Sales Development Representative,Sales,true,2026-11-01T09:00:00.000+0000
005E,Ed,ed@example.com,005M,Solutions Engineer,Sales,true,2025-01-06T09:00:00.000+0000
005F,Fay,fay@example.com,005M,Solutions Engineer,Sales,true,2025-01-06T09:00:00.000+0000
"""

HR = """email,hire_date,employment_status,status_start,status_end,fte
bob@example.com,2025-01-06,leave,2026-11-10,2026-11-20,1
cy@example.com,2025-01-06,terminated,2026-11-12,,1
"""

QUOTAS = """Id,QuotaOwnerId,StartDate,QuotaAmount
0J9E,005E,2026-10-01,100000
"""

CONTENT = """event_id,occurred_at,user_email,asset_id,action,duration_seconds,opportunity_id
e1,2026-11-17T10:00:00Z, ANN@example.com ,a1,view,30,
e2,2026-11-17T11:00:00Z,nobody@example.com,a1,view,30,
"""

IDENTITY_MAP = """source,external_id,email
xapi,u123,di@example.com
okta,jdoe,fay@example.com
"""


def statement(number: int, actor: dict) -> str:
    return json.dumps(
        {
            "id": f"00000000-0000-4000-8000-00000000000{number}",
            "actor": {"objectType": "Agent", **actor},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
            "object": {"id": "https://lms.example.com/courses/discovery", "objectType": "Activity"},
            "timestamp": "2026-11-18T09:00:00Z",
        }
    )


BOB_SHA1 = hashlib.sha1(b"mailto:bob@example.com").hexdigest()
XAPI = "\n".join(
    [
        statement(1, {"mbox": "mailto:ann@example.com"}),
        statement(2, {"mbox_sha1sum": BOB_SHA1}),
        statement(3, {"account": {"homePage": "https://lms.example.com", "name": "u123"}}),
        statement(4, {"account": {"homePage": "https://lms.example.com", "name": "u999"}}),
    ]
)


def okta_event(uuid: str, login: str, result: str) -> str:
    return json.dumps(
        {
            "uuid": uuid,
            "published": "2026-11-18T09:00:00.000Z",
            "eventType": "user.authentication.sso",
            "outcome": {"result": result},
            "actor": {"id": "00u1", "type": "User", "alternateId": login, "displayName": login},
            "target": [{"id": "0oa1", "type": "AppInstance", "alternateId": "Gong", "displayName": "Gong"}],
        }
    )


OKTA = "\n".join(
    [
        okta_event("o1", "ED@example.com ", "SUCCESS"),
        okta_event("o2", "jdoe", "SUCCESS"),
        okta_event("o3", "stranger@example.com", "FAILURE"),
    ]
)


def load_fixture(warehouse, tmp_path) -> None:
    load_text(warehouse, tmp_path, "users", "User.csv", USERS)
    load_text(warehouse, tmp_path, "hr", "hr.csv", HR)
    load_text(warehouse, tmp_path, "quotas", "ForecastingQuota.csv", QUOTAS)
    load_text(warehouse, tmp_path, "content_activity", "activity.csv", CONTENT)
    load_text(warehouse, tmp_path, "identity_map", "map.csv", IDENTITY_MAP)
    load_text(warehouse, tmp_path, "xapi", "statements.jsonl", XAPI)
    load_text(warehouse, tmp_path, "okta", "logs.jsonl", OKTA)


def test_every_identity_form_resolves_to_the_crm_user(any_warehouse, tmp_path):
    load_fixture(any_warehouse, tmp_path)
    build(any_warehouse, date(2026, 11, 16), date(2026, 11, 23), select=["identity_match"])
    schema = any_warehouse.schema

    resolved = fetch(
        any_warehouse,
        f"select source, id_kind, external_id, rep_id, match_method from {schema}.stg_identity "
        "where source in ('content_activity', 'xapi', 'okta') order by source, external_id",
    )
    assert resolved == [
        # e-mail trimmed and lower-cased by the reader, matched to the CRM e-mail
        ("content_activity", "email", "ann@example.com", "005A", "email"),
        ("content_activity", "email", "nobody@example.com", None, None),
        # the Okta FAILURE event is not a sign-in, so 'stranger' is not an identity to match
        ("okta", "login", "ed@example.com", "005E", "email"),
        ("okta", "login", "jdoe", "005F", "identity_map"),
        (
            "xapi",
            "mbox_sha1sum",
            BOB_SHA1,
            "005B",
            "mbox_sha1sum",
        ),
        ("xapi", "email", "ann@example.com", "005A", "email"),
        ("xapi", "account", "u123", "005D", "identity_map"),
        ("xapi", "account", "u999", None, None),
    ]
    rates = fetch(
        any_warehouse,
        f"select source, identities, matched, match_rate from {schema}.identity_match order by source",
    )
    assert rates == [
        ("content_activity", 2, 1, 0.5),  # 1 of 2
        ("hr", 2, 2, 1.0),
        ("okta", 2, 2, 1.0),
        ("quotas", 1, 1, 1.0),
        ("xapi", 4, 3, 0.75),  # u999 is not in the identity map
    ]


def test_eligibility_excludes_leave_leavers_new_hires_and_non_sellers(any_warehouse, tmp_path):
    load_fixture(any_warehouse, tmp_path)
    # Two weeks: 2026-11-02 (before Cy's termination and Bob's leave) and 2026-11-16.
    build(any_warehouse, date(2026, 11, 2), date(2026, 11, 23), select=["int_rep_week_status"])

    rows = fetch(
        any_warehouse,
        "select rep_id, week_start, is_active, is_on_leave, is_terminated, is_past_ramp, has_quota, "
        f"is_seller, is_eligible from {any_warehouse.schema}.int_rep_week_status "
        "where week_start in ('2026-11-02', '2026-11-16') order by rep_id, week_start",
    )
    w1, w3 = date(2026, 11, 2), date(2026, 11, 16)
    assert rows == [
        # Ann: AE hired 2025, active: eligible both weeks.
        ("005A", w1, True, False, False, True, False, True, True),
        ("005A", w3, True, False, False, True, False, True, True),
        # Bob: on leave 11-10..11-20, which overlaps the week of 11-16.
        ("005B", w1, True, False, False, True, False, True, True),
        ("005B", w3, True, True, False, True, False, True, False),
        # Cy: inactive in the CRM, terminated 11-12: still employed the week of 11-02.
        ("005C", w1, True, False, False, True, False, True, True),
        ("005C", w3, False, False, True, True, False, False, False),
        # Di: hired 2026-11-01, not yet hired by... she is: 11-01 <= 11-08; inside the 30-day ramp
        # both weeks (11-01 > 11-02 - 30 and 11-01 > 11-16 - 30 = 10-17).
        ("005D", w1, True, False, False, False, False, True, False),
        ("005D", w3, True, False, False, False, False, True, False),
        # Ed: Solutions Engineer, but with a quota for the quarter from 2026-10-01: a seller.
        ("005E", w1, True, False, False, True, True, True, True),
        ("005E", w3, True, False, False, True, True, True, True),
        # Fay: Solutions Engineer without a quota: not a seller.
        ("005F", w1, True, False, False, True, False, False, False),
        ("005F", w3, True, False, False, True, False, False, False),
        # Mo: the manager: not a seller title, no quota.
        ("005M", w1, True, False, False, True, False, False, False),
        ("005M", w3, True, False, False, True, False, False, False),
    ]
