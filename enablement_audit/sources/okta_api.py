"""Pull the Okta System Log from ``GET /api/v1/logs`` into the landing folder.

Pages are followed through the ``Link: <...>; rel="next"`` header and written as they arrive, one
JSON Lines file per UTC day of ``published``: ``<landing>/okta/<YYYY-MM-DD>/okta-logs-<since>-
<until>.jsonl``, the layout :mod:`enablement_audit.sources.okta` reads. Files are written under
a hidden ``.part`` name and renamed when the pull finished, so a failed pull leaves nothing a
load would pick up and a repeated pull of the same window replaces its files. A pull that stops
part-way (retries exhausted, the process killed) is resumed by the next pull of the same window
from the watermark it left (see :mod:`enablement_audit.sources.http`).

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
from typing import Any
from urllib.parse import urlsplit

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
)

log = logging.getLogger(__name__)

SOURCE = "okta"
LOGS_PATH = "/api/v1/logs"
MIN_RATE_LIMIT_WAIT = 1.0
MAX_RATE_LIMIT_WAIT = 120.0
MAX_BACKOFF = 30.0


class OktaApiError(PullError):
    """The System Log could not be pulled (see :class:`PullError`)."""


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
    start, end = instant(since, "since"), instant(until, "until")
    if end <= start:
        raise ValueError(f"until ({query_time(end)}) must be after since ({query_time(start)})")
    base = org_url.rstrip("/")
    origin = urlsplit(base)[:2]
    headers = {"Authorization": f"SSWS {token}", "Accept": "application/json"}
    retry = retrying(sleep=sleep, max_retries=max_retries, wait=_RetryWait(now), label=SOURCE)
    own_session = session is None
    http = session or requests.Session()
    files = ResumablePull(
        str(landing),
        SOURCE,
        since=start,
        until=end,
        file_name=f"okta-logs-{file_time(start)}-{file_time(end)}.jsonl",
    )
    url: str = base + LOGS_PATH
    params: dict[str, Any] | None = {
        "since": query_time(start),
        "until": query_time(end),
        "limit": limit,
        "sortOrder": "ASCENDING",
    }
    resume_url = files.resume()
    if resume_url:
        url, params = resume_url, None  # the link carries the query and the cursor
    try:
        pages = events = 0
        while True:
            response = _fetch(http, retry, url, params, headers, timeout, token)
            page = _events(response, token)
            pages += 1
            events += len(page)
            for event in page:
                files.write(record_day(event, ("published",), start), json.dumps(event, ensure_ascii=False))
            next_url = response.links.get("next", {}).get("url")
            if not page or not next_url or next_url == response.url:
                break
            if urlsplit(next_url)[:2] != origin:
                raise OktaApiError(
                    f"Okta API: the next-page link {next_url} leaves {base}; refusing to send the token there"
                )
            files.page_done(next_url, len(page), _last_published(page))
            url, params = next_url, None  # the link carries the query and the cursor
        paths = files.commit()
    except OktaApiError as exc:
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
    log.info("okta: %d events in %d pages from %s into %d files", events, pages, base, len(paths))
    return paths


def _last_published(page: list[Any]) -> str | None:
    """The ``published`` time of a page's last event (ascending order), for the watermark."""
    last = page[-1] if page else None
    published = last.get("published") if isinstance(last, dict) else None
    return published if isinstance(published, str) else None


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
    except Transient as exc:
        attempts = retrying.statistics.get("attempt_number", 1)
        message = _redact(f"{exc}; gave up after {attempts} attempts", token)
        raise OktaApiError(message, resumable=True) from None


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
        raise Transient(_redact(f"Okta API GET {url}: {type(exc).__name__}: {exc}", token)) from None
    status = response.status_code
    if status == 429:
        raise Transient(
            f"Okta API GET {response.url} answered HTTP 429 (rate limited)",
            hint=_number(response.headers.get("X-Rate-Limit-Reset")),
        )
    if status >= 500:
        raise Transient(f"Okta API GET {response.url} answered HTTP {status} {response.reason}")
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
            _redact(f"Okta API GET {response.url} did not answer JSON: {response.text[:200]!r}", token)
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
        if isinstance(error, Transient) and error.hint is not None:
            return min(MAX_RATE_LIMIT_WAIT, max(MIN_RATE_LIMIT_WAIT, error.hint - self.now()))
        return self.backoff(retry_state)


def _redact(text: str, token: str) -> str:
    return text.replace(token, "***") if token else text


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None
