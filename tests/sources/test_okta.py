"""Okta System Log files: LogEvent objects as GET /api/v1/logs returns them.

The events follow the LogEvent example of Okta's System Log API reference (actor, client with
userAgent and geographicalContext, authenticationContext, outcome, transaction, debugContext,
request.ipChain, target[]), with our own ids, people and apps.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa

from enablement_audit.load import load_path
from enablement_audit.sources.base import SourceFileError
from tests.conftest import quarantine, table_rows, write

ANN = {
    "id": "00u1ann0000000000001",
    "type": "User",
    "alternateId": " Ann.Lee@Example.COM ",
    "displayName": "Ann Lee",
    "detailEntry": None,
}
BOB = {
    "id": "00u1bob0000000000002",
    "type": "User",
    "alternateId": "bob@example.com",
    "displayName": "Bob Ray",
    "detailEntry": None,
}
SALESFORCE = {
    "id": "0oa1sfdc000000000001",
    "type": "AppInstance",
    "alternateId": "Salesforce.com",
    "displayName": "Salesforce.com",
    "detailEntry": {"signOnModeType": "SAML_2_0"},
}
GONG = {
    "id": "0oa1gong000000000002",
    "type": "AppInstance",
    "alternateId": "Gong",
    "displayName": "Gong",
    "detailEntry": {"signOnModeType": "SAML_2_0"},
}


def app_user(actor: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "0ua1" + actor["id"][4:],
        "type": "AppUser",
        "alternateId": actor["alternateId"].strip().lower(),
        "displayName": actor["displayName"],
        "detailEntry": None,
    }


def log_event(
    uuid: str | None,
    published: str | None,
    event_type: str | None = "user.authentication.sso",
    *,
    actor: dict[str, Any] | None = ANN,
    target: list[dict[str, Any]] | None = None,
    result: str = "SUCCESS",
    reason: str | None = None,
    ip: str = "198.51.100.7",
) -> dict[str, Any]:
    """A LogEvent shaped like Okta's documented example; ``None`` leaves a field out."""
    event: dict[str, Any] = {
        "actor": actor,
        "client": {
            "userAgent": {
                "rawUserAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Chrome/124.0",
                "os": "Mac OS X",
                "browser": "CHROME",
            },
            "zone": "null",
            "device": "Computer",
            "id": None,
            "ipAddress": ip,
            "geographicalContext": {
                "city": "Dublin",
                "state": "Leinster",
                "country": "Ireland",
                "postalCode": None,
                "geolocation": {"lat": 53.3331, "lon": -6.2489},
            },
        },
        "device": None,
        "authenticationContext": {
            "authenticationProvider": None,
            "credentialProvider": None,
            "credentialType": None,
            "issuer": None,
            "interface": None,
            "authenticationStep": 0,
            "externalSessionId": "102bZDNFfWaQSyEZQuDgWt-uQ",
        },
        "displayMessage": "User single sign on to app",
        "eventType": event_type,
        "outcome": {"result": result, "reason": reason},
        "published": published,
        "securityContext": {
            "asNumber": None,
            "asOrg": None,
            "isp": None,
            "domain": None,
            "isProxy": None,
        },
        "severity": "INFO",
        "debugContext": {"debugData": {"requestId": "ZjjX2Yd3kP0AAA", "requestUri": "/app/sso/saml"}},
        "legacyEventType": "app.auth.sso",
        "transaction": {"type": "WEB", "id": "ZjjX2Yd3kP0AAA", "detail": {}},
        "uuid": uuid,
        "version": "0",
        "request": {"ipChain": [{"ip": ip, "version": "V4", "source": None}]},
        "target": target,
    }
    return {k: v for k, v in event.items() if not (v is None and k in ("uuid", "published", "eventType"))}


SSO_OK = log_event(
    "b1f2c3d4-0001-11ef-8478-2b7584bf8d5a",
    "2024-05-06T14:03:27.123Z",
    # The AppUser comes first on purpose: the tool is the first AppInstance, not target[0].
    target=[app_user(ANN), SALESFORCE],
)
SSO_FAILED = log_event(
    "b1f2c3d4-0002-11ef-8478-2b7584bf8d5a",
    "2024-05-06T15:00:00.000Z",
    actor=BOB,
    target=[GONG, app_user(BOB)],
    result="FAILURE",
    reason="User is not assigned to this application",
    ip="203.0.113.9",
)
SESSION_START = {
    **log_event("b1f2c3d4-0003-11ef-8478-2b7584bf8d5a", "2024-05-06T08:59:59.999Z", "user.session.start"),
    "displayMessage": "User login to Okta",
    "legacyEventType": "core.user_auth.login_success",
}

NO_UUID = log_event(None, "2024-05-06T09:00:00.000Z", target=[SALESFORCE])
BAD_TIME = log_event("b1f2c3d4-0005-11ef-8478-2b7584bf8d5a", "2024-13-45T10:00:00.000Z", target=[SALESFORCE])
NO_ALTERNATE_ID = log_event(
    "b1f2c3d4-0006-11ef-8478-2b7584bf8d5a",
    "2024-05-06T10:00:00.000Z",
    actor={"id": "00u1x", "type": "User", "alternateId": None, "displayName": "X"},
    target=[SALESFORCE],
)
NO_APP = log_event("b1f2c3d4-0007-11ef-8478-2b7584bf8d5a", "2024-05-06T11:00:00.000Z", target=[app_user(ANN)])
NO_EVENT_TYPE = log_event("b1f2c3d4-0009-11ef-8478-2b7584bf8d5a", "2024-05-06T12:00:00.000Z", None)
NO_PUBLISHED = log_event("b1f2c3d4-0010-11ef-8478-2b7584bf8d5a", None, target=[SALESFORCE])
NO_ACTOR = log_event(
    "b1f2c3d4-0014-11ef-8478-2b7584bf8d5a", "2024-05-06T13:00:00.000Z", actor=None, target=[GONG]
)
# Same uuid as the session start but a different outcome: the same event cannot change.
SESSION_START_CHANGED = {
    **SESSION_START,
    "outcome": {"result": "FAILURE", "reason": "INVALID_CREDENTIALS"},
}


def jsonl(*lines: Any) -> str:
    return "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)


JSON_LINES = jsonl(
    SSO_OK,  # 1
    SSO_FAILED,  # 2
    SESSION_START,  # 3
    NO_UUID,  # 4
    BAD_TIME,  # 5
    NO_ALTERNATE_ID,  # 6
    NO_APP,  # 7
    ["b1f2c3d4-0008-11ef-8478-2b7584bf8d5a"],  # 8: not an object
    NO_EVENT_TYPE,  # 9
    NO_PUBLISHED,  # 10
    SSO_OK,  # 11: the same event again
    '{"uuid": "b1f2c3d4-0012", "published": ',  # 12: cut off
    SESSION_START_CHANGED,  # 13
    NO_ACTOR,  # 14
)

COLUMNS = (
    "event_id, published_at, event_type, outcome_result, outcome_reason, actor_id, actor_alternate_id, "
    "actor_display_name, actor_type, app_instance_id, app_display_name, client_ip, is_sso_success"
)
EXPECTED_ROWS = [
    (
        "b1f2c3d4-0001-11ef-8478-2b7584bf8d5a",
        datetime(2024, 5, 6, 14, 3, 27, 123000),
        "user.authentication.sso",
        "SUCCESS",
        None,
        "00u1ann0000000000001",
        "ann.lee@example.com",  # " Ann.Lee@Example.COM " trimmed and lower-cased
        "Ann Lee",
        "User",
        "0oa1sfdc000000000001",
        "Salesforce.com",
        "198.51.100.7",
        True,
    ),
    (
        "b1f2c3d4-0002-11ef-8478-2b7584bf8d5a",
        datetime(2024, 5, 6, 15, 0),
        "user.authentication.sso",
        "FAILURE",
        "User is not assigned to this application",
        "00u1bob0000000000002",
        "bob@example.com",
        "Bob Ray",
        "User",
        "0oa1gong000000000002",
        "Gong",
        "203.0.113.9",
        False,  # SSO but not SUCCESS
    ),
    (
        "b1f2c3d4-0003-11ef-8478-2b7584bf8d5a",
        datetime(2024, 5, 6, 8, 59, 59, 999000),
        "user.session.start",
        "SUCCESS",
        None,
        "00u1ann0000000000001",
        "ann.lee@example.com",
        "Ann Lee",
        "User",
        None,  # no AppInstance target on a session start
        None,
        "198.51.100.7",
        False,  # SUCCESS but not SSO
    ),
]
EXPECTED_QUARANTINE = [
    (4, "missing_id", "uuid: is required but missing"),
    (5, "bad_timestamp", "published: '2024-13-45T10:00:00.000Z' is not an ISO 8601 timestamp"),
    (6, "missing_actor", "actor.alternateId: is required on a user.authentication.sso event"),
    (7, "missing_target", "target: has no AppInstance target on a user.authentication.sso event"),
    (8, "not_an_object", "event: ['b1f2c3d4-0008-11ef-8478-2b7584bf8d5a'] is not a JSON object"),
    (9, "missing_event_type", "eventType: is required but missing"),
    (10, "missing_time", "published: is required but missing"),
    # The stripped line is 38 characters long, so JSON expects a value at column 39.
    (12, "bad_json", "line is not valid JSON: Expecting value (column 39)"),
    (
        13,
        "conflicting_duplicate",
        "event_id=b1f2c3d4-0003-11ef-8478-2b7584bf8d5a was already loaded earlier in this file "
        "with different content; the first one is kept",
    ),
    (14, "missing_actor", "actor: is required on a user.authentication.sso event"),
]


def test_json_lines_keeps_every_event_and_quarantines_bad_ones(warehouse, tmp_path):
    path = write(tmp_path / "okta" / "2024-05-06" / "okta-logs.jsonl", JSON_LINES)

    result = load_path(warehouse, "okta", str(path))

    # 14 lines: lines 1-3 loaded; line 11 repeats line 1 exactly -> 1 duplicate; lines 4-10, 12
    # and 14 rejected by the reader (9) plus line 13 conflicting with line 3 (1) -> 10 quarantined.
    # 3 + 10 + 1 = 14.
    assert result.summary() == {
        "source": "okta",
        "read": 14,
        "loaded": 3,
        "quarantined": 10,
        "duplicates": 1,
    }
    assert table_rows(warehouse, "raw_okta_event", COLUMNS, "published_at") == sorted(
        EXPECTED_ROWS, key=lambda row: row[1]
    )
    assert table_rows(warehouse, "raw_okta_event", "event_id, source_line, source_date", "source_line") == [
        ("b1f2c3d4-0001-11ef-8478-2b7584bf8d5a", 1, datetime(2024, 5, 6).date()),
        ("b1f2c3d4-0002-11ef-8478-2b7584bf8d5a", 2, datetime(2024, 5, 6).date()),
        ("b1f2c3d4-0003-11ef-8478-2b7584bf8d5a", 3, datetime(2024, 5, 6).date()),
    ]
    assert quarantine(warehouse, "okta") == EXPECTED_QUARANTINE


def test_loading_twice_changes_nothing(warehouse, tmp_path):
    path = write(tmp_path / "okta" / "2024-05-06" / "okta-logs.jsonl", JSON_LINES)
    load_path(warehouse, "okta", str(path))
    before = (
        table_rows(warehouse, "raw_okta_event", "*", "event_id"),
        quarantine(warehouse, "okta"),
    )

    again = load_path(warehouse, "okta", str(path))

    # Lines 1, 2, 3 and 11 are now all already in the table -> 4 duplicates; the 10 quarantined
    # rows are quarantined again (replacing the first load's): 4 + 10 = 14.
    assert again.summary() == {
        "source": "okta",
        "read": 14,
        "loaded": 0,
        "quarantined": 10,
        "duplicates": 4,
    }
    after = (
        table_rows(warehouse, "raw_okta_event", "*", "event_id"),
        quarantine(warehouse, "okta"),
    )
    assert after == before


def test_a_stored_row_fingerprinted_another_way_is_compared_by_its_content(any_warehouse, tmp_path):
    """Rows loaded by an earlier version carry another kind of fingerprint: the merge computes
    theirs again from the stored columns before calling a re-delivered row a conflict."""
    path = write(tmp_path / "okta" / "2024-05-06" / "okta-logs.jsonl", JSON_LINES)
    load_path(any_warehouse, "okta", str(path))
    table = f"{any_warehouse.schema}.raw_okta_event"
    with any_warehouse.engine.begin() as conn:
        conn.execute(
            sa.text(f"update {table} set row_hash = 'fingerprinted-another-way' where source_line in (1, 2)")
        )
        conn.execute(sa.text(f"update {table} set outcome_result = 'SUCCESS' where source_line = 2"))

    # Read again although the file is unchanged: its stored rows were changed behind the loader.
    again = load_path(any_warehouse, "okta", str(path), reread=True)

    # Line 1's content is unchanged -> duplicate, as are line 3 and line 11 (line 1 again); the
    # stored line 2 now says SUCCESS where the file says FAILURE, so the delivered line 2 conflicts with it: 10 + 1 = 11
    # quarantined, 3 duplicates, 14 read.
    assert again.summary() == {
        "source": "okta",
        "read": 14,
        "loaded": 0,
        "quarantined": 11,
        "duplicates": 3,
    }
    assert quarantine(any_warehouse, "okta")[0] == (
        2,
        "conflicting_duplicate",
        f"event_id=b1f2c3d4-0002-11ef-8478-2b7584bf8d5a was already loaded from {path} line 2 "
        "with different content; the first one is kept",
    )
    # Nothing was replaced: the stored rows keep their content and fingerprints.
    assert table_rows(any_warehouse, "raw_okta_event", "source_line, outcome_result, row_hash", "1")[:2] == [
        (1, "SUCCESS", "fingerprinted-another-way"),
        (2, "SUCCESS", "fingerprinted-another-way"),
    ]


def test_json_array_as_the_api_returns_it(warehouse, tmp_path):
    # The response body of GET /api/v1/logs, pretty-printed; element 3 is not an event.
    body = json.dumps([SSO_FAILED, SESSION_START, "user.session.start", SSO_OK], indent=2)
    path = write(tmp_path / "okta" / "2024-05-06" / "logs-page.json", body)

    result = load_path(warehouse, "okta", str(path))

    # 4 elements: 3 events loaded, element 3 a string -> 1 quarantined.
    assert result.summary() == {
        "source": "okta",
        "read": 4,
        "loaded": 3,
        "quarantined": 1,
        "duplicates": 0,
    }
    assert table_rows(warehouse, "raw_okta_event", COLUMNS, "published_at") == sorted(
        EXPECTED_ROWS, key=lambda row: row[1]
    )
    assert table_rows(warehouse, "raw_okta_event", "source_line", "source_line") == [
        (1,),
        (2,),
        (4,),
    ]
    assert quarantine(warehouse, "okta") == [
        (3, "not_an_object", "event: 'user.session.start' is not a JSON object")
    ]


def test_a_single_pretty_printed_event(warehouse, tmp_path):
    path = write(tmp_path / "event.json", json.dumps(SSO_OK, indent=4))

    result = load_path(warehouse, "okta", str(path))

    assert result.summary() == {
        "source": "okta",
        "read": 1,
        "loaded": 1,
        "quarantined": 0,
        "duplicates": 0,
    }
    assert table_rows(warehouse, "raw_okta_event", COLUMNS) == [EXPECTED_ROWS[0]]


def test_wrong_shapes_are_quarantined_with_the_field_named(warehouse, tmp_path):
    text = jsonl(
        {**SSO_OK, "uuid": 12345},  # 1
        {**SSO_OK, "uuid": "b1f2c3d4-0102", "published": 1715004207},  # 2
        {**SSO_OK, "uuid": "b1f2c3d4-0103", "target": {"type": "AppInstance"}},  # 3
        {**SSO_OK, "uuid": "b1f2c3d4-0104", "actor": "ann.lee@example.com"},  # 4
        {**SSO_OK, "uuid": "   "},  # 5
        {**SSO_OK, "uuid": "b1f2c3d4-0106", "published": "1969-12-31T23:59:59.000Z"},  # 6
        # 7: a lower-case result is stored upper-case, so it still counts as a success.
        {**SSO_OK, "uuid": "b1f2c3d4-0107", "outcome": {"result": "success", "reason": None}},
    )
    path = write(tmp_path / "okta.jsonl", text)

    result = load_path(warehouse, "okta", str(path))

    assert result.summary() == {
        "source": "okta",
        "read": 7,
        "loaded": 1,
        "quarantined": 6,
        "duplicates": 0,
    }
    assert table_rows(warehouse, "raw_okta_event", "event_id, outcome_result, is_sso_success") == [
        ("b1f2c3d4-0107", "SUCCESS", True)
    ]
    assert quarantine(warehouse, "okta") == [
        (1, "bad_type", "uuid: 12345 is not a string"),
        (2, "bad_timestamp", "published: 1715004207 is not an ISO 8601 timestamp"),
        (3, "bad_type", "target: {'type': 'AppInstance'} is not a list"),
        (4, "bad_type", "actor: 'ann.lee@example.com' is not an object"),
        (5, "missing_id", "uuid: is required but empty"),
        (6, "bad_timestamp", "published: '1969-12-31T23:59:59.000Z' is outside 1970-2100"),
    ]


def test_a_file_that_is_not_json_cannot_be_loaded(warehouse, tmp_path):
    path = write(tmp_path / "okta.csv", "uuid,published\nx,2024-05-06\n")

    with pytest.raises(SourceFileError, match="expected a JSON array or JSON Lines"):
        load_path(warehouse, "okta", str(path))
