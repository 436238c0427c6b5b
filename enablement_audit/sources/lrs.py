"""Pull xAPI statements from a Learning Record Store's ``GET /statements`` into the landing folder.

The query is ``since``/``until`` (ISO 8601 UTC, on the LRS's ``stored`` time) with HTTP Basic
auth and the ``X-Experience-API-Version`` header; the ``StatementResult``'s ``more`` link (a path
on the LRS host, or an absolute URL) is followed until it is empty. Statements are written as
they arrive, one JSON Lines file per UTC day of ``stored`` (else ``timestamp``):
``<landing>/xapi/<YYYY-MM-DD>/lrs-<since>-<until>.jsonl`` with compact times
(``20240501T000000Z``), the layout :mod:`enablement_audit.sources.xapi` reads. Files are written
under a hidden ``.part`` name and renamed when the pull finished, so a failed pull leaves
nothing a load would pick up, and pulling the same window again replaces its files. A pull that
stops part-way (retries exhausted, the process killed) is resumed by the next pull of the same
window from the watermark it left (see :mod:`enablement_audit.sources.http`).

Connection errors, timeouts, HTTP 5xx and 429 are retried with exponential backoff (a
``Retry-After`` header is honoured); 401, 403, 404 and other 4xx stop with an error naming the
URL and status. Credentials go only to the LRS's own host and never into a log line or error.
"""

from __future__ import annotations

import base64
import email.utils
import json
import logging
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import tenacity

from enablement_audit.sources.http import (
    Instant,
    PullError,
    ResumablePull,
    Transient,
    file_time,
    instant,
    query_time,
    record_day,
    retrying,
    safe_url,
)

log = logging.getLogger(__name__)

SOURCE = "xapi"
PAGE_LIMIT = 500
MAX_BACKOFF = 60.0
MAX_RETRY_AFTER = 300.0


class LrsError(PullError):
    """The statements could not be pulled (see :class:`PullError`)."""


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
    start, end = instant(since, "since"), instant(until, "until")
    if end <= start:
        raise ValueError(f"until ({query_time(end)}) must be after since ({query_time(start)})")
    base = endpoint.rstrip("/")
    origin = urlsplit(base)[:2]
    headers = {"X-Experience-API-Version": version, "Accept": "application/json"}
    retry = retrying(sleep=sleep, max_retries=max_retries, wait=_wait, label=SOURCE)
    own_session = session is None
    http = session or requests.Session()
    request = _Request(http, retry, (username, password), headers, timeout)
    files = ResumablePull(
        str(landing),
        SOURCE,
        since=start,
        until=end,
        file_name=f"lrs-{file_time(start)}-{file_time(end)}.jsonl",
    )
    url = f"{base}/statements"
    params: dict[str, Any] | None = {
        "since": query_time(start),
        "until": query_time(end),
        "limit": PAGE_LIMIT,
        "ascending": "true",
    }
    resume_url = files.resume()
    if resume_url:
        url, params = resume_url, None  # the link carries the query and the cursor
    try:
        pages = count = 0
        while True:
            response = request.get(url, params)
            statements, more = _statement_result(response)
            pages += 1
            count += len(statements)
            for statement in statements:
                files.write(
                    record_day(statement, ("stored", "timestamp"), start),
                    json.dumps(statement, ensure_ascii=False),
                )
            if not more:
                break
            next_url = urljoin(base + "/", more)
            if next_url == response.url:
                raise LrsError(
                    f"LRS GET {safe_url(next_url)}: the 'more' link points at the same page; "
                    "the LRS is not paging"
                )
            if urlsplit(next_url)[:2] != origin:
                raise LrsError(
                    f"LRS: the 'more' link {safe_url(next_url)} leaves {safe_url(base)}; "
                    "refusing to send the credentials there"
                )
            files.page_done(next_url, len(statements), _last_stored(statements))
            url, params = next_url, None  # the link carries the query and the cursor
        paths = files.commit()
    except LrsError as exc:
        if exc.resumable:
            files.suspend()
        else:
            files.abort()
        raise
    except BaseException:
        files.suspend()  # an interrupt, a full disk: the pages written stay, for the next pull
        raise
    finally:
        if own_session:
            http.close()
    log.info(
        "xapi: %d statements in %d pages from %s into %d files",
        count,
        pages,
        safe_url(base),
        len(paths),
    )
    return paths


def _last_stored(statements: list[Any]) -> str | None:
    """The ``stored`` time of a page's last statement (the LRS's order), for the watermark."""
    last = statements[-1] if statements else None
    stored = last.get("stored") if isinstance(last, dict) else None
    return stored if isinstance(stored, str) else None


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
        except Transient as exc:
            attempts = self.retrying.statistics.get("attempt_number", 1)
            message = self._redact(f"{exc}; gave up after {attempts} attempts")
            raise LrsError(message, resumable=True) from None

    def _once(self, url: str, params: dict[str, Any] | None) -> requests.Response:
        try:
            response = self.http.get(
                url, params=params, headers=self.headers, auth=self.auth, timeout=self.timeout
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            message = f"LRS GET {safe_url(url)}: {type(exc).__name__}: {exc}"
            raise Transient(self._redact(message)) from None
        status = response.status_code
        shown = safe_url(response.url)
        if status == 429:
            raise Transient(
                f"LRS GET {shown} answered HTTP 429 (rate limited)",
                hint=_retry_after(response.headers.get("Retry-After")),
            )
        if status >= 500:
            raise Transient(
                f"LRS GET {shown} answered HTTP {status} {response.reason}",
                hint=_retry_after(response.headers.get("Retry-After")),
            )
        if status >= 400:
            raise LrsError(self._redact(_client_error(response)))
        return response

    def _redact(self, text: str) -> str:
        """Hide the secret, and the Basic-auth header value that encodes it, from any message."""
        username, password = self.auth
        if not password:
            return text
        header = base64.b64encode(f"{username}:{password}".encode()).decode()
        return text.replace(header, "***").replace(password, "***")


def _client_error(response: requests.Response) -> str:
    status = response.status_code
    hint = {
        401: "check the LRS key and secret (HTTP Basic auth)",
        403: "the LRS client may not read statements; give it the statements/read scope",
        404: "check the endpoint: it is the xAPI base that /statements is appended to",
    }.get(status, "check the endpoint, the window and the X-Experience-API-Version")
    detail = response.text[:200].strip() or response.reason
    return f"LRS GET {safe_url(response.url)} answered HTTP {status} ({detail}); {hint}"


def _statement_result(response: requests.Response) -> tuple[list[Any], str]:
    shown = safe_url(response.url)
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
    if isinstance(error, Transient) and error.hint is not None:
        return min(MAX_RETRY_AFTER, max(0.0, error.hint))
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
