"""xAPI statements from files: array, JSON Lines, one object, a saved StatementResult.

The statements follow the examples of the xAPI specification (Data, section 2.4 and appendix A:
the "simple statement", the "completed CBT course" statement, the long "Team PB" meeting
statement, the voiding example) with ids and times of our own.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from enablement_audit.load import load_files, load_path
from tests.conftest import REAL_SAMPLES, quarantine, table_rows, write

TABLE = "raw_xapi_statement"

# The specification's "simple statement", with an mbox whose case and spaces need cleaning.
SIMPLE = {
    "id": "FD41C918-B88B-4B20-A0A5-A4C32391AAA0",
    "timestamp": "2015-11-18T12:17:00+00:00",
    "version": "1.0.3",
    "actor": {"objectType": "Agent", "name": "Project Tin Can API", "mbox": " mailto:User@Example.COM "},
    "verb": {"id": "http://example.com/xapi/verbs#sent-a-statement", "display": {"en-US": "sent"}},
    "object": {
        "id": "http://example.com/xapi/activity/simplestatement",
        "definition": {
            "name": {"en-US": "simple statement"},
            "description": {"en-US": "A simple Experience API statement."},
        },
    },
}

# The "simple CBT course" statement as an xAPI 2.0 LRS returns it, actor by mbox_sha1sum.
CBT_2_0 = {
    "id": "7ccd3322-e1a5-411a-a67d-6a735c76f119",
    "timestamp": "2015-12-18T14:17:00+02:00",
    "stored": "2015-12-18T12:17:05.250Z",
    "version": "2.0.0",
    "actor": {
        "objectType": "Agent",
        "name": "Ena Hills",
        "mbox_sha1sum": "EBD31E95054C018B10727CCFFD2EF2EC3A016EE9",
    },
    "verb": {
        "id": "http://adlnet.gov/expapi/verbs/attempted",
        "display": {"en-GB": "attempted", "fr-FR": "a tenté"},
    },
    "object": {
        "objectType": "Activity",
        "id": "http://example.adlnet.gov/xapi/example/simpleCBT",
        "definition": {"name": {"fr-FR": "cours simple", "en-US": "simple CBT course"}},
    },
    "result": {
        "score": {"scaled": 0.95, "raw": 95, "min": 0, "max": 100},
        "success": True,
        "completion": True,
        "duration": "PT1M30.5S",
    },
    "context": {"registration": "EC531277-B57B-4C15-8D91-D292C5B2B8F7"},
}

# The long example's meeting statement from a 1.0 LRS: actor by account, no timestamp.
MEETING_STORED_ONLY = {
    "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
    "stored": "2013-05-18T05:32:34.804+00:00",
    "version": "1.0.0",
    "actor": {
        "objectType": "Agent",
        "name": "Andrew Downes",
        "account": {"homePage": "http://www.example.com", "name": "13936749"},
    },
    "verb": {
        "id": "http://adlnet.gov/expapi/verbs/attended",
        "display": {"en-GB": "attended", "en-US": "attended"},
    },
    "object": {
        "id": "http://www.example.com/meetings/occurances/34534",
        "definition": {"name": {"en-GB": "example meeting", "en-US": "example meeting"}},
        "objectType": "Activity",
    },
    "result": {"success": True, "completion": True, "duration": "PT1H0M0S"},
}

# As an LMS writes it before it reaches an LRS: no id, no stored (the time from its event).
NO_ID = {
    "actor": {"account": {"homePage": "http://www.example.org", "name": "1"}, "name": "test_fullname"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en": "Completed"}},
    "object": {
        "id": "http://www.example.org/course/view.php?id=2",
        "definition": {"name": {"en": "test_name"}},
        "objectType": "Activity",
    },
    "timestamp": "2015-06-10T14:31:41+00:00",
}
# uuid5(uuid5(NAMESPACE_URL, "https://enablement-audit/xapi/statement"), the statement's JSON
# with sorted keys and no spaces): fixed, so a reload finds the same row.
NO_ID_GENERATED = "d2f2ebf0-7ad2-5104-9f3c-973c2f727e42"

SIMPLE_SHA1 = "220322e6f00c8c88ae97398ed7e9150228859d9c"  # sha1("mailto:user@example.com")

# The voiding example of the specification, and the statement it voids.
TARGET = {
    "id": "e05aa883-acaf-40ad-bf54-02c8ce485fb0",
    "timestamp": "2024-03-04T09:00:00Z",
    "actor": {"objectType": "Agent", "name": "Example Learner", "mbox": "mailto:learner@example.com"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
    "object": {"id": "http://example.com/courses/objection-handling", "objectType": "Activity"},
}
VOIDING = {
    "id": "3b7e2e9c-54f1-4b2c-9d43-3c7a9e1d2f10",
    "timestamp": "2024-03-05T10:00:00Z",
    "actor": {"objectType": "Agent", "name": "Example Admin", "mbox": "mailto:admin@example.adlnet.gov"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}},
    "object": {"objectType": "StatementRef", "id": "E05AA883-ACAF-40AD-BF54-02C8CE485FB0"},
}

VALID_COLUMNS = (
    "statement_id, is_id_generated, actor_mbox, actor_mbox_sha1sum, actor_account_home_page,"
    " actor_account_name, actor_name, verb_id, verb_display, object_id, object_type, object_name,"
    " occurred_at, stored_at, is_time_from_stored, xapi_version"
)
RESULT_COLUMNS = (
    "statement_id, result_success, result_completion, result_score_scaled, result_score_raw,"
    " result_duration_seconds, registration, voided_statement_id, is_voided"
)


def jsonl(*records: Any) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def with_(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of a statement with top-level fields replaced (``None`` removes one)."""
    copy = json.loads(json.dumps(base))
    for name, value in changes.items():
        if value is None:
            copy.pop(name, None)
        else:
            copy[name] = value
    return copy


def test_json_array_reads_each_actor_form_and_version(warehouse, tmp_path):
    path = write(
        tmp_path / "xapi" / "2024-03-04" / "statements.json",
        json.dumps([SIMPLE, CBT_2_0, MEETING_STORED_ONLY, NO_ID], indent=2),
    )

    result = load_path(warehouse, "xapi", str(path))

    assert result.summary() == {"source": "xapi", "read": 4, "loaded": 4, "quarantined": 0, "duplicates": 0}
    assert table_rows(warehouse, TABLE, VALID_COLUMNS, "occurred_at") == [
        # account actor, no timestamp: time from stored
        (
            "6690e6c9-3ef0-4ed3-8b37-7f3964730bee", False, None, None, "http://www.example.com", "13936749",
            "Andrew Downes", "http://adlnet.gov/expapi/verbs/attended", "attended",
            "http://www.example.com/meetings/occurances/34534", "Activity", "example meeting",
            datetime(2013, 5, 18, 5, 32, 34, 804000), datetime(2013, 5, 18, 5, 32, 34, 804000), True, "1.0.0",
        ),
        # no id: a generated one; display and name only in "en": the first entry
        (
            NO_ID_GENERATED, True, None, None, "http://www.example.org", "1", "test_fullname",
            "http://adlnet.gov/expapi/verbs/completed", "Completed", "http://www.example.org/course/view.php?id=2",
            "Activity", "test_name", datetime(2015, 6, 10, 14, 31, 41), None, False, None,
        ),
        # mbox trimmed, "mailto:" dropped, lower-cased; its SHA-1 derived; id lower-cased;
        # objectType absent: Activity
        (
            "fd41c918-b88b-4b20-a0a5-a4c32391aaa0", False, "user@example.com", SIMPLE_SHA1, None, None,
            "Project Tin Can API", "http://example.com/xapi/verbs#sent-a-statement", "sent",
            "http://example.com/xapi/activity/simplestatement", "Activity", "simple statement",
            datetime(2015, 11, 18, 12, 17), None, False, "1.0.3",
        ),
        # mbox_sha1sum lower-cased; 14:17+02:00 is 12:17 UTC; no en-US display: the first one
        (
            "7ccd3322-e1a5-411a-a67d-6a735c76f119", False, None, "ebd31e95054c018b10727ccffd2ef2ec3a016ee9",
            None, None, "Ena Hills", "http://adlnet.gov/expapi/verbs/attempted", "attempted",
            "http://example.adlnet.gov/xapi/example/simpleCBT", "Activity", "simple CBT course",
            datetime(2015, 12, 18, 12, 17), datetime(2015, 12, 18, 12, 17, 5, 250000), False, "2.0.0",
        ),
    ]  # fmt: skip
    assert table_rows(warehouse, TABLE, RESULT_COLUMNS, "statement_id") == [
        # PT1H0M0S = 3600 s
        ("6690e6c9-3ef0-4ed3-8b37-7f3964730bee", True, True, None, None, 3600.0, None, None, False),
        # PT1M30.5S = 60 + 30.5 = 90.5 s; registration lower-cased
        (
            "7ccd3322-e1a5-411a-a67d-6a735c76f119", True, True, 0.95, 95.0, 90.5,
            "ec531277-b57b-4c15-8d91-d292c5b2b8f7", None, False,
        ),
        (NO_ID_GENERATED, None, None, None, None, None, None, None, False),
        ("fd41c918-b88b-4b20-a0a5-a4c32391aaa0", None, None, None, None, None, None, None, False),
    ]  # fmt: skip
    # Elements of an array are numbered from 1.
    assert table_rows(warehouse, TABLE, "source_line, source_date", "source_line") == [
        (1, datetime(2024, 3, 4).date()),
        (2, datetime(2024, 3, 4).date()),
        (3, datetime(2024, 3, 4).date()),
        (4, datetime(2024, 3, 4).date()),
    ]


# A valid statement to vary: one change per line below.
BASE = {
    "id": "11111111-0000-4000-8000-000000000001",
    "timestamp": "2024-03-04T09:00:00Z",
    "actor": {"objectType": "Agent", "mbox": "mailto:learner@example.com"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
    "object": {"id": "http://example.com/courses/discovery", "objectType": "Activity"},
}


def _numbered(n: int, **changes: Any) -> dict[str, Any]:
    return with_(BASE, **{"id": f"11111111-0000-4000-8000-{n:012d}", **changes})


BAD_LINES = [
    jsonl(BASE),  # 1: valid
    jsonl(_numbered(2, timestamp=None)),  # 2: neither timestamp nor stored
    jsonl(_numbered(3, timestamp="2024-13-45T09:00:00Z")),  # 3
    jsonl(_numbered(4, actor={"objectType": "Group", "member": [{"mbox": "mailto:a@example.com"}]})),  # 4
    jsonl(_numbered(5, actor=None)),  # 5
    jsonl(_numbered(6, actor={"mbox": "mailto:not-an-email"})),  # 6
    jsonl(_numbered(7, verb={"display": {"en-US": "did"}})),  # 7
    jsonl(_numbered(8, object={"objectType": "Agent", "mbox": "mailto:b@example.com"})),  # 8
    jsonl(_numbered(9, result={"score": {"scaled": 1.5}})),  # 9
    jsonl(_numbered(10, result={"duration": "90 seconds"})),  # 10
    jsonl(_numbered(11, verb={"id": "http://adlnet.gov/expapi/verbs/voided"})),  # 11: voids an Activity
    '"just a string"\n',  # 12
    '{"id": broken\n',  # 13
    "\n",  # blank: skipped, not a record
    jsonl(_numbered(15, actor={"mbox_sha1sum": "xyz"})),  # 15
    jsonl(_numbered(16, id="statement-16")),  # 16
    jsonl(_numbered(17, stored="yesterday")),  # 17: a bad stored even with a good timestamp
    jsonl(_numbered(18, actor={"account": {"name": "no-home-page"}})),  # 18
    jsonl(_numbered(19, verb=None)),  # 19
]

BAD_QUARANTINE = [
    (
        2,
        "missing_time",
        "timestamp: the statement has no timestamp and no stored time, so it cannot be placed in time",
    ),
    (3, "bad_timestamp", "timestamp: '2024-13-45T09:00:00Z' is not an ISO 8601 timestamp"),
    (4, "missing_actor", "actor: an anonymous Group: needs mbox, mbox_sha1sum or account {homePage, name}"),
    (5, "missing_actor", "actor: is required: an Agent or identified Group"),
    (6, "bad_email", "actor.mbox: 'mailto:not-an-email' is not an e-mail address"),
    (7, "missing_verb", "verb.id: is required"),
    (8, "missing_object", "object.id: is required (objectType Agent)"),
    (9, "bad_score", "result.score.scaled: 1.5 is outside -1..1"),
    (10, "bad_duration", "result.duration: '90 seconds' is not an ISO 8601 duration such as PT1M30.5S"),
    (11, "bad_voiding", "object.objectType: a voided statement must target a StatementRef, found Activity"),
    (12, "not_an_object", "statement: expected a JSON object, found a string"),
    (13, "bad_json", "line is not valid JSON: Expecting value (column 8)"),
    (15, "bad_sha1sum", "actor.mbox_sha1sum: 'xyz' is not a 40-digit hex SHA-1"),
    (16, "bad_id", "id: 'statement-16' is not a UUID"),
    (17, "bad_timestamp", "stored: 'yesterday' is not an ISO 8601 timestamp"),
    (
        18,
        "missing_actor",
        "actor: an account without both homePage and name: needs mbox, mbox_sha1sum or account {homePage, name}",
    ),
    (19, "missing_verb", "verb: is required"),
]


def test_bad_statements_are_quarantined_with_rule_and_reason(warehouse, tmp_path):
    path = write(tmp_path / "xapi" / "2024-03-04" / "statements.jsonl", "".join(BAD_LINES))

    result = load_path(warehouse, "xapi", str(path))

    # 19 lines, one blank: 18 records; line 1 loads, the other 17 are quarantined.
    assert result.summary() == {"source": "xapi", "read": 18, "loaded": 1, "quarantined": 17, "duplicates": 0}
    assert table_rows(warehouse, TABLE, "statement_id, actor_mbox, source_line") == [
        ("11111111-0000-4000-8000-000000000001", "learner@example.com", 1)
    ]
    assert quarantine(warehouse, "xapi") == BAD_QUARANTINE


def test_loading_twice_changes_nothing_and_generated_ids_are_stable(warehouse, tmp_path):
    array = write(
        tmp_path / "xapi" / "2024-03-04" / "statements.json",
        json.dumps([SIMPLE, CBT_2_0, MEETING_STORED_ONLY, NO_ID]),
    )
    bad = write(tmp_path / "xapi" / "2024-03-04" / "bad.jsonl", "".join(BAD_LINES))
    first = load_files(warehouse, "xapi", [str(array), str(bad)])
    # 4 + 18 read; 4 + 1 loaded; 17 quarantined.
    assert first.summary() == {"source": "xapi", "read": 22, "loaded": 5, "quarantined": 17, "duplicates": 0}
    before = (table_rows(warehouse, TABLE, "*", "statement_id"), quarantine(warehouse, "xapi"))

    again = load_files(warehouse, "xapi", [str(array), str(bad)])

    # Every loaded statement is a duplicate now, the statement without id included (its
    # generated id is the same); the bad lines are quarantined again, replacing the first time.
    assert again.summary() == {"source": "xapi", "read": 22, "loaded": 0, "quarantined": 17, "duplicates": 5}
    after = (table_rows(warehouse, TABLE, "*", "statement_id"), quarantine(warehouse, "xapi"))
    assert after == before


def test_same_statement_in_another_form_is_a_duplicate_and_changed_content_a_conflict(warehouse, tmp_path):
    array = write(tmp_path / "xapi" / "2024-03-04" / "a.json", json.dumps([SIMPLE, NO_ID], indent=4))
    # Line 1: NO_ID with its keys in another order and other spacing: same canonical JSON, same
    # generated id. Line 2: SIMPLE's id in lower case, same content.
    reordered = json.dumps(dict(reversed(list(NO_ID.items()))), separators=(", ", ": "))
    same = write(
        tmp_path / "xapi" / "2024-03-05" / "b.jsonl",
        reordered + "\n" + jsonl(with_(SIMPLE, id=SIMPLE["id"].lower())),
    )
    # SIMPLE's id again, with another verb.
    changed = write(
        tmp_path / "xapi" / "2024-03-06" / "c.jsonl",
        jsonl(with_(SIMPLE, verb={"id": "http://adlnet.gov/expapi/verbs/experienced"})),
    )

    load_path(warehouse, "xapi", str(array))
    duplicates = load_path(warehouse, "xapi", str(same))
    conflict = load_path(warehouse, "xapi", str(changed))

    assert duplicates.summary() == {
        "source": "xapi",
        "read": 2,
        "loaded": 0,
        "quarantined": 0,
        "duplicates": 2,
    }
    assert conflict.summary() == {"source": "xapi", "read": 1, "loaded": 0, "quarantined": 1, "duplicates": 0}
    # The first rows stay, from a.json.
    assert table_rows(warehouse, TABLE, "statement_id, verb_display, source_line", "statement_id") == [
        (NO_ID_GENERATED, "Completed", 2),
        ("fd41c918-b88b-4b20-a0a5-a4c32391aaa0", "sent", 1),
    ]
    assert quarantine(warehouse, "xapi") == [
        (
            1,
            "conflicting_duplicate",
            f"statement_id=fd41c918-b88b-4b20-a0a5-a4c32391aaa0 was already loaded from {array} line 1"
            " with different content; the first one is kept",
        )
    ]


def test_statement_result_files_expand_to_their_statements(warehouse, tmp_path):
    # A saved GET /statements answer, pretty-printed: one record, so every statement is line 1.
    saved = {"statements": [CBT_2_0, MEETING_STORED_ONLY, 42], "more": "/xapi/statements?more=abc"}
    one = write(tmp_path / "xapi" / "2024-03-04" / "page-1.json", json.dumps(saved, indent=2))
    # Pages one per line: line 1 holds two statements, line 2 one (the last page, no "more").
    pages = write(
        tmp_path / "xapi" / "2024-03-05" / "pages.jsonl",
        jsonl(
            {"statements": [SIMPLE, NO_ID], "more": "/xapi/statements?more=def"},
            {"statements": [TARGET], "more": ""},
        ),
    )

    first = load_path(warehouse, "xapi", str(one))
    second = load_path(warehouse, "xapi", str(pages))

    assert first.summary() == {"source": "xapi", "read": 3, "loaded": 2, "quarantined": 1, "duplicates": 0}
    assert second.summary() == {"source": "xapi", "read": 3, "loaded": 3, "quarantined": 0, "duplicates": 0}
    assert table_rows(
        warehouse, TABLE, "statement_id, source_line, source_date", "source_date, statement_id"
    ) == [
        ("6690e6c9-3ef0-4ed3-8b37-7f3964730bee", 1, datetime(2024, 3, 4).date()),
        ("7ccd3322-e1a5-411a-a67d-6a735c76f119", 1, datetime(2024, 3, 4).date()),
        (NO_ID_GENERATED, 1, datetime(2024, 3, 5).date()),
        ("e05aa883-acaf-40ad-bf54-02c8ce485fb0", 2, datetime(2024, 3, 5).date()),
        ("fd41c918-b88b-4b20-a0a5-a4c32391aaa0", 1, datetime(2024, 3, 5).date()),
    ]
    assert quarantine(warehouse, "xapi") == [
        (1, "not_an_object", "statement: expected a JSON object, found a number")
    ]


def test_single_statement_object_file(warehouse, tmp_path):
    path = write(tmp_path / "statement.json", json.dumps(MEETING_STORED_ONLY, indent=2))

    result = load_path(warehouse, "xapi", str(path))

    assert result.summary() == {"source": "xapi", "read": 1, "loaded": 1, "quarantined": 0, "duplicates": 0}
    assert table_rows(warehouse, TABLE, "statement_id, is_time_from_stored") == [
        ("6690e6c9-3ef0-4ed3-8b37-7f3964730bee", True)
    ]


def test_truncated_array_loads_what_came_before(warehouse, tmp_path):
    text = json.dumps([SIMPLE, CBT_2_0, MEETING_STORED_ONLY], indent=2)
    cut = text[: text.index('"6690e6c9')]  # the file ends inside the third element
    path = write(tmp_path / "xapi" / "2024-03-04" / "cut.json", cut)

    result = load_path(warehouse, "xapi", str(path))

    # Elements 1 and 2 load; one reject stands for the rest of the file.
    assert result.summary() == {"source": "xapi", "read": 3, "loaded": 2, "quarantined": 1, "duplicates": 0}
    assert table_rows(warehouse, TABLE, "statement_id", "statement_id") == [
        ("7ccd3322-e1a5-411a-a67d-6a735c76f119",),
        ("fd41c918-b88b-4b20-a0a5-a4c32391aaa0",),
    ]
    [(line, rule, reason)] = quarantine(warehouse, "xapi")
    assert (line, rule) == (3, "bad_json")
    assert reason == (
        "element 3: the JSON array is broken after element 2 (parse error: premature EOF (right here) "
        "------^); the rest of the file was not read"
    )


def test_voiding_statement_marks_its_target(any_warehouse, tmp_path):
    path = write(tmp_path / "xapi" / "2024-03-05" / "statements.jsonl", jsonl(TARGET, VOIDING))

    result = load_path(any_warehouse, "xapi", str(path))

    assert result.summary() == {"source": "xapi", "read": 2, "loaded": 2, "quarantined": 0, "duplicates": 0}
    rows = "statement_id, verb_display, object_id, object_type, voided_statement_id, is_voided"
    expected = [
        # the voiding statement itself stays; its object id is the target, lower-cased
        (
            "3b7e2e9c-54f1-4b2c-9d43-3c7a9e1d2f10", "voided", "e05aa883-acaf-40ad-bf54-02c8ce485fb0",
            "StatementRef", "e05aa883-acaf-40ad-bf54-02c8ce485fb0", False,
        ),
        (
            "e05aa883-acaf-40ad-bf54-02c8ce485fb0", "completed", "http://example.com/courses/objection-handling",
            "Activity", None, True,
        ),
    ]  # fmt: skip
    assert table_rows(any_warehouse, TABLE, rows, "statement_id") == expected
    before = table_rows(any_warehouse, TABLE, "*", "statement_id")

    again = load_path(any_warehouse, "xapi", str(path))

    # The target was marked after its row hash was taken, so it is still a duplicate.
    assert again.summary() == {"source": "xapi", "read": 2, "loaded": 0, "quarantined": 0, "duplicates": 2}
    assert table_rows(any_warehouse, TABLE, "*", "statement_id") == before


def test_voiding_statement_loaded_first_voids_the_target_when_it_arrives(any_warehouse, tmp_path):
    voiding = write(tmp_path / "xapi" / "2024-03-05" / "voiding.jsonl", jsonl(VOIDING))
    target = write(tmp_path / "xapi" / "2024-03-06" / "late.jsonl", jsonl(TARGET, SIMPLE))

    load_path(any_warehouse, "xapi", str(voiding))
    assert table_rows(any_warehouse, TABLE, "statement_id, is_voided") == [
        ("3b7e2e9c-54f1-4b2c-9d43-3c7a9e1d2f10", False)
    ]
    result = load_path(any_warehouse, "xapi", str(target))

    assert result.summary() == {"source": "xapi", "read": 2, "loaded": 2, "quarantined": 0, "duplicates": 0}
    # Only the target is voided; SIMPLE, loaded with it, is not.
    assert table_rows(any_warehouse, TABLE, "statement_id, is_voided", "statement_id") == [
        ("3b7e2e9c-54f1-4b2c-9d43-3c7a9e1d2f10", False),
        ("e05aa883-acaf-40ad-bf54-02c8ce485fb0", True),
        ("fd41c918-b88b-4b20-a0a5-a4c32391aaa0", False),
    ]


# ---------------------------------------------------------------------------------------------
# Real files written by other projects (optional: skipped when the shared folder is absent).


def _real(folder: str, pattern: str = "*.json") -> list[str]:
    base = REAL_SAMPLES / folder
    if not base.is_dir():
        pytest.skip(f"real samples not available: {base}")
    return [str(p) for p in sorted(base.glob(pattern))]


MISSING_TIME = "timestamp: the statement has no timestamp and no stored time, so it cannot be placed in time"


def test_real_open_edx_statements(warehouse):
    files = _real("xapi_openedx")

    result = load_files(warehouse, "xapi", files)

    # Four files, one pretty-printed statement each, all with id, timestamp and account actor.
    assert result.summary() == {"source": "xapi", "read": 4, "loaded": 4, "quarantined": 0, "duplicates": 0}
    columns = "statement_id, actor_account_home_page, actor_account_name, verb_display, occurred_at, result_success, result_score_scaled"
    assert table_rows(warehouse, TABLE, columns, "statement_id") == [
        (
            "88e13618-29ec-5b75-9de7-e2e220af1728", "http://localhost:18000", "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb",
            "progressed", datetime(2023, 8, 22, 20, 16, 25, 500832), None, None,
        ),
        (
            "a10da8af-8e6a-5d1c-b7d5-cdabaacc0ba8", "http://localhost:18000", "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb",
            "attempted", datetime(2020, 7, 15, 5, 59, 29, 700909), False, 0.0,
        ),
        (
            "ebfef69f-dd05-5bf0-bf90-bad645bc6992", "http://localhost:18000", "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb",
            "passed", datetime(2020, 7, 15, 6, 36, 1, 917775), None, None,
        ),
        (
            "ecf2a41b-d1c8-50f7-bd6f-79b305159dae", "http://localhost:18000", "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb",
            "failed", datetime(2020, 7, 15, 6, 36, 1, 917775), None, None,
        ),
    ]  # fmt: skip


def test_real_moodle_statements_have_no_time_and_are_quarantined(warehouse):
    # The *.event.json files beside them are Moodle log events, not statements.
    files = _real("xapi_moodle_logstore", "*.statements.json")

    result = load_files(warehouse, "xapi", files)

    # course_completed: 1 statement, quiz attempt_submitted: 2, scorm status_submitted: 1.
    assert result.summary() == {"source": "xapi", "read": 4, "loaded": 0, "quarantined": 4, "duplicates": 0}
    assert quarantine(warehouse, "xapi") == [
        (1, "missing_time", MISSING_TIME),
        (1, "missing_time", MISSING_TIME),
        (1, "missing_time", MISSING_TIME),
        (2, "missing_time", MISSING_TIME),
    ]


def test_real_lrs_conformance_template_has_no_time(warehouse):
    # results_default.json is a result fragment, not a statement.
    files = _real("xapi_lrs_conformance", "statements_*.json")

    result = load_files(warehouse, "xapi", files)

    assert result.summary() == {"source": "xapi", "read": 1, "loaded": 0, "quarantined": 1, "duplicates": 0}
    assert quarantine(warehouse, "xapi") == [(1, "missing_time", MISSING_TIME)]


def test_real_mixed_folder(warehouse):
    folder = REAL_SAMPLES / "xapi_mix"
    if not folder.is_dir():
        pytest.skip(f"real samples not available: {folder}")

    result = load_path(warehouse, "xapi", str(folder))

    # 9 statements in 8 files: the 4 from Open edX load; ADL's template (1) and Moodle's (1 + 2
    # + 1) have no time.
    assert result.summary() == {"source": "xapi", "read": 9, "loaded": 4, "quarantined": 5, "duplicates": 0}
    assert [row[1] for row in quarantine(warehouse, "xapi")] == ["missing_time"] * 5


def test_real_samples_reload_changes_nothing(warehouse):
    folder = REAL_SAMPLES / "xapi_mix"
    if not folder.is_dir():
        pytest.skip(f"real samples not available: {folder}")
    load_path(warehouse, "xapi", str(folder))
    before = (table_rows(warehouse, TABLE, "*", "statement_id"), quarantine(warehouse, "xapi"))

    again = load_path(warehouse, "xapi", str(folder))

    assert again.summary() == {"source": "xapi", "read": 9, "loaded": 0, "quarantined": 5, "duplicates": 4}
    assert (table_rows(warehouse, TABLE, "*", "statement_id"), quarantine(warehouse, "xapi")) == before
