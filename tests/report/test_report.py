"""The weekly reports against hand-made fixture marts (tests/report/fixtures.py): key numbers in
their sections, escaping, team scoping, the data-quality hold, restated weeks, the archive."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest

from enablement_audit.config import Settings
from enablement_audit.report import charts, iso_week_label, parse_iso_week, write_reports
from enablement_audit.warehouse import Warehouse
from tests.conftest import fetch
from tests.report import fixtures
from tests.report.fixtures import PREV, TEAM_1_NAMES, TEAM_2_NAMES, WEEK
from tests.report.helpers import Page, assert_in

SECTION_IDS = [
    "verdict", "trust", "scorecard", "content", "training", "tools", "impact", "teams", "stop-doing", "method",
]  # fmt: skip
SETTINGS = Settings.model_construct()
# What Jinja2 and matplotlib write for the payloads (Jinja2 also escapes the quote).
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
ESCAPED_IMG_HTML = "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"


def write(warehouse: Warehouse, out: Path, monday: date = WEEK) -> list[Path]:
    return write_reports(warehouse, SETTINGS, monday, out)


@pytest.fixture
def reports(warehouse: Warehouse, tmp_path: Path) -> tuple[Warehouse, Path, list[Path]]:
    fixtures.fill(warehouse)
    out = tmp_path / "reports"
    return warehouse, out, write(warehouse, out)


def test_iso_weeks() -> None:
    assert parse_iso_week("2026-W10") == date(2026, 3, 2)
    assert iso_week_label(date(2026, 3, 2)) == "2026-W10"
    assert iso_week_label(date(2025, 12, 29)) == "2026-W01"  # ISO year differs from the calendar's
    with pytest.raises(ValueError, match="not an ISO week"):
        parse_iso_week("2026-10")
    with pytest.raises(ValueError, match="not a valid ISO week"):
        parse_iso_week("2025-W53")  # 2025 has 52 ISO weeks


def test_files_and_section_order(reports: tuple[Warehouse, Path, list[Path]]) -> None:
    _, out, paths = reports
    assert [p.name for p in paths] == [
        "team-M1-2026-W10.html",
        "team-M2-2026-W10.html",
        "index.html",
        "enablement-audit-2026-W10.html",  # the organisation report comes last
    ]
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths)  # no temp files left
    org = Page(paths[-1])
    assert org.order == SECTION_IDS
    assert '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; ' in org.html
    assert "@media print" in org.html
    assert Page(paths[0]).order == ["summary", "actions", "reps", "training", "tools", "method"]


def test_key_numbers_in_their_sections(any_warehouse: Warehouse, tmp_path: Path) -> None:
    """On DuckDB and on a real PostgreSQL server, the same text."""
    warehouse = any_warehouse
    fixtures.fill(warehouse)
    org = Page(write(warehouse, tmp_path)[-1])
    assert_in(
        org.section("verdict"),
        "Content Yes 62.5% sellers using content Change vs last week: +12.5 pts 4-week average: 55.0%",
        "Training Partly 75.0% required training on time Change vs last week: -5.0 pts 4-week average: 77.5%",
        "Tools Partly 60.0% paid seats in use Change vs last week: no data",
    )
    assert_in(
        org.section("trust"),
        "Data-quality status passed with warnings",
        "Metric version 2026.11-1",
        "Past weeks changed since last reported first report",
        # content_activity: newest event in the week (the 03-09 event is after it); 2 files of the
        # week (one loaded twice): 120 + 0 loaded, 3 quarantined (the reload replaced them);
        # 48 of 50 identities matched = 96.0%
        "content_activity 2026-03-07 15:30 UTC 2 120 3 0 50 96.0%",
        "xapi no data stale 1 30 1 0 20 90.0%",
        "okta no data stale 0 0 0 1",
        "raw_okta_event freshness published_at newest 2026-03-05 08:00",
    )
    assert_in(
        org.section("scorecard"),
        "Sellers using content 62.5% at least 60.0% green 3 no",
        "Overdue required training 2 at most 1 red 9 stale: 9 weeks red",
        "2025-W50 to 2026-W10",
    )
    assert_in(
        org.section("content"),
        "Sellers using content 62.5%",
        "Active / eligible sellers 5 / 8",
        "Customer-facing actions 14",
        "Asset utilisation (90 days) 40.0%",
        "Shelfware assets 3",
        "Share of use on top 10% of assets 35.0%",
        "Gini of use (0 even, 1 all on one) 0.42",
        "Sellers 1 3 1 2",  # new 1, retained 3, reactivated 1, lapsed 2
        "Competitive 4 1 25.0% 1 5",
        "Pricing sheet $x$ & more sheet Product 2 1 25 4 -1.0",
        "Battlecard: Acme battlecard Competitive 4 0 7 1 +2.0",
        "Never used 1 Shelfware (no seller use in 90 days) 1 Mostly in lost deals (70%+ of 10 or more) 0",
        "Old deck 2019 deck Product gone@example.com 0 0 0 / 0",
    )
    assert_in(
        org.section("training"),
        "Required training on time 75.0%",
        "Completed on time / due 9 / 12",
        "Overdue assignments 2",
        "Certifications expiring in 30 days 1",
        "Decayed certifications 1",
        "Maria Manager 6 1 66.7% 50.0%",
        "Omar Overseer 6 1 83.3% 50.0%",
        f"{fixtures.COURSE_XSS} Maria Manager 6 4 1 1 66.7%",
        f"Ada Lovelace Maria Manager {fixtures.COURSE_XSS} 2025-03-20 2026-03-20",
        f"{fixtures.COURSE_XSS} Maria Manager 2 0.81",
    )
    assert_in(
        org.section("tools"),
        "Paid seats in use 60.0%",
        "Reclaimable annual spend USD 4,200",
        "Gong 10 8 6 60.0% 2 2 USD 4,200 83.3%",
        "Highspot 20 15 no data no data no data 5 no data no data",  # no sign-in data: not 0%
        "Gong 5 6 1 4 0 1",
        "Gong Highspot 60% no data",  # the chart's labels
    )
    assert_in(
        org.section("impact"),
        "association, not proof of cause",
        "Win rate 35.0% (40) 25.0% (45) +10.0 pts +2.0 pts to +18.0 pts positive association",
        "Quota attainment 70.0% (35) 75.0% (31) -5.0 pts -15.0 pts to +5.0 pts no clear difference",
        "tool: Gong Won deal size 12 80 insufficient evidence",
        "Win rate tenure under 6 months 8 / 9 insufficient evidence",
    )
    assert_in(
        org.section("teams"),
        "Maria Manager 2 50.0% 50.0% 1 66.7% 1 12,000 24.0% 47.0",
        "Omar Overseer 2 100.0% 50.0% 2 83.3% 1 30,500 no data 55.0",
    )
    assert_in(
        org.section("stop-doing"),
        # tools first, with their reclaimable spend; then assets
        "Tools (1) Item Utilisation Threshold Adoption vs performance Reclaimable per year Why "
        "Highspot 2.0% 30.0% no clear difference USD 9,000 2% of seats in use "
        "Assets (1) Item Utilisation Threshold Adoption vs performance Why "
        "Old deck 2019 0.0% 5.0% insufficient evidence no seller use in 90 days",
    )
    assert_in(org.section("method"), "Metric version 2026.11-1", "Verdict thresholds", "Scorecard goals")
    assert 'href="team-M1-2026-W10.html"' in org.html


def test_source_text_is_escaped_everywhere(reports: tuple[Warehouse, Path, list[Path]]) -> None:
    _, out, paths = reports
    for path in out.iterdir():
        html = path.read_text(encoding="utf-8")
        assert "<script" not in html.lower(), path.name
        assert "<img" not in html.lower(), path.name
        assert "onerror=alert(1)>" not in html, path.name
    org = Page(paths[-1])
    assert "script" not in org.tags and "img" not in org.tags
    # The page shows the titles as text, escaped by Jinja2 ...
    for section, prefix in (("content", ""), ("training", "Course "), ("impact", "asset: ")):
        assert f"{prefix}{fixtures.XSS}" in org.section(section)
    assert f"{ESCAPED_SCRIPT}{ESCAPED_IMG_HTML}" in org.html
    assert f"Course {ESCAPED_SCRIPT}{ESCAPED_IMG_HTML}" in org.html
    # ... and inside the SVG charts, escaped by matplotlib (the impact chart labels the asset and
    # the course, shortened).
    impact_svg = next(s for s in org.svgs() if 'id="chart-impact"' in s)
    assert f"asset: {ESCAPED_SCRIPT}&quot;&gt;&lt;img" in impact_svg.replace('"&gt;', "&quot;&gt;")
    assert f"course: Course {ESCAPED_SCRIPT[:20]}" in impact_svg
    team = Page(paths[0])
    assert f"Rep {ESCAPED_SCRIPT}{ESCAPED_IMG_HTML}" in team.html
    assert_in(team.section("reps"), fixtures.REP_XSS)


def test_team_report_holds_only_its_team(reports: tuple[Warehouse, Path, list[Path]]) -> None:
    _, _, paths = reports
    team_1, team_2 = Page(paths[0]), Page(paths[1])
    text_1, text_2 = team_1.text, team_2.text  # every text node of the page, decoded
    for name in TEAM_1_NAMES:
        assert name in text_1
        assert name not in text_2
    for name in (*TEAM_2_NAMES, "Omar Overseer"):
        assert name in text_2
        assert name not in text_1
    assert "Maria Manager" not in text_2
    assert_in(
        team_1.section("summary"),
        "Eligible sellers 2",
        "Sellers using content 50.0%",
        "Required training on time 66.7%",
        "Overdue assignments 1",
        "Attainment (period to date) 24.0%",
    )
    assert_in(
        team_1.section("actions"),
        f"1 Inactive paid seat {fixtures.REP_XSS} Gong no sign-in in 28 days 1,050",
        f"2 Overdue required training Ada Lovelace {fixtures.COURSE_XSS} due 2026-02-20",
        "Last week's actions (2026-W09)",
        f"1 Overdue required training Ada Lovelace {fixtures.COURSE_XSS} due 2026-02-20 no",  # not resolved
        f"2 Certification decayed {fixtures.REP_XSS} Negotiation basics no activity in 90 days yes",
    )
    assert_in(team_1.section("reps"), "Ada Lovelace yes 7 11 1 0 50.0% 25.0% 1 12,000 42.0% 81.5 (Q4)")
    assert_in(team_1.section("tools"), f"{fixtures.REP_XSS} Gong 0 1,050")
    assert_in(team_2.section("actions"), "Grace Hopper", "No actions were named last week.")
    assert_in(
        team_2.section("training"), f"Grace Hopper {fixtures.COURSE_XSS} 2024-01-10 2025-01-10 no no yes"
    )
    assert "Attainment (period to date) no data" in team_2.section("summary")  # no quota: unknown


def test_index_lists_weeks_and_team_pages(reports: tuple[Warehouse, Path, list[Path]]) -> None:
    warehouse, out, _ = reports
    fixtures.create(warehouse, "mart_org_week", [])  # the earlier week needs nothing more to render
    write(warehouse, out, PREV)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.index("enablement-audit-2026-W10.html") < index.index("enablement-audit-2026-W09.html")
    assert '<a href="team-M1-2026-W10.html">Maria Manager</a>' in index
    assert '<a href="team-M1-2026-W09.html">Maria Manager</a>' in index
    assert '<a href="team-M2-2026-W10.html">Omar Overseer</a>' in index


def test_hold_page_when_a_blocking_check_failed(reports: tuple[Warehouse, Path, list[Path]]) -> None:
    warehouse, out, _ = reports
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    fixtures.create(
        warehouse,
        "dq_results",
        [
            dict(run_id="run-3", suite="raw_crm_opportunity", expectation="expect_column_values_to_be_unique",
                 column_name="opportunity_id", severity="block", success=False, observed_value="4 duplicates",
                 unexpected_count=4, checked_at=datetime(2026, 3, 17, 1, 0)),
            dict(run_id="run-3", suite="raw_okta_event", expectation="freshness", column_name="published_at",
                 severity="warn", success=False, observed_value="late", unexpected_count=None,
                 checked_at=datetime(2026, 3, 17, 1, 0)),
        ],
    )  # fmt: skip
    next_week = date(2026, 3, 9)
    paths = write(warehouse, out, next_week)
    assert [p.name for p in paths] == ["hold-2026-W11.html"]
    hold = paths[0].read_text(encoding="utf-8")
    assert "raw_crm_opportunity" in hold
    assert "expect_column_values_to_be_unique" in hold
    assert "<td>4</td>" in hold  # 4 unexpected rows
    assert "1 blocking check failed in data-quality run run-3" in hold
    assert '<a href="enablement-audit-2026-W10.html">Open the last good report</a>' in hold
    # every earlier file is untouched; no report for the held week
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.name != "hold-2026-W11.html"}
    assert after == before
    assert not (out / "enablement-audit-2026-W11.html").exists()
    # re-running the week that was already published also leaves it in place
    assert [p.name for p in write(warehouse, out, WEEK)] == ["hold-2026-W10.html"]
    assert (out / "enablement-audit-2026-W10.html").read_bytes() == before["enablement-audit-2026-W10.html"]


def test_restated_weeks_are_counted(reports: tuple[Warehouse, Path, list[Path]]) -> None:
    warehouse, out, _ = reports
    snapshots = fetch(
        warehouse,
        f"select week_start, metric, value from {warehouse.schema}.report_snapshots "
        "where week_start = :w order by metric",
        w=PREV,
    )
    assert snapshots == [(PREV, "content_active_rate", 0.61), (PREV, "overdue_assignments", 2.0)]
    # Late data changes 2026-W09's content active rate after it was reported.
    fixtures.execute(
        warehouse,
        "update {s}.mart_scorecard set value = 0.58 where metric = 'content_active_rate' and week_start = :w",
        w=PREV,
    )
    org = Page(write(warehouse, out)[-1])
    assert_in(
        org.section("trust"),
        "Past weeks changed since last reported 1",
        "2026-W09 Sellers using content 61.0% 58.0%",
    )
    # Reported again with nothing changed: no past week differs from the last report.
    org = Page(write(warehouse, out)[-1])
    assert_in(org.section("trust"), "Past weeks changed since last reported 0")


def test_empty_warehouse_says_no_data(warehouse: Warehouse, tmp_path: Path) -> None:
    paths = write(warehouse, tmp_path)
    assert [p.name for p in paths] == ["index.html", "enablement-audit-2026-W10.html"]
    org = Page(paths[-1])
    assert org.order == SECTION_IDS
    assert "Some tables are not built yet" in org.html
    assert_in(org.section("verdict"), "Content No data", "No verdict for this week.")
    assert_in(org.section("trust"), "Data-quality status not checked", "Nothing has been loaded yet.")
    assert_in(org.section("scorecard"), "No scorecard for this week.")
    assert_in(
        org.section("content"), "No content figures for this week.", "No governance flags computed yet."
    )
    assert_in(org.section("training"), "No organisation training figures for this week.")
    assert_in(org.section("tools"), "No tool seat figures for this week.")
    assert_in(org.section("impact"), "No adoption-versus-performance results yet.")
    assert_in(org.section("teams"), "No team figures for this week.")
    assert_in(org.section("stop-doing"), "No stop-doing candidates this week.")
    assert org.svgs() == []


def test_output_is_deterministic_and_self_contained(reports: tuple[Warehouse, Path, list[Path]]) -> None:
    warehouse, out, _ = reports
    # (the first report said "first report" in the trust strip; from the second on, "0")
    paths = write(warehouse, out)
    first = {p.name: p.read_text(encoding="utf-8") for p in paths}
    again = {p.name: p.read_text(encoding="utf-8") for p in write(warehouse, out)}
    assert again == first
    org = first["enablement-audit-2026-W10.html"]
    svgs = Page(paths[-1]).svgs()
    assert len(svgs) == 5  # adoption, scorecard, seat utilisation, tool trend, impact
    for svg in svgs:
        assert "<metadata" not in svg and "<style" not in svg
    # Every reference is to this page (#id) or a sibling report; no src, no link, no import.
    references = re.findall(r'\s(?:src|href|xlink:href|action|poster|srcset)="([^"]*)"', org)
    assert references and all(r.startswith("#") or re.fullmatch(r"[\w-]+\.html", r) for r in references)
    assert all(u.startswith("#") for u in re.findall(r"url\(([^)]*)\)", org))
    assert "@import" not in org and "<link" not in org
    ids = [i for svg in svgs for i in re.findall(r'\bid="([^"]+)"', svg)]
    assert len(ids) == len(set(ids))  # charts' ids are unique within the page


def test_chart_rejects_unsafe_names() -> None:
    fig = charts._figure(1, 1)
    with pytest.raises(ValueError, match="chart name"):
        charts.to_svg(fig, 'x" onload="', "label")


def test_every_chart_escapes_its_text() -> None:
    """matplotlib writes text as escaped SVG text; a ``$`` stays a ``$`` (no math parsing)."""
    name = f"Tool $x$ {fixtures.XSS}"
    svgs = [
        charts.heat_strip(["2026-W10"], [charts.HeatRow(name, ["green"], "1 wk green")]),
        charts.trend_lines("t", name, ["2026-W10"], [(name, [0.5])]),
        charts.utilisation_bars([(name, 0.5), ("other", None)]),
        charts.interval_chart(
            [("Win rate", "percentage points", [charts.Interval(name, 1.0, -1.0, 3.0, False)])]
        ),
    ]
    for svg in svgs:
        assert "<script" not in svg and "<img" not in svg
        assert "Tool $x$ &lt;script&gt;alert(1)" in svg  # (labels may be shortened)
    assert 'aria-label="Tool $x$ &lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img' in svgs[1]
