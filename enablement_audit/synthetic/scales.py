"""Scale presets (SPEC section 9) and the calendar every generator shares."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

DEFAULT_END = date(2026, 11, 23)
"""A Monday: the day after the last generated day."""

DAY_SECONDS = 86_400
NEVER = 10**6
"""A day index later than any generated day (no end, no leave)."""


@dataclass(frozen=True)
class Scale:
    """Yearly volumes of one preset; event volumes are scaled down for shorter windows."""

    name: str
    sellers: int
    assets: int
    courses: int
    tools: int
    content_events: int
    xapi_statements: int
    signins: int
    opportunities: int


SCALES: dict[str, Scale] = {
    "S": Scale("S", 200, 300, 40, 8, 100_000, 30_000, 150_000, 5_000),
    "M": Scale("M", 2_000, 2_000, 150, 20, 2_000_000, 500_000, 3_000_000, 60_000),
    "L": Scale("L", 20_000, 10_000, 400, 40, 25_000_000, 5_000_000, 30_000_000, 600_000),
}


def stream(seed: int, scale: Scale, name: str) -> np.random.Generator:
    """An independent random stream per (seed, scale, purpose): one source's output never
    depends on the order in which the others were generated."""
    return np.random.default_rng([seed, zlib.crc32(scale.name.encode()), zlib.crc32(name.encode())])


@dataclass(frozen=True)
class Calendar:
    """The generated window ``[start, end)`` as day indices ``0 .. days - 1``."""

    start: date
    days: int

    @property
    def end(self) -> date:
        return self.start + timedelta(days=self.days)

    def day(self, index: int) -> date:
        return self.start + timedelta(days=int(index))

    def index(self, day: date) -> int:
        return (day - self.start).days

    def iso(self, index: int) -> str:
        return self.day(index).isoformat()

    @property
    def export_days(self) -> list[int]:
        """Snapshot exports: the first day, then every Monday."""
        return [i for i in range(self.days) if i == 0 or self.day(i).weekday() == 0]

    def weights(self) -> np.ndarray:
        """Relative activity per day: weekdays full, weekends and the year-end break quiet."""
        out = np.empty(self.days)
        for i in range(self.days):
            d = self.day(i)
            weight = (1.0, 1.0, 1.0, 1.0, 0.9, 0.12, 0.1)[d.weekday()]
            if (d.month == 12 and d.day >= 24) or (d.month == 1 and d.day == 1):
                weight *= 0.3
            out[i] = weight
        return out

    def year_fraction(self) -> float:
        return self.days / 365.0


EPOCH = np.datetime64("1970-01-01T00:00:00", "ms")


def day_ms(cal: Calendar, index: int) -> np.datetime64:
    """Midnight UTC of a day index as a millisecond ``datetime64`` (index may be negative)."""
    return np.datetime64(cal.day(index).isoformat(), "ms")


def iso_ms(base: np.datetime64, seconds: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DDTHH:MM:SS.mmm`` strings for ``base`` plus fractional seconds, vectorised."""
    stamps = base + np.round(np.asarray(seconds) * 1000).astype("timedelta64[ms]")
    return np.datetime_as_string(stamps, unit="ms")


def iso_s(base: np.datetime64, seconds: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DDTHH:MM:SS`` strings, vectorised."""
    stamps = base.astype("datetime64[s]") + np.asarray(seconds).astype("int64").astype("timedelta64[s]")
    return np.datetime_as_string(stamps, unit="s")


def sf_datetime(day: date, seconds: int) -> str:
    """Salesforce's export form: ``2025-03-04T09:15:00.000+0000``."""
    moment = datetime(day.year, day.month, day.day) + timedelta(seconds=int(seconds))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


REGION_PEAK_HOUR = {"AMER": 17.0, "EMEA": 10.0, "APAC": 2.5}
"""Busiest UTC hour of each region's working day."""


def work_seconds(rng: np.random.Generator, peaks: np.ndarray) -> np.ndarray:
    """Seconds into a UTC day around each row's regional peak hour, wrapped into the same day."""
    hours = rng.normal(peaks, 2.6)
    return np.mod(hours * 3600.0, DAY_SECONDS - 1)


def uniform_int(rng: np.random.Generator, low: int, high: int, size: int | None = None):
    """Integers in ``[low, high]``; a window too short collapses to ``low``."""
    high = max(low, high)
    return rng.integers(low, high + 1, size=size)
