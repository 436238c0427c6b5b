"""Loading files into raw tables: typed, deduplicated, idempotent, nothing lost.

Each file is loaded in one transaction: its rows are streamed into a temporary stage table,
classified in SQL against the raw table (load, duplicate, or conflicting duplicate), merged with
delete+insert, its rejects written to ``quarantine`` and its counts to ``pipeline_runs``, where
``rows_read = rows_loaded + rows_quarantined + rows_duplicate`` always holds. Loading the same
file again changes no table but ``pipeline_runs``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

import fsspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from enablement_audit.sources import SOURCES
from enablement_audit.sources.base import (
    ColumnMapping,
    Parsed,
    Reject,
    SourceFile,
    SourceFileError,
    SourceSpec,
    row_hash,
)
from enablement_audit.warehouse import (
    LOAD_COLUMNS,
    Warehouse,
    insert_rows,
    qualified_name,
    quote_identifier,
    run_sql,
    utcnow,
)

BATCH_ROWS = 50_000


@dataclass
class LoadResult:
    """What loading one file (or, summed, one source) did."""

    source: str
    read: int = 0
    loaded: int = 0
    quarantined: int = 0
    duplicates: int = 0
    files: int = 0
    failed_files: int = 0

    def add(self, other: LoadResult) -> None:
        for name in ("read", "loaded", "quarantined", "duplicates", "files", "failed_files"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def summary(self) -> dict[str, Any]:
        """The ``load --json`` line: source, read, loaded, quarantined, duplicates."""
        data = asdict(self)
        return {k: data[k] for k in ("source", "read", "loaded", "quarantined", "duplicates")}


def new_run_id() -> str:
    return f"{utcnow():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def get_source(name: str) -> SourceSpec:
    try:
        return SOURCES[name]
    except KeyError:
        raise ValueError(f"unknown source {name!r}; choose one of {', '.join(SOURCES)}") from None


def list_files(path: str) -> list[str]:
    """One file, or every file below a folder (sorted, hidden files skipped)."""
    fs, root = fsspec.core.url_to_fs(path)
    if not fs.exists(root):
        raise SourceFileError(path, "no such file or folder")
    if not fs.isdir(root):
        return [path]
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    prefix = "" if protocol in ("file", "local") else f"{protocol}://"
    found = [f for f in fs.find(root) if not any(p.startswith(".") for p in f.split("/")[-1:])]
    return [prefix + f for f in sorted(found)]


def landing_files(landing: str, source: str, start: date, end: date) -> list[str]:
    """Files of ``<landing>/<source>/<YYYY-MM-DD>/`` for the days in ``[start, end)``."""
    fs, root = fsspec.core.url_to_fs(landing)
    base = f"{root.rstrip('/')}/{source}"
    if not fs.isdir(base):
        return []
    files: list[str] = []
    day = start
    while day < end:
        folder = f"{base}/{day.isoformat()}"
        if fs.isdir(folder):
            files.extend(list_files(_join(landing, source, day.isoformat())))
        day += timedelta(days=1)
    return files


def _join(landing: str, *parts: str) -> str:
    return "/".join([landing.rstrip("/"), *parts])


def load_path(
    warehouse: Warehouse,
    source: str,
    path: str,
    *,
    run_id: str | None = None,
    mapping_file: str | None = None,
) -> LoadResult:
    """Load one file or every file below a folder. A file that cannot be read at all raises
    :class:`SourceFileError` after the files before it were loaded."""
    files = list_files(path)
    return load_files(warehouse, source, files, run_id=run_id, mapping_file=mapping_file)


def load_files(
    warehouse: Warehouse,
    source: str,
    files: Sequence[str],
    *,
    run_id: str | None = None,
    mapping_file: str | None = None,
    keep_going: bool = False,
) -> LoadResult:
    """Load ``files`` of ``source`` one transaction each. With ``keep_going`` a file that cannot
    be read is recorded as failed in ``pipeline_runs`` and the rest still load."""
    spec = get_source(source)
    warehouse.ensure()
    run_id = run_id or new_run_id()
    mapping = ColumnMapping.from_yaml(mapping_file) if mapping_file else None
    total = LoadResult(source)
    for path in files:
        try:
            total.add(load_file(warehouse, spec, SourceFile.at(path, mapping), run_id))
        except SourceFileError:
            total.failed_files += 1
            if not keep_going:
                raise
    return total


def load_file(warehouse: Warehouse, spec: SourceSpec, source: SourceFile, run_id: str) -> LoadResult:
    """Load one file in one transaction (see the module docstring)."""
    started = utcnow()
    raw = warehouse.raw_table(spec.table, spec.columns)
    try:
        with warehouse.engine.begin() as conn:
            result = _load(conn, warehouse, spec, raw, source, run_id, started)
            _record_run(conn, warehouse, result, source.path, run_id, "ok", None, started)
        return result
    except SourceFileError as exc:
        with warehouse.engine.begin() as conn:
            _record_run(
                conn, warehouse, LoadResult(spec.name), source.path, run_id, "failed", exc.message, started
            )
        raise


def _load(
    conn: Connection,
    warehouse: Warehouse,
    spec: SourceSpec,
    raw: sa.Table,
    source: SourceFile,
    run_id: str,
    loaded_at: Any,
) -> LoadResult:
    result = LoadResult(spec.name, files=1)
    stage = _create_stage(conn, raw)
    columns = [*spec.column_names, *(c.name for c in LOAD_COLUMNS)]
    conn.execute(
        sa.delete(warehouse.quarantine).where(
            warehouse.quarantine.c.source == spec.name,
            warehouse.quarantine.c.source_file == source.path,
        )
    )
    rows: list[tuple[Any, ...]] = []
    rejects: list[Reject] = []
    for item in spec.reader(source):
        result.read += 1
        if isinstance(item, Reject):
            rejects.append(item)
            if len(rejects) >= BATCH_ROWS:
                result.quarantined += _quarantine(conn, warehouse, spec.name, source.path, rejects, run_id)
                rejects = []
            continue
        rows.append(_stage_row(spec, item, source, run_id, loaded_at))
        if len(rows) >= BATCH_ROWS:
            insert_rows(conn, stage, columns, rows)
            rows = []
    insert_rows(conn, stage, columns, rows)
    result.quarantined += _quarantine(conn, warehouse, spec.name, source.path, rejects, run_id)
    counts, conflicts = _merge(conn, spec, raw, stage)
    result.loaded = counts.get("load", 0)
    result.duplicates = counts.get("duplicate", 0)
    result.quarantined += _quarantine(conn, warehouse, spec.name, source.path, conflicts, run_id)
    if spec.post_load_sql:
        run_sql(conn, spec.post_load_sql.format(table=qualified_name(raw)))
    run_sql(conn, f"drop table {quote_identifier(stage.name)}")
    return result


def _stage_row(
    spec: SourceSpec, item: Parsed, source: SourceFile, run_id: str, loaded_at: Any
) -> tuple[Any, ...]:
    values = item.values
    content = tuple(values.get(c) for c in spec.column_names)
    return (
        *content,
        source.path,
        item.line,
        source.file_date,
        row_hash(values, spec.column_names),
        run_id,
        loaded_at,
    )


def _create_stage(conn: Connection, raw: sa.Table) -> sa.Table:
    name = f"stage_{raw.name}"
    run_sql(conn, f"drop table if exists {quote_identifier(name)}")
    run_sql(
        conn,
        f"create temporary table {quote_identifier(name)} as select * from {qualified_name(raw)} where false",  # noqa: S608
    )
    return sa.Table(name, sa.MetaData(), *(sa.Column(c.name, c.type) for c in raw.columns))


def _merge(
    conn: Connection, spec: SourceSpec, raw: sa.Table, stage: sa.Table
) -> tuple[dict[str, int], list[Reject]]:
    """Classify staged rows and merge the winners; returns counts and conflict rejects."""
    keys = [quote_identifier(k) for k in spec.key]
    partition = ", ".join(keys)
    if spec.version:
        version = quote_identifier(spec.version)
        order = f"{version} desc nulls last, source_date desc nulls last, source_line desc"
        superseded = f"(t.{version} is not null and (r.{version} is null or t.{version} > r.{version}))"
    elif spec.snapshot:
        order = "source_date desc nulls last, source_line desc"
        superseded = (
            "(t.source_date is not null and (r.source_date is null or t.source_date > r.source_date))"
        )
    else:
        order = "source_line asc"
        superseded = "false"
    is_event = "false" if (spec.version or spec.snapshot) else "true"
    join = " and ".join(f"t.{k} = r.{k}" for k in keys)
    classified = f"classified_{raw.name}"
    # Identifiers above are validated; no value is placed in this text.
    sql = f"""
        create temporary table {quote_identifier(classified)} as
        with ranked as (
            select
                s.*,
                row_number() over (partition by {partition} order by {order}) as rank_in_file,
                first_value(s.row_hash) over (partition by {partition} order by {order}) as kept_hash
            from {quote_identifier(stage.name)} as s
        )
        select
            r.*,
            t.source_file as existing_file,
            t.source_line as existing_line,
            case
                when r.rank_in_file > 1 and {is_event} and r.row_hash <> r.kept_hash then 'conflict_in_file'
                when r.rank_in_file > 1 then 'duplicate'
                when t.row_hash is null then 'load'
                when t.row_hash = r.row_hash then 'duplicate'
                when {is_event} then 'conflict'
                when {superseded} then 'duplicate'
                else 'load'
            end as disposition
        from ranked as r
        left join {qualified_name(raw)} as t on {join}
    """  # noqa: S608
    run_sql(conn, f"drop table if exists {quote_identifier(classified)}")
    run_sql(conn, sql)
    matches = " and ".join(f"c.{k} = t.{k}" for k in keys)
    run_sql(
        conn,
        f"delete from {qualified_name(raw)} as t where exists ("  # noqa: S608
        f"select 1 from {quote_identifier(classified)} as c where c.disposition = 'load' and {matches})",
    )
    column_list = ", ".join(quote_identifier(c.name) for c in raw.columns)
    run_sql(
        conn,
        f"insert into {qualified_name(raw)} ({column_list}) "  # noqa: S608
        f"select {column_list} from {quote_identifier(classified)} where disposition = 'load'",
    )
    counts = {
        row[0]: int(row[1])
        for row in run_sql(
            conn,
            f"select disposition, count(*) from {quote_identifier(classified)} group by disposition",  # noqa: S608
        )
    }
    conflicts = [
        _conflict_reject(spec, row._mapping)
        for row in run_sql(
            conn,
            f"select * from {quote_identifier(classified)} "  # noqa: S608
            "where disposition in ('conflict', 'conflict_in_file') order by source_line",
        )
    ]
    counts["quarantine"] = len(conflicts)
    run_sql(conn, f"drop table {quote_identifier(classified)}")
    return counts, conflicts


def _conflict_reject(spec: SourceSpec, row: Any) -> Reject:
    key = ", ".join(f"{k}={row[k]!s}" for k in spec.key)
    if row["disposition"] == "conflict_in_file":
        where = "earlier in this file"
    else:
        where = f"from {row['existing_file']} line {row['existing_line']}"
    raw = json.dumps({c: row[c] for c in spec.column_names}, default=str)
    return Reject(
        int(row["source_line"]),
        raw,
        "conflicting_duplicate",
        f"{key} was already loaded {where} with different content; the first one is kept",
    )


def _quarantine(
    conn: Connection, warehouse: Warehouse, source: str, path: str, rejects: Sequence[Reject], run_id: str
) -> int:
    if not rejects:
        return 0
    now = utcnow()
    rows = [(source, path, r.line, r.raw, r.rule, r.reason, run_id, now) for r in rejects]
    columns = [c.name for c in warehouse.quarantine.columns]
    return insert_rows(conn, warehouse.quarantine, columns, rows)


def _record_run(
    conn: Connection,
    warehouse: Warehouse,
    result: LoadResult,
    path: str,
    run_id: str,
    status: str,
    message: str | None,
    started: Any,
) -> None:
    conn.execute(
        warehouse.pipeline_runs.insert().values(
            run_id=run_id,
            source=result.source,
            source_file=path,
            status=status,
            rows_read=result.read,
            rows_loaded=result.loaded,
            rows_quarantined=result.quarantined,
            rows_duplicate=result.duplicates,
            message=message,
            started_at=started,
            finished_at=utcnow(),
        )
    )


def iter_landing(landing: str, start: date, end: date) -> Iterator[tuple[str, list[str]]]:
    """Per source (registry order), the landing files for ``[start, end)``."""
    for name in SOURCES:
        files = landing_files(landing, name, start, end)
        if files:
            yield name, files
