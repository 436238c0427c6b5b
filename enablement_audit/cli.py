"""The ``enablement-audit`` command: the same pipeline as the Airflow DAGs, without Airflow."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa

from enablement_audit.config import Settings, load_settings
from enablement_audit.sources.base import SourceFileError
from enablement_audit.warehouse import DUCKDB_MEMORY_LIMIT, Warehouse

DAY = click.DateTime(formats=["%Y-%m-%d"])


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj["settings"]


def _warehouse(ctx: click.Context) -> Warehouse:
    settings = _settings(ctx)
    return Warehouse.from_url(settings.resolved_warehouse_url, settings.schema_name)


_STARTED = time.monotonic()


def _progress(message: str) -> None:
    """A progress line on stderr, with the seconds since the command started."""
    click.echo(f"  {time.monotonic() - _STARTED:7.1f} s  {message}", err=True)


def warehouse_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--warehouse URL`` on every command (default: ENABLEMENT_AUDIT_WAREHOUSE_URL, else the
    embedded DuckDB file)."""

    def remember(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
        if value:
            ctx.obj["settings"] = ctx.obj["settings"].model_copy(update={"warehouse_url": value})
        return value

    return click.option(
        "--warehouse",
        metavar="URL",
        expose_value=False,
        callback=remember,
        help="SQLAlchemy URL of the warehouse "
        "(default: ENABLEMENT_AUDIT_WAREHOUSE_URL, else an embedded DuckDB file).",
    )(command)


@click.group()
@click.version_option(package_name="enablement-audit")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Audit whether a sales organisation uses the enablement it pays for, and whether it shows."""
    ctx.ensure_object(dict)
    try:
        ctx.obj["settings"] = load_settings()
    except (ValueError, FileNotFoundError) as exc:
        raise click.ClickException(f"configuration: {exc}") from exc


@main.command()
@click.argument("source")
@click.argument("path")
@click.option("--mapping", "mapping_file", metavar="FILE", help="Column-mapping YAML for a vendor export.")
@click.option("--json", "as_json", is_flag=True, help="End with one JSON line of counts.")
@click.option("--reread", is_flag=True, help="Read files again even if unchanged since their last load.")
@warehouse_option
@click.pass_context
def load(
    ctx: click.Context, source: str, path: str, mapping_file: str | None, as_json: bool, reread: bool
) -> None:
    """Load one file or folder of one SOURCE into its raw table."""
    from enablement_audit.load import get_source, load_path

    try:
        get_source(source)
        result = load_path(_warehouse(ctx), source, path, mapping_file=mapping_file, reread=reread)
    except (SourceFileError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(result.summary()))
    else:
        s = result.summary()
        click.echo(
            f"{source}: read {s['read']}, loaded {s['loaded']}, quarantined {s['quarantined']}, "
            f"duplicates {s['duplicates']}{_unchanged(result)}"
        )


@main.command()
@click.option("--start", type=DAY, required=True, help="First day of the interval (YYYY-MM-DD).")
@click.option("--end", type=DAY, required=True, help="Day after the interval (exclusive).")
@click.option("--landing", metavar="DIR", help="Landing folder or fsspec URL to load from.")
@warehouse_option
@click.pass_context
def run(ctx: click.Context, start: Any, end: Any, landing: str | None) -> None:
    """The nightly pipeline for [START, END): load, build every model, check."""
    from enablement_audit import pipeline

    settings = _settings(ctx)
    try:
        summary = pipeline.run(
            _warehouse(ctx), settings, start.date(), end.date(), landing=landing, progress=_progress
        )
    except (SourceFileError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    for source, result in summary.loads.items():
        s = result.summary()
        failed = _unchanged(result)
        failed += f", {result.failed_files} file(s) unreadable" if result.failed_files else ""
        late = summary.late.get(source)
        if late and late.events:
            failed += (
                f", {late.events:,} event(s) more than {settings.late_arrival_days} days late "
                f"(the oldest from {late.earliest})"
            )
        click.echo(
            f"{source:20} read {s['read']:>9,}  loaded {s['loaded']:>9,}  "
            f"quarantined {s['quarantined']:>7,}  duplicates {s['duplicates']:>7,}{failed}"
        )
    click.echo(f"built {len(summary.models)} models; run {summary.run_id}")
    _report_checks(summary.checks)
    if summary.blocking:
        raise click.ClickException(
            f"{len(summary.blocking)} blocking data-quality check(s) failed: do not publish this week"
        )


def _unchanged(result: Any) -> str:
    if not result.unchanged_files:
        return ""
    return f" ({result.unchanged_files} unchanged file(s) not read again)"


def _report_checks(results: list[Any]) -> None:
    from enablement_audit.quality import blocking_failures, summary_line, warning_failures

    click.echo(summary_line(results))
    for result in blocking_failures(results) + warning_failures(results):
        click.echo(f"  {result.message}")


@main.command()
@click.option("--start", type=DAY, required=True, help="First day of the interval (YYYY-MM-DD).")
@click.option("--end", type=DAY, required=True, help="Day after the interval (exclusive).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as a JSON list.")
@click.option("--data-docs", metavar="DIR", help="Also build Great Expectations Data Docs here.")
@warehouse_option
@click.pass_context
def check(ctx: click.Context, start: Any, end: Any, as_json: bool, data_docs: str | None) -> None:
    """Only the data-quality checks for [START, END); exit 1 when a blocking check failed."""
    from enablement_audit import pipeline
    from enablement_audit.load import new_run_id
    from enablement_audit.quality import blocking_failures, build_data_docs, format_table, load_config

    settings = _settings(ctx)
    warehouse = _warehouse(ctx)
    try:
        window = models_window(start.date(), end.date())
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--end") from exc
    results = pipeline.check(warehouse, settings, window, "all", new_run_id())
    if as_json:
        keys = ("suite", "expectation", "column", "severity", "success", "observed")
        click.echo(json.dumps([{k: r.as_dict()[k] for k in keys} for r in results], default=str))
    else:
        click.echo(format_table(results))
    if data_docs:
        config = load_config(settings.quality_file, identity_match_rate=settings.identity_match_threshold)
        index = build_data_docs(warehouse, window.start, window.end, Path(data_docs), config=config)
        click.echo(f"Data Docs: {index}", err=True)
    if blocking_failures(results):
        ctx.exit(1)


def models_window(start: date, end: date) -> Any:
    from enablement_audit.models import BuildWindow

    if end <= start:
        raise ValueError(f"the end {end} must be after the start {start}")
    return BuildWindow(start, end)


@main.command()
@click.option("--scale", type=click.Choice(["S", "M", "L"]), default="S", show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--out", type=click.Path(file_okay=False), required=True, help="Landing folder to write.")
@click.option("--end", type=DAY, help="Day after the last generated day (default: this week's Monday).")
def generate(scale: str, seed: int, out: str, end: Any) -> None:
    """Generate a synthetic organisation's landing files in the real source formats."""
    from enablement_audit.synthetic import generate as make

    manifest = make(
        out, scale=scale, seed=seed, end=(end.date() if end else this_monday()), progress=_progress
    )
    rows = sum(v["rows"] for v in manifest["sources"].values())
    click.echo(f"wrote {rows:,} rows for scale {scale} to {out}")


@main.command()
@click.option("--out", type=click.Path(file_okay=False), default="build/demo", show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@click.pass_context
def demo(ctx: click.Context, out: str, seed: int) -> None:
    """Generate scale S, run everything on an embedded warehouse, print the report path last."""
    from enablement_audit import pipeline
    from enablement_audit.report import write_reports
    from enablement_audit.synthetic import generate as make

    root = Path(out).resolve()
    settings = _settings(ctx)
    if not settings.warehouse_url:
        (root / "warehouse.duckdb").unlink(missing_ok=True)
        settings = settings.model_copy(update={"warehouse_url": f"duckdb:///{root / 'warehouse.duckdb'}"})
    end = this_monday()
    landing = root / "landing"
    click.echo(f"generating scale S demo data in {landing}", err=True)
    manifest = make(landing, scale="S", seed=seed, end=end, progress=_progress)
    start = date.fromisoformat(manifest["start"])
    warehouse = Warehouse.from_url(settings.resolved_warehouse_url, settings.schema_name)
    click.echo(f"running the pipeline for {start} to {end}", err=True)
    summary = pipeline.run(warehouse, settings, start, end, landing=str(landing), progress=_progress)
    _report_checks(summary.checks)
    last_week = end - timedelta(days=7)
    paths = write_reports(warehouse, settings, last_week, root / "reports")
    click.echo(str(paths[-1]))


@main.command()
@click.option("--week", required=True, metavar="YYYY-Www", help="ISO week, e.g. 2026-W47.")
@click.option("--out", type=click.Path(file_okay=False), help="Folder for the HTML files.")
@warehouse_option
@click.pass_context
def report(ctx: click.Context, week: str, out: str | None) -> None:
    """Write the organisation report, one team report per manager and index.html."""
    from enablement_audit.report import parse_iso_week, write_reports

    settings = _settings(ctx)
    try:
        monday = parse_iso_week(week)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--week") from exc
    paths = write_reports(
        _warehouse(ctx), settings, monday, Path(out) if out else settings.resolved_report_dir
    )
    click.echo(str(paths[-1]))
    if paths[-1].name.startswith("hold-"):
        raise click.ClickException(
            "a blocking data-quality check failed: wrote a hold page, the last report stays"
        )


@main.command()
@warehouse_option
@click.pass_context
def tables(ctx: click.Context) -> None:
    """List the warehouse tables with their grain."""
    from enablement_audit.models import discover
    from enablement_audit.sources import SOURCES

    warehouse = _warehouse(ctx)
    warehouse.ensure()
    grains = {spec.table: spec.description for spec in SOURCES.values()}
    grains |= _SYSTEM_GRAINS
    grains |= {name: model.grain for name, model in discover().items()}
    existing = set(warehouse.table_names()) | set(
        sa.inspect(warehouse.engine).get_view_names(schema=warehouse.schema)
    )
    for name in sorted(grains):
        built = "" if name in existing else "  (not built yet)"
        click.echo(f"{name:32} {grains[name]}{built}")


_SYSTEM_GRAINS = {
    "quarantine": "one row per rejected source row (source, file, line, raw text, rule, reason, run)",
    "pipeline_runs": "one row per loaded file per run (read = loaded + quarantined + duplicates)",
    "dq_results": "one row per data-quality check per run and stage",
    "report_snapshots": "one row per headline metric per week per published report",
    "cfg_seller_title": "one row per configured seller title",
    "cfg_scorecard_goal": "one row per scorecard metric in the goals file",
    "cfg_verdict": "one row per verdict area in the goals file",
}


def this_monday(today: date | None = None) -> date:
    today = today or date.today()
    return today - timedelta(days=today.weekday())


def entry() -> None:
    """The console script. Once Great Expectations has run next to DuckDB, the interpreter's
    own shutdown makes nanobind print pages of "leaked instance" warnings (harmless: the process
    is ending); after the command has finished and flushed, such a process exits directly."""
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except sa.exc.OperationalError as exc:
        # The driver's own first line (host, port, what failed); never the URL, which may hold a password.
        reason = str(exc.orig or exc).strip().splitlines()[0]
        if reason.startswith("Out of Memory Error"):
            reason += (
                f" (DuckDB's memory_limit is {DUCKDB_MEMORY_LIMIT} unless the warehouse URL sets one:"
                " give it more, e.g. duckdb:///warehouse.duckdb?memory_limit=3GB for a year at scale L)"
            )
        click.echo(f"Error: cannot use the warehouse: {reason}", err=True)
        code = 1
    else:
        code = 0
    if "great_expectations" in sys.modules:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
