"""The warehouse: engines, the schema, the tables the pipeline owns, and fast bulk inserts.

Any SQLAlchemy URL works; DuckDB (embedded, the default) and PostgreSQL are tested. Tables are
created on first use. Identifiers come from the code or are validated against
:data:`enablement_audit.config.IDENTIFIER`; every value is a bound parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from enablement_audit.config import IDENTIFIER
from enablement_audit.sources.base import Column, ColumnType

SQL_TYPES: dict[ColumnType, sa.types.TypeEngine[Any]] = {
    "text": sa.Text(),
    "int": sa.BigInteger(),
    "float": sa.Float(precision=53),
    "bool": sa.Boolean(),
    "date": sa.Date(),
    "timestamp": sa.DateTime(),
}

# Columns every raw table carries besides the source's own: where the row came from and which
# run loaded it. ``run_id`` and ``loaded_at`` are load metadata (ignored by idempotency checks).
LOAD_COLUMNS: tuple[Column, ...] = (
    Column("source_file", "text"),
    Column("source_line", "int"),
    Column("source_date", "date"),
    Column("row_hash", "text"),
    Column("run_id", "text"),
    Column("loaded_at", "timestamp"),
)


def quote_identifier(name: str) -> str:
    """A validated identifier, safe to place in SQL text."""
    if not IDENTIFIER.match(name):
        raise ValueError(f"{name!r} is not an allowed SQL identifier")
    return name


def qualified_name(table: sa.Table) -> str:
    """``schema.table`` (or ``table`` for a temporary table), validated."""
    if table.schema is None:
        return quote_identifier(table.name)
    return f"{quote_identifier(table.schema)}.{quote_identifier(table.name)}"


def run_sql(conn: Connection, sql: str, params: dict[str, Any] | None = None) -> sa.CursorResult[Any]:
    """Run SQL text whose identifiers were validated (:func:`quote_identifier`) and whose values
    are bound ``params``, never formatted in."""
    return conn.execute(sa.text(sql), params or {})


DUCKDB_MEMORY_LIMIT = "1GB"
"""DuckDB's own default is 80% of the machine's memory; capped, big joins spill to disk instead
(at scale M, 1GB rather than 1500MB costs the build about 4 s and saves about 450 MB).
A ``memory_limit`` in the URL's query (``duckdb:///w.duckdb?memory_limit=8GB``) overrides it."""


def create_warehouse_engine(url: str) -> Engine:
    """An engine for ``url``; for an embedded DuckDB file, its folder is created first."""
    parsed = sa.engine.make_url(url)
    if parsed.drivername.startswith("duckdb") and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(parsed, future=True)
    if parsed.drivername.startswith("duckdb"):
        memory_limit = parsed.query.get("memory_limit", DUCKDB_MEMORY_LIMIT)

        @sa.event.listens_for(engine, "connect")
        def _configure(dbapi_connection: Any, _record: Any) -> None:
            # DuckDB draws a progress bar on stdout for long queries; the CLI has its own output.
            dbapi_connection.execute("set enable_progress_bar = false")
            dbapi_connection.execute("set memory_limit = ?", [memory_limit])

    return engine


def is_duckdb(conn: Connection | Engine) -> bool:
    return conn.dialect.name == "duckdb"


@contextmanager
def threads_shared(engine: Engine, share: int) -> Iterator[None]:
    """While the block runs, an embedded DuckDB's threads (a setting of the whole database) are
    divided among ``share`` connections that work at once, each getting at least one.

    Two sources loading at once on two cores each ran on both threads, four busy threads on two
    cores; with one thread each, scale M's landing folder loads in 61 s rather than 64 to 70 s,
    with a tenth less CPU. PostgreSQL, a server, is left as it is."""
    if share <= 1 or not is_duckdb(engine):
        yield
        return
    with engine.connect() as conn:
        threads = int(conn.execute(sa.text("select current_setting('threads')")).scalar_one())
        conn.exec_driver_sql(f"set threads = {max(1, threads // share)}")
    try:
        yield
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"set threads = {threads}")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Warehouse:
    """The engine and schema the pipeline writes to, with the tables it owns.

    Raw tables come from the source registry; system tables (``quarantine``, ``pipeline_runs``,
    ``model_builds``, ``identity_match``) are declared here.
    """

    def __init__(self, engine: Engine, schema: str = "enablement") -> None:
        self.engine = engine
        self.schema = quote_identifier(schema)
        self.metadata = sa.MetaData(schema=self.schema)
        self.quarantine = sa.Table(
            "quarantine",
            self.metadata,
            sa.Column("source", sa.Text, nullable=False),
            sa.Column("source_file", sa.Text, nullable=False),
            sa.Column("source_line", sa.BigInteger),
            sa.Column("raw_text", sa.Text),
            sa.Column("rule", sa.Text, nullable=False),
            sa.Column("reason", sa.Text, nullable=False),
            sa.Column("run_id", sa.Text, nullable=False),
            sa.Column("quarantined_at", sa.DateTime, nullable=False),
        )
        self.pipeline_runs = sa.Table(
            "pipeline_runs",
            self.metadata,
            sa.Column("run_id", sa.Text, nullable=False),
            sa.Column("source", sa.Text, nullable=False),
            sa.Column("source_file", sa.Text, nullable=False),
            sa.Column("status", sa.Text, nullable=False),
            sa.Column("rows_read", sa.BigInteger, nullable=False),
            sa.Column("rows_loaded", sa.BigInteger, nullable=False),
            sa.Column("rows_quarantined", sa.BigInteger, nullable=False),
            sa.Column("rows_duplicate", sa.BigInteger, nullable=False),
            sa.Column("message", sa.Text),
            sa.Column("started_at", sa.DateTime, nullable=False),
            sa.Column("finished_at", sa.DateTime, nullable=False),
            sa.Column("file_sha256", sa.Text),
        )
        self.model_builds = sa.Table(
            "model_builds",
            self.metadata,
            sa.Column("model", sa.Text, nullable=False),
            sa.Column("week_lo", sa.Date, nullable=False),
            sa.Column("week_hi", sa.Date, nullable=False),
            sa.Column("build_started_at", sa.DateTime, nullable=False),
            sa.Column("finished_at", sa.DateTime, nullable=False),
        )
        self.cfg_seller_title = sa.Table(
            "cfg_seller_title", self.metadata, sa.Column("title", sa.Text, nullable=False)
        )
        self.cfg_scorecard_goal = sa.Table(
            "cfg_scorecard_goal",
            self.metadata,
            sa.Column("metric", sa.Text, nullable=False),
            sa.Column("label", sa.Text, nullable=False),
            sa.Column("goal", sa.Float(precision=53), nullable=False),
            sa.Column("direction", sa.Text, nullable=False),
            sa.Column("position", sa.Integer, nullable=False),
        )
        self.cfg_verdict = sa.Table(
            "cfg_verdict",
            self.metadata,
            sa.Column("area", sa.Text, nullable=False),
            sa.Column("metric", sa.Text, nullable=False),
            sa.Column("yes_at", sa.Float(precision=53), nullable=False),
            sa.Column("partly_at", sa.Float(precision=53), nullable=False),
        )
        self._raw: dict[str, sa.Table] = {}
        self._created = False

    @classmethod
    def from_url(cls, url: str, schema: str = "enablement") -> Warehouse:
        return cls(create_warehouse_engine(url), schema)

    def raw_table(self, name: str, columns: Sequence[Column]) -> sa.Table:
        """The raw table ``name`` with the source's columns plus :data:`LOAD_COLUMNS`."""
        if name not in self._raw:
            self._raw[name] = sa.Table(
                quote_identifier(name),
                self.metadata,
                *(sa.Column(c.name, SQL_TYPES[c.type]) for c in (*columns, *LOAD_COLUMNS)),
            )
        return self._raw[name]

    def ensure(self) -> None:
        """Create the schema and every declared table that does not exist yet."""
        if self._created:
            return
        from enablement_audit.sources import SOURCES  # the registry declares the raw tables

        for spec in SOURCES.values():
            self.raw_table(spec.table, spec.columns)
        with self.engine.begin() as conn:
            conn.execute(sa.schema.CreateSchema(self.schema, if_not_exists=True))
            self.metadata.create_all(conn)
            _add_missing_columns(conn, self.pipeline_runs)
        self._created = True

    def table_names(self) -> list[str]:
        return sorted(sa.inspect(self.engine).get_table_names(schema=self.schema))


def _add_missing_columns(conn: Connection, table: sa.Table) -> None:
    """Add the (nullable) columns declared since a warehouse's table was created. (Read from
    ``information_schema``: duckdb_engine's inspector asks for PostgreSQL catalogs DuckDB lacks.)"""
    present = {
        name
        for (name,) in run_sql(
            conn,
            "select column_name from information_schema.columns "
            "where table_schema = :schema and table_name = :table",
            {"schema": table.schema, "table": table.name},
        )
    }
    for column in table.columns:
        if column.name not in present:
            added = f"{quote_identifier(column.name)} {column.type.compile(dialect=conn.dialect)}"
            run_sql(conn, f"alter table {qualified_name(table)} add column {added}")


def insert_rows(
    conn: Connection, table: sa.Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Bulk-insert ``rows`` (tuples in ``columns`` order) into ``table`` inside ``conn``'s
    transaction: DuckDB reads an Arrow table, PostgreSQL uses COPY, others executemany."""
    rows = list(rows)
    if not rows:
        return 0
    target = qualified_name(table)
    column_list = ", ".join(quote_identifier(c) for c in columns)
    if is_duckdb(conn):
        import pyarrow as pa

        arrays = {}
        for index, name in enumerate(columns):
            arrow_type = _arrow_type(table.c[name].type)
            arrays[name] = pa.array([row[index] for row in rows], type=arrow_type)
        batch = pa.table(arrays)
        duck = conn.connection.driver_connection
        duck.register("_ea_batch", batch)
        try:
            sql = f"insert into {target} ({column_list}) select {column_list} from _ea_batch"  # noqa: S608
            duck.execute(sql)
        finally:
            duck.unregister("_ea_batch")
        return len(rows)
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"copy {target} ({column_list}) from stdin") as copy:
            for row in rows:
                copy.write_row(row)
        return len(rows)
    conn.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])
    return len(rows)


def _arrow_type(sql_type: sa.types.TypeEngine[Any]) -> Any:
    import pyarrow as pa

    if isinstance(sql_type, sa.BigInteger | sa.Integer):
        return pa.int64()
    if isinstance(sql_type, sa.Float):
        return pa.float64()
    if isinstance(sql_type, sa.Boolean):
        return pa.bool_()
    if isinstance(sql_type, sa.DateTime):
        return pa.timestamp("us")
    if isinstance(sql_type, sa.Date):
        return pa.date32()
    return pa.string()
