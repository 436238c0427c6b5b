"""Identity map: e-mail addresses for (source, external id) pairs that are not e-mails."""

from __future__ import annotations

from enablement_audit.load import load_path
from tests.conftest import quarantine, table_rows, write

IDENTITY_MAP = """source,external_id,email
LRS-Moodle,u-1001,Ann.Lee@Example.com
gong,G-77,bob@example.com
moodle,,cy@example.com
moodle,u-1003,cy at example.com
,u-1004,di@example.com
moodle,u-1005,
lrs-moodle,u-1001,ann.lee@example.com
"""


def test_identity_map_loads_and_quarantines_bad_rows(warehouse, tmp_path):
    path = write(tmp_path / "identity_map" / "2026-11-20" / "ids.csv", IDENTITY_MAP)

    result = load_path(warehouse, "identity_map", str(path))

    # 7 rows: lines 2 and 8 are the same key once the source is lower-cased (the later line wins,
    # line 2 is a duplicate); gong loads; lines 4-7 quarantined. 7 = 2 + 4 + 1.
    assert result.summary() == {
        "source": "identity_map",
        "read": 7,
        "loaded": 2,
        "quarantined": 4,
        "duplicates": 1,
    }
    assert table_rows(warehouse, "raw_identity_map", "source, external_id, email, source_line") == [
        ("gong", "G-77", "bob@example.com", 3),
        ("lrs-moodle", "u-1001", "ann.lee@example.com", 8),
    ]
    assert quarantine(warehouse, "identity_map") == [
        (4, "missing_value", "external_id: is required but empty"),
        (5, "bad_email", "email: 'cy at example.com' is not an e-mail address"),
        (6, "missing_value", "source: is required but empty"),
        (7, "missing_value", "email: is required but empty"),
    ]


def test_external_ids_keep_their_case(warehouse, tmp_path):
    path = write(
        tmp_path / "ids.csv",
        "source,external_id,email\nGong,G-77,a@example.com\ngong,g-77,b@example.com\n",
    )

    result = load_path(warehouse, "identity_map", str(path))

    # Sources are lower-cased, external ids are not: two different keys.
    assert result.summary() == {
        "source": "identity_map",
        "read": 2,
        "loaded": 2,
        "quarantined": 0,
        "duplicates": 0,
    }
    assert table_rows(warehouse, "raw_identity_map", "source, external_id, email", "external_id") == [
        ("gong", "G-77", "a@example.com"),
        ("gong", "g-77", "b@example.com"),
    ]


def test_identity_map_loading_twice_changes_nothing(warehouse, tmp_path):
    path = write(tmp_path / "identity_map" / "2026-11-20" / "ids.csv", IDENTITY_MAP)
    load_path(warehouse, "identity_map", str(path))
    order = "source, external_id"
    before = (
        table_rows(warehouse, "raw_identity_map", "*", order),
        quarantine(warehouse, "identity_map"),
    )

    again = load_path(warehouse, "identity_map", str(path))

    assert again.summary() == {
        "source": "identity_map",
        "read": 7,
        "loaded": 0,
        "quarantined": 4,
        "duplicates": 3,
    }
    after = (
        table_rows(warehouse, "raw_identity_map", "*", order),
        quarantine(warehouse, "identity_map"),
    )
    assert after == before
