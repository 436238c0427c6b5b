"""Content catalog and content activity: CSV, JSON Lines, and vendor exports through mappings."""

from __future__ import annotations

from datetime import date, datetime
from importlib.resources import files
from pathlib import Path

import pytest

from enablement_audit.load import load_path
from enablement_audit.sources.base import SourceFileError
from enablement_audit.warehouse import Warehouse
from tests.conftest import quarantine, table_rows, write

MAPPINGS = files("enablement_audit") / "mappings"

# ---------------------------------------------------------------------------------------------
# Content catalog

CATALOG = """asset_id,title,asset_type,bucket,owner_email,published_at,expires_at,status,tags
A1,Pricing Deck,deck,Sales Plays, Pat.Owner@Example.com ,2026-01-05,2026-12-31T23:59:59Z,Live,pricing;enterprise
A2,Battlecard: Acme,battlecard,Competitive,pat.owner@example.com,2026-02-01T09:30:00+0100,,archived,
A3,Draft deck,deck,Sales Plays,pat.owner@example.com,2026-01-05,,draft,
A4,No owner,deck,Sales Plays,nobody,2026-01-05,,live,
,No id,deck,Sales Plays,pat.owner@example.com,2026-01-05,,live,
A5,US date,deck,Sales Plays,pat.owner@example.com,05/01/2026,,live,
A1,Pricing Deck v2,deck,Sales Plays,pat.owner@example.com,2026-01-05,,live,pricing
"""

CATALOG_COLUMNS = "asset_id, title, asset_type, bucket, owner_email, published_at, expires_at, status, tags"


def test_catalog_loads_typed_rows_and_quarantines_bad_ones(warehouse, tmp_path):
    path = write(tmp_path / "content_catalog" / "2026-11-20" / "assets.csv", CATALOG)

    result = load_path(warehouse, "content_catalog", str(path))

    # 7 rows: A1 twice (a snapshot: the later line 8 wins, line 2 is a duplicate), A2 loaded;
    # lines 4-7 quarantined -> read 7 = loaded 2 + quarantined 4 + duplicates 1.
    assert result.summary() == {
        "source": "content_catalog",
        "read": 7,
        "loaded": 2,
        "quarantined": 4,
        "duplicates": 1,
    }
    assert table_rows(warehouse, "raw_content_asset", CATALOG_COLUMNS) == [
        # A date alone means midnight UTC.
        (
            "A1",
            "Pricing Deck v2",
            "deck",
            "Sales Plays",
            "pat.owner@example.com",
            datetime(2026, 1, 5),
            None,
            "live",
            "pricing",
        ),
        # 09:30 at +01:00 is 08:30 UTC; status lower-cased; empty tags stay empty (NULL).
        (
            "A2",
            "Battlecard: Acme",
            "battlecard",
            "Competitive",
            "pat.owner@example.com",
            datetime(2026, 2, 1, 8, 30),
            None,
            "archived",
            None,
        ),
    ]
    assert quarantine(warehouse, "content_catalog") == [
        (4, "unknown_value", "status: 'draft' is not one of archived, live"),
        (5, "bad_email", "owner_email: 'nobody' is not an e-mail address"),
        (6, "missing_value", "asset_id: is required but empty"),
        (7, "bad_timestamp", "published_at: '05/01/2026' is not an ISO 8601 timestamp"),
    ]


def test_catalog_keeps_tags_and_owner_as_given_and_normalised(warehouse, tmp_path):
    path = write(tmp_path / "assets.csv", "\n".join(CATALOG.splitlines()[:2]) + "\n")

    load_path(warehouse, "content_catalog", str(path))

    # Owner trimmed and lower-cased; tags kept ";"-separated; expiry Z -> naive UTC.
    assert table_rows(warehouse, "raw_content_asset", "owner_email, expires_at, tags") == [
        ("pat.owner@example.com", datetime(2026, 12, 31, 23, 59, 59), "pricing;enterprise"),
    ]


def test_catalog_latin1_export_keeps_accented_title(warehouse, tmp_path):
    text = (
        "asset_id,title,asset_type,bucket,owner_email,published_at,expires_at,status,tags\n"
        "A9,Présentation Société Générale,deck,Marchés,pat.owner@example.com,2026-03-02,,live,\n"
    )
    path = write(tmp_path / "assets_latin1.csv", text, encoding="latin-1")
    assert "é".encode("latin-1") in path.read_bytes()  # really not UTF-8

    result = load_path(warehouse, "content_catalog", str(path))

    assert result.summary() == {
        "source": "content_catalog",
        "read": 1,
        "loaded": 1,
        "quarantined": 0,
        "duplicates": 0,
    }
    assert table_rows(warehouse, "raw_content_asset", "asset_id, title, bucket") == [
        ("A9", "Présentation Société Générale", "Marchés"),
    ]


def test_catalog_with_utf8_bom_loads(warehouse, tmp_path):
    text = "asset_id,title,status\nA7,Café ROI calculator,live\n"
    path = write(tmp_path / "assets_bom.csv", text, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")

    result = load_path(warehouse, "content_catalog", str(path))

    # The BOM must not stick to the first header ("\ufeffasset_id" would be a missing column).
    assert result.summary() == {
        "source": "content_catalog",
        "read": 1,
        "loaded": 1,
        "quarantined": 0,
        "duplicates": 0,
    }
    assert table_rows(warehouse, "raw_content_asset", "asset_id, title, status, owner_email") == [
        ("A7", "Café ROI calculator", "live", None),
    ]


def test_catalog_without_required_column_is_a_file_error(warehouse, tmp_path):
    path = write(tmp_path / "assets.csv", "asset_id,title\nA1,Deck\n")

    with pytest.raises(SourceFileError, match="missing required column"):
        load_path(warehouse, "content_catalog", str(path))


def test_catalog_loading_twice_changes_nothing(warehouse, tmp_path):
    path = write(tmp_path / "content_catalog" / "2026-11-20" / "assets.csv", CATALOG)
    load_path(warehouse, "content_catalog", str(path))
    before = (
        table_rows(warehouse, "raw_content_asset", "*", "asset_id"),
        quarantine(warehouse, "content_catalog"),
    )

    again = load_path(warehouse, "content_catalog", str(path))

    # A1 (line 8) and A2 are already there with the same content, line 2 is still a duplicate.
    assert again.summary() == {
        "source": "content_catalog",
        "read": 7,
        "loaded": 0,
        "quarantined": 4,
        "duplicates": 3,
    }
    after = (
        table_rows(warehouse, "raw_content_asset", "*", "asset_id"),
        quarantine(warehouse, "content_catalog"),
    )
    assert after == before


# ---------------------------------------------------------------------------------------------
# Content activity

ACTIVITY = """event_id,occurred_at,user_email,asset_id,action,duration_seconds,opportunity_id
E1,2026-11-20T14:03:22Z,Ann.Lee@Example.com,A1,view,95,
E2,2026-11-20T15:00:00+0100,ann.lee@example.com,A1,Share,,006A
E3,2026-11-20 16:10:00,bob@example.com,A2,customer_view,30,006A
E4,2026-11-20T17:00:00Z,bob@example.com,A2,present,-5,006B
E5,2026-11-20T17:05:00Z,bob@example.com,A2,liked,,
E6,2026-11-20T17:10:00Z,,A2,view,,
E7,2026-11-20T17:15:00Z,bob@example.com,A2,download,1.5,
E1,2026-11-20T14:03:22Z,ann.lee@example.com,A1,view,95,
E3,2026-11-20 16:10:00,bob@example.com,A2,customer_view,31,006A
"""

EVENT_COLUMNS = "event_id, occurred_at, user_email, asset_id, action, duration_seconds, opportunity_id, is_customer_facing"

EXPECTED_EVENTS = [
    ("E1", datetime(2026, 11, 20, 14, 3, 22), "ann.lee@example.com", "A1", "view", 95, None, False),
    # 15:00 at +01:00 is 14:00 UTC; "Share" lower-cased; share is customer-facing.
    ("E2", datetime(2026, 11, 20, 14, 0), "ann.lee@example.com", "A1", "share", None, "006A", True),
    # No offset: taken as UTC.
    (
        "E3",
        datetime(2026, 11, 20, 16, 10),
        "bob@example.com",
        "A2",
        "customer_view",
        30,
        "006A",
        True,
    ),
]

ACTION_LIST = "copy_link, customer_view, download, present, share, view"


def test_activity_csv_loads_events_and_quarantines_bad_ones(warehouse, tmp_path):
    path = write(tmp_path / "content_activity" / "2026-11-20" / "events.csv", ACTIVITY)

    result = load_path(warehouse, "content_activity", str(path))

    # 9 rows: E1, E2, E3 loaded; E4-E7 bad (4); line 9 repeats E1 exactly (duplicate); line 10
    # repeats E3 with another duration (an event cannot change: quarantined as a conflict).
    # read 9 = loaded 3 + quarantined 5 + duplicates 1.
    assert result.summary() == {
        "source": "content_activity",
        "read": 9,
        "loaded": 3,
        "quarantined": 5,
        "duplicates": 1,
    }
    assert table_rows(warehouse, "raw_content_event", EVENT_COLUMNS) == EXPECTED_EVENTS
    assert quarantine(warehouse, "content_activity") == [
        (5, "negative_duration", "duration_seconds: -5 must be at least 0"),
        (6, "unknown_value", f"action: 'liked' is not one of {ACTION_LIST}"),
        (7, "missing_value", "user_email: is required but empty"),
        (8, "bad_int", "duration_seconds: '1.5' is not a whole number"),
        (
            10,
            "conflicting_duplicate",
            "event_id=E3 was already loaded earlier in this file with different content; the first one is kept",
        ),
    ]


def test_activity_event_changed_in_a_later_file_is_a_conflict(warehouse, tmp_path):
    write(tmp_path / "content_activity" / "2026-11-20" / "events.csv", ACTIVITY)
    later = write(
        tmp_path / "content_activity" / "2026-11-21" / "events.csv",
        "event_id,occurred_at,user_email,asset_id,action\nE1,2026-11-20T14:03:22Z,ann.lee@example.com,A1,download\n",
    )
    first = load_path(warehouse, "content_activity", str(tmp_path / "content_activity" / "2026-11-20"))

    result = load_path(warehouse, "content_activity", str(later))

    assert first.summary()["loaded"] == 3
    assert result.summary() == {
        "source": "content_activity",
        "read": 1,
        "loaded": 0,
        "quarantined": 1,
        "duplicates": 0,
    }
    earlier = tmp_path / "content_activity" / "2026-11-20" / "events.csv"
    conflict = (
        2,
        "conflicting_duplicate",
        f"event_id=E1 was already loaded from {earlier} line 2 with different content; the first one is kept",
    )
    # The first file's 5 quarantined rows (lines 5-8, 10) stay; the later file adds line 2.
    assert [q for q in quarantine(warehouse, "content_activity") if q[0] == 2] == [conflict]
    assert len(quarantine(warehouse, "content_activity")) == 6
    # The first version is kept.
    assert table_rows(warehouse, "raw_content_event", "action", "event_id")[0] == ("view",)


def test_activity_loading_twice_changes_nothing(warehouse, tmp_path):
    path = write(tmp_path / "content_activity" / "2026-11-20" / "events.csv", ACTIVITY)
    load_path(warehouse, "content_activity", str(path))
    before = (
        table_rows(warehouse, "raw_content_event", "*", "event_id"),
        quarantine(warehouse, "content_activity"),
    )

    again = load_path(warehouse, "content_activity", str(path))

    # E1, E2, E3 already loaded and line 9 -> 4 duplicates; the 5 quarantined rows again.
    assert again.summary() == {
        "source": "content_activity",
        "read": 9,
        "loaded": 0,
        "quarantined": 5,
        "duplicates": 4,
    }
    after = (
        table_rows(warehouse, "raw_content_event", "*", "event_id"),
        quarantine(warehouse, "content_activity"),
    )
    assert after == before


ACTIVITY_JSONL = """
{"event_id": "E1", "occurred_at": "2026-11-20T14:03:22Z", "user_email": "Ann.Lee@Example.com", "asset_id": "A1", "action": "view", "duration_seconds": 95, "opportunity_id": null}
{"eventId": "E2", "occurredAt": "2026-11-20T15:00:00+01:00", "userEmail": "ann.lee@example.com", "assetId": "A1", "action": "Share", "opportunityId": "006A"}
{"event_id": "E3", "occurred_at": "2026-11-20 16:10:00", "user_email": "bob@example.com", "asset_id": "A2", "action": "customer_view", "duration_seconds": 30.0, "opportunity_id": "006A"}

{"event_id": "E4", "occurred_at": "2026-11-20T17:00:00Z", "user_email": "bob@example.com", "asset_id": "A2", "action": "present", "duration_seconds": -5}
["E5", "2026-11-20T17:05:00Z"]
{"event_id": "E6", "occurred_at": "2026-11-20T17:10:00Z", "user_email": "bob@
{"event_id": "E7", "occurred_at": "2026-11-20T17:15:00Z", "user_email": "bob@example.com", "asset_id": {"id": "A2"}, "action": "view"}
{"event_id": "E8", "occurred_at": "2026-11-20T17:20:00Z", "asset_id": "A2", "action": "view"}
"""


def test_activity_json_lines_follow_the_same_rules_as_csv(warehouse, tmp_path):
    # Starts with a blank line: the format is decided by the first non-blank character.
    path = write(tmp_path / "content_activity" / "2026-11-20" / "events.jsonl", ACTIVITY_JSONL)

    result = load_path(warehouse, "content_activity", str(path))

    # 8 records (the blank lines are not records): E1-E3 loaded, 5 quarantined.
    assert result.summary() == {
        "source": "content_activity",
        "read": 8,
        "loaded": 3,
        "quarantined": 5,
        "duplicates": 0,
    }
    # camelCase keys match like CSV headers; 30.0 is a whole number; null is empty.
    assert table_rows(warehouse, "raw_content_event", EVENT_COLUMNS) == EXPECTED_EVENTS
    assert quarantine(warehouse, "content_activity") == [
        (6, "negative_duration", "duration_seconds: -5 must be at least 0"),
        (7, "not_an_object", "event: expected a JSON object, found list"),
        (8, "bad_json", "line is not valid JSON: Unterminated string starting at (column 73)"),
        (9, "not_a_value", "asset_id: expected a single value, found an object"),
        (10, "missing_value", "user_email: is required but empty"),
    ]


def test_activity_json_array_loads(warehouse, tmp_path):
    text = (
        '\ufeff  [{"event_id": "E1", "occurred_at": "2026-11-20T14:03:22Z", "user_email": "Ann.Lee@Example.com",'
        ' "asset_id": "A1", "action": "view", "duration_seconds": 95},\n'
        ' {"event_id": "E2", "occurred_at": "2026-11-20T15:00:00+01:00", "user_email": "ann.lee@example.com",'
        ' "asset_id": "A1", "action": "share", "duration_seconds": null, "opportunity_id": "006A"}]\n'
    )
    path = write(tmp_path / "events.json", text)

    result = load_path(warehouse, "content_activity", str(path))

    assert result.summary() == {
        "source": "content_activity",
        "read": 2,
        "loaded": 2,
        "quarantined": 0,
        "duplicates": 0,
    }
    assert table_rows(warehouse, "raw_content_event", EVENT_COLUMNS) == EXPECTED_EVENTS[:2]


# ---------------------------------------------------------------------------------------------
# Vendor exports through mapping files: the same rows as the native file.

NATIVE_ROWS = {
    "E1": "E1,2026-11-20T14:03:22Z,ann.lee@example.com,A1,view,95,",
    "E2": "E2,2026-11-20T14:00:00Z,ann.lee@example.com,A1,share,,006A",
    "E3": "E3,2026-11-20T16:10:00Z,bob@example.com,A2,customer_view,30,006A",
    "E10": "E10,2026-11-20T16:30:00Z,bob@example.com,A2,download,,",
    "E11": "E11,2026-11-20T17:00:00Z,bob@example.com,A2,present,1800,006B",
    "E12": "E12,2026-11-20T17:45:00Z,cy@example.com,A3,copy_link,,",
}

HIGHSPOT_EXPORT = """Event ID,Event Time,User Name,User Email,Item ID,Item Name,Spot,Event Type,Duration (Seconds),Opportunity ID
E1,2026-11-20T14:03:22Z,Ann Lee,Ann.Lee@Example.com,A1,Pricing Deck,Sales Plays,Viewed,95,
E2,2026-11-20T15:00:00+01:00,Ann Lee,ann.lee@example.com,A1,Pricing Deck,Sales Plays,Shared,,006A
E3,2026-11-20 16:10:00,Bob Ray,bob@example.com,A2,Battlecard: Acme,Competitive,Recipient Viewed,30,006A
E10,2026-11-20 16:30:00,Bob Ray,bob@example.com,A2,Battlecard: Acme,Competitive,Downloaded,,
E11,2026-11-20 17:00:00,Bob Ray,bob@example.com,A2,Battlecard: Acme,Competitive,Presented,1800,006B
E12,2026-11-20 17:45:00,Cy Tan,cy@example.com,A3,ROI Calculator,Sales Plays,Copied Link,,
E13,2026-11-20 18:00:00,Cy Tan,cy@example.com,A3,ROI Calculator,Sales Plays,Liked,,
"""

SEISMIC_EXPORT = """Interaction Id,Interaction Date,User Name,User Email Address,Content Id,Content Name,Repository,Action,Duration Seconds,Salesforce Opportunity Id
E1,2026-11-20T14:03:22Z,Ann Lee,ANN.LEE@example.com,A1,Pricing Deck,DocCenter,View,95,
E2,2026-11-20T09:00:00-05:00,Ann Lee,ann.lee@example.com,A1,Pricing Deck,DocCenter,LiveSend,,006A
E3,2026-11-20T16:10:00Z,Bob Ray,bob@example.com,A2,Battlecard: Acme,DocCenter,Livesend Viewed,30,006A
E10,2026-11-20T16:30:00Z,Bob Ray,bob@example.com,A2,Battlecard: Acme,DocCenter,Download,,
E11,2026-11-20T17:00:00Z,Bob Ray,bob@example.com,A2,Battlecard: Acme,DocCenter,Present,1800,006B
E13,2026-11-20T18:00:00Z,Cy Tan,cy@example.com,A3,ROI Calculator,DocCenter,Favorite,,
"""

COMPARED = (
    "event_id, occurred_at, user_email, asset_id, action, duration_seconds, opportunity_id,"
    " is_customer_facing, source_date, row_hash"
)


def _fresh_warehouse(folder: Path) -> Warehouse:
    wh = Warehouse.from_url(f"duckdb:///{folder / 'warehouse.duckdb'}")
    wh.ensure()
    return wh


@pytest.mark.parametrize(
    ("vendor", "export", "event_ids", "unknown"),
    [
        ("highspot", HIGHSPOT_EXPORT, ["E1", "E2", "E3", "E10", "E11", "E12"], (8, "Liked")),
        ("seismic", SEISMIC_EXPORT, ["E1", "E2", "E3", "E10", "E11"], (7, "Favorite")),
    ],
)
def test_vendor_export_loads_the_same_rows_as_the_native_file(
    warehouse, tmp_path, vendor, export, event_ids, unknown
):
    mapping = str(MAPPINGS / f"{vendor}.yaml")
    vendor_file = write(tmp_path / "vendor" / "content_activity" / "2026-11-20" / f"{vendor}.csv", export)
    native_text = "event_id,occurred_at,user_email,asset_id,action,duration_seconds,opportunity_id\n"
    native_text += "".join(NATIVE_ROWS[e] + "\n" for e in event_ids)
    native_file = write(tmp_path / "native" / "content_activity" / "2026-11-20" / "events.csv", native_text)
    native_wh = _fresh_warehouse(tmp_path / "native")

    try:
        vendor_result = load_path(warehouse, "content_activity", str(vendor_file), mapping_file=mapping)
        native_result = load_path(native_wh, "content_activity", str(native_file))
        native_rows = table_rows(native_wh, "raw_content_event", COMPARED, "event_id")
    finally:
        native_wh.engine.dispose()

    n = len(event_ids)
    # Every mapped event loads; the one event type the mapping does not know is quarantined.
    assert vendor_result.summary() == {
        "source": "content_activity",
        "read": n + 1,
        "loaded": n,
        "quarantined": 1,
        "duplicates": 0,
    }
    assert native_result.summary() == {
        "source": "content_activity",
        "read": n,
        "loaded": n,
        "quarantined": 0,
        "duplicates": 0,
    }
    # Same values, same content hash: only source_file and source_line differ.
    assert table_rows(warehouse, "raw_content_event", COMPARED, "event_id") == native_rows
    line, value = unknown
    assert quarantine(warehouse, "content_activity") == [
        (line, "unknown_value", f"action: {value!r} is not one of {ACTION_LIST}"),
    ]


def test_vendor_export_and_native_file_of_the_same_events_are_duplicates(warehouse, tmp_path):
    native = "event_id,occurred_at,user_email,asset_id,action,duration_seconds,opportunity_id\n"
    native += "".join(NATIVE_ROWS[e] + "\n" for e in ["E1", "E2", "E3"])
    native_file = write(tmp_path / "content_activity" / "2026-11-20" / "events.csv", native)
    highspot = "\n".join(HIGHSPOT_EXPORT.splitlines()[:4]) + "\n"
    highspot_file = write(tmp_path / "content_activity" / "2026-11-20" / "highspot.csv", highspot)
    load_path(warehouse, "content_activity", str(native_file))

    result = load_path(
        warehouse,
        "content_activity",
        str(highspot_file),
        mapping_file=str(MAPPINGS / "highspot.yaml"),
    )

    # Identical content -> the same row hash -> duplicates, not conflicts.
    assert result.summary() == {
        "source": "content_activity",
        "read": 3,
        "loaded": 0,
        "quarantined": 0,
        "duplicates": 3,
    }


def test_vendor_export_without_its_mapping_is_a_file_error(warehouse, tmp_path):
    path = write(tmp_path / "highspot.csv", HIGHSPOT_EXPORT)

    with pytest.raises(SourceFileError, match="a vendor export needs a column-mapping file"):
        load_path(warehouse, "content_activity", str(path))


def test_mapping_files_say_which_export_they_are_for():
    for vendor in ("highspot", "seismic"):
        first_line = (MAPPINGS / f"{vendor}.yaml").read_text(encoding="utf-8").splitlines()[0]
        assert first_line.startswith("#")
        assert vendor in first_line.lower()


def test_landing_day_is_recorded(warehouse, tmp_path):
    path = write(tmp_path / "content_activity" / "2026-11-20" / "events.csv", ACTIVITY)

    load_path(warehouse, "content_activity", str(path))

    assert set(table_rows(warehouse, "raw_content_event", "source_date")) == {(date(2026, 11, 20),)}


def test_json_lines_export_through_a_mapping_matches_vendor_values_ignoring_case(warehouse, tmp_path):
    # A Highspot export saved as JSON Lines, with the action spelled in another case.
    line = (
        '{"Event ID": "J1", "Event Time": "2026-11-20T09:00:00Z", "User Email": "ann@example.com", '
        '"Item ID": "A1", "Event Type": "PRESENTED"}'
    )
    path = write(tmp_path / "highspot.jsonl", line + "\n")
    result = load_path(warehouse, "content_activity", str(path), mapping_file=str(MAPPINGS / "highspot.yaml"))
    assert result.summary() == {
        "source": "content_activity",
        "read": 1,
        "loaded": 1,
        "quarantined": 0,
        "duplicates": 0,
    }
    assert table_rows(warehouse, "raw_content_event", "event_id, action, is_customer_facing") == [
        ("J1", "present", True)
    ]
