"""Runs the suites with Great Expectations, in the way each warehouse engine supports.

- DuckDB: the interval's rows (only the columns the checks read) are fetched through Arrow and
  validated as a pandas batch; a batch of more than ``batch_rows`` rows (severity settings) is
  validated in parts (see :func:`_in_parts`). GX's SQL datasource is refused on DuckDB (see
  :func:`gx_sql_datasource`): through ``duckdb_engine`` every expectation reports
  ``success=False`` without raising, on good data as on bad, so such a check proves nothing.
- PostgreSQL: GX's SQL datasource (``add_postgres``) with a query asset per batch, so the
  checks run in the database.

Great Expectations is imported inside the functions that use it (about 4 s), never when this
module is imported. Results are reduced to counts and aggregates before they leave this
module: unexpected values are excluded from every result and from Data Docs.
"""

from __future__ import annotations

import gc
import itertools
import logging
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa

from enablement_audit.quality.results import CheckResult, Stage, write_results
from enablement_audit.quality.settings import QualityConfig, load_config
from enablement_audit.quality.suites import (
    IDENTITY_TABLE,
    Check,
    Facts,
    Interval,
    TableSuite,
    VolumeBaseline,
    identity_suite_name,
    plan_identity,
    plan_suite,
    suites_for,
)
from enablement_audit.warehouse import Warehouse, quote_identifier

if TYPE_CHECKING:
    from great_expectations.data_context import AbstractDataContext

log = logging.getLogger(__name__)

StageArg = Literal["raw", "marts", "all"]
Executor = Literal["auto", "pandas", "sql"]
# Counts only: no unexpected values, no partial lists, in results or in Data Docs.
RESULT_FORMAT = {
    "result_format": "SUMMARY",
    "partial_unexpected_count": 0,
    "exclude_unexpected_values": True,
}
DOCS_SITE = "enablement_audit"
NOT_BUILT = "table_built"
WHOLE_BATCH = frozenset({"ExpectColumnMaxToBeBetween", "ExpectTableRowCountToBeBetween"})
"""Expectations on an aggregate of the whole batch (its newest value, its row count): a batch
validated in parts checks them once, on the whole batch's rows of the columns they read."""


class UnsupportedEngineError(RuntimeError):
    """A check was asked to run in a way that cannot give a trustworthy answer."""


@dataclass
class Batch:
    """The rows one GX validation sees, and the checks it runs on them."""

    name: str
    stage: Stage
    table: str
    kind: Literal["structure", "rows"]
    checks: list[Check]
    query: sa.Select[Any] | None = None
    key: tuple[str, ...] = ()


@dataclass
class Plan:
    batches: list[Batch] = field(default_factory=list)
    recorded: list[CheckResult] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Entry points


def run_checks(
    warehouse: Warehouse,
    start: date | datetime,
    end: date | datetime,
    *,
    stage: StageArg = "raw",
    run_id: str,
    config: QualityConfig | None = None,
    suites: Sequence[str] | None = None,
    executor: Executor = "auto",
) -> list[CheckResult]:
    """Run the ``stage``'s suites for the interval ``[start, end)`` and record them.

    ``raw`` checks every raw table; ``marts`` checks the marts that exist (a missing one is
    recorded as skipped, "not built") and the identity match rate of each source; ``all`` both.
    ``suites`` limits the run to those suite names. The results replace this ``run_id``'s rows
    of the same stage(s) in ``dq_results``.
    """
    config = config or load_config()
    interval = Interval.of(start, end)
    stages = _stages(stage)
    warehouse.ensure()
    plan = plan_checks(warehouse, interval, stages, config, suites)
    results = execute(warehouse, plan, config, executor=executor)
    write_results(warehouse, run_id, stages, results, interval.start, interval.end)
    return results


def build_data_docs(
    warehouse: Warehouse,
    start: date | datetime,
    end: date | datetime,
    out_dir: str | Path,
    *,
    stage: StageArg = "all",
    config: QualityConfig | None = None,
    suites: Sequence[str] | None = None,
) -> Path:
    """Run the checks through GX checkpoints that write Data Docs (unexpected values
    excluded) to ``out_dir``; returns the path of its ``index.html``. Writes no dq_results."""
    config = config or load_config()
    interval = Interval.of(start, end)
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    warehouse.ensure()
    plan = plan_checks(warehouse, interval, _stages(stage), config, suites)
    execute(warehouse, plan, config, docs_dir=out)
    return out / "index.html"


def _stages(stage: str) -> list[Stage]:
    if stage == "all":
        return ["raw", "marts"]
    if stage in ("raw", "marts"):
        return [stage]  # type: ignore[list-item]
    raise ValueError(f"unknown stage {stage!r}; use raw, marts or all")


# ---------------------------------------------------------------------------------------------
# Planning: which rows each suite sees and what its checks compare against


def plan_checks(
    warehouse: Warehouse,
    interval: Interval,
    stages: Sequence[Stage],
    config: QualityConfig,
    only: Sequence[str] | None = None,
) -> Plan:
    """The batches to validate and the results known without running GX (skips, missing
    tables and columns)."""
    plan = Plan()
    wanted = set(only) if only is not None else None
    columns = table_columns(warehouse)
    tables = set(columns)
    for stage in stages:
        for suite in suites_for("raw" if stage == "raw" else "marts"):
            if wanted is not None and suite.name not in wanted:
                continue
            if suite.table not in tables:
                plan.recorded.append(_not_built(stage, suite.name, suite.table, "structure"))
                continue
            existing = columns[suite.table]
            facts = _facts(warehouse, suite, interval, config, tables, existing)
            _plan_table(
                plan, warehouse, stage, suite, plan_suite(suite, facts, config), existing, interval, config
            )
        if stage == "marts":
            _plan_identity(plan, warehouse, config, tables, wanted)
    return plan


def table_columns(warehouse: Warehouse) -> dict[str, set[str]]:
    """The column names of every table and view in the warehouse's schema, from
    ``information_schema`` (SQLAlchemy's reflection does not work on duckdb_engine)."""
    query = sa.text(
        "select table_name, column_name from information_schema.columns where table_schema = :schema"
    )
    found: dict[str, set[str]] = {}
    with warehouse.engine.connect() as conn:
        for table, column in conn.execute(query, {"schema": warehouse.schema}):
            found.setdefault(table, set()).add(column)
    return found


def _plan_table(
    plan: Plan,
    warehouse: Warehouse,
    stage: Stage,
    suite: TableSuite,
    checks: list[Check],
    existing: set[str],
    interval: Interval,
    config: QualityConfig,
) -> None:
    structure = [c for c in checks if c.batch == "structure" and not c.skip_reason]
    rows: list[Check] = []
    filter_missing = [c for c in _filter_columns(suite) if c not in existing]
    for check in checks:
        if check.skip_reason:
            plan.recorded.append(_recorded(stage, check, config, None, "skipped", check.skip_reason))
            continue
        if check.batch == "structure":
            continue
        reads = [suite.derived[c][1] if c in suite.derived else c for c in check.columns]
        missing = sorted({c for c in (*reads, *filter_missing) if c not in existing})
        if missing:
            plan.recorded.append(
                _recorded(stage, check, config, False, "error", f"column(s) missing: {', '.join(missing)}")
            )
            continue
        rows.append(check)
    table = _table(warehouse, suite.table, existing)
    if structure:
        plan.batches.append(Batch(f"{suite.name}.columns", stage, suite.table, "structure", structure))
    if rows:
        needed = list(dict.fromkeys(c for check in rows for c in check.columns))
        selected = [table.c[c] for c in needed if c not in suite.derived]
        for name in needed:
            if name in suite.derived:
                function, source = suite.derived[name]
                if function != "date":
                    raise ValueError(f"{suite.name}: unknown derived column function {function!r}")
                selected.append(sa.cast(table.c[source], sa.Date).label(name))
        if not selected:
            selected = [sa.literal(1).label("row_present")]
        query = sa.select(*selected).select_from(table)
        where = _row_filter(suite, table, interval)
        if where is not None:
            query = query.where(where)
        plan.batches.append(Batch(suite.name, stage, suite.table, "rows", rows, query, suite.key))


def _plan_identity(
    plan: Plan, warehouse: Warehouse, config: QualityConfig, tables: set[str], wanted: set[str] | None
) -> None:
    if wanted is not None and not any(
        w == IDENTITY_TABLE or w.startswith(f"{IDENTITY_TABLE}.") for w in wanted
    ):
        return
    if IDENTITY_TABLE not in tables:
        plan.recorded.append(_not_built("marts", IDENTITY_TABLE, IDENTITY_TABLE, "identity_match"))
        return
    table = _table(warehouse, IDENTITY_TABLE, {"source", "match_rate"})
    with warehouse.engine.connect() as conn:
        sources = [
            row[0] for row in conn.execute(sa.select(table.c.source).distinct().order_by(table.c.source))
        ]
    for source in sources:
        name = identity_suite_name(source)
        if wanted is not None and name not in wanted and IDENTITY_TABLE not in wanted:
            continue
        query = sa.select(table.c.source, table.c.match_rate).where(table.c.source == source)
        plan.batches.append(
            Batch(name, "marts", IDENTITY_TABLE, "rows", [plan_identity(source, config)], query)
        )


def _table(warehouse: Warehouse, name: str, columns: set[str]) -> sa.TableClause:
    """A lightweight table with the columns that exist (validated names)."""
    return sa.table(
        quote_identifier(name),
        *(sa.column(quote_identifier(c)) for c in sorted(columns)),
        schema=warehouse.schema,
    )


def _filter_columns(suite: TableSuite) -> tuple[str, ...]:
    if suite.layer == "raw":
        return (suite.time_column, "source_date") if suite.time_column else ("source_date",)
    return ("week_start",) if suite.weekly else ()


def _row_filter(
    suite: TableSuite, table: sa.TableClause, interval: Interval
) -> sa.ColumnElement[bool] | None:
    """The interval's rows: event rows by event time (or landed in the interval, so a time in
    the future is caught); snapshot rows as known at the interval end (exported by then);
    weekly marts by the ISO weeks the interval touches; other marts whole."""
    if suite.layer == "raw" and suite.time_column:
        moment = table.c[suite.time_column]
        landed = table.c.source_date
        return sa.or_(
            sa.and_(moment >= interval.start, moment < interval.end),
            sa.and_(landed >= interval.first_day, landed <= interval.last_day),
        )
    if suite.layer == "raw":
        return sa.or_(table.c.source_date.is_(None), table.c.source_date <= interval.last_day)
    if suite.weekly:
        return sa.and_(table.c.week_start >= interval.week_lo, table.c.week_start < interval.week_hi)
    return None


def _facts(
    warehouse: Warehouse,
    suite: TableSuite,
    interval: Interval,
    config: QualityConfig,
    tables: set[str],
    existing: set[str],
) -> Facts:
    known: dict[tuple[str, str], tuple[Any, ...]] = {}
    volume: VolumeBaseline | None = None
    volume_skip: str | None = None
    table_rows: int | None = None
    with warehouse.engine.connect() as conn:
        for ref in suite.references:
            if ref.target_table not in tables:
                known[(ref.target_table, ref.target_column)] = ()
                continue
            target = _table(warehouse, ref.target_table, {ref.target_column})
            column = target.c[ref.target_column]
            query = sa.select(column).where(column.is_not(None)).distinct().order_by(column)
            known[(ref.target_table, ref.target_column)] = tuple(row[0] for row in conn.execute(query))
        table = _table(warehouse, suite.table, existing)
        if suite.source in config.optional_sources:
            table_rows = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        if suite.layer == "raw" and suite.time_column:
            if all(c in existing for c in _filter_columns(suite)):
                volume, volume_skip = _volume(conn, suite, table, interval, config)
            else:
                volume_skip = "the table lacks its event-time or source_date column"
    return Facts(interval, known, volume, volume_skip, table_rows)


def _volume(
    conn: sa.Connection, suite: TableSuite, table: sa.TableClause, interval: Interval, config: QualityConfig
) -> tuple[VolumeBaseline | None, str | None]:
    """Row counts of the interval shifted back 1..weeks weeks, once that much history exists
    (the oldest event falls before the end of the earliest shifted interval)."""
    earliest = interval.shifted(7 * config.volume_weeks)
    oldest = conn.execute(sa.select(sa.func.min(table.c[suite.time_column]))).scalar_one()
    if oldest is None or oldest >= earliest.end:
        since = f"; oldest event {oldest:%Y-%m-%d}" if oldest is not None else ""
        return None, f"needs {config.volume_weeks} weeks of history before the interval{since}"
    counts = []
    for week in range(1, config.volume_weeks + 1):
        shifted = interval.shifted(7 * week)
        query = sa.select(sa.func.count()).select_from(table).where(_row_filter(suite, table, shifted))
        counts.append(int(conn.execute(query).scalar_one()))
    return VolumeBaseline(tuple(counts)), None


# ---------------------------------------------------------------------------------------------
# Execution


def execute(
    warehouse: Warehouse,
    plan: Plan,
    config: QualityConfig,
    *,
    executor: Executor = "auto",
    docs_dir: Path | None = None,
) -> list[CheckResult]:
    """Validate every batch of ``plan`` with GX; returns its results after the recorded ones."""
    results = list(plan.recorded)
    if not plan.batches:
        return results
    use_sql = _use_sql(warehouse, executor)
    context = new_context(docs_dir)
    if not use_sql:
        gc.freeze()  # see COLLECT_ROWS
        try:
            return results + _execute_pandas(context, warehouse, plan, config, docs_dir is not None)
        finally:
            gc.unfreeze()
    datasource = gx_sql_datasource(context, warehouse)
    try:
        for batch in plan.batches:
            batch_definition, parameters = _sql_batch(datasource, warehouse, batch)
            outcome = _validate(context, batch, batch_definition, parameters, docs_dir is not None)
            results.extend(_results(batch, outcome, config))
    finally:
        datasource.get_engine().dispose()
    return results


def _execute_pandas(
    context: AbstractDataContext, warehouse: Warehouse, plan: Plan, config: QualityConfig, docs: bool
) -> list[CheckResult]:
    """Each batch's rows as pandas DataFrames, a large batch in parts (:func:`_in_parts`)."""
    results: list[CheckResult] = []
    names = (f"warehouse-{index}" for index in itertools.count())
    for batch in plan.batches:
        found: dict[int, list[CheckResult]] = {}
        for part in _in_parts(warehouse, batch, config.batch_rows):
            outcome, rows = _pandas_validate(context, next(names), warehouse, part, docs)
            for check, result in zip(part.checks, _results(part, outcome, config), strict=True):
                found.setdefault(id(check), []).append(result)
            del outcome
            if rows >= COLLECT_ROWS:
                gc.collect()
        results.extend(_summed(batch.stage, check, found[id(check)], config) for check in batch.checks)
    return results


COLLECT_ROWS = 100_000
"""A DataFrame of at least this many rows is collected once validated: Great Expectations'
objects hold it in reference cycles, which only the garbage collector frees, and at its own
pace the 1M-row parts of a year at scale L piled up to 8 GB. A smaller one is left to it, and
the nightly checks validate some 60 small batches. The objects that exist before the first
batch (Great Expectations' modules and the context) are frozen out of the collections while
the batches run (:func:`gc.freeze`): a collection then takes under 0.01 s, not 0.2 s."""


def _pandas_validate(
    context: AbstractDataContext, name: str, warehouse: Warehouse, batch: Batch, docs: bool
) -> tuple[Any, int]:
    """The batch's validation outcome and its number of rows."""
    # A data source per batch, deleted after: its engine keeps every batch's DataFrame, so one
    # shared source would hold every table's rows until the last check.
    datasource = context.data_sources.add_pandas(name)
    try:
        batch_definition, parameters = _pandas_batch(datasource, warehouse, batch)
        outcome = _validate(context, batch, batch_definition, parameters, docs)
        return outcome, len(parameters["dataframe"])
    finally:
        del datasource
        context.data_sources.delete(name)


def _in_parts(warehouse: Warehouse, batch: Batch, limit: int) -> Iterator[Batch]:
    """``batch``, or (a DuckDB batch of more than ``limit`` rows) batches of about ``limit``
    rows that together run its checks: the row-by-row checks on parts split by a hash of the
    table's key, so rows sharing a key (a duplicate) meet in one part; the checks in
    :data:`WHOLE_BATCH` once, on every row of just the columns they read."""
    if batch.kind != "rows" or batch.query is None or warehouse.engine.dialect.name != "duckdb":
        yield batch
        return
    rows = batch.query.subquery("batch_rows")
    with warehouse.engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(rows)).scalar_one()
    if count <= limit:
        yield batch
        return
    whole = [c for c in batch.checks if c.gx_class in WHOLE_BATCH]
    if whole:
        read = [rows.c[c] for c in dict.fromkeys(c for check in whole for c in check.columns)]
        query = sa.select(*(read or [sa.literal(1).label("row_present")])).select_from(rows)
        yield replace(batch, name=f"{batch.name}.whole", checks=whole, query=query)
    each = [c for c in batch.checks if c.gx_class not in WHOLE_BATCH]
    if not each:
        return
    parts = math.ceil(count / limit)
    keyed = batch.key and all(c in rows.c for c in batch.key)
    part = sa.func.hash(*(rows.c[c] for c in batch.key) if keyed else rows.c) % parts
    for index in range(parts):
        query = sa.select(rows).where(part == index)
        yield replace(batch, name=f"{batch.name}.part{index + 1}of{parts}", checks=each, query=query)


def _summed(stage: Stage, check: Check, parts: list[CheckResult], config: QualityConfig) -> CheckResult:
    """One check's result over the parts of its batch: counts add up; an error in any part is
    the check's result."""
    if len(parts) == 1:
        return parts[0]
    for result in parts:
        if result.status == "error":
            return result
    unexpected = sum(r.unexpected_count or 0 for r in parts)
    elements = sum(r.element_count or 0 for r in parts)
    success = all(r.success for r in parts)
    observed = _counted(check, unexpected, elements)
    status = "passed" if success else "failed"
    return _recorded(stage, check, config, success, status, observed, unexpected, elements)


def _use_sql(warehouse: Warehouse, executor: Executor) -> bool:
    if executor == "sql":
        return True
    if executor == "pandas":
        return False
    return warehouse.engine.dialect.name == "postgresql"


def new_context(docs_dir: Path | None = None) -> AbstractDataContext:
    """An in-memory GX context without progress bars; with ``docs_dir``, a Data Docs site."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    project = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        analytics_enabled=False,
    )
    context = gx.get_context(mode="ephemeral", project_config=project)
    _skip_frame_fingerprints()
    if docs_dir is not None:
        context.add_data_docs_site(
            site_name=DOCS_SITE,
            site_config={
                "class_name": "SiteBuilder",
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
            },
        )
    return context


def _skip_frame_fingerprints() -> None:
    """GX's pandas engine fingerprints every DataFrame under ``HASH_THRESHOLD`` (1 GB) for its
    batch markers, an MD5 over pandas' hash of every row, and does it twice per validation (the
    batch is fetched again to validate it): 2 s for each 1M-row part of the Okta events. Nothing
    here reads the marker (Data Docs would list it among a batch's markers), so the threshold,
    a module global of GX, is set to 0 for the process and no frame is hashed."""
    from great_expectations.execution_engine import pandas_execution_engine

    pandas_execution_engine.HASH_THRESHOLD = 0


def gx_sql_datasource(context: AbstractDataContext, warehouse: Warehouse) -> Any:
    """GX's SQL datasource for the warehouse; refuses DuckDB (see the module docstring)."""
    dialect = warehouse.engine.dialect.name
    if dialect == "duckdb":
        raise UnsupportedEngineError(
            "Great Expectations' SQL datasource cannot validate DuckDB tables: through "
            "duckdb_engine every expectation comes back success=False without raising, on good "
            "data as on bad, so the check would prove nothing. On DuckDB the checks validate the "
            "interval's rows as a pandas batch (executor='pandas', the default for DuckDB)."
        )
    if dialect != "postgresql":
        raise UnsupportedEngineError(
            f"Great Expectations' SQL datasource is only used for PostgreSQL here, not {dialect}; "
            "run the checks with executor='pandas'."
        )
    url = warehouse.engine.url.render_as_string(hide_password=False)
    return context.data_sources.add_postgres("warehouse", connection_string=url)


def _sql_batch(datasource: Any, warehouse: Warehouse, batch: Batch) -> tuple[Any, dict[str, Any]]:
    if batch.kind == "structure":
        asset = datasource.add_table_asset(batch.name, table_name=batch.table, schema_name=warehouse.schema)
    else:
        assert batch.query is not None
        asset = datasource.add_query_asset(
            batch.name, query=_literal_sql(batch.query, warehouse.engine.dialect)
        )
    return asset.add_batch_definition_whole_table("interval"), {}


def _pandas_batch(datasource: Any, warehouse: Warehouse, batch: Batch) -> tuple[Any, dict[str, Any]]:
    if batch.kind == "structure":
        table = sa.table(quote_identifier(batch.table), schema=warehouse.schema)
        query = sa.select(sa.literal_column("*")).select_from(table).limit(0)
    else:
        assert batch.query is not None
        query = batch.query
    frame = read_frame(warehouse, query)
    asset = datasource.add_dataframe_asset(batch.name)
    return asset.add_batch_definition_whole_dataframe("interval"), {"dataframe": frame}


def read_frame(warehouse: Warehouse, query: sa.Select[Any]) -> Any:
    """The query's rows as a pandas DataFrame; DuckDB hands them over through Arrow (dates stay
    dates, timestamps become datetime64[ns]: GX compares those column-wise, but any other
    resolution value by value in Python, 20 s a year of events at scale M). Each column is one
    contiguous array: GX filters the whole frame once per check that skips nulls, and over
    DuckDB's several chunks per 1M rows that filter took four times as long."""
    import pandas as pd

    with warehouse.engine.connect() as conn:
        if conn.dialect.name == "duckdb":
            duck = conn.connection.driver_connection
            table = duck.sql(_literal_sql(query, conn.dialect)).to_arrow_table().combine_chunks()
            return table.to_pandas(coerce_temporal_nanoseconds=True)
        return pd.read_sql(query, conn)


def _literal_sql(query: sa.Select[Any], dialect: sa.Dialect) -> str:
    """SQL text for a query whose only values are the interval's dates and names the code
    chose (GX query assets take text, not parameters)."""
    return str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def _validate(
    context: AbstractDataContext, batch: Batch, batch_definition: Any, parameters: dict[str, Any], docs: bool
) -> Any:
    import great_expectations as gx

    suite = gx.ExpectationSuite(
        name=batch.name, expectations=[_expectation(c, i) for i, c in enumerate(batch.checks)]
    )
    if not docs:
        return batch_definition.get_batch(batch_parameters=parameters).validate(
            suite, result_format=RESULT_FORMAT
        )
    from great_expectations.checkpoint import UpdateDataDocsAction

    suite = context.suites.add(suite)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=batch.name, data=batch_definition, suite=suite)
    )
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name=f"check {batch.name}",
            validation_definitions=[definition],
            actions=[UpdateDataDocsAction(name="data_docs", site_names=[DOCS_SITE])],
            result_format=RESULT_FORMAT,
        )
    )
    run = checkpoint.run(batch_parameters=parameters)
    return next(iter(run.run_results.values()))


def _expectation(check: Check, index: int) -> Any:
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    kwargs = dict(check.kwargs)
    if check.when is not None:
        column, values = check.when
        kwargs["row_condition"] = Column(column).is_in(list(values))
    return getattr(gxe, check.gx_class)(**kwargs, meta={"check": index})


# ---------------------------------------------------------------------------------------------
# From GX results to CheckResults (counts and aggregates only)


def _results(batch: Batch, outcome: Any, config: QualityConfig) -> list[CheckResult]:
    found: dict[int, CheckResult] = {}
    for item in outcome.results:
        index = int(item.expectation_config.meta["check"])
        check = batch.checks[index]
        error = _raised(item.exception_info)
        if error is not None:
            log.warning(
                "check %s %s on %s could not run: %s", check.suite, check.expectation, check.column, error
            )
            found[index] = _recorded(
                batch.stage, check, config, False, "error", f"could not run: {_first_line(error)}"
            )
            continue
        observed, unexpected, elements = _observed(check, item.result or {})
        success = bool(item.success)
        found[index] = _recorded(
            batch.stage,
            check,
            config,
            success,
            "passed" if success else "failed",
            observed,
            unexpected,
            elements,
        )
    missing = [c for i, c in enumerate(batch.checks) if i not in found]
    for check in missing:  # GX returned no result for it: never let a check pass silently
        found[batch.checks.index(check)] = _recorded(
            batch.stage, check, config, False, "error", "no result from GX"
        )
    return [found[i] for i in sorted(found)]


def _raised(info: Any) -> str | None:
    """The exception message GX swallowed into a result, if any."""
    if not isinstance(info, dict) or not info:
        return None
    if "raised_exception" in info:
        return (info.get("exception_message") or "error") if info["raised_exception"] else None
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return value.get("exception_message") or "error"
    return None


def _observed(check: Check, result: dict[str, Any]) -> tuple[str, int | None, int | None]:
    """A text of counts or an aggregate, never a row's value."""
    suffix = f" ({check.note})" if check.note else ""
    if "element_count" in result:
        elements = int(result.get("element_count") or 0)
        unexpected = int(result.get("unexpected_count") or 0)
        return _counted(check, unexpected, elements), unexpected, elements
    if check.gx_class == "ExpectTableColumnsToMatchSet":
        mismatched = (result.get("details") or {}).get("mismatched") or {}
        missing = sorted(mismatched.get("missing") or [])
        extra = sorted(mismatched.get("unexpected") or [])
        if check.kwargs.get("exact_match") is False:
            extra = []
        parts = [f"missing {', '.join(missing)}"] * bool(missing) + [f"unexpected {', '.join(extra)}"] * bool(
            extra
        )
        columns = result.get("observed_value") or []
        text = "; ".join(parts) or f"{len(columns)} columns as expected"
        return text, len(missing) + len(extra), None
    low, high = check.kwargs.get("min_value"), check.kwargs.get("max_value")
    expected = f"{_text(low) if low is not None else ''}..{_text(high) if high is not None else ''}"
    return f"{_text(result.get('observed_value'))} (expected {expected}){suffix}", None, None


def _counted(check: Check, unexpected: int, elements: int) -> str:
    suffix = f" ({check.note})" if check.note else ""
    return f"{unexpected} of {elements} rows unexpected{suffix}"


def _text(value: Any) -> str:
    if value is None or _is_missing(value):
        return "none"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.4g}"
    if hasattr(value, "item"):  # numpy scalars
        return _text(value.item())
    return str(value)


def _is_missing(value: Any) -> bool:
    """pandas' NaT / NaN / NA for an aggregate over no rows."""
    import pandas as pd

    if isinstance(value, list | tuple | dict | set):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _first_line(text: str, limit: int = 160) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "error"
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _recorded(
    stage: Stage,
    check: Check,
    config: QualityConfig,
    success: bool | None,
    status: str,
    observed: str | None,
    unexpected: int | None = None,
    elements: int | None = None,
) -> CheckResult:
    return CheckResult(
        stage=stage,
        suite=check.suite,
        table=check.table,
        kind=check.kind,
        expectation=check.expectation,
        column=check.column,
        severity=config.severity_for(check.suite, check.kind, check.expectation, check.column),
        success=success,
        status=status,  # type: ignore[arg-type]
        observed=observed,
        unexpected_count=unexpected,
        element_count=elements,
    )


def _not_built(stage: Stage, suite: str, table: str, kind: str) -> CheckResult:
    """A table the stage expected but the build has not made yet: recorded, never blocking."""
    return CheckResult(
        stage=stage,
        suite=suite,
        table=table,
        kind=kind,
        expectation=NOT_BUILT,
        column=None,
        severity="warn",
        success=None,
        status="skipped",
        observed="not built",
    )
