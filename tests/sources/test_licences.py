"""Licences (seats and cost per tool) and licence assignments (who holds a seat when)."""

from __future__ import annotations

from datetime import date, datetime

from enablement_audit.load import load_path
from tests.conftest import quarantine, table_rows, write

LICENCES = """tool,seats_purchased,annual_cost_per_seat,currency,renewal_date
Gong,120,"1,200.00",usd,2027-03-31
Highspot,200,450.5,EUR,
Outreach,-3,900,USD,2027-01-01
Clari,50,-10,USD,2027-01-01
Seismic,50,300,US$,2027-01-01
ZoomInfo,,300,USD,2027-01-01
Chorus,10,300,USD,31/12/2027
"""


def test_licences_load_typed_rows_and_quarantine_bad_ones(warehouse, tmp_path):
    path = write(tmp_path / "licences" / "2026-11-20" / "licences.csv", LICENCES)

    result = load_path(warehouse, "licences", str(path))

    # 7 rows: Gong and Highspot load, lines 4-8 quarantined.
    assert result.summary() == {
        "source": "licences",
        "read": 7,
        "loaded": 2,
        "quarantined": 5,
        "duplicates": 0,
    }
    assert table_rows(
        warehouse,
        "raw_licence",
        "tool, seats_purchased, annual_cost_per_seat, currency, renewal_date",
    ) == [
        # "1,200.00" (thousands separator) -> 1200.0; "usd" upper-cased.
        ("Gong", 120, 1200.0, "USD", date(2027, 3, 31)),
        ("Highspot", 200, 450.5, "EUR", None),
    ]
    assert quarantine(warehouse, "licences") == [
        (4, "negative_value", "seats_purchased: -3 must be at least 0"),
        (5, "negative_value", "annual_cost_per_seat: -10.0 must be at least 0"),
        (6, "bad_currency", "currency: 'US$' is not a 3-letter ISO 4217 code (e.g. USD)"),
        (7, "missing_value", "seats_purchased: is required but empty"),
        (8, "bad_date", "renewal_date: '31/12/2027' is not a YYYY-MM-DD date"),
    ]


def test_licences_loading_twice_changes_nothing(warehouse, tmp_path):
    path = write(tmp_path / "licences" / "2026-11-20" / "licences.csv", LICENCES)
    load_path(warehouse, "licences", str(path))
    before = (table_rows(warehouse, "raw_licence", "*", "tool"), quarantine(warehouse, "licences"))

    again = load_path(warehouse, "licences", str(path))

    assert again.summary() == {
        "source": "licences",
        "read": 7,
        "loaded": 0,
        "quarantined": 5,
        "duplicates": 2,
    }
    after = (table_rows(warehouse, "raw_licence", "*", "tool"), quarantine(warehouse, "licences"))
    assert after == before


ASSIGNMENTS = """tool,user_email,assigned_at,unassigned_at
Gong,Ann.Lee@Example.com,2026-01-05T09:00:00Z,
Gong,bob@example.com,2026-01-05T09:00:00Z,2026-06-30T17:00:00Z
Gong,cy@example.com,2026-03-01T00:00:00Z,2026-02-01T00:00:00Z
Gong,not-an-email,2026-01-05T09:00:00Z,
,di@example.com,2026-01-05T09:00:00Z,
Gong,ed@example.com,yesterday,
Gong,ann.lee@example.com,2026-01-05T09:00:00Z,2026-09-01T00:00:00Z
"""

ASSIGNMENT_COLUMNS = "tool, user_email, assigned_at, unassigned_at, source_line"


def test_assignments_load_typed_rows_and_quarantine_bad_ones(warehouse, tmp_path):
    path = write(tmp_path / "licence_assignments" / "2026-11-20" / "assignments.csv", ASSIGNMENTS)

    result = load_path(warehouse, "licence_assignments", str(path))

    # 7 rows: lines 2 and 8 are the same seat (tool, e-mail after lower-casing, assigned_at): the
    # later line of this snapshot wins and line 2 is a duplicate; bob loads; lines 4-7 quarantined.
    # read 7 = loaded 2 + quarantined 4 + duplicates 1.
    assert result.summary() == {
        "source": "licence_assignments",
        "read": 7,
        "loaded": 2,
        "quarantined": 4,
        "duplicates": 1,
    }
    assert table_rows(warehouse, "raw_licence_assignment", ASSIGNMENT_COLUMNS, order="1, 2") == [
        ("Gong", "ann.lee@example.com", datetime(2026, 1, 5, 9), datetime(2026, 9, 1), 8),
        ("Gong", "bob@example.com", datetime(2026, 1, 5, 9), datetime(2026, 6, 30, 17), 3),
    ]
    assert quarantine(warehouse, "licence_assignments") == [
        (
            4,
            "end_before_start",
            "unassigned_at: 2026-02-01T00:00:00 is before assigned_at 2026-03-01T00:00:00",
        ),
        (5, "bad_email", "user_email: 'not-an-email' is not an e-mail address"),
        (6, "missing_value", "tool: is required but empty"),
        (7, "bad_timestamp", "assigned_at: 'yesterday' is not an ISO 8601 timestamp"),
    ]


def test_assignment_closed_in_a_newer_export(warehouse, tmp_path):
    write(tmp_path / "licence_assignments" / "2026-11-20" / "assignments.csv", ASSIGNMENTS)
    write(
        tmp_path / "licence_assignments" / "2026-11-27" / "assignments.csv",
        "tool,user_email,assigned_at,unassigned_at\nGong,bob@example.com,2026-01-05T09:00:00Z,2026-06-15T00:00:00Z\n",
    )

    result = load_path(warehouse, "licence_assignments", str(tmp_path / "licence_assignments"))

    # Day 20 as above (7 read, 4 quarantined, 1 duplicate); both days load in one batch, so day
    # 27's newer row for bob wins there and day 20's bob counts as a duplicate: 2 loaded, 2 duplicates.
    assert result.summary() == {
        "source": "licence_assignments",
        "read": 8,
        "loaded": 2,
        "quarantined": 4,
        "duplicates": 2,
    }
    assert table_rows(warehouse, "raw_licence_assignment", "user_email, unassigned_at, source_date") == [
        ("ann.lee@example.com", datetime(2026, 9, 1), date(2026, 11, 20)),
        ("bob@example.com", datetime(2026, 6, 15), date(2026, 11, 27)),
    ]


def test_assignments_loading_twice_changes_nothing(warehouse, tmp_path):
    path = write(tmp_path / "licence_assignments" / "2026-11-20" / "assignments.csv", ASSIGNMENTS)
    load_path(warehouse, "licence_assignments", str(path))
    order = "tool, user_email, assigned_at"
    before = (
        table_rows(warehouse, "raw_licence_assignment", "*", order),
        quarantine(warehouse, "licence_assignments"),
    )

    again = load_path(warehouse, "licence_assignments", str(path))

    assert again.summary() == {
        "source": "licence_assignments",
        "read": 7,
        "loaded": 0,
        "quarantined": 4,
        "duplicates": 3,
    }
    after = (
        table_rows(warehouse, "raw_licence_assignment", "*", order),
        quarantine(warehouse, "licence_assignments"),
    )
    assert after == before
