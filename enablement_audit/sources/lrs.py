"""Pull xAPI statements from a Learning Record Store's ``GET /statements`` into the landing folder.

The query is ``since``/``until`` (ISO 8601 UTC, on the LRS's ``stored`` time) with HTTP Basic
auth and the ``X-Experience-API-Version`` header; the ``StatementResult``'s ``more`` link (a path
on the LRS host, or an absolute URL) is followed until it is empty. Statements are written as
they arrive, one JSON Lines file per UTC day of ``stored`` (else ``timestamp``):
``<landing>/xapi/<YYYY-MM-DD>/lrs-<since>-<until>.jsonl`` with compact times
(``20240501T000000Z``), the layout :mod:`enablement_audit.sources.xapi` reads. Files are written
under a hidden ``.part`` name and renamed when the pull finished, so a failed pull leaves
nothing a load would pick up, and pulling the same window again replaces its files.

Connection errors, timeouts, HTTP 5xx and 429 are retried with exponential backoff (a
``Retry-After`` header is honoured); 401, 403, 404 and other 4xx stop with an error naming the
URL and status. Credentials go only to the LRS's own host and never into a log line or error.
"""

from __future__ import annotations

import email.utils
import json
import logging
import os
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import IO, Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import fsspec
import requests
import tenacity

from enablement_audit.sources.base import parse_timestamp

log = logging.getLogger(__name__)

SOURCE = "xapi"
PAGE_LIMIT = 500
MAX_BACKOFF = 60.0
MAX_RETRY_AFTER = 300.0

Instant = datetime | date | str


class LrsError(RuntimeError):
    """The statements could not be pulled; the message names the URL, the status and what to do."""


class _Transient(Exception):
    """An answer worth retrying: 429, 5xx, a connection error or a timeout."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def pull_statements(
    endpoint: str,
    *,
    username: str,
    password: str,
    since: Instant,
    until: Instant,
    landing: str | os.PathLike[str],
    version: str = "1.0.3",
    session: requests.Session | None = None,
    timeout: float = 30,
    max_retries: int = 5,
    sleep: Callable[[float], None] = time.sleep,
) -> list[str]:
    """Pull the statements stored in the window and land them as JSON Lines per UTC day.

    Args:
        endpoint: the LRS's xAPI base, e.g. ``https://lrs.example.com/xapi`` (``/statements``
            is appended).
        username, password: the LRS client's Basic auth key and secret.
        since, until: the window on ``stored``; datetimes (naive ones are UTC), dates (midnight
            UTC) or ISO 8601 text.
        landing: the landing folder (local path or fsspec URL).
        version: the ``X-Experience-API-Version`` to ask for (``1.0.3`` or ``2.0.0``).
        session: a ``requests.Session`` to reuse; one is made (and closed) otherwise.
        timeout: seconds per request.
        max_retries: retries of one request after a 429, a 5xx, a connection error or a timeout.
        sleep: how to wait between retries (injectable for tests).

    Returns:
        The paths written, by day.
    """
    start, end = _instant(since, "since"), _instant(until, "until")
    if end <= start:
        raise ValueError(f"until ({_query_time(end)}) must be after since ({_query_time(start)})")
    base = endpoint.rstrip("/")
    origin = urlsplit(base)[:2]
    headers = {"X-Experience-API-Version": version, "Accept": "application/json"}
    retrying = tenacity.Retrying(
        sleep=sleep,
        stop=tenacity.stop_after_attempt(max_retries + 1),
        wait=_wait,
        retry=tenacity.retry_if_exception_type(_Transient),
        before_sleep=_log_retry,
        reraise=True,
    )
    own_session = session is None
    http = session or requests.Session()
    request = _Request(http, retrying, (username, password), headers, timeout)
    files = _DayFiles(str(landing), f"lrs-{_file_time(start)}-{_file_time(end)}.jsonl")
    url = f"{base}/statements"
    params: dict[str, Any] | None = {
        "since": _query_time(start),
        "until": _query_time(end),
        "limit": PAGE_LIMIT,
        "ascending": "true",
    }
    try:
        pages = count = 0
        while True:
            response = request.get(url, params)
            statements, more = _statement_result(response)
            pages += 1
            count += len(statements)
            for statement in statements:
                files.write(_statement_day(statement, start), json.dumps(statement, ensure_ascii=False))
            if not more:
                break
            next_url = urljoin(base + "/", more)
            if next_url == response.url:
                raise LrsError(
                    f"LRS GET {_safe_url(next_url)}: the 'more' link points at the same page; "
                    "the LRS is not paging"
                )
            if urlsplit(next_url)[:2] != origin:
                raise LrsError(
                    f"LRS: the 'more' link {_safe_url(next_url)} leaves {_safe_url(base)}; "
                    "refusing to send the credentials there"
                )
            url, params = next_url, None  # the link carries the query and the cursor
        paths = files.commit()
    except BaseException:
        files.abort()
        raise
    finally:
        if own_session:
            http.close()
    log.info(
        "xapi: %d statements in %d pages from %s into %d files",
        count,
        pages,
        _safe_url(base),
        len(paths),
    )
    return paths


# ---------------------------------------------------------------------------------------------
# HTTP


class _Request:
    """One GET with retries; every error message is free of credentials."""

    def __init__(
        self,
        http: requests.Session,
        retrying: tenacity.Retrying,
        auth: tuple[str, str],
        headers: dict[str, str],
        timeout: float,
    ) -> None:
        self.http = http
        self.retrying = retrying
        self.auth = auth
        self.headers = headers
        self.timeout = timeout

    def get(self, url: str, params: dict[str, Any] | None) -> requests.Response:
        try:
            return self.retrying(self._once, url, params)
        except _Transient as exc:
            attempts = self.retrying.statistics.get("attempt_number", 1)
            raise LrsError(self._redact(f"{exc}; gave up after {attempts} attempts")) from None

    def _once(self, url: str, params: dict[str, Any] | None) -> requests.Response:
        try:
            response = self.http.get(
                url, params=params, headers=self.headers, auth=self.auth, timeout=self.timeout
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            message = f"LRS GET {_safe_url(url)}: {type(exc).__name__}: {exc}"
            raise _Transient(self._redact(message)) from None
        status = response.status_code
        shown = _safe_url(response.url)
        if status == 429:
            raise _Transient(
                f"LRS GET {shown} answered HTTP 429 (rate limited)",
                retry_after=_retry_after(response.headers.get("Retry-After")),
            )
        if status >= 500:
            raise _Transient(
                f"LRS GET {shown} answered HTTP {status} {response.reason}",
                retry_after=_retry_after(response.headers.get("Retry-After")),
            )
        if status >= 400:
            raise LrsError(self._redact(_client_error(response)))
        return response

    def _redact(self, text: str) -> str:
        password = self.auth[1]
        return text.replace(password, "***") if password else text


def _client_error(response: requests.Response) -> str:
    status = response.status_code
    hint = {
        401: "check the LRS key and secret (HTTP Basic auth)",
        403: "the LRS client may not read statements; give it the statements/read scope",
        404: "check the endpoint: it is the xAPI base that /statements is appended to",
    }.get(status, "check the endpoint, the window and the X-Experience-API-Version")
    detail = response.text[:200].strip() or response.reason
    return f"LRS GET {_safe_url(response.url)} answered HTTP {status} ({detail}); {hint}"


def _statement_result(response: requests.Response) -> tuple[list[Any], str]:
    shown = _safe_url(response.url)
    try:
        body = response.json()
    except ValueError:
        raise LrsError(f"LRS GET {shown} did not answer JSON: {response.text[:200]!r}") from None
    if not isinstance(body, dict) or not isinstance(body.get("statements"), list):
        raise LrsError(f"LRS GET {shown} did not answer a StatementResult with a statements list")
    more = body.get("more")
    return body["statements"], more.strip() if isinstance(more, str) else ""


def _wait(retry_state: tenacity.RetryCallState) -> float:
    """The server's ``Retry-After`` when it gave one (at most 5 minutes), else exponential
    backoff (1, 2, 4 ... seconds, at most a minute)."""
    error = retry_state.outcome.exception() if retry_state.outcome else None
    if isinstance(error, _Transient) and error.retry_after is not None:
        return min(MAX_RETRY_AFTER, max(0.0, error.retry_after))
    return tenacity.wait_exponential(multiplier=1, min=1, max=MAX_BACKOFF)(retry_state)


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header: delay-seconds or an HTTP date."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - datetime.now(UTC)).total_seconds()


def _log_retry(retry_state: tenacity.RetryCallState) -> None:
    error = retry_state.outcome.exception() if retry_state.outcome else None
    wait = retry_state.next_action.sleep if retry_state.next_action else 0
    log.warning("xapi: %s; retrying in %.1f s (attempt %d)", error, wait, retry_state.attempt_number)


def _safe_url(url: str) -> str:
    """The URL without any ``user:password@`` part."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


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


def _statement_day(statement: Any, start: datetime) -> str:
    """The UTC day of a statement's ``stored`` (else ``timestamp``). One with neither usable
    goes to the window's first day, where the reader quarantines it: nothing is dropped here."""
    if isinstance(statement, dict):
        for name in ("stored", "timestamp"):
            value = statement.get(name)
            if isinstance(value, str):
                try:
                    return parse_timestamp(value).date().isoformat()
                except ValueError:
                    continue
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
