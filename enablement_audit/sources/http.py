"""What the API pulls (:mod:`.lrs`, :mod:`.okta_api`) share: retries, the query window, and
landing pages as they arrive with a watermark to resume from.

A pull writes each page to hidden ``.part`` files, one per UTC day, and renames them when the
last page is in. After each page is written in full, the watermark
``<landing>/<source>/.watermark`` records the window, the next page's URL, the time of the page's
last record (``stored`` or ``published``) and the size of every ``.part`` file. When a pull stops
part-way (retries exhausted, a timeout, the process killed), the next pull of the same window
cuts the ``.part`` files back to those sizes and continues from the recorded URL: no page is
fetched twice or skipped. A pull that fails for good (a 4xx answer, a bad link) removes its
``.part`` files and the watermark, so the next pull starts over. A pull of another window
discards the watermark it finds. Only one pull per source may run at a time.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import fsspec
import tenacity

from enablement_audit.sources.base import parse_timestamp

log = logging.getLogger(__name__)

Instant = datetime | date | str
WATERMARK = ".watermark"
COPY_CHUNK = 1024 * 1024


# ---------------------------------------------------------------------------------------------
# Errors and retries


class PullError(RuntimeError):
    """A pull failed; the message names the URL, the status and what to do. ``resumable``
    errors (retries exhausted) leave a watermark the next pull continues from."""

    def __init__(self, message: str, *, resumable: bool = False) -> None:
        super().__init__(message)
        self.resumable = resumable


class Transient(Exception):
    """An answer worth retrying: 429, 5xx, a connection error or a timeout. ``hint`` is what the
    server said about when to try again, in the API's own terms, if it said anything."""

    def __init__(self, message: str, hint: float | None = None) -> None:
        super().__init__(message)
        self.hint = hint


def retrying(
    *,
    sleep: Callable[[float], None],
    max_retries: int,
    wait: Callable[[tenacity.RetryCallState], float],
    label: str,
) -> tenacity.Retrying:
    """Retry :class:`Transient` errors ``max_retries`` times, waiting ``wait`` between attempts and
    logging each retry as ``<label>: <error>; retrying in <s> s (attempt <n>)``."""

    def log_retry(retry_state: tenacity.RetryCallState) -> None:
        error = retry_state.outcome.exception() if retry_state.outcome else None
        pause = retry_state.next_action.sleep if retry_state.next_action else 0
        log.warning(
            "%s: %s; retrying in %.1f s (attempt %d)", label, error, pause, retry_state.attempt_number
        )

    return tenacity.Retrying(
        sleep=sleep,
        stop=tenacity.stop_after_attempt(max_retries + 1),
        wait=wait,
        retry=tenacity.retry_if_exception_type(Transient),
        before_sleep=log_retry,
        reraise=True,
    )


def safe_url(url: str) -> str:
    """The URL without any ``user:password@`` part."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


# ---------------------------------------------------------------------------------------------
# Time


def instant(value: Instant, name: str) -> datetime:
    """A naive UTC datetime from a datetime, a date or ISO 8601 text."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    try:
        return parse_timestamp(value)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def query_time(moment: datetime) -> str:
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def file_time(moment: datetime) -> str:
    return f"{moment:%Y%m%dT%H%M%SZ}"


def record_day(record: Any, names: tuple[str, ...], start: datetime) -> str:
    """The UTC day of the first usable time among ``names`` in a JSON record; a record with none
    goes to the window's first day, where its reader quarantines it (nothing is dropped)."""
    if isinstance(record, dict):
        for name in names:
            value = record.get(name)
            if isinstance(value, str):
                try:
                    return parse_timestamp(value).date().isoformat()
                except ValueError:
                    continue
    return start.date().isoformat()


# ---------------------------------------------------------------------------------------------
# Landing pages, resumably


@dataclass
class Watermark:
    """Where a pull stopped: its window, the next page to fetch, and what is written so far."""

    since: str
    until: str
    file_name: str
    next_url: str = ""
    last_time: str | None = None
    pages: int = 0
    records: int = 0
    parts: dict[str, int] = field(default_factory=dict)  # day -> bytes of its .part file

    def same_window(self, other: Watermark) -> bool:
        return (self.since, self.until, self.file_name) == (other.since, other.until, other.file_name)


class ResumablePull:
    """The landing files of one pull: JSON Lines per UTC day, written under hidden ``.part``
    names, renamed by :meth:`commit`, resumable from the watermark (see the module docstring)."""

    def __init__(
        self, landing: str, source: str, *, since: datetime, until: datetime, file_name: str
    ) -> None:
        self.landing = landing.rstrip("/")
        self.fs, root = fsspec.core.url_to_fs(self.landing)
        self.base = f"{root.rstrip('/')}/{source}"
        self.source = source
        self.state = Watermark(query_time(since), query_time(until), file_name)
        self.handles: dict[str, IO[bytes]] = {}

    # -- paths

    @property
    def watermark_path(self) -> str:
        return f"{self.base}/{WATERMARK}"

    def _folder(self, day: str) -> str:
        return f"{self.base}/{day}"

    def _part(self, day: str, name: str | None = None) -> str:
        return f"{self._folder(day)}/.{name or self.state.file_name}.part"

    # -- resuming

    def resume(self) -> str | None:
        """The URL to continue from when the watermark is this window's; else ``None`` (and a
        watermark of another window is discarded with its ``.part`` files)."""
        found = self._read_watermark()
        if found is None:
            return None
        if not found.same_window(self.state) or not found.next_url:
            log.warning(
                "%s: discarding the unfinished pull of %s - %s (this pull is %s - %s)",
                self.source,
                found.since,
                found.until,
                self.state.since,
                self.state.until,
            )
            self._discard(found)
            return None
        try:
            for day, size in sorted(found.parts.items()):
                self.handles[day] = self._reopen(day, size)
        except (OSError, ValueError) as exc:
            log.warning("%s: cannot resume (%s); pulling the window again", self.source, exc)
            self.abort()
            self._discard(found)
            return None
        self._remove_stray_parts(keep=set(found.parts))
        self.state = found
        log.info(
            "%s: resuming after %d pages and %d records, last at %s",
            self.source,
            found.pages,
            found.records,
            found.last_time,
        )
        return found.next_url

    def _read_watermark(self) -> Watermark | None:
        if not self.fs.exists(self.watermark_path):
            return None
        try:
            with self.fs.open(self.watermark_path, "r", encoding="utf-8") as handle:
                data = json.load(handle)
            return Watermark(**data)
        except (OSError, ValueError, TypeError) as exc:
            log.warning("%s: ignoring an unreadable watermark %s (%s)", self.source, self.watermark_path, exc)
            self.fs.rm(self.watermark_path)
            return None

    def _reopen(self, day: str, size: int) -> IO[bytes]:
        """The day's ``.part`` file cut back to ``size`` bytes (what the watermark vouches for),
        open for appending. Copied rather than truncated: object stores cannot truncate."""
        part = self._part(day)
        if self.fs.size(part) < size:
            raise ValueError(f"{part} is shorter than the watermark says ({size} bytes)")
        old = f"{part}.old"
        self.fs.mv(part, old)
        handle = self.fs.open(part, "wb")
        with self.fs.open(old, "rb") as source:
            left = size
            while left > 0:
                chunk = source.read(min(COPY_CHUNK, left))
                if not chunk:
                    break
                handle.write(chunk)
                left -= len(chunk)
        self.fs.rm(old)
        return handle

    def _remove_stray_parts(self, keep: set[str]) -> None:
        """``.part`` files of days the watermark does not know (written after it, then cut)."""
        for path in self.fs.glob(self._part("*")):
            day = path.rstrip("/").split("/")[-2]
            if day not in keep:
                self.fs.rm(path)

    def _discard(self, found: Watermark) -> None:
        for path in self.fs.glob(self._part("*", found.file_name)):
            self.fs.rm(path)
        if self.fs.exists(self.watermark_path):
            self.fs.rm(self.watermark_path)

    # -- writing

    def write(self, day: str, line: str) -> None:
        handle = self.handles.get(day)
        if handle is None:
            self.fs.makedirs(self._folder(day), exist_ok=True)
            handle = self.fs.open(self._part(day), "wb")
            self.handles[day] = handle
            self.state.parts.setdefault(day, 0)
        data = (line + "\n").encode("utf-8")
        handle.write(data)
        self.state.parts[day] += len(data)

    def page_done(self, next_url: str, records: int, last_time: str | None) -> None:
        """A page is written in full: flush it and move the watermark past it."""
        for handle in self.handles.values():
            handle.flush()
        self.state.next_url = safe_url(next_url)
        self.state.pages += 1
        self.state.records += records
        if last_time is not None:
            self.state.last_time = last_time
        temporary = f"{self.watermark_path}.tmp"
        with self.fs.open(temporary, "w", encoding="utf-8") as handle:
            json.dump(asdict(self.state), handle, indent=1)
        self.fs.mv(temporary, self.watermark_path)

    # -- ending

    def commit(self) -> list[str]:
        """Rename the ``.part`` files to their final names and drop the watermark."""
        paths = []
        for day in sorted(self.handles):
            self.handles[day].close()
            self.fs.mv(self._part(day), f"{self._folder(day)}/{self.state.file_name}")
            paths.append(f"{self.landing}/{self.source}/{day}/{self.state.file_name}")
        self.handles.clear()
        if self.fs.exists(self.watermark_path):
            self.fs.rm(self.watermark_path)
        return paths

    def suspend(self) -> None:
        """Stop, keeping what the watermark vouches for, so the next pull resumes from it."""
        for handle in self.handles.values():
            handle.close()
        self.handles.clear()
        if not self.fs.exists(self.watermark_path):
            self._remove_stray_parts(keep=set())  # not one page finished: nothing to resume

    def abort(self) -> None:
        """Stop and remove everything this pull wrote, watermark included."""
        for day, handle in self.handles.items():
            handle.close()
            if self.fs.exists(self._part(day)):
                self.fs.rm(self._part(day))
        self.handles.clear()
        if self.fs.exists(self.watermark_path):
            self.fs.rm(self.watermark_path)
