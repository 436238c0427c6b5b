"""Flaky APIs: the LRS and Okta pulls against loopback servers that fail on purpose.

Timeouts, 5xx and 429 answers are retried with backoff (the waits are recorded, never slept);
a pull that gives up in the middle of paging leaves nothing a load would pick up but a watermark,
and the next pull of the same window continues from it: no page is fetched twice, none is
skipped, and the landed files load every record exactly once.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from enablement_audit.load import load_path
from enablement_audit.sources.lrs import LrsError, pull_statements
from enablement_audit.sources.okta_api import OktaApiError, pull_logs
from tests.conftest import quarantine, table_rows

# --------------------------------------------------------------------------------------- LRS

USERNAME, PASSWORD = "lrs-key", "lrs-s3cret"
SINCE, UNTIL = datetime(2024, 3, 4, tzinfo=UTC), datetime(2024, 3, 6, tzinfo=UTC)
LRS_QUERY = {
    "since": "2024-03-04T00:00:00.000Z",
    "until": "2024-03-06T00:00:00.000Z",
    "limit": "500",
    "ascending": "true",
}
LRS_FILE = "lrs-20240304T000000Z-20240306T000000Z.jsonl"


def statement(n: int, stored: str) -> dict[str, Any]:
    return {
        "id": f"44444444-0000-4000-8000-{n:012d}",
        "actor": {"objectType": "Agent", "mbox": f"mailto:rep{n}@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
        "object": {"id": f"https://lms.example.com/courses/{n}", "objectType": "Activity"},
        "stored": stored,
        "version": "1.0.3",
    }


# Four pages of two statements; stored ascending, across the two days of the window.
PAGES = [
    [statement(1, "2024-03-04T08:00:00.000Z"), statement(2, "2024-03-04T09:00:00.000Z")],
    [statement(3, "2024-03-04T23:00:00.000Z"), statement(4, "2024-03-05T01:00:00.000Z")],
    [statement(5, "2024-03-05T02:00:00.000Z"), statement(6, "2024-03-05T03:00:00.000Z")],
    [statement(7, "2024-03-05T04:00:00.000Z"), statement(8, "2024-03-05T05:00:00.000Z")],
]
MORE = ["/xapi/statements/more/p2", "/xapi/statements/more/p3", "/xapi/statements/more/p4", ""]


class Sleeps(list):
    """Records the waits instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def serve_lrs_page(server: HTTPServer, index: int, **kwargs: Any) -> None:
    """Page ``index`` (0-based) at its URL: the first at /statements with the window's query,
    the others at the ``more`` path of the page before."""
    if index == 0:
        server.expect_request("/xapi/statements", query_string=LRS_QUERY, **kwargs).respond_with_json(
            {"statements": PAGES[0], "more": MORE[0]}
        )
    else:
        server.expect_request(MORE[index - 1], **kwargs).respond_with_json(
            {"statements": PAGES[index], "more": MORE[index]}
        )


def pull_lrs(server: HTTPServer, landing: Path, sleeps: Sleeps, **options: Any) -> list[str]:
    return pull_statements(
        server.url_for("/xapi"),
        username=USERNAME,
        password=PASSWORD,
        since=options.pop("since", SINCE),
        until=options.pop("until", UNTIL),
        landing=str(landing),
        sleep=sleeps,
        timeout=options.pop("timeout", 5),
        **options,
    )


def paths_requested(server: HTTPServer) -> list[str]:
    return [request.path for request, _ in server.log]


def landed(landing: Path) -> list[str]:
    """Every file under the landing folder, hidden ones included."""
    return sorted(str(p.relative_to(landing)) for p in landing.rglob("*") if p.is_file())


def ids_in(path: Path, key: str) -> list[str]:
    return [json.loads(line)[key] for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def threaded_server():
    """A loopback server answering each request on its own thread, so that one request can
    hang while the retry is answered."""
    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


def hanging_then(release: threading.Event, seconds: float = 10.0):
    """A handler that answers only once ``release`` is set (or after ``seconds``)."""

    def handler(request: Request) -> Response:
        release.wait(seconds)
        return Response("too late", status=503)

    return handler


def test_lrs_timeout_is_retried_after_a_backoff(threaded_server, tmp_path):
    release = threading.Event()
    threaded_server.expect_oneshot_request("/xapi/statements").respond_with_handler(hanging_then(release))
    serve_lrs_page(threaded_server, 0)
    for index in (1, 2, 3):
        serve_lrs_page(threaded_server, index)
    sleeps = Sleeps()

    try:
        paths = pull_lrs(threaded_server, tmp_path / "landing", sleeps, timeout=0.3)
    finally:
        release.set()

    # The first request timed out; one backoff step (1 s) and the retry got page 1.
    assert sleeps == [1]
    assert [Path(p).name for p in paths] == [LRS_FILE, LRS_FILE]
    day_4, day_5 = (Path(p) for p in paths)
    assert ids_in(day_4, "id") == [s["id"] for s in PAGES[0] + PAGES[1][:1]]
    assert ids_in(day_5, "id") == [s["id"] for s in PAGES[1][1:] + PAGES[2] + PAGES[3]]


def test_lrs_5xx_and_429_in_the_middle_of_paging_are_retried_with_backoff(httpserver, tmp_path):
    httpserver.expect_oneshot_request(MORE[0]).respond_with_data("bad gateway", status=502)
    httpserver.expect_oneshot_request(MORE[0]).respond_with_data("unavailable", status=503)
    httpserver.expect_oneshot_request(MORE[1]).respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7"}
    )
    for index in range(4):
        serve_lrs_page(httpserver, index)
    sleeps = Sleeps()

    paths = pull_lrs(httpserver, tmp_path / "landing", sleeps)

    # Page 2: 502 then 503, backoff 1 s then 2 s; page 3: 429 waits its Retry-After, 7 s.
    assert sleeps == [1, 2, 7.0]
    assert paths_requested(httpserver) == ["/xapi/statements", *[MORE[0]] * 3, MORE[1], MORE[1], MORE[2]]
    assert sum(len(ids_in(Path(p), "id")) for p in paths) == 8


def test_lrs_failure_in_the_middle_of_paging_then_resume_without_gap_or_duplicate(
    httpserver, tmp_path, warehouse
):
    landing, sleeps = tmp_path / "landing", Sleeps()
    # First pull: pages 1 and 2 arrive, page 3 keeps failing.
    serve_lrs_page(httpserver, 0)
    serve_lrs_page(httpserver, 1)
    httpserver.expect_request(MORE[1]).respond_with_data("down for maintenance", status=503)

    with pytest.raises(LrsError, match="HTTP 503") as caught:
        pull_lrs(httpserver, landing, sleeps, max_retries=2)

    assert caught.value.resumable
    assert sleeps == [1, 2]
    # Nothing a load would pick up: the pages written so far are hidden, beside the watermark.
    assert landed(landing) == [
        "xapi/.watermark",
        f"xapi/2024-03-04/.{LRS_FILE}.part",
        f"xapi/2024-03-05/.{LRS_FILE}.part",
    ]
    assert load_path(warehouse, "xapi", str(landing / "xapi")).summary()["read"] == 0
    watermark = json.loads((landing / "xapi" / ".watermark").read_text(encoding="utf-8"))
    # Three statements on the 4th (1, 2, 3) and one on the 5th (4), as written.
    assert watermark == {
        "since": "2024-03-04T00:00:00.000Z",
        "until": "2024-03-06T00:00:00.000Z",
        "file_name": LRS_FILE,
        "next_url": httpserver.url_for(MORE[1]),
        "last_time": "2024-03-05T01:00:00.000Z",
        "pages": 2,
        "records": 4,
        "parts": {
            "2024-03-04": (landing / "xapi" / "2024-03-04" / f".{LRS_FILE}.part").stat().st_size,
            "2024-03-05": (landing / "xapi" / "2024-03-05" / f".{LRS_FILE}.part").stat().st_size,
        },
    }

    # Second pull of the same window: the LRS is back.
    httpserver.clear()
    for index in range(4):
        serve_lrs_page(httpserver, index)
    paths = pull_lrs(httpserver, landing, sleeps)

    # It went straight to page 3: pages 1 and 2 were not fetched again.
    assert paths_requested(httpserver) == [MORE[1], MORE[2]]
    assert landed(landing) == [f"xapi/2024-03-04/{LRS_FILE}", f"xapi/2024-03-05/{LRS_FILE}"]
    day_4, day_5 = (Path(p) for p in paths)
    every = [s["id"] for page in PAGES for s in page]
    assert ids_in(day_4, "id") == every[:3]
    assert ids_in(day_5, "id") == every[3:]
    result = load_path(warehouse, "xapi", str(landing / "xapi"))
    # 8 statements, each once: 3 + 5 = 8 read, all loaded.
    assert result.summary() == {"source": "xapi", "read": 8, "loaded": 8, "quarantined": 0, "duplicates": 0}
    assert table_rows(warehouse, "raw_xapi_statement", "statement_id", "statement_id") == [
        (i,) for i in every
    ]
    assert quarantine(warehouse, "xapi") == []


def test_lrs_resume_cuts_what_a_killed_pull_wrote_past_the_watermark(httpserver, tmp_path):
    landing, sleeps = tmp_path / "landing", Sleeps()
    serve_lrs_page(httpserver, 0)
    serve_lrs_page(httpserver, 1)
    httpserver.expect_request(MORE[1]).respond_with_data("down", status=500)
    with pytest.raises(LrsError):
        pull_lrs(httpserver, landing, sleeps, max_retries=0)
    # As a pull killed while writing page 3 would leave it: half a line after the watermark's
    # size on the 5th, and a .part file for a day the watermark does not know.
    with (landing / "xapi" / "2024-03-05" / f".{LRS_FILE}.part").open("a", encoding="utf-8") as part:
        part.write('{"id": "44444444-0000-4000-8000-000000000005", "actor": {"mbox": "mai')
    stray = landing / "xapi" / "2024-03-06" / f".{LRS_FILE}.part"
    stray.parent.mkdir()
    stray.write_text('{"id": "half"}\n', encoding="utf-8")

    httpserver.clear()
    for index in range(4):
        serve_lrs_page(httpserver, index)
    paths = pull_lrs(httpserver, landing, sleeps)

    every = [s["id"] for page in PAGES for s in page]
    assert [Path(p).parent.name for p in paths] == ["2024-03-04", "2024-03-05"]
    assert ids_in(Path(paths[0]), "id") + ids_in(Path(paths[1]), "id") == every
    assert landed(landing) == [f"xapi/2024-03-04/{LRS_FILE}", f"xapi/2024-03-05/{LRS_FILE}"]


def test_lrs_pull_of_another_window_discards_the_watermark(httpserver, tmp_path):
    landing, sleeps = tmp_path / "landing", Sleeps()
    serve_lrs_page(httpserver, 0)
    httpserver.expect_request(MORE[0]).respond_with_data("down", status=503)
    with pytest.raises(LrsError):
        pull_lrs(httpserver, landing, sleeps, max_retries=0)
    assert (landing / "xapi" / ".watermark").exists()

    httpserver.clear()
    other_query = {**LRS_QUERY, "since": "2024-03-06T00:00:00.000Z", "until": "2024-03-07T00:00:00.000Z"}
    httpserver.expect_request("/xapi/statements", query_string=other_query).respond_with_json(
        {"statements": [statement(9, "2024-03-06T10:00:00.000Z")], "more": ""}
    )
    pull_lrs(httpserver, landing, sleeps, since=date(2024, 3, 6), until=date(2024, 3, 7))

    # The unfinished pull of 4-6 March is gone; only the new window's file is left.
    assert landed(landing) == ["xapi/2024-03-06/lrs-20240306T000000Z-20240307T000000Z.jsonl"]


def test_lrs_permanent_failure_on_resume_starts_the_next_pull_over(httpserver, tmp_path):
    landing, sleeps = tmp_path / "landing", Sleeps()
    serve_lrs_page(httpserver, 0)
    httpserver.expect_request(MORE[0]).respond_with_data("down", status=503)
    with pytest.raises(LrsError):
        pull_lrs(httpserver, landing, sleeps, max_retries=0)

    # The cursor expired meanwhile: a 404 is not retried and drops what the first pull wrote.
    httpserver.clear()
    httpserver.expect_request(MORE[0]).respond_with_data("cursor expired", status=404)
    with pytest.raises(LrsError, match="answered HTTP 404") as caught:
        pull_lrs(httpserver, landing, sleeps)
    assert not caught.value.resumable
    assert landed(landing) == []

    httpserver.clear()
    for index in range(4):
        serve_lrs_page(httpserver, index)
    paths = pull_lrs(httpserver, landing, sleeps)

    assert paths_requested(httpserver) == ["/xapi/statements", *MORE[:3]]
    assert sum(len(ids_in(Path(p), "id")) for p in paths) == 8


# -------------------------------------------------------------------------------------- Okta

TOKEN = "00Qx-okta-resume-token"
NOW = 1_715_000_000.0
OKTA_SINCE, OKTA_UNTIL = "2024-05-06T00:00:00.000Z", "2024-05-08T00:00:00.000Z"
OKTA_FILE = "okta-logs-20240506T000000Z-20240508T000000Z.jsonl"
FIRST_QUERY = {"since": OKTA_SINCE, "until": OKTA_UNTIL, "limit": "2", "sortOrder": "ASCENDING"}


def event(n: int, published: str) -> dict[str, Any]:
    return {
        "uuid": f"d0d0d0d0-{n:04d}-11ef-8478-2b7584bf8d5a",
        "published": published,
        "eventType": "user.authentication.sso",
        "outcome": {"result": "SUCCESS"},
        "actor": {"id": f"00u{n}", "type": "User", "alternateId": f"rep{n}@example.com"},
        "target": [{"id": "0oa1", "type": "AppInstance", "displayName": "Gong"}],
    }


EVENT_PAGES = [
    [event(1, "2024-05-06T08:00:00.000Z"), event(2, "2024-05-06T09:00:00.000Z")],
    [event(3, "2024-05-06T23:59:59.999Z"), event(4, "2024-05-07T00:00:00.000Z")],
    [event(5, "2024-05-07T10:00:00.000Z")],
    [],  # Okta pages a bounded query until an empty page
]


def okta_query(index: int) -> dict[str, str]:
    return FIRST_QUERY if index == 0 else {**FIRST_QUERY, "after": f"cursor-{index}"}


def okta_url(server: HTTPServer, query: dict[str, str]) -> str:
    return server.url_for("/api/v1/logs") + "?" + urlencode(query)


def serve_okta_page(server: HTTPServer, index: int) -> None:
    """Page ``index`` with Okta's Link header: rel="self", and rel="next" with the cursor."""
    query = okta_query(index)
    links = [
        f'<{okta_url(server, query)}>; rel="self"',
        f'<{okta_url(server, okta_query(index + 1))}>; rel="next"',
    ]
    server.expect_request(
        "/api/v1/logs", query_string=query, headers={"Authorization": f"SSWS {TOKEN}"}
    ).respond_with_json(EVENT_PAGES[index], headers={"Link": ", ".join(links)})


def pull_okta(server: HTTPServer, landing: Path, sleeps: list[float], **options: Any) -> list[str]:
    return pull_logs(
        server.url_for("/").rstrip("/"),
        token=TOKEN,
        since=OKTA_SINCE,
        until=OKTA_UNTIL,
        landing=str(landing),
        limit=2,
        sleep=sleeps.append,
        now=lambda: NOW,
        timeout=options.pop("timeout", 5),
        **options,
    )


def cursors_requested(server: HTTPServer) -> list[str | None]:
    return [request.args.get("after") for request, _ in server.log]


def test_okta_timeout_is_retried_after_a_backoff(threaded_server, tmp_path):
    release = threading.Event()
    threaded_server.expect_oneshot_request("/api/v1/logs", query_string=okta_query(1)).respond_with_handler(
        hanging_then(release)
    )
    for index in range(4):
        serve_okta_page(threaded_server, index)
    sleeps: list[float] = []

    try:
        paths = pull_okta(threaded_server, tmp_path / "landing", sleeps, timeout=0.3)
    finally:
        release.set()

    # Page 2 timed out once; one backoff step (1 s) and the retry got it.
    assert sleeps == [1]
    assert [ids_in(Path(p), "uuid") for p in paths] == [
        [e["uuid"] for e in EVENT_PAGES[0] + EVENT_PAGES[1][:1]],
        [e["uuid"] for e in EVENT_PAGES[1][1:] + EVENT_PAGES[2]],
    ]


def test_okta_5xx_and_429_are_retried_with_backoff(httpserver, tmp_path):
    httpserver.expect_oneshot_request("/api/v1/logs", query_string=okta_query(1)).respond_with_data(
        "upstream", status=500
    )
    httpserver.expect_oneshot_request("/api/v1/logs", query_string=okta_query(2)).respond_with_json(
        {"errorCode": "E0000047", "errorSummary": "API call exceeded rate limit due to too many requests."},
        status=429,
        headers={"X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": str(int(NOW) + 12)},
    )
    for index in range(4):
        serve_okta_page(httpserver, index)
    sleeps: list[float] = []

    paths = pull_okta(httpserver, tmp_path / "landing", sleeps)

    # Page 2: a 500, backoff 1 s; page 3: a 429 until the reset second, 1715000012 - NOW = 12 s.
    assert sleeps == [1, 12.0]
    assert cursors_requested(httpserver) == [None, "cursor-1", "cursor-1", "cursor-2", "cursor-2", "cursor-3"]
    assert sum(len(ids_in(Path(p), "uuid")) for p in paths) == 5


def test_okta_failure_in_the_middle_of_paging_then_resume_without_gap_or_duplicate(
    httpserver, tmp_path, warehouse
):
    landing, sleeps = tmp_path / "landing", []
    serve_okta_page(httpserver, 0)
    serve_okta_page(httpserver, 1)
    httpserver.expect_request("/api/v1/logs", query_string=okta_query(2)).respond_with_data(
        "busy", status=503
    )

    with pytest.raises(OktaApiError, match="gave up after 2 attempts") as caught:
        pull_okta(httpserver, landing, sleeps, max_retries=1)

    assert caught.value.resumable
    assert TOKEN not in str(caught.value)
    assert landed(landing) == [
        "okta/.watermark",
        f"okta/2024-05-06/.{OKTA_FILE}.part",
        f"okta/2024-05-07/.{OKTA_FILE}.part",
    ]
    watermark = json.loads((landing / "okta" / ".watermark").read_text(encoding="utf-8"))
    assert (watermark["next_url"], watermark["last_time"], watermark["pages"], watermark["records"]) == (
        okta_url(httpserver, okta_query(2)),
        "2024-05-07T00:00:00.000Z",
        2,
        4,
    )
    assert TOKEN not in (landing / "okta" / ".watermark").read_text(encoding="utf-8")

    httpserver.clear()
    for index in range(4):
        serve_okta_page(httpserver, index)
    paths = pull_okta(httpserver, landing, sleeps)

    # Resumed at cursor-2: pages 1 and 2 were not fetched again.
    assert cursors_requested(httpserver) == ["cursor-2", "cursor-3"]
    assert landed(landing) == [f"okta/2024-05-06/{OKTA_FILE}", f"okta/2024-05-07/{OKTA_FILE}"]
    every = [e["uuid"] for page in EVENT_PAGES for e in page]
    assert ids_in(Path(paths[0]), "uuid") + ids_in(Path(paths[1]), "uuid") == every
    result = load_path(warehouse, "okta", str(landing / "okta"))
    # 5 events, each once: 3 on the 6th + 2 on the 7th.
    assert result.summary() == {"source": "okta", "read": 5, "loaded": 5, "quarantined": 0, "duplicates": 0}
    assert table_rows(warehouse, "raw_okta_event", "event_id", "event_id") == [(u,) for u in every]


def test_okta_resume_cuts_what_a_killed_pull_wrote_past_the_watermark(httpserver, tmp_path):
    landing, sleeps = tmp_path / "landing", []
    serve_okta_page(httpserver, 0)
    httpserver.expect_request("/api/v1/logs", query_string=okta_query(1)).respond_with_data(
        "busy", status=502
    )
    with pytest.raises(OktaApiError):
        pull_okta(httpserver, landing, sleeps, max_retries=0)
    part = landing / "okta" / "2024-05-06" / f".{OKTA_FILE}.part"
    size = part.stat().st_size
    with part.open("a", encoding="utf-8") as handle:  # page 2's first event, then the kill
        handle.write(json.dumps(EVENT_PAGES[1][0]) + "\n" + '{"uuid": "d0d0')
    assert part.stat().st_size > size

    httpserver.clear()
    for index in range(4):
        serve_okta_page(httpserver, index)
    paths = pull_okta(httpserver, landing, sleeps)

    every = [e["uuid"] for page in EVENT_PAGES for e in page]
    assert cursors_requested(httpserver) == ["cursor-1", "cursor-2", "cursor-3"]
    assert ids_in(Path(paths[0]), "uuid") + ids_in(Path(paths[1]), "uuid") == every


def test_okta_a_failure_before_any_page_leaves_nothing(httpserver, tmp_path):
    httpserver.expect_request("/api/v1/logs").respond_with_data("busy", status=503)

    with pytest.raises(OktaApiError, match="gave up after 3 attempts"):
        pull_okta(httpserver, tmp_path / "landing", [], max_retries=2)

    # Not one page was written: no .part file, no watermark, not even the folder.
    assert not (tmp_path / "landing").exists()
