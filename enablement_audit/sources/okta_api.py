"""Pull the Okta System Log from ``GET /api/v1/logs`` into the landing folder.

Pages are followed through the ``Link: <...>; rel="next"`` header and written as they arrive, one
JSON Lines file per UTC day of ``published``: ``<landing>/okta/<YYYY-MM-DD>/okta-logs-<since>-
<until>.jsonl``, the layout :mod:`enablement_audit.sources.okta` reads. Files are written under
a hidden ``.part`` name and renamed when the pull finished, so a failed pull leaves nothing a
load would pick up and a repeated pull of the same window replaces its files.

HTTP 429 waits until the epoch second in ``X-Rate-Limit-Reset`` (Okta's documented rate-limit
header); 5xx answers, connection errors and timeouts are retried with exponential backoff; any
other 4xx stops with an error naming the URL and status. The token is sent only to the org's own
host and never appears in a log line or an error.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import IO, Any
from urllib.parse import urlsplit

import fsspec
import requests
import tenacity

from enablement_audit.sources.base import parse_timestamp

log = logging.getLogger(__name__)

SOURCE = "okta"
LOGS_PATH = "/api/v1/logs"
MIN_RATE_LIMIT_WAIT = 1.0
MAX_RATE_LIMIT_WAIT = 120.0
MAX_BACKOFF = 30.0

Instant = datetime | date | str


class OktaApiError(RuntimeError):
    """The System Log could not be pulled; the message names the URL and what to do."""


class _Transient(Exception):
    """An answer worth retrying (429, 5xx, connection error, timeout)."""

    def __init__(self, message: str, reset: float | None = None) -> None:
        super().__init__(message)
        self.reset = reset


def pull_logs(
    org_url: str,
    *,
    token: str,
    since: Instant,
    until: Instant,
    landing: str | os.PathLike[str],
    limit: int = 1000,
    session: requests.Session | None = None,
    timeout: float = 30,
    max_retries: int = 5,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], float] = time.time,
) -> list[str]:
    """Pull the events published in ``[since, until)`` and land them as JSON Lines per UTC day.

    Args:
        org_url: the Okta org, e.g. ``https://example.okta.com``.
        token: an Okta API token, sent as ``Authorization: SSWS <token>``.
        since, until: the window; datetimes (naive ones are UTC), dates (midnight UTC) or
            ISO 8601 text.
        landing: the landing folder (local path or fsspec URL).
        limit: events per page (Okta allows up to 1000).
        session: a ``requests.Session`` to reuse; one is made (and closed) otherwise.
        timeout: seconds per request.
        max_retries: retries of one request after a 429, a 5xx, a connection error or a timeout.
        sleep, now: the clock, injectable for tests.

    Returns:
        The paths written, by day.
    """
    start, end = _instant(since, "since"), _instant(until, "until")
    if end <= start:
        raise ValueError(f"until ({_query_time(end)}) must be after since ({_query_time(start)})")
    base = org_url.rstrip("/")
    origin = urlsplit(base)[:2]
    headers = {"Authorization": f"SSWS {token}", "Accept": "application/json"}
    retrying = tenacity.Retrying(
        sleep=sleep,
        stop=tenacity.stop_after_attempt(max_retries + 1),
        wait=_RetryWait(now),
        retry=tenacity.retry_if_exception_type(_Transient),
        before_sleep=_log_retry,
        reraise=True,
    )
    own_session = session is None
    http = session or requests.Session()
    files = _DayFiles(str(landing), f"okta-logs-{_file_time(start)}-{_file_time(end)}.jsonl")
    url: str = base + LOGS_PATH
    params: dict[str, Any] | None = {
        "since": _query_time(start),
        "until": _query_time(end),
        "limit": limit,
        "sortOrder": "ASCENDING",
    }
    try:
        pages = events = 0
        while True:
            response = _fetch(http, retrying, url, params, headers, timeout, token)
            page = _events(response, token)
            pages += 1
            events += len(page)
            for event in page:
                files.write(_event_day(event, start), json.dumps(event, ensure_ascii=False))
            next_url = response.links.get("next", {}).get("url")
            if not page or not next_url or next_url == response.url:
                break
            if urlsplit(next_url)[:2] != origin:
                raise OktaApiError(
                    f"Okta API: the next-page link {next_url} leaves {base}; "
                    "refusing to send the token there"
                )
            url, params = next_url, None  # the link carries the query and the cursor
        paths = files.commit()
    except BaseException:
        files.abort()
        raise
    finally:
        if own_session:
            http.close()
    log.info("okta: %d events in %d pages from %s into %d files", events, pages, base, len(paths))
    return paths


# ---------------------------------------------------------------------------------------------
# HTTP


def _fetch(
    http: requests.Session,
    retrying: tenacity.Retrying,
    url: str,
    params: dict[str, Any] | None,
    headers: dict[str, str],
    timeout: float,
    token: str,
) -> requests.Response:
    try:
        return retrying(_get_once, http, url, params, headers, timeout, token)
    except _Transient as exc:
        attempts = retrying.statistics.get("attempt_number", 1)
        raise OktaApiError(_redact(f"{exc}; gave up after {attempts} attempts", token)) from None


def _get_once(
    http: requests.Session,
    url: str,
    params: dict[str, Any] | None,
    headers: dict[str, str],
    timeout: float,
    token: str,
) -> requests.Response:
    try:
        response = http.get(url, params=params, headers=headers, timeout=timeout)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise _Transient(
            _redact(f"Okta API GET {url}: {type(exc).__name__}: {exc}", token)
        ) from None
    status = response.status_code
    if status == 429:
        raise _Transient(
            f"Okta API GET {response.url} answered HTTP 429 (rate limited)",
            reset=_number(response.headers.get("X-Rate-Limit-Reset")),
        )
    if status >= 500:
        raise _Transient(f"Okta API GET {response.url} answered HTTP {status} {response.reason}")
    if status >= 400:
        raise OktaApiError(_redact(_client_error(response), token))
    return response


def _client_error(response: requests.Response) -> str:
    status = response.status_code
    hint = {
        401: "check the API token (Authorization: SSWS) for this org",
        403: "the token's admin cannot read the System Log; grant it a read-only admin role",
    }.get(status, "check the org URL and the query")
    try:
        body = response.json()
        detail = body.get("errorSummary") if isinstance(body, dict) else None
    except ValueError:
        detail = None
    detail = detail or response.text[:200].strip() or response.reason
    return f"Okta API GET {response.url} answered HTTP {status} ({detail}); {hint}"


def _events(response: requests.Response, token: str) -> list[Any]:
    try:
        page = response.json()
    except ValueError:
        raise OktaApiError(
            _redact(
                f"Okta API GET {response.url} did not answer JSON: {response.text[:200]!r}", token
            )
        ) from None
    if not isinstance(page, list):
        raise OktaApiError(
            f"Okta API GET {response.url} answered {type(page).__name__}, not a list of events"
        )
    return page


class _RetryWait:
    """Until ``X-Rate-Limit-Reset`` after a 429 (1 to 120 s), else exponential backoff."""

    def __init__(self, now: Callable[[], float]) -> None:
        self.now = now
        self.backoff = tenacity.wait_exponential(multiplier=1, min=1, max=MAX_BACKOFF)

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        error = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(error, _Transient) and error.reset is not None:
            return min(MAX_RATE_LIMIT_WAIT, max(MIN_RATE_LIMIT_WAIT, error.reset - self.now()))
        return self.backoff(retry_state)


def _log_retry(retry_state: tenacity.RetryCallState) -> None:
    error = retry_state.outcome.exception() if retry_state.outcome else None
    wait = retry_state.next_action.sleep if retry_state.next_action else 0
    log.warning(
        "okta: %s; retrying in %.1f s (attempt %d)", error, wait, retry_state.attempt_number
    )


def _redact(text: str, token: str) -> str:
    return text.replace(token, "***") if token else text


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# Time


def _instant(value: Instant, name: str) -> datetime:
    """A naive UTC datetime from a datetime, a date or ISO 8601 text."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    try:
        return parse_timestamp(value)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def _query_time(moment: datetime) -> str:
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def _file_time(moment: datetime) -> str:
    return f"{moment:%Y%m%dT%H%M%SZ}"


def _event_day(event: Any, start: datetime) -> str:
    """The UTC day of an event's ``published``; an event without a usable one goes to the
    window's first day, where the reader quarantines it (nothing is dropped here)."""
    published = event.get("published") if isinstance(event, dict) else None
    if isinstance(published, str):
        try:
            return parse_timestamp(published).date().isoformat()
        except ValueError:
            pass
    return start.date().isoformat()


# ---------------------------------------------------------------------------------------------
# Landing files


class _DayFiles:
    """One open JSON Lines file per day, written under a hidden ``.part`` name until commit."""

    def __init__(self, landing: str, name: str) -> None:
        self.landing = landing.rstrip("/")
        self.fs, root = fsspec.core.url_to_fs(self.landing)
        self.root = root.rstrip("/")
        self.name = name
        self.handles: dict[str, IO[str]] = {}

    def _folder(self, day: str) -> str:
        return f"{self.root}/{SOURCE}/{day}"

    def _part(self, day: str) -> str:
        return f"{self._folder(day)}/.{self.name}.part"

    def write(self, day: str, line: str) -> None:
        handle = self.handles.get(day)
        if handle is None:
            self.fs.makedirs(self._folder(day), exist_ok=True)
            handle = self.fs.open(self._part(day), "w", encoding="utf-8")
            self.handles[day] = handle
        handle.write(line + "\n")

    def commit(self) -> list[str]:
        paths = []
        for day in sorted(self.handles):
            self.handles[day].close()
            self.fs.mv(self._part(day), f"{self._folder(day)}/{self.name}")
            paths.append(f"{self.landing}/{SOURCE}/{day}/{self.name}")
        self.handles.clear()
        return paths

    def abort(self) -> None:
        for day, handle in self.handles.items():
            handle.close()
            if self.fs.exists(self._part(day)):
                self.fs.rm(self._part(day))
        self.handles.clear()
