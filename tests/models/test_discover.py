"""A model's header lines: what ``models.discover`` reads from them and what it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from enablement_audit import models


def write_model(root: Path, header: str) -> Path:
    path = root / "marts" / "mart_x.sql"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{header}\nselect 1 as week_start\n", encoding="utf-8")
    return path


def test_incremental_header_lines_are_read(tmp_path, monkeypatch):
    monkeypatch.setattr(models, "python_models", list)
    write_model(
        tmp_path,
        "-- grain: one row per week\n-- materialized: incremental\n-- lookback_weeks: 2\n-- first_build: history",
    )
    model = models.discover(tmp_path)["mart_x"]
    assert (model.materialized, model.lookback_weeks, model.history_first) == ("incremental", 2, True)
    write_model(tmp_path, "-- grain: one row per week\n-- materialized: incremental")
    model = models.discover(tmp_path)["mart_x"]
    assert (model.lookback_weeks, model.history_first, model.unique_key) == (0, False, None)
    write_model(
        tmp_path,
        "-- grain: one row per deal\n-- materialized: incremental\n-- unique_key: deal_id\n"
        "{% macro restate() %}select 'd1' as deal_id where :week_lo is not null{% endmacro %}",
    )
    model = models.discover(tmp_path)["mart_x"]
    assert model.unique_key == "deal_id"
    assert models.render_restate(model, "s", "duckdb") == "select 'd1' as deal_id where :week_lo is not null"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("-- materialized: table", "the first comment must state the grain"),
        (
            "-- grain: g\n-- materialized: ephemeral",
            "materialized must be view, table or incremental, not 'ephemeral'",
        ),
        ("-- grain: g\n-- materialized: table\n-- lookback_weeks: 1", "are for incremental models"),
        (
            "-- grain: g\n-- materialized: incremental\n-- lookback_weeks: a week",
            "whole number of weeks, not 'a week'",
        ),
        (
            "-- grain: g\n-- materialized: incremental\n-- first_build: all",
            "first_build must be window or history, not 'all'",
        ),
        ("-- grain: g\n-- materialized: table\n-- unique_key: id", "are for incremental models"),
        (
            "-- grain: g\n-- materialized: incremental\n-- unique_key: id",
            r"must define \{% macro restate\(\) %\}",
        ),
        (
            "-- grain: g\n-- materialized: incremental\n-- unique_key: id\n-- lookback_weeks: 1\n"
            "{% macro restate() %}select 1 as id{% endmacro %}",
            "a keyed model restates keys: no lookback_weeks or first_build",
        ),
    ],
)
def test_a_header_line_that_makes_no_sense_is_refused_naming_the_file(tmp_path, monkeypatch, header, message):
    monkeypatch.setattr(models, "python_models", list)
    path = write_model(tmp_path, header)
    with pytest.raises(ValueError, match=message) as error:
        models.discover(tmp_path)
    assert str(error.value).startswith(f"{path}: ")
