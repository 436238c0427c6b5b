"""Shared by the reliability tests: a small generated organisation, and whole-warehouse
checksums that ignore only the load-metadata columns.

The landing folder holds two weeks (2026-11-09 to 2026-11-22) of every source at scale S; the
interval most tests run is the last week, whose processing window (with the default three
late-arrival days) starts on Friday 2026-11-13 and holds the Monday 2026-11-16 snapshots.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from enablement_audit.config import Settings
from enablement_audit.synthetic import generate
from enablement_audit.warehouse import Warehouse

END = date(2026, 11, 23)  # a Monday: the generated days are [END - DAYS, END)
DAYS = 14
START = date(2026, 11, 16)  # the interval [START, END): one ISO week, 2026-W47

# Columns that say when or by which run a row was written; everything else must be identical.
METADATA_COLUMNS = frozenset(
    {
        "run_id",
        "loaded_at",
        "built_at",
        "checked_at",
        "quarantined_at",
        "reported_at",
        "started_at",
        "finished_at",
    }
)
# Logs: every run appends its own rows, so these are checked by counts instead.
LOG_TABLES = frozenset({"pipeline_runs", "dq_results", "model_builds"})

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two generated weeks of every source (read-only: copy it before adding files)."""
    out = tmp_path_factory.mktemp("landing")
    generate(out, scale="S", seed=7, end=END, days=DAYS)
    return out


def settings_for(home: Path, **values: Any) -> Settings:
    """Settings that ignore the caller's environment and YAML file."""
    return Settings(home=home, **values)


def relations(warehouse: Warehouse) -> list[str]:
    """Every table and view in the warehouse's schema."""
    inspector = sa.inspect(warehouse.engine)
    names = set(inspector.get_table_names(schema=warehouse.schema))
    names |= set(inspector.get_view_names(schema=warehouse.schema))
    return sorted(names)


def column_names(warehouse: Warehouse, table: str) -> list[str]:
    """Column names from ``information_schema`` (duckdb_engine's inspector cannot list them)."""
    with warehouse.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "select column_name from information_schema.columns "
                "where table_schema = :schema and table_name = :table order by ordinal_position"
            ),
            {"schema": warehouse.schema, "table": table},
        )
        return [r[0] for r in rows]


def canonical(value: Any) -> str:
    """One text form per value on both engines. Floats keep 12 significant digits: a parallel
    sum may differ in its last bits from one run to the next without any row being different."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        return f"{value:.12g}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return repr(value)


@dataclass(frozen=True)
class TableSum:
    rows: int
    digest: str


def table_checksum(warehouse: Warehouse, table: str) -> TableSum:
    """A SHA-256 over the sorted rows of ``table`` without its metadata columns."""
    columns = [c for c in column_names(warehouse, table) if c not in METADATA_COLUMNS]
    assert columns, f"{table} has no column besides load metadata"
    select = ", ".join(f'"{c}"' for c in columns)
    with warehouse.engine.connect() as conn:
        result = conn.execute(sa.text(f"select {select} from {warehouse.schema}.{table}"))
        rows = sorted("\x1f".join(canonical(v) for v in row) for row in result)
    digest = hashlib.sha256()
    for row in rows:
        digest.update(row.encode("utf-8"))
        digest.update(b"\x1e")
    return TableSum(len(rows), digest.hexdigest())


def checksums(warehouse: Warehouse, exclude: frozenset[str] = LOG_TABLES) -> dict[str, TableSum]:
    """:func:`table_checksum` of every table and view but the logs."""
    return {name: table_checksum(warehouse, name) for name in relations(warehouse) if name not in exclude}


def differences(before: dict[str, TableSum], after: dict[str, TableSum]) -> list[str]:
    """Readable differences between two :func:`checksums` results (empty when identical)."""
    out = []
    for name in sorted(set(before) | set(after)):
        a, b = before.get(name), after.get(name)
        if a != b:
            out.append(f"{name}: {a} -> {b}")
    return out


def count(warehouse: Warehouse, sql: str, **params: Any) -> int:
    with warehouse.engine.connect() as conn:
        return int(conn.execute(sa.text(sql.format(s=warehouse.schema)), params).scalar_one())


# --------------------------------------------------------------------------- the CLI


@dataclass
class Cli:
    """Runs ``python -m enablement_audit.cli`` in a subprocess with a clean environment."""

    home: Path
    env: dict[str, str]
    cwd: Path = PROJECT

    def __call__(
        self, *args: str, kill_at: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess:
        env = dict(self.env)
        if kill_at:
            env["ENABLEMENT_AUDIT_TEST_KILL_AT"] = kill_at
        done = subprocess.run(
            [sys.executable, "-m", "enablement_audit.cli", *args],
            cwd=self.cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if kill_at:
            assert done.returncode == -signal.SIGKILL, (
                f"expected the kill at {kill_at}, got exit {done.returncode}\n{done.stderr[-3000:]}"
            )
        elif check:
            assert done.returncode == 0, (
                f"exit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
            )
        return done


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    """The caller's environment without any ENABLEMENT_AUDIT_ setting, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENABLEMENT_AUDIT_")}
    env["ENABLEMENT_AUDIT_HOME"] = str(home)
    env.update(extra)
    return env


def landing_days(landing: Path, start: date, end: date) -> list[str]:
    """The landing files of every source for the days ``[start, end)``, as the loader names them."""
    files = []
    for folder in sorted(p for p in landing.glob("*/*") if p.is_dir()):
        if start <= date.fromisoformat(folder.name) < end:
            files.extend(str(f) for f in sorted(folder.rglob("*")) if f.is_file())
    return sorted(files)
