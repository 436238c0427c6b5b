"""Writing the week's pages: atomically (write, then rename), the archive index, the
data-quality hold page, and the record of what each report published."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from enablement_audit import __version__
from enablement_audit.config import Settings, kill_point
from enablement_audit.report.data import (
    Marts,
    TeamData,
    build_hold_report,
    build_org_report,
    build_team_report,
    iso_week_label,
    manager_names,
    org_page_name,
    parse_iso_week,
    published_values,
    read_quality,
)
from enablement_audit.report.render import render
from enablement_audit.warehouse import Warehouse, utcnow

ORG_PAGE = re.compile(r"^enablement-audit-(\d{4}-W\d{2})\.html$")
TEAM_PAGE = re.compile(r"^team-([A-Za-z0-9_-]+)-(\d{4}-W\d{2})\.html$")


def hold_page_name(monday: date) -> str:
    return f"hold-{iso_week_label(monday)}.html"


def write_atomic(path: Path, text: str, before_rename: Callable[[], None] | None = None) -> None:
    """Write then rename, so a reader sees the old file or the new one, never half of one.
    ``before_rename`` is called once the temporary file is complete (the crash tests' kill
    point)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        if before_rename is not None:
            before_rename()
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def snapshot_table(warehouse: Warehouse) -> sa.Table:
    """``report_snapshots``: the headline numbers each report published, to tell on the next
    report which past weeks changed since."""
    return sa.Table(
        "report_snapshots",
        sa.MetaData(schema=warehouse.schema),
        sa.Column("week_start", sa.Date, nullable=False),
        sa.Column("metric", sa.Text, nullable=False),
        sa.Column("value", sa.Float(precision=53)),
        sa.Column("reported_at", sa.DateTime, nullable=False),
    )


def record_snapshot(warehouse: Warehouse, values: dict[tuple[date, str], float | None]) -> None:
    table = snapshot_table(warehouse)
    now = utcnow()
    with warehouse.engine.begin() as conn:
        table.create(conn, checkfirst=True)
        if values:
            conn.execute(
                table.insert(),
                [
                    {"week_start": week, "metric": metric, "value": value, "reported_at": now}
                    for (week, metric), value in sorted(values.items())
                ],
            )


@dataclass
class IndexTeam:
    name: str
    page: str


@dataclass
class IndexWeek:
    week: str
    page: str | None
    teams: list[IndexTeam] = field(default_factory=list)


@dataclass
class IndexPage:
    version: str
    weeks: list[IndexWeek]


def build_index(out_dir: Path, names: dict[tuple[str, date], str | None]) -> IndexPage:
    """The archive: every week with an organisation report in ``out_dir``, newest first, and
    its team reports."""
    weeks: dict[str, IndexWeek] = {}
    files = sorted(p.name for p in out_dir.iterdir() if p.is_file())
    for name in files:
        if match := ORG_PAGE.match(name):
            weeks.setdefault(match[1], IndexWeek(match[1], None)).page = name
    for name in files:
        if (match := TEAM_PAGE.match(name)) and match[2] in weeks:
            manager = match[1]
            label = names.get((manager, parse_iso_week(match[2]))) or f"Manager {manager}"
            weeks[match[2]].teams.append(IndexTeam(label, name))
    for week in weeks.values():
        week.teams.sort(key=lambda t: (t.name.lower(), t.page))
    return IndexPage(__version__, [weeks[w] for w in sorted(weeks, reverse=True)])


def previous_org_page(out_dir: Path, monday: date) -> str | None:
    """The newest organisation report before ``monday``'s week, if one was written."""
    week = iso_week_label(monday)
    if not out_dir.is_dir():
        return None
    earlier = sorted(m[1] for p in out_dir.iterdir() if (m := ORG_PAGE.match(p.name)) and m[1] < week)
    return f"enablement-audit-{earlier[-1]}.html" if earlier else None


def write_reports(warehouse: Warehouse, settings: Settings, monday: date, out_dir: Path) -> list[Path]:
    """Write the week's team pages, the archive index and the organisation report (its path
    last). When the newest data-quality run has a failed blocking check, only a hold page is
    written (its path is returned) and every earlier report and the index stay as they were."""
    out_dir = Path(out_dir)
    pages = 0

    def publish(path: Path, text: str) -> None:
        nonlocal pages
        pages += 1
        point = f"report_page:{pages}"
        write_atomic(path, text, lambda: kill_point(settings, point))

    marts = Marts(warehouse)
    quality = read_quality(marts)
    if quality.blocking:
        hold = build_hold_report(monday, quality, previous_org_page(out_dir, monday))
        path = out_dir / hold_page_name(monday)
        publish(path, render("hold.html.j2", hold))
        return [path]
    org = build_org_report(warehouse, settings, monday, marts)
    teams = TeamData(marts, monday)
    paths = []
    for team in org.teams:
        if team.manager_id is None:
            continue
        page = build_team_report(team, monday, org, teams)
        path = out_dir / page.page
        publish(path, render("team.html.j2", page))
        paths.append(path)
    org_path = out_dir / org_page_name(monday)
    publish(org_path, render("organisation.html.j2", org))
    (out_dir / hold_page_name(monday)).unlink(missing_ok=True)
    index_path = out_dir / "index.html"
    publish(index_path, render("index.html.j2", build_index(out_dir, manager_names(marts))))
    record_snapshot(warehouse, published_values(org.scorecard, org.verdict, monday))
    return [*paths, index_path, org_path]
