"""The whole product on a generated organisation: generate, run, report, and find what was planted.

The generator plants behaviour a real audit should surface (see its manifest's ``planted``):
a battlecard whose users win noticeably more, one tool with many idle paid seats, one team far
behind on required training, most assets shelfware. The pipeline must find each of them.
"""

from __future__ import annotations

from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from enablement_audit import pipeline
from enablement_audit.config import Settings
from enablement_audit.report import write_reports
from enablement_audit.synthetic import generate
from enablement_audit.warehouse import Warehouse
from tests.conftest import fetch

END = date(2026, 11, 23)
LAST_WEEK = END - timedelta(days=7)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Warehouse, dict, Path]:
    root = tmp_path_factory.mktemp("demo")
    manifest = generate(root / "landing", scale="S", seed=7, end=END)
    settings = Settings.model_construct(warehouse_url=f"duckdb:///{root / 'warehouse.duckdb'}")
    warehouse = Warehouse.from_url(settings.resolved_warehouse_url)
    summary = pipeline.run(
        warehouse, settings, date.fromisoformat(manifest["start"]), END, landing=str(root / "landing")
    )
    assert summary.blocking == []
    paths = write_reports(warehouse, settings, LAST_WEEK, root / "reports")
    return warehouse, manifest, paths[-1]


def test_every_row_read_is_loaded_quarantined_or_a_duplicate(demo):
    warehouse, manifest, _ = demo
    rows = fetch(
        warehouse,
        "select source, sum(rows_read), sum(rows_loaded), sum(rows_quarantined), sum(rows_duplicate) "
        f"from {warehouse.schema}.pipeline_runs group by source order by source",
    )
    for source, read, loaded, quarantined, duplicates in rows:
        planted = manifest["sources"][source]
        assert (read, quarantined, duplicates) == (
            planted["rows"],
            planted["bad_rows"],
            planted["duplicates"],
        )
        assert read == loaded + quarantined + duplicates
    [(quarantine_rows,)] = fetch(warehouse, f"select count(*) from {warehouse.schema}.quarantine")
    assert quarantine_rows == sum(s["bad_rows"] for s in manifest["sources"].values())


def test_the_battlecard_whose_users_win_more_is_a_positive_association(demo):
    warehouse, manifest, _ = demo
    [(verdict, difference, ci_low)] = fetch(
        warehouse,
        f"select verdict, difference, ci_low from {warehouse.schema}.mart_adoption_impact "
        "where item_type = 'asset' and item_id = :asset and outcome = 'win_rate' and stratum = 'combined'",
        asset=manifest["planted"]["battlecard_asset_id"],
    )
    # Planted: adopters win about 15 points more often than other sellers.
    assert verdict == "positive association"
    assert ci_low > 0
    assert 0.05 < difference < 0.25


def test_the_idle_tool_has_the_lowest_seat_utilisation(demo):
    warehouse, manifest, _ = demo
    rows = fetch(
        warehouse,
        f"select tool from {warehouse.schema}.mart_tool_seats where week_start = :week "
        "order by seat_utilization, tool",
        week=LAST_WEEK,
    )
    assert rows[0] == (manifest["planted"]["idle_tool"],)


def test_the_lagging_team_has_the_lowest_training_compliance(demo):
    warehouse, manifest, _ = demo
    rows = fetch(
        warehouse,
        f"select manager_id from {warehouse.schema}.mart_team_week where week_start = :week "
        "and compliance_rate is not null order by compliance_rate, manager_id",
        week=LAST_WEEK,
    )
    assert rows[0] == (manifest["planted"]["lagging_team_manager_id"],)


def test_most_assets_are_shelfware(demo):
    warehouse, _, _ = demo
    [(utilisation, shelfware, in_base)] = fetch(
        warehouse,
        f"select asset_utilisation, shelfware_assets, assets_in_base from {warehouse.schema}.mart_content_week "
        "where week_start = :week",
        week=LAST_WEEK,
    )
    assert utilisation < 0.5
    assert shelfware > in_base / 2


class _Sections(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            self.ids.extend(value for name, value in attrs if name == "id" and value)


def test_the_report_has_every_section_in_order(demo):
    _, _, org_page = demo
    assert org_page.name == "enablement-audit-2026-W47.html"
    parser = _Sections()
    parser.feed(org_page.read_text(encoding="utf-8"))
    expected = [
        "verdict",
        "trust",
        "scorecard",
        "content",
        "training",
        "tools",
        "impact",
        "teams",
        "stop-doing",
        "method",
    ]
    assert [i for i in parser.ids if i in expected] == expected
