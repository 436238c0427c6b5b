"""Shared fixtures: a fresh embedded warehouse per test, and small helpers to read it back."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from enablement_audit.warehouse import Warehouse
from tests.pg_server import PostgresServer

REAL_SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "real-samples"


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    """An empty DuckDB warehouse in a temporary folder, schema and tables created."""
    wh = Warehouse.from_url(f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
    wh.ensure()
    yield wh
    wh.engine.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> PostgresServer:
    """One real PostgreSQL server for the whole test session (initdb on a free loopback port)."""
    server = PostgresServer.start()
    yield server
    server.stop()


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Warehouse:
    """The same test on the embedded DuckDB warehouse and on a real PostgreSQL server (a fresh
    schema per test)."""
    if request.param == "duckdb":
        wh = Warehouse.from_url(f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
    else:
        server = request.getfixturevalue("postgres_server")
        wh = Warehouse.from_url(server.url, f"ea_{uuid.uuid4().hex[:10]}")
    wh.ensure()
    yield wh
    if request.param == "postgres":
        with wh.engine.begin() as conn:
            conn.execute(sa.text(f"drop schema {wh.schema} cascade"))
    wh.engine.dispose()


def fetch(warehouse: Warehouse, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """Rows of a query against the warehouse (schema-qualified names in ``sql``)."""
    with warehouse.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(sa.text(sql), params)]


def table_rows(
    warehouse: Warehouse, table: str, columns: str = "*", order: str = "1"
) -> list[tuple[Any, ...]]:
    return fetch(warehouse, f"select {columns} from {warehouse.schema}.{table} order by {order}")


def quarantine(warehouse: Warehouse, source: str) -> list[tuple[Any, ...]]:
    """``(line, rule, reason)`` of a source's quarantined rows, by line."""
    return fetch(
        warehouse,
        f"select source_line, rule, reason from {warehouse.schema}.quarantine "
        "where source = :source order by source_line, rule",
        source=source,
    )


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write a fixture file (parents created) and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding=encoding)
    return path
