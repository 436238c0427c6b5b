"""Weekly HTML reports. Python builds a plain data object; the templates only display it.

For now the organisation page carries the trust strip (per source counts and identity match);
the full sections of SPEC section 7 arrive with the report issue.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import jinja2
import sqlalchemy as sa

from enablement_audit import __version__
from enablement_audit.config import Settings
from enablement_audit.warehouse import Warehouse

ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def templates_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "reports" / "templates"


def parse_iso_week(text: str) -> date:
    """The Monday of an ISO week written ``YYYY-Www``."""
    match = ISO_WEEK.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not an ISO week like 2026-W47")
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid ISO week: {exc}") from None


def iso_week_label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class SourceHealth:
    source: str
    files: int
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    rows_duplicate: int
    match_rate: float | None


@dataclass
class OrgReport:
    week: str
    week_start: date
    week_end: date
    version: str
    sources: list[SourceHealth] = field(default_factory=list)


def build_org_report(warehouse: Warehouse, monday: date) -> OrgReport:
    schema = warehouse.schema
    runs = sa.text(
        f"select source, count(distinct source_file), sum(rows_read), sum(rows_loaded), "  # noqa: S608
        f"sum(rows_quarantined), sum(rows_duplicate) from {schema}.pipeline_runs "
        "where status = 'ok' group by source order by source"
    )
    rates = sa.text(f"select source, match_rate from {schema}.identity_match")  # noqa: S608
    with warehouse.engine.connect() as conn:
        rows = conn.execute(runs).all()
        try:
            match = dict(conn.execute(rates).all())
        except sa.exc.DBAPIError:
            match = {}
    report = OrgReport(iso_week_label(monday), monday, monday + timedelta(days=6), __version__)
    for row in rows:
        report.sources.append(SourceHealth(row[0], *(int(v or 0) for v in row[1:6]), match.get(row[0])))
    return report


def render(template: str, data: Any) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template(template).render(report=data)


def write_atomic(path: Path, text: str) -> None:
    """Write then rename, so a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def write_reports(warehouse: Warehouse, settings: Settings, monday: date, out: Path) -> list[Path]:
    """Write the week's pages; the organisation report's path comes last."""
    report = build_org_report(warehouse, monday)
    org_path = out / f"enablement-audit-{report.week}.html"
    index_path = out / "index.html"
    write_atomic(org_path, render("organisation.html.j2", report))
    weeks = sorted(p.name for p in out.glob("enablement-audit-*.html"))
    write_atomic(index_path, render("index.html.j2", {"pages": weeks}))
    return [index_path, org_path]
