"""Check results: what one check found, the ``dq_results`` table, and readable summaries.

A result never holds a value from a row (an e-mail, a name): only counts, column names, and
aggregates of numbers and times (a row count, a newest timestamp, a match rate).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any, Literal

import sqlalchemy as sa

from enablement_audit.warehouse import Warehouse, utcnow

Status = Literal["passed", "failed", "skipped", "error"]
Stage = Literal["raw", "marts"]
DQ_RESULTS = "dq_results"


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check.

    ``success`` is ``None`` for a check that was skipped (a mart not built yet, too little
    history for a volume band); an ``error`` (the check could not run) counts as a failure.
    """

    stage: Stage
    suite: str
    table: str
    kind: str
    expectation: str
    column: str | None
    severity: Literal["block", "warn"]
    success: bool | None
    status: Status
    observed: str | None = None
    unexpected_count: int | None = None
    element_count: int | None = None

    @property
    def is_blocking(self) -> bool:
        return self.severity == "block" and self.success is False

    @property
    def message(self) -> str:
        """One line naming the check, the table and the count."""
        where = f"{self.table}.{self.column}" if self.column else self.table
        count = ""
        if self.unexpected_count is not None:
            total = f" of {self.element_count}" if self.element_count is not None else ""
            count = f": {self.unexpected_count}{total} rows unexpected"
        elif self.observed:
            count = f": {self.observed}"
        return f"{self.severity} {self.status}: {self.suite} {self.expectation} on {where}{count}"

    def as_dict(self) -> dict[str, Any]:
        """The ``check --json`` form (SPEC section 8) plus the other fields."""
        return asdict(self)


def blocking_failures(results: Iterable[CheckResult]) -> list[CheckResult]:
    """The failed (or errored) checks whose severity is ``block``: any one stops publishing."""
    return [r for r in results if r.is_blocking]


def warning_failures(results: Iterable[CheckResult]) -> list[CheckResult]:
    """The failed checks whose severity is ``warn`` (for the report's trust strip)."""
    return [r for r in results if r.severity == "warn" and r.success is False]


_HEADER = ("status", "severity", "suite", "expectation", "column", "observed")
_STATUS_ORDER = {"error": 0, "failed": 1, "skipped": 2, "passed": 3}


def format_table(results: Sequence[CheckResult], *, width: int = 60) -> str:
    """A fixed-width summary: failures first, then skipped and passed checks, then totals."""
    ordered = sorted(
        results,
        key=lambda r: (
            _STATUS_ORDER[r.status],
            r.severity != "block",
            r.suite,
            r.expectation,
            r.column or "",
        ),
    )
    rows = [_HEADER] + [
        (
            r.status.upper() if r.status in ("failed", "error") else r.status,
            r.severity,
            r.suite,
            r.expectation.removeprefix("expect_"),
            r.column or "-",
            _clip(r.observed or "", width),
        )
        for r in ordered
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADER))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append("")
    lines.append(summary_line(results))
    return "\n".join(lines)


def summary_line(results: Sequence[CheckResult]) -> str:
    failed = [r for r in results if r.success is False]
    blocking = blocking_failures(results)
    passed = sum(1 for r in results if r.success is True)
    skipped = sum(1 for r in results if r.success is None)
    return (
        f"{len(results)} checks: {passed} passed, {len(failed)} failed "
        f"({len(blocking)} blocking, {len(failed) - len(blocking)} warnings), {skipped} skipped"
    )


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# ---------------------------------------------------------------------------------------------
# dq_results


def dq_results_table(warehouse: Warehouse) -> sa.Table:
    """``dq_results`` declared on the warehouse's metadata (once) and created if missing."""
    key = f"{warehouse.schema}.{DQ_RESULTS}"
    table = warehouse.metadata.tables.get(key)
    if table is None:
        table = sa.Table(
            DQ_RESULTS,
            warehouse.metadata,
            sa.Column("run_id", sa.Text, nullable=False),
            sa.Column("stage", sa.Text, nullable=False),
            sa.Column("suite", sa.Text, nullable=False),
            sa.Column("table_name", sa.Text, nullable=False),
            sa.Column("check_kind", sa.Text, nullable=False),
            sa.Column("expectation", sa.Text, nullable=False),
            sa.Column("column_name", sa.Text),
            sa.Column("severity", sa.Text, nullable=False),
            sa.Column("success", sa.Boolean),
            sa.Column("status", sa.Text, nullable=False),
            sa.Column("observed_value", sa.Text),
            sa.Column("unexpected_count", sa.BigInteger),
            sa.Column("element_count", sa.BigInteger),
            sa.Column("interval_start", sa.DateTime, nullable=False),
            sa.Column("interval_end", sa.DateTime, nullable=False),
            sa.Column("checked_at", sa.DateTime, nullable=False),
        )
    with warehouse.engine.begin() as conn:
        table.create(conn, checkfirst=True)
    return table


def write_results(
    warehouse: Warehouse,
    run_id: str,
    stages: Sequence[Stage],
    results: Sequence[CheckResult],
    interval_start: date | datetime,
    interval_end: date | datetime,
) -> int:
    """Replace the run's rows for ``stages`` with ``results`` in one transaction."""
    table = dq_results_table(warehouse)
    now = utcnow()
    rows = [
        {
            "run_id": run_id,
            "stage": r.stage,
            "suite": r.suite,
            "table_name": r.table,
            "check_kind": r.kind,
            "expectation": r.expectation,
            "column_name": r.column,
            "severity": r.severity,
            "success": r.success,
            "status": r.status,
            "observed_value": r.observed,
            "unexpected_count": r.unexpected_count,
            "element_count": r.element_count,
            "interval_start": interval_start,
            "interval_end": interval_end,
            "checked_at": now,
        }
        for r in results
    ]
    with warehouse.engine.begin() as conn:
        conn.execute(sa.delete(table).where(table.c.run_id == run_id, table.c.stage.in_(list(stages))))
        if rows:
            conn.execute(table.insert(), rows)
    return len(rows)
