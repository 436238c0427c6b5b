"""Salesforce User export, both field-name forms."""

from __future__ import annotations

from datetime import datetime

from enablement_audit.load import load_path
from tests.conftest import quarantine, table_rows, write

API_FORM = """Id,Name,Email,ManagerId,Title,Department,IsActive,CreatedDate,Region__c
005A,Ann Lee, Ann.Lee@Example.com ,005M,Account Executive,Sales,true,2024-01-15T10:30:00.000+0000,EMEA
005B,Bob,bob@example.com,005M,Account Executive,Sales,maybe,2024-01-15T10:30:00.000+0000,EMEA
005C,Cy,not-an-email,005M,Account Executive,Sales,true,2024-01-15T10:30:00.000+0000,EMEA
005A,Ann Lee,ann.lee@example.com,005M,Account Executive,Sales,true,2024-01-15T10:30:00.000+0000,EMEA
005D,Di,di@example.com,005M,Account Executive,Sales,true,2024-01-15T10:30:00.000+0000
005E,Ed,ed@example.com,005M,Account Executive,Sales,true,,EMEA
005M,Mo,mo@example.com,,Sales Manager,Sales,true,2022-03-01T08:00:00.000-0500,AMER
"""

# The snake_case form a replication tool lands (extra columns are ignored).
SNAKE_FORM = """_fivetran_deleted,id,name,email,manager_id,title,department,is_active,created_date,region_c
false,005A,Ann Lee,ann.lee@example.com,005M,Account Manager,Sales,true,2024-01-15 10:30:00,EMEA
false,005Z,Zed,zed@example.com,005M,Account Executive,Sales,false,2023-06-01 00:00:00,
"""


def test_api_form_loads_typed_rows_and_quarantines_bad_ones(warehouse, tmp_path):
    path = write(tmp_path / "users" / "2026-11-20" / "User.csv", API_FORM)

    result = load_path(warehouse, "users", str(path))

    # 7 rows: 005A (line 2) and its duplicate (line 5) -> 1 loaded + 1 duplicate; 005M loaded;
    # 005B bad bool, 005C bad email, 005D short row, 005E empty CreatedDate -> 4 quarantined.
    assert result.summary() == {"source": "users", "read": 7, "loaded": 2, "quarantined": 4, "duplicates": 1}
    assert table_rows(
        warehouse, "raw_crm_user", "user_id, email, manager_id, is_active, created_at, region"
    ) == [
        ("005A", "ann.lee@example.com", "005M", True, datetime(2024, 1, 15, 10, 30), "EMEA"),
        # -0500 offset converted to UTC
        ("005M", "mo@example.com", None, True, datetime(2022, 3, 1, 13, 0), "AMER"),
    ]
    assert quarantine(warehouse, "users") == [
        (3, "bad_bool", "IsActive: 'maybe' is not true or false"),
        (4, "bad_email", "Email: 'not-an-email' is not an e-mail address"),
        (6, "malformed_row", "expected 9 cells as in the header, found 8"),
        (7, "missing_value", "CreatedDate: is required but empty"),
    ]


def test_snake_case_form_and_newer_snapshot_wins(warehouse, tmp_path):
    write(tmp_path / "users" / "2026-11-20" / "User.csv", API_FORM)
    write(tmp_path / "users" / "2026-11-21" / "sf_user.csv", SNAKE_FORM)

    result = load_path(warehouse, "users", str(tmp_path / "users"))

    # Day 20: 7 read, 4 quarantined, 005A twice (lines 2 and 5) and 005M. Day 21: 005A with a new
    # title and 005Z. Loaded together only the newest 005A loads (both day-20 copies are
    # duplicates): loaded 005A, 005M, 005Z = 3; 9 = 3 + 4 + 2.
    assert result.summary() == {"source": "users", "read": 9, "loaded": 3, "quarantined": 4, "duplicates": 2}
    assert table_rows(warehouse, "raw_crm_user", "user_id, title, is_active, source_date") == [
        ("005A", "Account Manager", True, datetime(2026, 11, 21).date()),
        ("005M", "Sales Manager", True, datetime(2026, 11, 20).date()),
        ("005Z", "Account Executive", False, datetime(2026, 11, 21).date()),
    ]


def test_loading_twice_changes_nothing(warehouse, tmp_path):
    path = write(tmp_path / "users" / "2026-11-20" / "User.csv", API_FORM)
    load_path(warehouse, "users", str(path))
    before = (table_rows(warehouse, "raw_crm_user", "*", "user_id"), quarantine(warehouse, "users"))

    again = load_path(warehouse, "users", str(path))

    assert again.summary() == {"source": "users", "read": 7, "loaded": 0, "quarantined": 4, "duplicates": 3}
    after = (table_rows(warehouse, "raw_crm_user", "*", "user_id"), quarantine(warehouse, "users"))
    # run_id and loaded_at are kept from the first load because nothing was replaced.
    assert after == before


def test_mbox_sha1sum_is_derived_for_identity_matching(warehouse, tmp_path):
    path = write(tmp_path / "User.csv", SNAKE_FORM)
    load_path(warehouse, "users", str(path))
    # sha1("mailto:zed@example.com")
    import hashlib

    expected = hashlib.sha1(b"mailto:zed@example.com").hexdigest()
    assert table_rows(warehouse, "raw_crm_user", "email_sha1", "user_id")[1] == (expected,)


def test_a_newer_export_loaded_later_replaces_the_older(warehouse, tmp_path):
    write(tmp_path / "users" / "2026-11-20" / "User.csv", API_FORM)
    write(tmp_path / "users" / "2026-11-21" / "sf_user.csv", SNAKE_FORM)
    load_path(warehouse, "users", str(tmp_path / "users" / "2026-11-20"))

    later = load_path(warehouse, "users", str(tmp_path / "users" / "2026-11-21"))

    # The day-21 export, loaded on its own: 005A's new title replaces the stored row, 005Z is new.
    assert later.summary() == {"source": "users", "read": 2, "loaded": 2, "quarantined": 0, "duplicates": 0}
    assert table_rows(warehouse, "raw_crm_user", "user_id, title") == [
        ("005A", "Account Manager"),
        ("005M", "Sales Manager"),
        ("005Z", "Account Executive"),
    ]
    # Loading the older export again afterwards changes nothing: the stored row is newer.
    again = load_path(warehouse, "users", str(tmp_path / "users" / "2026-11-20"))
    assert again.summary() == {"source": "users", "read": 7, "loaded": 0, "quarantined": 4, "duplicates": 3}
    assert table_rows(warehouse, "raw_crm_user", "user_id, title") == [
        ("005A", "Account Manager"),
        ("005M", "Sales Manager"),
        ("005Z", "Account Executive"),
    ]
