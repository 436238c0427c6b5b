"""Generated landing files load with exactly the counts the manifest promises.

For every source: rows read = rows written, quarantined = bad rows planted (for the planted
reasons only), duplicates = exact duplicates planted (for snapshot sources also every row
unchanged since the previous weekly export, which the loader drops).
A quarter (91 days) at scale S keeps the test quick; each kind of bad row is planted at least
three times even in a window that short.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from enablement_audit.load import load_path
from enablement_audit.synthetic import SOURCE_NAMES, generate
from tests.conftest import fetch, quarantine

PLANTED_RULES = {
    "users": {"bad_email", "bad_timestamp", "bad_bool"},
    "hr": {"bad_email", "bad_fte", "unknown_value"},
    "opportunities": {"negative_amount", "close_before_create", "bad_timestamp"},
    "quotas": {"negative_amount", "bad_date", "missing_value"},
    "content_catalog": {"unknown_value", "bad_timestamp", "bad_email"},
    "content_activity": {
        "bad_timestamp",
        "bad_email",
        "missing_value",
        "unknown_value",
        "negative_duration",
        "bad_json",
    },
    "xapi": {"missing_time", "bad_json", "bad_email", "bad_timestamp"},
    "courses": {"bad_iri", "negative_value", "bad_timestamp"},
    "okta": {"bad_json", "bad_timestamp", "missing_time", "missing_actor"},
    "sf_login_history": {"bad_timestamp", "missing_value"},
    "licences": {"bad_currency", "negative_value", "missing_value"},
    "licence_assignments": {"bad_email", "end_before_start", "bad_timestamp"},
    "identity_map": {"bad_email", "missing_value"},
}


@pytest.fixture(scope="module")
def quarter_s(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("quarter_s")
    return out, generate(out, scale="S", seed=7, days=91)


@pytest.mark.parametrize("source", SOURCE_NAMES)
def test_each_source_loads_with_the_planted_counts(warehouse, quarter_s, source):
    root, manifest = quarter_s
    planted = manifest["sources"][source]

    result = load_path(warehouse, source, str(root / source))

    assert result.summary() == {
        "source": source,
        "read": planted["rows"],
        "loaded": planted["rows"] - planted["bad_rows"] - planted["duplicates"],
        "quarantined": planted["bad_rows"],
        "duplicates": planted["duplicates"],
    }
    assert {rule for _, rule, _ in quarantine(warehouse, source)} == PLANTED_RULES[source]


def test_unknown_asset_ids_load_and_are_the_planted_ones(warehouse, quarter_s):
    root, manifest = quarter_s
    load_path(warehouse, "content_catalog", str(root / "content_catalog"))
    load_path(warehouse, "content_activity", str(root / "content_activity"))

    schema = warehouse.schema
    orphans = fetch(
        warehouse,
        f"select count(*) from {schema}.raw_content_event as e "
        f"left join {schema}.raw_content_asset as a on a.asset_id = e.asset_id where a.asset_id is null",
    )
    # The reader cannot know the catalog; these rows load and are for a later check to flag.
    assert orphans == [(manifest["planted"]["unknown_asset_events"],)]


def test_voided_statements_are_marked(warehouse, quarter_s):
    root, manifest = quarter_s
    load_path(warehouse, "xapi", str(root / "xapi"))

    schema = warehouse.schema
    counts = fetch(
        warehouse,
        f"select count(*) filter (where is_voided), count(voided_statement_id), "
        f"count(*) filter (where is_time_from_stored) from {schema}.raw_xapi_statement",
    )
    planted = manifest["planted"]
    assert counts == [
        (planted["voided_statements"], planted["voided_statements"], planted["stored_only_statements"])
    ]
