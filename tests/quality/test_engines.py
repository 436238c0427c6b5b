"""How the checks run on each engine: never through GX's SQL datasource on DuckDB (it reports
every check as failed without raising), through it on PostgreSQL, with the same answers as a
pandas batch of the same rows."""

from __future__ import annotations

import pytest

from enablement_audit.quality import UnsupportedEngineError
from enablement_audit.quality.engine import RESULT_FORMAT, gx_sql_datasource, new_context, read_frame
from enablement_audit.warehouse import Warehouse
from tests.conftest import fetch
from tests.quality.conftest import check, clean_row, insert, load_clean


def test_the_duckdb_sql_path_is_refused(warehouse: Warehouse) -> None:
    load_clean(warehouse)

    with pytest.raises(UnsupportedEngineError, match=r"every expectation comes back success=False"):
        check(warehouse, "raw_licence", executor="sql")
    with pytest.raises(UnsupportedEngineError, match=r"cannot validate DuckDB tables"):
        gx_sql_datasource(new_context(), warehouse)
    # Refused before anything was recorded.
    assert fetch(
        warehouse, "select count(*) from information_schema.tables where table_name = 'dq_results'"
    ) == [(0,)]


def test_why_gx_sql_on_duckdb_proves_nothing(warehouse: Warehouse) -> None:
    """GX's SQL datasource through duckdb_engine: good data, no exception, every check False.
    The same expectations on a pandas batch of the same rows pass."""
    import great_expectations as gx
    import great_expectations.expectations as gxe
    import sqlalchemy as sa

    load_clean(warehouse, ["raw_licence"])
    url = warehouse.engine.url.render_as_string(hide_password=False)

    def suite() -> gx.ExpectationSuite:
        return gx.ExpectationSuite(
            name="licence",
            expectations=[
                gxe.ExpectColumnValuesToNotBeNull(column="tool"),
                gxe.ExpectColumnValuesToBeBetween(column="seats_purchased", min_value=0),
                gxe.ExpectTableRowCountToBeBetween(min_value=1, max_value=1),
            ],
        )

    context = new_context()
    asset = context.data_sources.add_sql("duckdb_sql", connection_string=url).add_table_asset(
        "raw_licence", table_name="raw_licence", schema_name=warehouse.schema
    )
    through_sql = (
        asset.add_batch_definition_whole_table("all")
        .get_batch()
        .validate(suite(), result_format=RESULT_FORMAT)
    )

    assert [r.success for r in through_sql.results] == [False, False, False]
    assert through_sql.success is False

    table = sa.table("raw_licence", sa.column("tool"), sa.column("seats_purchased"), schema=warehouse.schema)
    frame = read_frame(warehouse, sa.select(table.c.tool, table.c.seats_purchased))
    batch = context.data_sources.add_pandas("pandas").add_dataframe_asset("raw_licence")
    through_pandas = (
        batch.add_batch_definition_whole_dataframe("all")
        .get_batch(batch_parameters={"dataframe": frame})
        .validate(suite(), result_format=RESULT_FORMAT)
    )

    assert [r.success for r in through_pandas.results] == [True, True, True]


def test_pandas_and_the_engine_default_agree(clean_warehouse: Warehouse) -> None:
    # On PostgreSQL the default runs in the database; a pandas batch of the same rows must give
    # the same answer for every check (on DuckDB both are pandas).
    insert(
        clean_warehouse,
        "raw_content_event",
        [clean_row("raw_content_event", event_id="E3", action="like", asset_id="A9")],
    )
    insert(
        clean_warehouse,
        "raw_crm_opportunity",
        [clean_row("raw_crm_opportunity", 1, opportunity_id="006C", amount=-1.0)],
    )
    insert(clean_warehouse, "raw_hr_status", [clean_row("raw_hr_status")])
    suites = ("raw_content_event", "raw_crm_opportunity", "raw_hr_status", "raw_xapi_statement")

    def outcome(executor: str) -> list[tuple[object, ...]]:
        results = check(clean_warehouse, *suites, executor=executor)
        return sorted(
            (r.suite, r.expectation, r.column or "", r.success, r.unexpected_count) for r in results
        )

    default, pandas = outcome("auto"), outcome("pandas")
    assert default == pandas
    assert sum(1 for r in default if r[3] is False) == 4
