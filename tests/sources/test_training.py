"""Course catalog: activity IRIs, who must take a course, and the day counts that drive due dates."""

from __future__ import annotations

from datetime import date, datetime

from enablement_audit.load import load_path
from tests.conftest import quarantine, table_rows, write

COURSES = """course_id,title,bucket,published_at,required_for,due_days_after_hire,recert_days,reinforcement_days
https://lms.example.com/course/discovery,Discovery Calls,Methodology,2026-01-10T00:00:00Z,all,30,365,
http://lms.example.com/course/pricing,Pricing 101,Product,2026-02-01,Account Executive;Account Manager,14,,60
course-3,No IRI,Product,2026-02-01,all,14,,
https://lms.example.com/course/negative,Negative due,Product,2026-02-01,all,-1,,
https://lms.example.com/course/zero,Zero reinforcement,Product,2026-02-01,all,10,,0
,Missing id,Product,2026-02-01,all,10,,
https://lms.example.com/course/recert,Bad recert,Product,2026-02-01,all,10,one year,
https://,No host,Product,2026-02-01,all,10,,
"""

COLUMNS = "course_id, title, bucket, published_at, required_for, due_days_after_hire, recert_days, reinforcement_days"


def test_courses_load_typed_rows_and_quarantine_bad_ones(warehouse, tmp_path):
    path = write(tmp_path / "courses" / "2026-11-20" / "courses.csv", COURSES)

    result = load_path(warehouse, "courses", str(path))

    # 8 rows: 2 loaded, 6 quarantined (lines 4-9).
    assert result.summary() == {
        "source": "courses",
        "read": 8,
        "loaded": 2,
        "quarantined": 6,
        "duplicates": 0,
    }
    assert table_rows(warehouse, "raw_course", COLUMNS) == [
        # Empty reinforcement_days -> the default 90; empty recert_days stays unknown (NULL).
        ("http://lms.example.com/course/pricing", "Pricing 101", "Product", datetime(2026, 2, 1),
         "Account Executive;Account Manager", 14, None, 60),
        ("https://lms.example.com/course/discovery", "Discovery Calls", "Methodology", datetime(2026, 1, 10),
         "all", 30, 365, 90),
    ]  # fmt: skip
    assert quarantine(warehouse, "courses") == [
        (
            4,
            "bad_iri",
            "course_id: 'course-3' is not an activity IRI: expected http:// or https:// and a host",
        ),
        (5, "negative_value", "due_days_after_hire: -1 must be at least 0"),
        (6, "out_of_range", "reinforcement_days: 0 must be at least 1"),
        (7, "missing_value", "course_id: is required but empty"),
        (8, "bad_int", "recert_days: 'one year' is not a number"),
        (
            9,
            "bad_iri",
            "course_id: 'https://' is not an activity IRI: expected http:// or https:// and a host",
        ),
    ]


def test_newer_course_export_replaces_the_older(warehouse, tmp_path):
    write(tmp_path / "courses" / "2026-11-20" / "courses.csv", COURSES)
    write(
        tmp_path / "courses" / "2026-11-27" / "courses.csv",
        "course_id,title,required_for,due_days_after_hire,reinforcement_days\n"
        "https://lms.example.com/course/discovery,Discovery Calls v2,Account Executive,21,45\n",
    )

    result = load_path(warehouse, "courses", str(tmp_path / "courses"))

    # Day 20: 8 read, 6 quarantined, 2 valid. Day 27: discovery changed. Loaded together, the
    # newer discovery wins and day 20's is a duplicate: 2 loaded, 1 duplicate.
    assert result.summary() == {
        "source": "courses",
        "read": 9,
        "loaded": 2,
        "quarantined": 6,
        "duplicates": 1,
    }
    assert table_rows(
        warehouse,
        "raw_course",
        "title, required_for, due_days_after_hire, reinforcement_days, source_date",
    ) == [
        ("Discovery Calls v2", "Account Executive", 21, 45, date(2026, 11, 27)),
        ("Pricing 101", "Account Executive;Account Manager", 14, 60, date(2026, 11, 20)),
    ]


def test_courses_loading_twice_changes_nothing(warehouse, tmp_path):
    path = write(tmp_path / "courses" / "2026-11-20" / "courses.csv", COURSES)
    load_path(warehouse, "courses", str(path))
    before = (
        table_rows(warehouse, "raw_course", "*", "course_id"),
        quarantine(warehouse, "courses"),
    )

    again = load_path(warehouse, "courses", str(path))

    assert again.summary() == {
        "source": "courses",
        "read": 8,
        "loaded": 0,
        "quarantined": 6,
        "duplicates": 2,
    }
    after = (
        table_rows(warehouse, "raw_course", "*", "course_id"),
        quarantine(warehouse, "courses"),
    )
    assert after == before
