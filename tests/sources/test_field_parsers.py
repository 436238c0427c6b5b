"""The shared field parsers at the edges of what the warehouse stores: a value out of range is a
ValueError (the row is quarantined with the field named), never an error that stops the load."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from enablement_audit.sources.base import parse_int, parse_timestamp
from tests.test_native import load_both


@pytest.mark.parametrize(
    ("text", "number"),
    [("9223372036854775807", 2**63 - 1), ("-9223372036854775808", -(2**63)), ("1e3", 1000), ("7.0", 7)],
)
def test_whole_numbers_up_to_64_bits(text, number):
    assert parse_int(text) == number


@pytest.mark.parametrize("text", ["9223372036854775808", "-9223372036854775809", "8.6e126"])
def test_a_whole_number_beyond_64_bits_is_refused(text):
    with pytest.raises(ValueError, match=re.escape(f"'{text}' is outside the 64-bit whole-number range")):
        parse_int(text)


def test_an_offset_is_applied_within_the_calendar():
    assert parse_timestamp("2026-01-05T00:30:00+01:00") == datetime(2026, 1, 4, 23, 30)


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00.5+00:01", "9999-12-31T23:59:59-01:00"])
def test_an_offset_past_the_calendars_ends_is_out_of_range(text):
    # datetime raised OverflowError here, which stopped the whole load
    with pytest.raises(ValueError, match=re.escape(f"'{text}' is outside 1970-2100")):
        parse_timestamp(text)


def test_such_rows_are_quarantined_and_the_file_still_loads(tmp_path, monkeypatch):
    day = tmp_path / "landing" / "content_activity" / "2026-01-05"
    day.mkdir(parents=True)
    path = day / "activity.csv"
    path.write_text(
        "event_id,occurred_at,user_email,asset_id,action,duration_seconds,opportunity_id\n"
        "e1,2026-01-05T10:00:00Z,a@x.com,a1,view,30,\n"
        "e2,2026-01-05T10:00:00Z,a@x.com,a1,view,8.6e126,\n"
        "e3,0001-01-01T00:00:00.5+00:01,a@x.com,a1,view,30,\n",
        encoding="utf-8",
    )
    fast, slow = load_both(tmp_path, "content_activity", [str(path)], monkeypatch)

    assert fast == slow
    assert [row[0] for row in fast["raw"]] == ["e1"]
    assert [(line, rule, reason) for line, _, rule, reason in fast["quarantine"]] == [
        (3, "bad_int", "duration_seconds: '8.6e126' is outside the 64-bit whole-number range"),
        (4, "bad_timestamp", "occurred_at: '0001-01-01T00:00:00.5+00:01' is outside 1970-2100"),
    ]
    assert fast["runs"] == [("ok", 3, 1, 2, 0)]


def test_an_xapi_score_beyond_a_double_is_quarantined(tmp_path, monkeypatch):
    # math.isfinite raised OverflowError on the integer, which stopped the whole load
    day = tmp_path / "landing" / "xapi" / "2026-01-05"
    day.mkdir(parents=True)
    path = day / "statements.jsonl"
    statement = (
        '{"id":"%s","actor":{"mbox":"mailto:a@x.com"},"verb":{"id":"urn:v"},"object":{"id":"o"},'
        '"result":{"score":{"raw":%s}},"timestamp":"2026-01-05T10:00:00Z"}'
    )
    path.write_text(
        statement % ("6d244a03-4c2f-42d4-951d-d1d1cca413fa", "7")
        + "\n"
        + statement % ("7d244a03-4c2f-42d4-951d-d1d1cca413fa", "1" + "0" * 400)
        + "\n",
        encoding="utf-8",
    )
    fast, slow = load_both(tmp_path, "xapi", [str(path)], monkeypatch)

    assert fast == slow
    shown = "1" + "0" * 96 + "... (401 characters)"
    assert [(line, rule, reason) for line, _, rule, reason in fast["quarantine"]] == [
        (2, "bad_score", f"result.score.raw: {shown} is not a number")
    ]
    assert fast["runs"] == [("ok", 2, 1, 1, 0)]
