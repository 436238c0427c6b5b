"""Late arrivals: events that landed more than ``late_arrival_days`` after they happened.

A nightly run reprocesses its interval plus ``late_arrival_days`` (SPEC section 4), rebuilding
whole ISO weeks from the Monday before that lookback, so an event that arrives up to that many
days late still lands in its own week. One that arrives later is loaded into its raw table like
any other, but its week may be older than any the nightly run rebuilds, so the published history
does not change under the reader: the run and the trust strip count such events, and when a later
rebuild (a backfill) changes a week that was already reported, the report lists that week as
restated.

Lateness is measured from the event's day (in the reporting time zone) to the landing day of its
file (``<source>/<YYYY-MM-DD>/``), which is when the nightly run first sees it. It is a property of
the data, not of a run: the count is the same on every rerun and after a crash.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from enablement_audit.models import local_date
from enablement_audit.sources import SOURCES
from enablement_audit.warehouse import Warehouse, qualified_name, quote_identifier, run_sql

# The event sources and the time each event happened; snapshot sources cannot be late.
EVENT_TIME = {
    "content_activity": "occurred_at",
    "xapi": "occurred_at",
    "okta": "published_at",
    "sf_login_history": "login_at",
}


@dataclass(frozen=True)
class LateEvents:
    """Events of one source that landed more than ``late_arrival_days`` after they happened."""

    source: str
    events: int
    earliest: date | None  # the day of the oldest such event


def late_events(
    warehouse: Warehouse,
    start: date,
    end: date,
    late_arrival_days: int,
    tz: str = "UTC",
    sources: Iterable[str] = tuple(EVENT_TIME),
) -> dict[str, LateEvents]:
    """Per event source (``sources``: those whose raw tables exist), the late events among the
    rows of files that landed in ``[start, end)``."""
    found: dict[str, LateEvents] = {}
    with warehouse.engine.connect() as conn:
        for source in sources:
            column = EVENT_TIME[source]
            spec = SOURCES[source]
            table = qualified_name(warehouse.raw_table(spec.table, spec.columns))
            day = local_date(quote_identifier(column))
            # Identifiers are the code's own, validated; the values are bound parameters.
            sql = (
                f"select count(*) as events, min({day}) as earliest from {table} "  # noqa: S608
                "where source_date >= :start and source_date < :end "
                f"and {day} < source_date - cast(:late_days as integer)"
            )
            row = run_sql(
                conn, sql, {"start": start, "end": end, "late_days": late_arrival_days, "tz": tz}
            ).one()
            earliest = row.earliest
            found[source] = LateEvents(source, int(row.events), _as_date(earliest))
    return found


def _as_date(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
