"""Pulling the Okta System Log from a real loopback server that speaks GET /api/v1/logs."""

from __future__ import annotations

import json
import socket
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest

from enablement_audit.load import load_path
from enablement_audit.sources.okta_api import OktaApiError, pull_logs
from tests.conftest import quarantine, table_rows
from tests.sources.test_okta import GONG, SESSION_START, SSO_FAILED, SSO_OK, log_event

TOKEN = "00Qx-okta-test-token-7HqZ"
NOW = 1_715_000_000.0  # the injected clock's epoch second
SINCE = "2024-05-06T00:00:00.000Z"
UNTIL = "2024-05-08T00:00:00.000Z"
FILE_NAME = "okta-logs-20240506T000000Z-20240508T000000Z.jsonl"
FIRST_QUERY = {"since": SINCE, "until": UNTIL, "limit": "2", "sortOrder": "ASCENDING"}

# Page 1: day 6 and day 7. Page 2: day 7, and one event without `published`, which the puller
# cannot place in time, so it lands on the window's first day for the reader to quarantine.
SSO_DAY_7 = {**SSO_FAILED, "published": "2024-05-07T09:30:00.000Z"}
SESSION_DAY_7 = {**SESSION_START, "published": "2024-05-07T23:59:59.999Z"}
UNDATED = log_event("b1f2c3d4-0099-11ef-8478-2b7584bf8d5a", None, target=[GONG])
PAGE_1 = [SSO_OK, SSO_DAY_7]
PAGE_2 = [SESSION_DAY_7, UNDATED]


def exact(header: str, actual: str | None, expected: str) -> bool:
    return actual == expected


def expect_logs(httpserver, query: dict[str, str], *, oneshot: bool = False):
    """A handler that only answers a request carrying the SSWS token and asking for JSON;
    a one-shot handler answers once, before the permanent ones."""
    expect = httpserver.expect_oneshot_request if oneshot else httpserver.expect_request
    return expect(
        "/api/v1/logs",
        method="GET",
        query_string=query,
        headers={"Authorization": f"SSWS {TOKEN}", "Accept": "application/json"},
        header_value_matcher=exact,
    )


def logs_url(httpserver, **query: str) -> str:
    return httpserver.url_for("/api/v1/logs") + "?" + "&".join(f"{k}={v}" for k, v in query.items())


def link(httpserver, query: dict[str, str], after: str | None) -> dict[str, str]:
    """Okta's Link header: rel="self" always, rel="next" with an ``after`` cursor."""
    links = [f'<{logs_url(httpserver, **query)}>; rel="self"']
    if after is not None:
        links.append(f'<{logs_url(httpserver, **{**FIRST_QUERY, "after": after})}>; rel="next"')
    return {"Link": ", ".join(links)}


@pytest.fixture
def okta(httpserver):
    """Two pages and the empty page after them, as a bounded query pages in Okta."""
    # An unmatched request (e.g. without the token) gets a 4xx, which is not retried.
    httpserver.no_handler_status_code = 418
    page_2 = {**FIRST_QUERY, "after": "cursor-1"}
    page_3 = {**FIRST_QUERY, "after": "cursor-2"}
    expect_logs(httpserver, FIRST_QUERY).respond_with_json(
        PAGE_1, headers=link(httpserver, FIRST_QUERY, "cursor-1")
    )
    expect_logs(httpserver, page_2).respond_with_json(PAGE_2, headers=link(httpserver, page_2, "cursor-2"))
    expect_logs(httpserver, page_3).respond_with_json([], headers=link(httpserver, page_3, "cursor-3"))
    return httpserver


def pull(httpserver, landing: Path, sleeps: list[float], **kwargs):
    options = {
        "token": TOKEN,
        "since": SINCE,
        "until": UNTIL,
        "landing": str(landing),
        "limit": 2,
        "sleep": sleeps.append,
        "now": lambda: NOW,
        **kwargs,
    }
    return pull_logs(httpserver.url_for("/").rstrip("/"), **options)


def landed(landing: Path) -> list[str]:
    return sorted(str(p.relative_to(landing)) for p in landing.rglob("*") if p.is_file())


def uuids(path: str) -> list[str | None]:
    return [json.loads(line).get("uuid") for line in Path(path).read_text(encoding="utf-8").splitlines()]


def test_pages_are_followed_and_landed_per_utc_day(okta, tmp_path, warehouse):
    landing = tmp_path / "landing"
    sleeps: list[float] = []

    paths = pull(okta, landing, sleeps)

    day_6 = str(landing / "okta" / "2024-05-06" / FILE_NAME)
    day_7 = str(landing / "okta" / "2024-05-07" / FILE_NAME)
    assert paths == [day_6, day_7]
    assert landed(landing) == [f"okta/2024-05-06/{FILE_NAME}", f"okta/2024-05-07/{FILE_NAME}"]
    assert uuids(day_6) == [SSO_OK["uuid"], UNDATED["uuid"]]
    assert uuids(day_7) == [SSO_DAY_7["uuid"], SESSION_DAY_7["uuid"]]
    # Events are landed as Okta sent them, one JSON object a line.
    assert json.loads(Path(day_6).read_text(encoding="utf-8").splitlines()[0]) == SSO_OK
    # Three requests (two pages, then the empty third page ends it), none retried.
    assert len(okta.log) == 3
    assert sleeps == []
    okta.check_assertions()

    result = load_path(warehouse, "okta", str(landing / "okta"))

    # 4 events landed: 3 loaded; the undated one quarantined on day 6's line 2. 3 + 1 = 4.
    assert result.summary() == {
        "source": "okta",
        "read": 4,
        "loaded": 3,
        "quarantined": 1,
        "duplicates": 0,
    }
    assert table_rows(
        warehouse,
        "raw_okta_event",
        "event_id, event_type, app_display_name, is_sso_success, source_date",
    ) == [
        (SSO_OK["uuid"], "user.authentication.sso", "Salesforce.com", True, date(2024, 5, 6)),
        (SSO_DAY_7["uuid"], "user.authentication.sso", "Gong", False, date(2024, 5, 7)),
        (SESSION_DAY_7["uuid"], "user.session.start", None, False, date(2024, 5, 7)),
    ]
    assert quarantine(warehouse, "okta") == [(2, "missing_time", "published: is required but missing")]


def test_pulling_the_same_window_again_replaces_its_files(okta, tmp_path, warehouse):
    landing = tmp_path / "landing"
    first = pull(okta, landing, [])
    contents = [Path(p).read_text(encoding="utf-8") for p in first]
    load_path(warehouse, "okta", str(landing / "okta"))

    again = pull(okta, landing, [], since=datetime(2024, 5, 6, tzinfo=UTC), until=date(2024, 5, 8))

    # Same window given as a datetime and a date: same query, same files, not appended to.
    assert again == first
    assert [Path(p).read_text(encoding="utf-8") for p in again] == contents
    assert landed(landing) == [f"okta/2024-05-06/{FILE_NAME}", f"okta/2024-05-07/{FILE_NAME}"]
    result = load_path(warehouse, "okta", str(landing / "okta"))
    # The 3 loaded events are duplicates now; the undated one is quarantined again. 3 + 1 = 4.
    assert result.summary() == {
        "source": "okta",
        "read": 4,
        "loaded": 0,
        "quarantined": 1,
        "duplicates": 3,
    }


def test_rate_limit_waits_until_the_reset_second(okta, tmp_path):
    expect_logs(okta, FIRST_QUERY, oneshot=True).respond_with_json(
        {
            "errorCode": "E0000047",
            "errorSummary": "API call exceeded rate limit due to too many requests.",
        },
        status=429,
        headers={
            "X-Rate-Limit-Limit": "120",
            "X-Rate-Limit-Remaining": "0",
            "X-Rate-Limit-Reset": str(int(NOW) + 7),
        },
    )
    sleeps: list[float] = []

    paths = pull(okta, tmp_path, sleeps)

    # Reset 1715000007 - now 1715000000 = 7 s, then the pages as usual (1 + 3 requests).
    assert sleeps == [7.0]
    assert len(okta.log) == 4
    assert len(paths) == 2
    okta.check_assertions()


def test_rate_limit_wait_is_kept_between_1_and_120_seconds(okta, tmp_path):
    for reset in (NOW + 500, NOW - 30):
        expect_logs(okta, FIRST_QUERY, oneshot=True).respond_with_data(
            "", status=429, headers={"X-Rate-Limit-Reset": str(int(reset))}
        )
    sleeps: list[float] = []

    pull(okta, tmp_path, sleeps)

    # 500 s away is cut to 120 s; a reset already past still waits 1 s.
    assert sleeps == [120.0, 1.0]


def test_server_error_is_retried_with_backoff(okta, tmp_path):
    expect_logs(okta, FIRST_QUERY, oneshot=True).respond_with_data("upstream error", status=500)
    sleeps: list[float] = []

    paths = pull(okta, tmp_path, sleeps)

    # First backoff: 1 s x 2^0 = 1 s.
    assert sleeps == [1]
    assert len(paths) == 2
    okta.check_assertions()


def test_a_server_that_keeps_failing_stops_the_pull_and_leaves_no_files(httpserver, tmp_path):
    httpserver.expect_request("/api/v1/logs").respond_with_data("busy", status=503)
    sleeps: list[float] = []

    with pytest.raises(OktaApiError) as caught:
        pull(httpserver, tmp_path, sleeps, max_retries=2)

    # 3 attempts, backoff 1 s then 2 s between them.
    assert sleeps == [1, 2]
    assert len(httpserver.log) == 3
    message = str(caught.value)
    assert "HTTP 503" in message
    assert httpserver.url_for("/api/v1/logs") in message
    assert "gave up after 3 attempts" in message
    assert landed(tmp_path) == []


def test_a_failure_on_a_later_page_leaves_no_partial_files(httpserver, tmp_path):
    httpserver.no_handler_status_code = 418
    expect_logs(httpserver, FIRST_QUERY).respond_with_json(
        PAGE_1, headers=link(httpserver, FIRST_QUERY, "cursor-1")
    )
    expect_logs(httpserver, {**FIRST_QUERY, "after": "cursor-1"}).respond_with_data("gone", status=404)

    with pytest.raises(OktaApiError, match="HTTP 404"):
        pull(httpserver, tmp_path, [])

    # Page 1 was written as it arrived, under hidden .part names that are removed on failure.
    assert landed(tmp_path) == []


def test_unauthorized_names_the_url_and_never_the_token(httpserver, tmp_path):
    httpserver.expect_request("/api/v1/logs").respond_with_json(
        {
            "errorCode": "E0000011",
            "errorSummary": "Invalid token provided",
            "errorLink": "E0000011",
            "errorId": "oaeJ5vUd3FBQJ6Kb4ncEvgxzQ",
            "errorCauses": [],
        },
        status=401,
    )
    sleeps: list[float] = []

    with pytest.raises(OktaApiError) as caught:
        pull(httpserver, tmp_path, sleeps)

    message = str(caught.value)
    url = httpserver.url_for("/api/v1/logs") + "?" + urlencode(FIRST_QUERY)  # as requests encodes it
    assert message == (
        f"Okta API GET {url} answered HTTP 401 (Invalid token provided); "
        "check the API token (Authorization: SSWS) for this org"
    )
    assert TOKEN not in message
    assert len(httpserver.log) == 1  # a 401 is not retried
    assert sleeps == []


def test_the_server_only_answers_with_the_ssws_token(okta, tmp_path):
    with pytest.raises(OktaApiError, match="HTTP 418") as caught:
        pull(okta, tmp_path, [], token="some-other-token")

    assert "some-other-token" not in str(caught.value)
    request, _ = okta.log[0]
    assert request.headers["Authorization"] == "SSWS some-other-token"
    assert request.headers["Accept"] == "application/json"


def test_a_next_link_to_another_host_is_refused(httpserver, tmp_path):
    other = '<https://attacker.example/api/v1/logs?after=x>; rel="next"'
    httpserver.expect_request("/api/v1/logs").respond_with_json([SSO_OK], headers={"Link": other})

    with pytest.raises(OktaApiError, match="refusing to send the token there"):
        pull(httpserver, tmp_path, [])

    assert len(httpserver.log) == 1
    assert landed(tmp_path) == []


def test_connection_errors_are_retried_then_reported(tmp_path):
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps: list[float] = []

    with pytest.raises(OktaApiError) as caught:
        pull_logs(
            f"http://127.0.0.1:{port}",
            token=TOKEN,
            since=SINCE,
            until=UNTIL,
            landing=str(tmp_path),
            max_retries=2,
            sleep=sleeps.append,
            now=lambda: NOW,
        )

    assert sleeps == [1, 2]
    assert f"http://127.0.0.1:{port}/api/v1/logs" in str(caught.value)
    assert "ConnectionError" in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_until_must_be_after_since(tmp_path):
    with pytest.raises(ValueError, match=r"until \(2024-05-06T00:00:00.000Z\) must be after since"):
        pull_logs("https://example.okta.com", token=TOKEN, since=UNTIL, until=SINCE, landing=str(tmp_path))
