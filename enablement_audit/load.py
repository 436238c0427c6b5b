"""Loading files into raw tables: typed, deduplicated, idempotent, nothing lost.

The files of one load go in one transaction (a backfill of more than ``BATCH_BYTES`` of files,
one per group of that size, in file order): their rows are streamed into a temporary stage
table, classified at once in SQL against the raw table (load, duplicate, or conflicting
duplicate), merged with delete+insert, their rejects written to ``quarantine`` and each file's
counts to ``pipeline_runs``, where ``rows_read = rows_loaded + rows_quarantined + rows_duplicate``
always holds. Loading the same files again changes no table but ``pipeline_runs``.

A file whose bytes match its last good load (``pipeline_runs.file_sha256``, taken over the
package version, the vendor mapping and the file) is not read again: reading it would find every
row a duplicate or quarantined as before, so its run is recorded with exactly those counts. The
nightly lookback re-delivers its days' files, and at scale L this halves a night's load.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

import fsspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from enablement_audit import __version__
from enablement_audit.sources import SOURCES, native
from enablement_audit.sources.base import (
    ColumnMapping,
    Parsed,
    Reject,
    SourceFile,
    SourceFileError,
    SourceSpec,
)
from enablement_audit.warehouse import (
    LOAD_COLUMNS,
    Warehouse,
    insert_rows,
    is_duckdb,
    qualified_name,
    quote_identifier,
    run_sql,
    utcnow,
)

BATCH_ROWS = 50_000
BATCH_BYTES = 1024**3
"""Bytes of files staged and merged per transaction: bounds DuckDB's spill files (uncompressed
copies of the staged rows) whatever the size of a backfill."""


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
    unchanged_files: int = 0

    def add(self, other: LoadResult) -> None:
        counts = ("read", "loaded", "quarantined", "duplicates", "files", "failed_files", "unchanged_files")
        for name in counts:
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


def local_size(path: str) -> int:
    """A local file's size in bytes; 0 for a remote one (not worth a request to weigh it)."""
    path = path.removeprefix("file://")
    return os.path.getsize(path) if "://" not in path and os.path.isfile(path) else 0


def landing_bytes(files: Sequence[str]) -> int:
    return sum(local_size(path) for path in files)


def _join(landing: str, *parts: str) -> str:
    return "/".join([landing.rstrip("/"), *parts])


def load_path(
    warehouse: Warehouse,
    source: str,
    path: str,
    *,
    run_id: str | None = None,
    mapping_file: str | None = None,
    reread: bool = False,
) -> LoadResult:
    """Load one file or every file below a folder. A file that cannot be read at all raises
    :class:`SourceFileError` after the files before it were loaded."""
    files = list_files(path)
    return load_files(warehouse, source, files, run_id=run_id, mapping_file=mapping_file, reread=reread)


def load_files(
    warehouse: Warehouse,
    source: str,
    files: Sequence[str],
    *,
    run_id: str | None = None,
    mapping_file: str | None = None,
    keep_going: bool = False,
    after_stage: Callable[[str], None] | None = None,
    reread: bool = False,
) -> LoadResult:
    """Load ``files`` of ``source`` in one transaction (more than :data:`BATCH_BYTES` of files:
    one per group of that size, in file order), merged at once: of the rows sharing a key
    only the newest version loads and the others count as duplicates. A file that cannot be read
    is recorded as failed in ``pipeline_runs`` and the others still load; without ``keep_going``
    its :class:`SourceFileError` is raised once they have. A file unchanged since its last good
    load is recorded, not read (:func:`_unchanged`), unless ``reread``; its record commits with
    the first group's.
    ``after_stage(path)`` is called once each file is staged, inside the still open transaction
    (the crash tests' kill point)."""
    spec = get_source(source)
    warehouse.ensure()
    run_id = run_id or new_run_id()
    mapping = ColumnMapping.from_yaml(mapping_file) if mapping_file else None
    sources = [SourceFile.at(p, mapping) for p in files]
    fingerprints = {s.path: file_fingerprint(s) for s in sources}
    total, failures = LoadResult(spec.name), []
    unchanged, records = ({}, []) if reread else _unchanged(warehouse, spec.name, fingerprints, run_id)
    for result in unchanged.values():
        total.add(result)
    sources = [s for s in sources if s.path not in unchanged]
    if records and not sources:
        with warehouse.engine.begin() as conn:
            insert_rows(
                conn, warehouse.pipeline_runs, [c.name for c in warehouse.pipeline_runs.columns], records
            )
    for group in _groups(sources) if sources or not files else ():
        result, failed = _load_batch(warehouse, spec, group, run_id, fingerprints, records, after_stage)
        records = []
        total.add(result)
        failures += failed
    if failures and not keep_going:
        raise failures[0]
    return total


def file_fingerprint(source: SourceFile) -> str | None:
    """SHA-256 over the package version, the vendor mapping and the file's bytes (a new version
    may read the same bytes differently); None when the file cannot be opened (its reader then
    names the problem)."""
    digest = hashlib.sha256(f"{__version__}\n{source.mapping!r}\n".encode())
    try:
        with fsspec.open(source.path, "rb") as handle:
            for block in iter(lambda: handle.read(1024**2), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def _unchanged(
    warehouse: Warehouse, source: str, fingerprints: dict[str, str | None], run_id: str
) -> tuple[dict[str, LoadResult], list[tuple[Any, ...]]]:
    """The files whose last run loaded them (status ``ok``) from the same bytes: their results
    by path and their ``pipeline_runs`` rows, with the counts reading them again would give
    (every row read is quarantined as before or a duplicate, those it loaded included)."""
    runs = warehouse.pipeline_runs
    known = [path for path, fingerprint in fingerprints.items() if fingerprint is not None]
    if not known:
        return {}, []
    latest: dict[str, Any] = {}
    with warehouse.engine.connect() as conn:
        query = (
            sa.select(runs)
            .where(runs.c.source == source, runs.c.source_file.in_(known))
            .order_by(runs.c.finished_at, runs.c.started_at)
        )
        for row in conn.execute(query):
            latest[row.source_file] = row
    now = utcnow()
    results: dict[str, LoadResult] = {}
    records = []
    for path, last in latest.items():
        if last.status != "ok" or last.file_sha256 != fingerprints[path]:
            continue
        duplicates = last.rows_loaded + last.rows_duplicate
        results[path] = LoadResult(
            source, last.rows_read, 0, last.rows_quarantined, duplicates, files=1, unchanged_files=1
        )
        message = f"unchanged since run {last.run_id}: not read again"
        row = (run_id, source, path, "ok", last.rows_read, 0, last.rows_quarantined, duplicates, message)
        records.append((*row, now, now, fingerprints[path]))
    return results, records


def _groups(sources: list[SourceFile]) -> Iterator[list[SourceFile]]:
    """The files in consecutive groups of about :data:`BATCH_BYTES` (local files by size; a
    nightly load is one group). Each group is staged and merged in its own transaction, as a
    night's files would be: the staged rows of a year at scale L filled 40 GB of DuckDB's
    spill files."""
    group: list[SourceFile] = []
    size = 0
    for source in sources:
        size += local_size(source.path)
        group.append(source)
        if size >= BATCH_BYTES:
            yield group
            group, size = [], 0
    if group or not sources:
        yield group


def _load_batch(
    warehouse: Warehouse,
    spec: SourceSpec,
    sources: Sequence[SourceFile],
    run_id: str,
    fingerprints: dict[str, str | None],
    unchanged: list[tuple[Any, ...]],
    after_stage: Callable[[str], None] | None = None,
) -> tuple[LoadResult, list[SourceFileError]]:
    """Stage every file of the batch, merge them at once, record each file's counts (and the
    ``unchanged`` files' runs)."""
    raw = warehouse.raw_table(spec.table, spec.columns)
    with warehouse.engine.begin() as conn:
        batch = _Batch(conn, warehouse, spec, raw, sources, run_id)
        fast = None
        if is_duckdb(conn) and native.Batch.applies(spec):
            duck = conn.connection.driver_connection
            fast = native.Batch(duck, spec, batch.stage.name, run_id, batch.started)
        for seq, source in enumerate(sources):
            if fast is None or not fast.add(seq, source):
                batch.read_whole(seq)
            if after_stage is not None:
                after_stage(source.path)
        if fast is not None:
            reads, handed_back = fast.finish()
            for seq, read in reads.items():
                batch.stage_items(seq, read.leftovers).read += read.staged
            for seq in handed_back:
                batch.read_whole(seq)
        batch.flush()
        counts, conflicts = _merge(conn, spec, raw, batch.stage)
        results = batch.results
        for (seq, disposition), count in counts.items():
            if disposition == "load":
                results[seq].loaded += count
            elif disposition == "duplicate":
                results[seq].duplicates += count
        for seq, rejects in conflicts.items():
            batch.quarantine(seq, rejects)
        if spec.post_load_sql:
            run_sql(conn, spec.post_load_sql.format(table=qualified_name(raw)))
        run_sql(conn, f"drop table {quote_identifier(batch.stage.name)}")
        batch.flush()
        batch.record_runs(fingerprints, unchanged)
    total = LoadResult(spec.name)
    for result in results.values():
        total.add(result)
    return total, list(batch.failures.values())


class _Batch:
    """The files of one load inside its transaction: their staged rows, quarantine rows and
    counts, written in bulk (``BATCH_ROWS`` at a time) rather than file by file."""

    def __init__(
        self,
        conn: Connection,
        warehouse: Warehouse,
        spec: SourceSpec,
        raw: sa.Table,
        sources: Sequence[SourceFile],
        run_id: str,
    ) -> None:
        self.conn, self.warehouse, self.spec, self.sources, self.run_id = (
            conn,
            warehouse,
            spec,
            sources,
            run_id,
        )
        self.started = utcnow()
        self.stage = _create_stage(conn, raw)
        self.columns = [*spec.column_names, *(c.name for c in LOAD_COLUMNS), "file_seq"]
        self.results = {seq: LoadResult(spec.name, files=1) for seq in range(len(sources))}
        self.failures: dict[int, SourceFileError] = {}
        self.rows: list[tuple[Any, ...]] = []
        self.rejects: list[tuple[Any, ...]] = []
        quarantine = warehouse.quarantine
        conn.execute(  # a file loaded again replaces its quarantine rows (loading is idempotent)
            sa.delete(quarantine).where(
                quarantine.c.source == spec.name,
                quarantine.c.source_file.in_(sorted({s.path for s in sources})),
            )
        )

    def read_whole(self, seq: int) -> None:
        """The file read by its Python reader; a file it cannot read leaves nothing behind."""
        try:
            self.stage_items(seq, self.spec.reader(self.sources[seq]))
        except SourceFileError as exc:
            self.failures[seq] = exc
            self.results[seq] = LoadResult(self.spec.name, failed_files=1)
            path = self.sources[seq].path
            self.rows = [r for r in self.rows if r[-1] != seq]
            self.rejects = [r for r in self.rejects if r[1] != path]
            run_sql(
                self.conn,
                f"delete from {quote_identifier(self.stage.name)} where file_seq = :seq",  # noqa: S608
                {"seq": seq},
            )
            quarantine = self.warehouse.quarantine
            self.conn.execute(
                sa.delete(quarantine).where(
                    quarantine.c.source == self.spec.name, quarantine.c.source_file == path
                )
            )

    def stage_items(self, seq: int, items: Iterable[Parsed | Reject]) -> LoadResult:
        """Stage one file's parsed rows and quarantine its rejects."""
        result = self.results[seq]
        source = self.sources[seq]
        for item in items:
            result.read += 1
            if isinstance(item, Reject):
                self.quarantine(seq, [item])
                continue
            self.rows.append((*_stage_row(self.spec, item, source, self.run_id, self.started), seq))
            if len(self.rows) >= BATCH_ROWS:
                self.flush()
        return result

    def quarantine(self, seq: int, rejects: Sequence[Reject]) -> None:
        path, now = self.sources[seq].path, utcnow()
        self.rejects.extend(
            (self.spec.name, path, r.line, r.raw, r.rule, r.reason, self.run_id, now) for r in rejects
        )
        self.results[seq].quarantined += len(rejects)
        if len(self.rejects) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        insert_rows(self.conn, self.stage, self.columns, self.rows)
        quarantine = self.warehouse.quarantine
        insert_rows(self.conn, quarantine, [c.name for c in quarantine.columns], self.rejects)
        self.rows, self.rejects = [], []

    def record_runs(self, fingerprints: dict[str, str | None], unchanged: list[tuple[Any, ...]]) -> None:
        """One ``pipeline_runs`` row per file, after the ``unchanged`` files' rows."""
        finished = utcnow()
        rows = list(unchanged)
        for seq, source in enumerate(self.sources):
            result, failure = self.results[seq], self.failures.get(seq)
            rows.append(
                (
                    self.run_id,
                    result.source,
                    source.path,
                    "failed" if failure else "ok",
                    result.read,
                    result.loaded,
                    result.quarantined,
                    result.duplicates,
                    failure.message if failure else None,
                    self.started,
                    finished,
                    None if failure else fingerprints[source.path],
                )
            )
        runs = self.warehouse.pipeline_runs
        insert_rows(self.conn, runs, [c.name for c in runs.columns], rows)


def _stage_row(
    spec: SourceSpec, item: Parsed, source: SourceFile, run_id: str, loaded_at: Any
) -> tuple[Any, ...]:
    content = tuple(item.values.get(c) for c in spec.column_names)
    return (*content, source.path, item.line, source.file_date, None, run_id, loaded_at)


def _row_hash(columns: Sequence[str], dialect: str, alias: str = "") -> str:
    """SQL for a fingerprint of a row's content, to tell a repeated delivery from a conflict.
    On DuckDB, its own 64-bit hash of the values in order (NULL apart from any value): a third
    of the cost of the MD5 of their text, which a load of millions of rows felt. Elsewhere, the
    MD5 of each value as text with its length in front, so no two rows share one by accident. A
    stored row matches by the fingerprint stored when it loaded (a column set later, such as
    xAPI's ``is_voided``, does not count) or by one computed again from its columns (``alias``):
    rows loaded by earlier versions, or another DuckDB, were fingerprinted another way."""
    if dialect == "duckdb":
        return f"cast(hash({', '.join(alias + quote_identifier(name) for name in columns)}) as varchar)"
    parts = []
    for name in columns:
        text = f"cast({alias}{quote_identifier(name)} as varchar)"
        parts.append(f"coalesce(cast(length({text}) as varchar) || ':' || {text}, '~')")
    return f"md5({' || '.join(parts)})"


def _create_stage(conn: Connection, raw: sa.Table) -> sa.Table:
    """A temporary table of the raw table's columns plus ``file_seq``, declared column by column:
    DuckDB 2.0.0 mis-reads a table made empty by ``CREATE TABLE AS ... WHERE false`` once it
    holds more than one row group (joins and window functions over it find no rows)."""
    name = f"stage_{raw.name}"
    run_sql(conn, f"drop table if exists {quote_identifier(name)}")
    columns = [sa.Column(c.name, c.type) for c in raw.columns]
    stage = sa.Table(
        name, sa.MetaData(), *columns, sa.Column("file_seq", sa.BigInteger), prefixes=["TEMPORARY"]
    )
    stage.create(conn)
    return stage


def _merge(
    conn: Connection, spec: SourceSpec, raw: sa.Table, stage: sa.Table
) -> tuple[dict[tuple[int, str], int], dict[int, list[Reject]]]:
    """Classify the staged rows of a batch of files and merge the winners into the raw table.

    Set-based, and sized for a backfill that merges group after group into a growing table.
    Only a staged row whose key repeats in the batch (``repeated``) or is already stored
    (``existing``: the raw table read for the staged keys, and for their few columns) is
    contested: those rows alone are fingerprinted, ranked and classified (``ranked``). Every
    other row goes from the stage into the raw table at once with its fingerprint; a window over
    every row and a join carrying every raw column once cost a backfill most of its time. A
    stored fingerprint that differs from the staged one is computed again from the stored
    columns (:func:`_row_hash`) for those keys alone. Key columns are never null (the readers
    require them). Returns counts per (file, disposition) and the conflicting duplicates per
    file."""
    keys = [quote_identifier(k) for k in spec.key]
    if spec.version:
        version = quote_identifier(spec.version)
        order = f"{version} desc nulls last, source_date desc nulls last, file_seq desc, source_line desc"
        superseded = f"(t.{version} is not null and (r.{version} is null or t.{version} > r.{version}))"
        compared = f", t.{version}"
    elif spec.snapshot:
        order = "source_date desc nulls last, file_seq desc, source_line desc"
        superseded = (
            "(t.source_date is not null and (r.source_date is null or t.source_date > r.source_date))"
        )
        compared = ", t.source_date"
    else:
        order = "file_seq asc, source_line asc"
        superseded = "false"
        compared = ""
    events = not (spec.version or spec.snapshot)
    is_event = "true" if events else "false"
    first = f"over (partition by {', '.join(keys)} order by {order})"
    repeated, existing, ranked = (
        quote_identifier(f"{step}_{raw.name}") for step in ("repeated", "existing", "ranked")
    )
    staged = quote_identifier(stage.name)
    key_list = ", ".join(f"t.{k}" for k in keys)
    content = ", ".join(f"s.{quote_identifier(c.name)}" for c in raw.columns if c.name != "row_hash")
    row_hash = _row_hash(spec.column_names, conn.dialect.name, "s.")
    hashed = f"{content}, {row_hash} as row_hash"
    contested = (
        f"(exists (select 1 from {repeated} as d where {_matches(keys, 'd', 's')})"  # noqa: S608
        f" or exists (select 1 from {existing} as t where {_matches(keys, 't', 's')}))"
    )
    # Identifiers here are validated; no value is placed in this text.
    _replace_temp(
        conn,
        repeated,
        f"select {', '.join(keys)} from {staged} group by {', '.join(keys)} having count(*) > 1",  # noqa: S608
    )
    _replace_temp(
        conn,
        existing,
        f"""
        select {key_list}, t.source_file, t.source_line, t.row_hash,
            cast(null as varchar) as computed_hash{compared}
        from {qualified_name(raw)} as t
        where exists (select 1 from {staged} as s where {_matches(keys, "s", "t")})
    """,  # noqa: S608
    )
    if events:
        ranked_select = f"""
            select s.*,
                row_number() {first} as rank_in_batch,
                first_value(s.row_hash) {first} as kept_hash,
                first_value(s.source_file) {first} as kept_file,
                first_value(s.source_line) {first} as kept_line
            from (select {hashed}, s.file_seq from {staged} as s where {contested}) as s
        """  # noqa: S608
        in_batch_conflict = "when r.rank_in_batch > 1 and r.row_hash <> r.kept_hash then 'conflict_in_batch'"
    else:
        # A later row of a key is a duplicate whatever it holds: only each key's first is
        # fingerprinted (a weekly snapshot repeats nearly every row).
        ranked_select = f"""
            select {content}, case when s.rank_in_batch = 1 then {row_hash} end as row_hash,
                s.file_seq, s.rank_in_batch
            from (select s.*, row_number() {first} as rank_in_batch from {staged} as s where {contested}) as s
        """  # noqa: S608
        in_batch_conflict = ""
    _replace_temp(conn, ranked, ranked_select)
    differs = f"""
        from {ranked} as r where r.rank_in_batch = 1 and {_matches(keys, "r", "t")}
        and r.row_hash is distinct from t.row_hash
    """
    if _count(conn, f"select count(*) from {existing} as t where exists (select 1 {differs})"):  # noqa: S608
        run_sql(
            conn,
            f"""
            update {existing} as e set computed_hash = t.computed_hash
            from (
                select {key_list}, {_row_hash(spec.column_names, conn.dialect.name, "t.")} as computed_hash
                from {qualified_name(raw)} as t where exists (select 1 {differs})
            ) as t
            where {_matches(keys, "e", "t")}
        """,  # noqa: S608
        )
    classified = f"""(
        select
            r.*,
            t.source_file as existing_file,
            t.source_line as existing_line,
            case
                {in_batch_conflict}
                when r.rank_in_batch > 1 then 'duplicate'
                when t.source_file is null then 'load'
                when r.row_hash in (t.row_hash, t.computed_hash) then 'duplicate'
                when {is_event} then 'conflict'
                when {superseded} then 'duplicate'
                else 'load'
            end as disposition
        from {ranked} as r
        left join {existing} as t on {_matches(keys, "r", "t")}
    ) as c"""  # noqa: S608
    replaced = f"from {classified} where c.disposition = 'load' and c.existing_file is not null"
    if _count(conn, f"select count(*) {replaced}"):
        run_sql(
            conn,
            f"delete from {qualified_name(raw)} as t where exists "  # noqa: S608
            f"(select 1 {replaced} and {_matches(keys, 'c', 't')})",
        )
    column_list = ", ".join(quote_identifier(c.name) for c in raw.columns)
    insert = f"insert into {qualified_name(raw)} ({column_list}) "
    run_sql(conn, f"{insert} select {column_list} from {classified} where c.disposition = 'load'")  # noqa: S608
    uncontested = f"from {staged} as s where not {contested}"
    run_sql(conn, f"{insert} select {column_list} from (select {hashed} {uncontested}) as s")  # noqa: S608
    counts: dict[tuple[int, str], int] = {}
    for seq, disposition, count in [
        *run_sql(conn, f"select s.file_seq, 'load', count(*) {uncontested} group by s.file_seq"),
        *run_sql(
            conn,
            f"select c.file_seq, c.disposition, count(*) from {classified} "  # noqa: S608
            "group by c.file_seq, c.disposition",
        ),
    ]:
        counts[int(seq), disposition] = counts.get((int(seq), disposition), 0) + int(count)
    conflicts: dict[int, list[Reject]] = {}
    for row in run_sql(
        conn,
        f"select * from {classified} "  # noqa: S608
        "where c.disposition in ('conflict', 'conflict_in_batch') order by c.file_seq, c.source_line",
    ):
        conflicts.setdefault(int(row.file_seq), []).append(_conflict_reject(spec, row._mapping))
    for table in (repeated, existing, ranked):
        run_sql(conn, f"drop table {table}")
    return counts, conflicts


def _matches(keys: Sequence[str], left: str, right: str) -> str:
    return " and ".join(f"{left}.{k} = {right}.{k}" for k in keys)


def _replace_temp(conn: Connection, name: str, select: str) -> None:
    run_sql(conn, f"drop table if exists {name}")
    run_sql(conn, f"create temporary table {name} as {select}")


def _count(conn: Connection, sql: str) -> int:
    return int(run_sql(conn, sql).scalar_one())


def _conflict_reject(spec: SourceSpec, row: Any) -> Reject:
    key = ", ".join(f"{k}={row[k]!s}" for k in spec.key)
    if row["disposition"] == "conflict":
        where = f"from {row['existing_file']} line {row['existing_line']}"
    elif row["kept_file"] == row["source_file"]:
        where = "earlier in this file"
    else:
        where = f"from {row['kept_file']} line {row['kept_line']}"
    raw = json.dumps({c: row[c] for c in spec.column_names}, default=str)
    return Reject(
        int(row["source_line"]),
        raw,
        "conflicting_duplicate",
        f"{key} was already loaded {where} with different content; the first one is kept",
    )


def iter_landing(landing: str, start: date, end: date) -> Iterator[tuple[str, list[str]]]:
    """Per source (registry order), the landing files for ``[start, end)``."""
    for name in SOURCES:
        files = landing_files(landing, name, start, end)
        if files:
            yield name, files
