"""Late data (issue 7 item 4): an event up to ``late_arrival_days`` late lands in its own week on
the next nightly run; an older one is loaded but its week is not rebuilt, it is counted as late
(in the run's summary and the trust strip), and when a backfill does change that week the next
report lists the week as restated instead of history changing silently."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from enablement_audit import pipeline
from enablement_audit.lateness import LateEvents, late_events
from enablement_audit.models import BuildWindow
from enablement_audit.report import write_reports
from enablement_audit.warehouse import Warehouse
from tests.conftest import fetch, write
from tests.reliability.conftest import settings_for
from tests.report.helpers import Page, assert_in

W46 = date(2026, 11, 9)  # 2026-W46: Monday 9 to Sunday 15 November
W47 = date(2026, 11, 16)
HEADER = "event_id,occurred_at,user_email,asset_id,action,duration_seconds,opportunity_id\n"


def test_lateness_is_counted_from_the_landing_day_in_the_reporting_time_zone(any_warehouse: Warehouse):
    wh = any_warehouse
    raw = f"{wh.schema}.raw_content_event"
    rows = [
        # (event_id, occurred_at UTC, landing day)
        ("on-time", datetime(2026, 11, 16, 9, 0), date(2026, 11, 16)),
        ("3-days", datetime(2026, 11, 13, 12, 0), date(2026, 11, 16)),  # exactly 3 days: not late
        ("4-days", datetime(2026, 11, 12, 23, 0), date(2026, 11, 16)),  # late
        ("10-days", datetime(2026, 11, 6, 8, 0), date(2026, 11, 16)),  # late
        ("other-week", datetime(2026, 10, 1, 8, 0), date(2026, 11, 23)),  # late, landed later
        # 03:00 UTC on the 13th is still the 12th in Los Angeles: late only there.
        ("tz-edge", datetime(2026, 11, 13, 3, 0), date(2026, 11, 16)),
    ]
    with wh.engine.begin() as conn:
        conn.execute(
            sa.text(f"insert into {raw} (event_id, occurred_at, source_date) values (:id, :at, :day)"),
            [{"id": i, "at": at, "day": day} for i, at, day in rows],
        )
    week = late_events(wh, W47, W47 + timedelta(days=7), 3)
    assert week["content_activity"] == LateEvents("content_activity", 2, date(2026, 11, 6))
    assert week["xapi"] == LateEvents("xapi", 0, None)
    assert set(week) == {"content_activity", "xapi", "okta", "sf_login_history"}
    la = late_events(wh, W47, W47 + timedelta(days=7), 3, tz="America/Los_Angeles")
    # 4-days (local 12 Nov 15:00), 10-days and tz-edge (local 12 Nov 19:00)
    assert la["content_activity"] == LateEvents("content_activity", 3, date(2026, 11, 6))
    # Two weeks of landing days: with no grace every event but on-time is late; with 10 days only
    # other-week (1 Oct, landed 23 Nov) is (10-days is exactly 10 days late).
    assert late_events(wh, W47, W47 + timedelta(days=14), 0)["content_activity"].events == 5
    assert late_events(wh, W47, W47 + timedelta(days=14), 10)["content_activity"] == LateEvents(
        "content_activity", 1, date(2026, 10, 1)
    )


def content_week(wh: Warehouse, week: date) -> tuple[int, int, float]:
    """``(eligible sellers, content-active sellers, rate)`` of ``mart_content_week``."""
    return fetch(
        wh,
        f"select eligible_sellers, content_active_sellers, content_active_rate "
        f"from {wh.schema}.mart_content_week where week_start = :w",
        w=week,
    )[0]


def inactive_sellers(wh: Warehouse, week: date) -> list[str]:
    """E-mails of eligible sellers with no content activity in ``week``, by rep id."""
    rows = fetch(
        wh,
        f"select r.email from {wh.schema}.int_rep_week_status as s "
        f"join {wh.schema}.dim_rep as r on r.rep_id = s.rep_id "
        "where s.week_start = :w and s.is_eligible and r.email is not null and not exists ("
        f"select 1 from {wh.schema}.fct_content_activity as a "
        "where a.rep_id = s.rep_id and a.week_start = :w) order by s.rep_id",
        w=week,
    )
    return [r[0] for r in rows]


def used_asset(wh: Warehouse, week: date) -> str:
    """An asset someone already used in ``week`` (so the late event changes no asset figure)."""
    return fetch(
        wh,
        f"select min(asset_id) from {wh.schema}.fct_content_activity where week_start = :w and is_known_asset",
        w=week,
    )[0][0]


def backfill(wh: Warehouse, settings, landing: Path, start: date, end: date) -> None:
    """Load and rebuild ``[start, end)`` without the lookback (the checks are left out to keep the
    test short; the nightly runs below are whole ``pipeline.run`` calls)."""
    window = BuildWindow(start, end)
    pipeline.load_landing(wh, str(landing), window, "backfill")
    pipeline.build_models(wh, settings, window)


def trust_text(wh, settings, out: Path) -> str:
    paths = write_reports(wh, settings, W47, out)
    return Page(paths[-1]).section("trust")


def test_late_events_land_in_their_week_or_are_counted_and_restated(landing: Path, tmp_path: Path):
    root = tmp_path / "landing"
    shutil.copytree(landing, root)
    settings = settings_for(tmp_path / "home")
    assert settings.late_arrival_days == 3
    wh = Warehouse.from_url(f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
    out = tmp_path / "reports"

    # History: W46 and the Monday of W47 are in.
    backfill(wh, settings, root, W46, date(2026, 11, 17))
    eligible, active, _ = content_week(wh, W46)
    rep_a, rep_b = inactive_sellers(wh, W46)[:2]
    asset = used_asset(wh, W46)

    # Tuesday 17 Nov: a file lands holding a view from Sunday 15 Nov (2 days late).
    write(
        root / "content_activity" / "2026-11-17" / "late-a.csv",
        HEADER + f"late-a,2026-11-15T12:00:00Z,{rep_a},{asset},view,30,\n",
    )
    summary = pipeline.run(wh, settings, date(2026, 11, 17), date(2026, 11, 18), landing=str(root))
    assert summary.blocking == []
    assert summary.late["content_activity"] == LateEvents("content_activity", 0, None)
    # It landed in its own week, W46, which the run rebuilt (its window starts on 14 Nov).
    assert content_week(wh, W46)[:2] == (eligible, active + 1)
    first = trust_text(wh, settings, out)
    assert_in(first, "Past weeks changed since last reported first report")

    # Friday 20 Nov: a file lands holding a view from Thursday 12 Nov (8 days late).
    write(
        root / "content_activity" / "2026-11-20" / "late-b.csv",
        HEADER + f"late-b,2026-11-12T12:00:00Z,{rep_b},{asset},view,30,\n",
    )
    summary = pipeline.run(wh, settings, date(2026, 11, 20), date(2026, 11, 21), landing=str(root))
    assert summary.blocking == []
    assert summary.late["content_activity"] == LateEvents("content_activity", 1, date(2026, 11, 12))
    assert summary.late["okta"] == LateEvents("okta", 0, None)
    # Loaded, but the nightly run (window from 17 Nov) did not rebuild W46: history is as reported.
    assert fetch(wh, f"select count(*) from {wh.schema}.raw_content_event where event_id = 'late-b'") == [
        (1,)
    ]
    assert content_week(wh, W46)[:2] == (eligible, active + 1)
    trust = trust_text(wh, settings, out)
    # The trust strip counts it for W47 (its file's landing week), with the day it happened.
    assert " 1 (oldest 2026-11-12)" in trust
    assert_in(trust, "Past weeks changed since last reported 0")

    # A backfill over W46 takes it in: the next report lists W46 as restated, with both numbers.
    backfill(wh, settings, root, W46, date(2026, 11, 21))
    assert content_week(wh, W46)[:2] == (eligible, active + 2)
    trust = trust_text(wh, settings, out)
    # e.g. 2026-W46 Sellers using content 61.0% 62.0%
    reported = f"{(active + 1) / eligible * 100:.1f}%"
    now = f"{(active + 2) / eligible * 100:.1f}%"
    assert_in(
        trust, "Past weeks changed since last reported 1", f"2026-W46 Sellers using content {reported} {now}"
    )
    wh.engine.dispose()
