"""Pulling statements from an LRS's ``GET /statements`` into the landing folder, against a real
loopback HTTP server that checks the headers the xAPI specification requires."""

from __future__ import annotations

import base64
import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from enablement_audit.load import load_path
from enablement_audit.sources.lrs import LrsError, pull_statements
from tests.conftest import quarantine, table_rows

USERNAME, PASSWORD = "lrs-key", "s3cr3t-pa55"
BASIC = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
HEADERS = {"Authorization": BASIC, "X-Experience-API-Version": "1.0.3"}
SINCE, UNTIL = datetime(2024, 3, 4, tzinfo=UTC), datetime(2024, 3, 6, tzinfo=UTC)
QUERY = {
    "since": "2024-03-04T00:00:00.000Z",
    "until": "2024-03-06T00:00:00.000Z",
    "limit": "500",
    "ascending": "true",
}
FILE_NAME = "lrs-20240304T000000Z-20240306T000000Z.jsonl"


def statement(n: int, **times: str) -> dict[str, Any]:
    """A statement as an LRS returns it (``stored`` set by the LRS; times passed in)."""
    return {
        "id": f"22222222-0000-4000-8000-{n:012d}",
        "actor": {"objectType": "Agent", "mbox": f"mailto:rep{n}@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
        "object": {"id": f"http://example.com/courses/{n}", "objectType": "Activity"},
        "version": "1.0.3",
        **times,
    }


S1 = statement(1, timestamp="2024-03-04T23:59:00Z", stored="2024-03-04T23:59:59.900Z")
S2 = statement(2, timestamp="2024-03-04T23:59:30Z", stored="2024-03-05T00:00:01Z")  # stored next day
S3 = statement(3, timestamp="2024-03-05T10:00:00+02:00")  # no stored: 08:00 UTC on the 5th
S4 = statement(4, stored="2024-03-04T12:00:00Z")
NO_TIME = statement(5)  # neither: lands on the window's first day and is quarantined there


class Sleeps(list):
    """Records the waits instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def endpoint(httpserver: Any) -> str:
    return httpserver.url_for("/xapi")


def pull(httpserver: Any, landing: Path, sleeps: Sleeps, **options: Any) -> list[str]:
    return pull_statements(
        endpoint(httpserver),
        username=USERNAME,
        password=options.pop("password", PASSWORD),
        since=SINCE,
        until=UNTIL,
        landing=str(landing),
        sleep=sleeps,
        timeout=5,
        **options,
    )


def landed_files(landing: Path) -> list[str]:
    """Every file under the landing folder, hidden ones (a left-over .part) included."""
    return sorted(str(p.relative_to(landing)) for p in landing.rglob("*") if p.is_file())


def test_two_pages_joined_by_more_land_one_file_per_stored_day(httpserver, tmp_path, warehouse):
    httpserver.expect_ordered_request(
        "/xapi/statements", query_string=QUERY, headers=HEADERS
    ).respond_with_json({"statements": [S1, S2, NO_TIME], "more": "/xapi/statements/more/page-2"})
    # The "more" link is a path on the LRS host: it carries the cursor, no query of ours.
    httpserver.expect_ordered_request(
        "/xapi/statements/more/page-2", query_string="", headers=HEADERS
    ).respond_with_json({"statements": [S3, S4], "more": ""})
    landing, sleeps = tmp_path / "landing", Sleeps()

    paths = pull(httpserver, landing, sleeps)

    httpserver.check_assertions()
    assert sleeps == []
    assert paths == [f"{landing}/xapi/2024-03-04/{FILE_NAME}", f"{landing}/xapi/2024-03-05/{FILE_NAME}"]
    # No hidden .part file is left behind.
    assert landed_files(landing) == [f"xapi/2024-03-04/{FILE_NAME}", f"xapi/2024-03-05/{FILE_NAME}"]
    # In the order they arrived: the 4th holds S1, NO_TIME (first day) and S4 (page 2).
    day_4 = [json.loads(line) for line in Path(paths[0]).read_text().splitlines()]
    day_5 = [json.loads(line) for line in Path(paths[1]).read_text().splitlines()]
    assert day_4 == [S1, NO_TIME, S4]
    assert day_5 == [S2, S3]

    result = load_path(warehouse, "xapi", str(landing / "xapi"))

    # 5 statements: 4 loaded, NO_TIME quarantined (line 2 of the 4th's file).
    assert result.summary() == {"source": "xapi", "read": 5, "loaded": 4, "quarantined": 1, "duplicates": 0}
    assert table_rows(warehouse, "raw_xapi_statement", "statement_id, actor_mbox, occurred_at, source_date, source_line", "statement_id") == [
        ("22222222-0000-4000-8000-000000000001", "rep1@example.com", datetime(2024, 3, 4, 23, 59), datetime(2024, 3, 4).date(), 1),
        ("22222222-0000-4000-8000-000000000002", "rep2@example.com", datetime(2024, 3, 4, 23, 59, 30), datetime(2024, 3, 5).date(), 1),
        ("22222222-0000-4000-8000-000000000003", "rep3@example.com", datetime(2024, 3, 5, 8, 0), datetime(2024, 3, 5).date(), 2),
        ("22222222-0000-4000-8000-000000000004", "rep4@example.com", datetime(2024, 3, 4, 12, 0), datetime(2024, 3, 4).date(), 3),
    ]  # fmt: skip
    assert quarantine(warehouse, "xapi") == [
        (
            2,
            "missing_time",
            "timestamp: the statement has no timestamp and no stored time, so it cannot be placed in time",
        )
    ]


def test_pulling_the_same_window_again_replaces_its_files(httpserver, tmp_path, warehouse):
    httpserver.expect_request("/xapi/statements", query_string=QUERY, headers=HEADERS).respond_with_json(
        {"statements": [S1, S4], "more": ""}
    )
    landing, sleeps = tmp_path / "landing", Sleeps()
    first = pull(httpserver, landing, sleeps)
    load_path(warehouse, "xapi", str(landing / "xapi"))
    before = table_rows(warehouse, "raw_xapi_statement", "*", "statement_id")

    again = pull(httpserver, landing, sleeps)
    result = load_path(warehouse, "xapi", str(landing / "xapi"))

    assert again == first == [f"{landing}/xapi/2024-03-04/{FILE_NAME}"]
    assert Path(first[0]).read_text().count("\n") == 2
    # 2 read, both already there.
    assert result.summary() == {"source": "xapi", "read": 2, "loaded": 0, "quarantined": 0, "duplicates": 2}
    assert table_rows(warehouse, "raw_xapi_statement", "*", "statement_id") == before


def test_absolute_more_link_and_version_2(httpserver, tmp_path):
    headers = {"Authorization": BASIC, "X-Experience-API-Version": "2.0.0"}
    httpserver.expect_ordered_request(
        "/xapi/statements", query_string=QUERY, headers=headers
    ).respond_with_json({"statements": [S1], "more": httpserver.url_for("/lrs/more/abc?cursor=2")})
    httpserver.expect_ordered_request(
        "/lrs/more/abc", query_string={"cursor": "2"}, headers=headers
    ).respond_with_json({"statements": [S2]})
    landing = tmp_path / "landing"

    paths = pull(httpserver, landing, Sleeps(), version="2.0.0")

    httpserver.check_assertions()
    assert landed_files(landing) == [f"xapi/2024-03-04/{FILE_NAME}", f"xapi/2024-03-05/{FILE_NAME}"]
    assert len(paths) == 2


def test_503_is_retried_with_backoff(httpserver, tmp_path, caplog):
    httpserver.expect_oneshot_request("/xapi/statements").respond_with_data("maintenance", status=503)
    httpserver.expect_request("/xapi/statements", query_string=QUERY, headers=HEADERS).respond_with_json(
        {"statements": [S1], "more": ""}
    )
    sleeps = Sleeps()

    with caplog.at_level(logging.DEBUG):
        paths = pull(httpserver, tmp_path / "landing", sleeps)

    # One retry, after the first backoff step: 1 s.
    assert sleeps == [1]
    assert len(httpserver.log) == 2
    assert len(paths) == 1
    assert "HTTP 503" in caplog.text
    assert PASSWORD not in caplog.text


def test_429_honours_retry_after(httpserver, tmp_path):
    httpserver.expect_oneshot_request("/xapi/statements").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1"}
    )
    httpserver.expect_request("/xapi/statements", query_string=QUERY, headers=HEADERS).respond_with_json(
        {"statements": [S1, S2], "more": ""}
    )
    sleeps = Sleeps()

    paths = pull(httpserver, tmp_path / "landing", sleeps)

    assert sleeps == [1.0]
    assert len(paths) == 2


def test_server_errors_give_up_after_max_retries(httpserver, tmp_path):
    httpserver.expect_request("/xapi/statements").respond_with_data("down", status=502)
    sleeps = Sleeps()

    with pytest.raises(LrsError) as error:
        pull(httpserver, tmp_path / "landing", sleeps, max_retries=3)

    # 4 attempts; exponential backoff 1, 2, 4 s between them.
    assert sleeps == [1, 2, 4]
    assert len(httpserver.log) == 4
    message = str(error.value)
    assert httpserver.url_for("/xapi/statements") in message
    assert "HTTP 502" in message
    assert "gave up after 4 attempts" in message
    assert landed_files(tmp_path / "landing") == []


def test_401_raises_naming_the_url_and_status_without_the_password(httpserver, tmp_path):
    httpserver.expect_request("/xapi/statements").respond_with_data("bad credentials", status=401)
    sleeps = Sleeps()

    with pytest.raises(LrsError) as error:
        pull(httpserver, tmp_path / "landing", sleeps, password="wrong-pa55")

    message = str(error.value)
    assert message.startswith(f"LRS GET {httpserver.url_for('/xapi/statements')}?since=")
    assert "answered HTTP 401 (bad credentials); check the LRS key and secret (HTTP Basic auth)" in message
    assert "wrong-pa55" not in message
    assert sleeps == []  # a 4xx is not retried
    assert len(httpserver.log) == 1


def test_a_failure_on_a_later_page_leaves_no_files(httpserver, tmp_path):
    httpserver.expect_ordered_request("/xapi/statements").respond_with_json(
        {"statements": [S1, S2], "more": "/xapi/statements/more/gone"}
    )
    httpserver.expect_ordered_request("/xapi/statements/more/gone").respond_with_data("expired", status=404)
    landing = tmp_path / "landing"

    with pytest.raises(LrsError, match="answered HTTP 404"):
        pull(httpserver, landing, Sleeps())

    # The two statements of page 1 were written to .part files, removed on failure.
    assert landed_files(landing) == []


def test_more_link_to_another_host_is_refused(httpserver, tmp_path):
    httpserver.expect_request("/xapi/statements").respond_with_json(
        {"statements": [S1], "more": "https://elsewhere.example.com/xapi/statements?more=1"}
    )

    with pytest.raises(LrsError, match="refusing to send the credentials there"):
        pull(httpserver, tmp_path / "landing", Sleeps())

    assert len(httpserver.log) == 1
    assert landed_files(tmp_path / "landing") == []


def test_answer_that_is_not_a_statement_result_raises(httpserver, tmp_path):
    httpserver.expect_request("/xapi/statements").respond_with_json([S1])

    with pytest.raises(LrsError, match="did not answer a StatementResult"):
        pull(httpserver, tmp_path / "landing", Sleeps())
