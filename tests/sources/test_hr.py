"""HR status: employment periods per person (hire date, leave, termination, FTE)."""

from __future__ import annotations

from datetime import date

from enablement_audit.load import load_path
from tests.conftest import quarantine, table_rows, write

HR = """email,hire_date,employment_status,status_start,status_end,fte
Ann.Lee@Example.com,2024-01-15,active,2024-01-15,2026-05-31,1
ann.lee@example.com,2024-01-15,Leave,2026-06-01,2026-08-31,1.0
ann.lee@example.com,2024-01-15,active,2026-09-01,,0.8
bob@example.com,2025-02-01,retired,2025-02-01,,1
cy@example.com,2025-02-01,active,2025-02-01,2025-01-31,1
di@example.com,2025-02-01,active,2025-02-01,,1.5
ed@example.com,2025-02-01,active,,,1
fay@example.com,2025-02-01,active,2025-02-01,,full
gus@example.com,2023-05-01,terminated,2026-10-31,2026-10-31,0
"""

COLUMNS = "email, hire_date, employment_status, status_start, status_end, fte"


def test_hr_loads_status_periods_and_quarantines_bad_ones(warehouse, tmp_path):
    path = write(tmp_path / "hr" / "2026-11-20" / "hr.csv", HR)

    result = load_path(warehouse, "hr", str(path))

    # 9 rows: ann's three periods (distinct status_start) and gus load; lines 5-9 quarantined.
    assert result.summary() == {
        "source": "hr",
        "read": 9,
        "loaded": 4,
        "quarantined": 5,
        "duplicates": 0,
    }
    assert table_rows(warehouse, "raw_hr_status", COLUMNS, "email, status_start") == [
        (
            "ann.lee@example.com",
            date(2024, 1, 15),
            "active",
            date(2024, 1, 15),
            date(2026, 5, 31),
            1.0,
        ),
        (
            "ann.lee@example.com",
            date(2024, 1, 15),
            "leave",
            date(2026, 6, 1),
            date(2026, 8, 31),
            1.0,
        ),
        ("ann.lee@example.com", date(2024, 1, 15), "active", date(2026, 9, 1), None, 0.8),
        # A one-day period (end = start) is allowed; FTE 0 is in range.
        (
            "gus@example.com",
            date(2023, 5, 1),
            "terminated",
            date(2026, 10, 31),
            date(2026, 10, 31),
            0.0,
        ),
    ]
    assert quarantine(warehouse, "hr") == [
        (
            5,
            "unknown_value",
            "employment_status: 'retired' is not one of active, leave, terminated",
        ),
        (6, "end_before_start", "status_end: 2025-01-31 is before status_start 2025-02-01"),
        (7, "bad_fte", "fte: 1.5 is not between 0 and 1 (a full-time equivalent)"),
        (8, "missing_value", "status_start: is required but empty"),
        (9, "bad_float", "fte: 'full' is not a number"),
    ]


def test_hr_spreadsheet_export_with_bom_loads(warehouse, tmp_path):
    text = "email,employment_status,status_start\r\nann.lee@example.com,active,2024-01-15\r\n"
    path = write(tmp_path / "hr.csv", text, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")

    result = load_path(warehouse, "hr", str(path))

    assert result.summary() == {
        "source": "hr",
        "read": 1,
        "loaded": 1,
        "quarantined": 0,
        "duplicates": 0,
    }
    assert table_rows(warehouse, "raw_hr_status", COLUMNS) == [
        ("ann.lee@example.com", None, "active", date(2024, 1, 15), None, None),
    ]


def test_hr_loading_twice_changes_nothing(warehouse, tmp_path):
    path = write(tmp_path / "hr" / "2026-11-20" / "hr.csv", HR)
    load_path(warehouse, "hr", str(path))
    order = "email, status_start"
    before = (table_rows(warehouse, "raw_hr_status", "*", order), quarantine(warehouse, "hr"))

    again = load_path(warehouse, "hr", str(path))

    assert again.summary() == {
        "source": "hr",
        "read": 9,
        "loaded": 0,
        "quarantined": 5,
        "duplicates": 4,
    }
    after = (table_rows(warehouse, "raw_hr_status", "*", order), quarantine(warehouse, "hr"))
    assert after == before
