"""Benchmark the pipeline at a scale preset against a bare DuckDB script and a pandas script.

``python benchmarks/bench.py --scale S|M|L [--runs N] [--seed N] [--end YYYY-MM-DD]``
(``make bench SCALE=M``). Read ``benchmarks/README.md`` for what is measured and how.

Every measured command runs in its own subprocess; its wall time is taken around the process
and its peak resident memory is the child's ``ru_maxrss`` (``os.wait4``). The machine's load
average is recorded before and after each command (other work on the machine slows it down).
The aggregates of the pipeline, the DuckDB script and the pandas script are compared
(:mod:`compare`) before anything is recorded; on a mismatch nothing is appended and the exit
status is 1. Results are appended to ``benchmarks/results.json`` and ``benchmarks/RESULTS.md``
is rewritten above its notes.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from compare import compare, self_test  # noqa: E402

VENV_BIN = Path(sys.executable).parent
CLI = str(VENV_BIN / "enablement-audit")
# The CLI with proposed changes applied, to measure them before they are in the package:
# ``--sql-dir`` reads the SQL models from another folder (``models.sql_dir`` is looked up at
# build time) and ``--patch FILE`` runs a Python file (which may replace package functions) in
# the CLI's process before the command. Both are recorded with the result.
CLI_WRAPPER = (
    "import runpy, sys; from pathlib import Path; import enablement_audit.models as models; "
    "sql_dir, patches = sys.argv.pop(1), sys.argv.pop(1); "
    "models.sql_dir = (lambda: Path(sql_dir)) if sql_dir else models.sql_dir; "
    "[runpy.run_path(p) for p in patches.split(',') if p]; "
    "sys.argv[0] = 'enablement-audit'; from enablement_audit.cli import entry; entry()"
)
SQL_DIR: Path | None = None
PATCHES: list[Path] = []
MEMORY_LIMIT: str | None = None


def cli() -> list[str]:
    """The command that runs ``enablement-audit`` (with ``--sql-dir`` and ``--patch`` applied)."""
    if SQL_DIR is None and not PATCHES:
        return [CLI]
    patches = ",".join(str(p) for p in PATCHES)
    return [sys.executable, "-c", CLI_WRAPPER, str(SQL_DIR or ""), patches]


def shown_path(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


PROGRESS = re.compile(r"^\s*(?:[\d.]+ s\s+)?")
"""What comes before a progress line's text: its indent and the seconds since the CLI started."""
RESULTS_JSON = HERE / "results.json"
RESULTS_MD = HERE / "RESULTS.md"
NOTES_MARKER = "<!-- notes: everything below this line is kept when the table is rewritten -->"
DEFAULT_END = date(2026, 11, 23)  # the generator's default: a fixed end keeps runs comparable

# Targets from the issue (not tests): per scale, what the numbers should meet.
TARGETS = {
    "M": "compute_s <= 3x duckdb_s; pipeline_s <= 8x duckdb_s and < pandas_s; peak RSS < 2 GB",
    "L": "pipeline_s <= pandas_s / 3 (or pandas OOM); peak RSS < 6 GB; incremental day < 60 s; "
    "2x data <= 2.2x time",
}


@dataclass
class Measured:
    """One subprocess: wall seconds, peak RSS, output, and the time of each stderr line."""

    argv: list[str]
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    returncode: int = 0
    stdout: str = ""
    stderr_lines: list[tuple[float, str]] = field(default_factory=list)
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def mark(self, prefix: str) -> float | None:
        """Seconds from process start to the first stderr progress line starting with ``prefix``
        (after the seconds the CLI puts in front of it)."""
        return next((t for t, line in self.stderr_lines if PROGRESS.sub("", line).startswith(prefix)), None)


def measure(
    argv: list[str], env: dict[str, str] | None = None, memory_limit_mb: int | None = None
) -> Measured:
    """Run ``argv``; with ``memory_limit_mb``, its address space is capped there, so running
    out of memory is a ``MemoryError`` in the process rather than the kernel's OOM killer
    choosing some process of the machine."""

    def cap() -> None:
        if memory_limit_mb is not None:
            limit = memory_limit_mb * 2**20
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    result = Measured(argv, load_before=os.getloadavg())
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env or clean_env(),
        preexec_fn=cap,  # (the readers of earlier runs are joined: no other thread runs)
    )
    chunks: list[str] = []

    def read_stdout() -> None:
        chunks.append(proc.stdout.read())

    def read_stderr() -> None:
        for line in proc.stderr:
            result.stderr_lines.append((time.perf_counter() - started, line.rstrip("\n")))

    readers = [threading.Thread(target=read_stdout), threading.Thread(target=read_stderr)]
    for reader in readers:
        reader.start()
    _, status, usage = os.wait4(proc.pid, 0)
    result.seconds = time.perf_counter() - started
    for reader in readers:
        reader.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    result.returncode = proc.returncode
    result.peak_rss_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
    result.stdout = "".join(chunks)
    result.load_after = os.getloadavg()
    return result


def clean_env() -> dict[str, str]:
    """The environment without ENABLEMENT_AUDIT_* settings: every run uses the defaults."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENABLEMENT_AUDIT_")}
    env["PYTHONUNBUFFERED"] = "1"
    env["ENABLEMENT_AUDIT_HOME"] = str(HERE / "data" / "home")
    # Byte-code caching on, as on a normal install (pip and a first run write .pyc files). Some
    # sandboxes set PYTHONDONTWRITEBYTECODE, which makes every process compile Great
    # Expectations from source (about 5 s more per start); the cache goes under benchmarks/data.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(HERE / "data" / "pycache")
    return env


WARM_UP = (
    "import enablement_audit.cli, enablement_audit.pipeline, enablement_audit.load, "
    "enablement_audit.quality, enablement_audit.quality.engine, enablement_audit.sources, "
    "great_expectations, pandas, pyarrow, duckdb"
)


def warm_up() -> None:
    """Fill the byte-code cache once, untimed, so the first measured run is not the odd one out."""
    check(measure([sys.executable, "-c", WARM_UP]), "warm-up")


def check(result: Measured, what: str) -> Measured:
    if result.returncode != 0:
        tail = "\n".join(line for _, line in result.stderr_lines[-20:])
        raise SystemExit(f"{what} failed (exit {result.returncode}): {' '.join(result.argv)}\n{tail}")
    return result


# --- data ---------------------------------------------------------------------------------------


def landing_for(
    scale: str, seed: int, end: date, regenerate: bool
) -> tuple[Path, dict[str, Any], float | None]:
    """Reuse ``benchmarks/data/<scale>-seed<N>/`` when its manifest matches, else generate it."""
    landing = HERE / "data" / f"{scale}-seed{seed}"
    manifest_path = landing / "manifest.json"
    if manifest_path.exists() and not regenerate:
        manifest = json.loads(manifest_path.read_text())
        if (manifest["scale"], manifest["seed"], manifest["end"]) == (scale, seed, end.isoformat()):
            say(f"reusing {landing}")
            return landing, manifest, None
    say(f"generating scale {scale} (seed {seed}) into {landing}")
    argv = [CLI, "generate", "--scale", scale, "--seed", str(seed), "--out", str(landing)]
    generated = check(measure([*argv, "--end", end.isoformat()]), "generate")
    return landing, json.loads(manifest_path.read_text()), generated.seconds


def folder_size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


# --- the four measurements ----------------------------------------------------------------------


def pipeline_run(landing: Path, warehouse: Path, start: date, end: date) -> Measured:
    for suffix in ("", ".wal"):
        Path(f"{warehouse}{suffix}").unlink(missing_ok=True)
    argv = [*cli(), "run", "--start", start.isoformat(), "--end", end.isoformat()]
    argv += ["--landing", str(landing), "--warehouse", warehouse_url(warehouse)]
    return check(measure(argv), "pipeline run")


def warehouse_url(path: Path) -> str:
    """The pipeline's DuckDB URL, with ``--memory-limit`` when one is set (3GB at scale L)."""
    return f"duckdb:///{path}" + (f"?memory_limit={MEMORY_LIMIT}" if MEMORY_LIMIT else "")


def copy_warehouse(source: Path, target: Path) -> None:
    """A DuckDB file with its write-ahead log: the CLI ends with ``os._exit`` once Great
    Expectations has run, so the last changes may still be in ``<file>.wal``."""
    for suffix in ("", ".wal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")


def stages(run: Measured) -> dict[str, float]:
    """Stage times from the run's progress lines: load, raw checks, build, mart checks."""
    load = run.mark("loading ")
    raw = run.mark("checking raw tables")
    build = run.mark("building models")
    marts = run.mark("checking marts")
    if None in (raw, build, marts):
        raise SystemExit("the run's progress lines changed; update benchmarks/bench.py:stages")
    load = raw if load is None else load
    return {
        "startup_s": load,
        "load_s": raw - load,
        "raw_checks_s": build - raw,
        "build_s": marts - build,
        "mart_checks_s": run.seconds - marts,
        "compute_s": (raw - load) + (marts - build),
    }


def rows_read(run: Measured) -> int:
    return sum(int(m.replace(",", "")) for m in re.findall(r"\bread\s+([\d,]+)", run.stdout))


def script_run(script: str, landing: Path, out: Path, start: date, end: date) -> Measured:
    shutil.rmtree(out, ignore_errors=True)
    argv = [sys.executable, str(HERE / script), str(landing), str(out)]
    return check(measure([*argv, "--start", start.isoformat(), "--end", end.isoformat()]), script)


def pandas_run(landing: Path, out: Path, start: date, end: date, limit_mb: int) -> Measured:
    """The pandas script with its memory capped at ``limit_mb``: a run that runs out of memory
    is returned (and recorded as such), any other failure stops the benchmark."""
    shutil.rmtree(out, ignore_errors=True)
    argv = [sys.executable, str(HERE / "bare_pandas.py"), str(landing), str(out)]
    run = measure([*argv, "--start", start.isoformat(), "--end", end.isoformat()], memory_limit_mb=limit_mb)
    return run if out_of_memory(run) else check(run, "bare_pandas.py")


def out_of_memory(run: Measured) -> bool:
    """Ended by a ``MemoryError`` (Python's or Arrow's) or killed by the kernel (SIGKILL)."""
    return run.returncode == -9 or (
        run.returncode != 0 and any("MemoryError" in line for _, line in run.stderr_lines[-20:])
    )


# --- recording ----------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    import duckdb
    import pandas

    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        model = found.group(1).strip() if found else ""
    memory = 0.0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        found = re.search(r"MemTotal:\s*(\d+) kB", meminfo.read_text())
        memory = int(found.group(1)) / 2**20 if found else 0.0
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "memory_gb": round(memory, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pandas": pandas.__version__,
    }


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "enablement_audit", "sql"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except OSError:
        return ""


def median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def say(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def variant(result: dict[str, Any]) -> str:
    """What the run changed in the package, if anything (``--sql-dir``, ``--patch``)."""
    changes = [f"SQL from {result['sql_dir']}"] if result.get("sql_dir") else []
    changes += [f"patch {p}" for p in result.get("patches") or []]
    return f" ({'; '.join(changes)})" if changes else ""


def write_results_md(results: list[dict[str, Any]]) -> None:
    """Rewrite the table part of RESULTS.md; keep the notes below the marker."""
    notes = ""
    if RESULTS_MD.exists():
        text = RESULTS_MD.read_text(encoding="utf-8")
        if NOTES_MARKER in text:
            notes = text.split(NOTES_MARKER, 1)[1]
    lines = [
        "# Benchmark results",
        "",
        "Written by `benchmarks/bench.py` (`make bench SCALE=S|M|L`) from `benchmarks/results.json`;",
        "the notes below the table are kept. Times are medians over the runs, in seconds; memory is",
        "the peak resident set of the process, in MB. `compute` is load + build (no checks);",
        "`pipeline` is the whole `enablement-audit run` process (start, load, raw checks, build, mart",
        "checks). Ratios: compute / duckdb, pipeline / duckdb, pandas / pipeline (speedup). Load is",
        "the 1-minute load average before / after the pipeline runs.",
        "",
        "| when | scale | rows in | landing MB | runs | pipeline | compute | incremental day "
        "| duckdb | pandas "
        "| compute/duckdb | pipeline/duckdb | speedup vs pandas | peak RSS pipeline / incr / duckdb / pandas "
        "| agree | load | machine | commit | note |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- "
        "| --- | --- | --- | --- | --- |",
    ]
    for r in results:
        m, rss = r["machine"], r["peak_rss_mb"]
        rss_text = " / ".join(
            f"{rss[k]:,.0f}" if rss.get(k) is not None else "-"
            for k in ("pipeline", "incremental", "duckdb", "pandas")
        )
        incremental = f"{r['incremental_day_s']:.1f}" if r.get("incremental_day_s") is not None else "-"
        load = r["load"]
        oom = r.get("pandas_out_of_memory")
        if r.get("pandas_s") is not None:
            pandas, speedup = f"{r['pandas_s']:.1f}", f"{r['speedup_vs_pandas']:.2f}"
        elif oom:
            pandas = f"out of memory ({oom['limit_mb'] / 1024:.0f} GB cap) after {oom['after_s']:.0f} s"
            speedup = "pandas cannot"
        else:
            pandas, speedup = "-", "-"
        lines.append(
            f"| {r['when'][:16].replace('T', ' ')} | {r['scale']} | {r['rows_in']:,} "
            f"| {r['landing_mb']:,.0f} "
            f"| {r['runs']} | {r['pipeline_s']:.1f} | {r['compute_s']:.1f} | {incremental} "
            f"| {r['duckdb_s']:.2f} | {pandas} | {r['compute_ratio_vs_duckdb']:.1f} "
            f"| {r['ratio_vs_duckdb']:.1f} | {speedup} | {rss_text} "
            f"| {'yes' if r['agreement']['ok'] else 'NO'} "
            f"| {load['pipeline_before']:.1f} / {load['pipeline_after']:.1f} "
            f"| {m['cores']} cores, {m['memory_gb']:.0f} GB | {r.get('commit', '')} "
            f"| {r.get('note', '')}{variant(r)} |"
        )
    lines += ["", "Machines:", ""]
    for description in dict.fromkeys(
        f"- {r['machine']['cores']} cores ({r['machine']['cpu']}), {r['machine']['memory_gb']} GB, "
        f"{r['machine']['os']}, Python {r['machine']['python']}, DuckDB {r['machine']['duckdb']}, "
        f"pandas {r['machine']['pandas']}"
        for r in results
    ):
        lines.append(description)
    lines += ["", "Targets (issue 8; not tests):", ""]
    lines += [f"- {scale}: {target}" for scale, target in TARGETS.items()]
    lines += ["", *scaling(results)]
    lines += ["", NOTES_MARKER]
    RESULTS_MD.write_text("\n".join(lines) + (notes if notes else "\n"), encoding="utf-8")


def cost_per_doubling(rows_factor: float, time_factor: float) -> float:
    """The time factor per doubling of the rows: ``2 ** (log(time factor) / log(rows factor))``."""
    return 2 ** (math.log(time_factor) / math.log(rows_factor))


def scaling(results: list[dict[str, Any]]) -> list[str]:
    """What doubling the data costs (one machine): the latest result of each larger scale against
    the last smaller-scale result measured before it, of the same code (its commit) if there is
    one (a result measured after later changes would compare two versions, not two sizes); the
    time factor between them, expressed per doubling of the rows read."""
    latest = {r["scale"]: r for r in results}
    present = [scale for scale in ("S", "M", "L") if scale in latest]
    lines = ["Scaling (latest run of each larger scale; target at L: 2x data costs at most 2.2x time):", ""]
    for small, large in itertools.pairwise(present):
        b = latest[large]
        earlier = [r for r in results if r["scale"] == small and r["when"] <= b["when"]]
        same_code = [r for r in earlier if r.get("commit") == b.get("commit")]
        if not (same_code or earlier):
            continue
        a = (same_code or earlier)[-1]
        rows = b["rows_in"] / a["rows_in"]
        per_doubling = {key: cost_per_doubling(rows, b[key] / a[key]) for key in ("pipeline_s", "compute_s")}
        small_when, large_when = (r["when"][:16].replace("T", " ") for r in (a, b))
        lines.append(
            f"- {small} ({small_when}) to {large} ({large_when}): "
            f"{rows:.1f}x the rows, {b['pipeline_s'] / a['pipeline_s']:.1f}x the time "
            f"end to end: {per_doubling['pipeline_s']:.2f}x per doubling "
            f"({per_doubling['compute_s']:.2f}x for load and build)"
        )
    return lines if len(lines) > 2 else []


# --- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark the pipeline against bare DuckDB and pandas.")
    parser.add_argument("--scale", choices=("S", "M", "L"), default="S")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--end", type=date.fromisoformat, default=DEFAULT_END)
    parser.add_argument("--runs", type=int, default=3, help="runs of (a), (c) and (d)")
    parser.add_argument(
        "--memory-limit",
        default=None,
        help="DuckDB memory_limit in the pipeline's warehouse URL (default: the package's 1GB; 3GB at L, "
        "whose year of models does not build in 1GB)",
    )
    parser.add_argument("--incremental-runs", type=int, default=None, help="runs of (b) (default: --runs)")
    parser.add_argument("--no-pandas", action="store_true", help="skip (d) (e.g. it runs out of memory at L)")
    parser.add_argument("--regenerate", action="store_true", help="generate the landing data again")
    parser.add_argument("--note", default="", help="a short note stored with the result")
    parser.add_argument(
        "--sql-dir",
        type=Path,
        help="build with the SQL models in this folder instead of the package's sql/ "
        "(to measure a proposed model change before it is applied; recorded with the result)",
    )
    parser.add_argument(
        "--patch",
        type=Path,
        action="append",
        default=[],
        help="a Python file run in every CLI process before the command (to measure a proposed "
        "code change before it is applied; recorded with the result); may be repeated",
    )
    args = parser.parse_args()
    global SQL_DIR, PATCHES, MEMORY_LIMIT
    MEMORY_LIMIT = args.memory_limit or ("3GB" if args.scale == "L" else None)
    SQL_DIR = args.sql_dir.resolve() if args.sql_dir else None
    PATCHES = [p.resolve() for p in args.patch]

    landing, manifest, generate_s = landing_for(args.scale, args.seed, args.end, args.regenerate)
    start = date.fromisoformat(manifest["start"])
    end = date.fromisoformat(manifest["end"])
    work = HERE / "data" / f"{args.scale}-seed{args.seed}-work"
    work.mkdir(parents=True, exist_ok=True)
    warehouse = work / "rebuild.duckdb"

    warm_up()
    # pandas may need more memory than the machine has (scale L): capped at 3/4 of it.
    pandas_limit_mb = int(machine()["memory_gb"] * 1024 * 3 / 4)
    pandas_oom: Measured | None = None
    runs: dict[str, list[Measured]] = {"pipeline": [], "duckdb": [], "pandas": []}
    run_stages: list[dict[str, float]] = []
    agreement: dict[str, Any] = {}
    for number in range(1, args.runs + 1):
        say(f"run {number}/{args.runs}: pipeline (a) {start} to {end}")
        run = pipeline_run(landing, warehouse, start, end)
        runs["pipeline"].append(run)
        run_stages.append(stages(run))
        say(f"  pipeline {run.seconds:.1f} s, {run.peak_rss_mb:.0f} MB, stages {run_stages[-1]}")
        say(f"run {number}/{args.runs}: bare DuckDB (c)")
        runs["duckdb"].append(script_run("bare_duckdb.py", landing, work / "duckdb", start, end))
        say(f"  duckdb {runs['duckdb'][-1].seconds:.2f} s, {runs['duckdb'][-1].peak_rss_mb:.0f} MB")
        if not args.no_pandas and pandas_oom is None:
            say(f"run {number}/{args.runs}: pandas (d), memory capped at {pandas_limit_mb:,} MB")
            measured = pandas_run(landing, work / "pandas", start, end, pandas_limit_mb)
            if out_of_memory(measured):
                pandas_oom = measured  # it would again: not run a second time
                say(f"  pandas out of memory after {measured.seconds:.1f} s, {measured.peak_rss_mb:.0f} MB")
            else:
                runs["pandas"].append(measured)
                say(f"  pandas {measured.seconds:.1f} s, {measured.peak_rss_mb:.0f} MB")
        if number == 1:
            # Agreement first: times of scripts that compute something else mean nothing.
            agreement = {"duckdb": compare(warehouse, work / "duckdb")}
            if runs["pandas"]:
                agreement["pandas"] = compare(warehouse, work / "pandas")
            agreement["ok"] = all(v["ok"] for v in agreement.values())
            # ...and the comparison itself must catch a one-row difference of each kind.
            agreement["self_test"] = self_test(warehouse, work / "duckdb", work / "perturbed")
            agreement["ok"] = agreement["ok"] and all(agreement["self_test"].values())
            say(f"agreement: {json.dumps(agreement)}")
            if not agreement["ok"]:
                raise SystemExit("the pipeline and the comparators disagree: no result recorded")

    # (b) one nightly day on top of the loaded year: the year up to the last day, then that day.
    last_day = end - timedelta(days=1)
    base = work / "base.duckdb"
    say(f"incremental (b): loading the year up to {last_day} once")
    base_run = pipeline_run(landing, base, start, last_day)
    incremental: list[Measured] = []
    for number in range(1, (args.incremental_runs or args.runs) + 1):
        copy = work / "incremental.duckdb"
        copy_warehouse(base, copy)
        argv = [*cli(), "run", "--start", last_day.isoformat(), "--end", end.isoformat()]
        argv += ["--landing", str(landing), "--warehouse", warehouse_url(copy)]
        incremental.append(check(measure(argv), "incremental run"))
        say(
            f"  incremental day {number}: {incremental[-1].seconds:.1f} s, "
            f"{incremental[-1].peak_rss_mb:.0f} MB"
        )

    pipeline_s = median([r.seconds for r in runs["pipeline"]])
    compute_s = median([s["compute_s"] for s in run_stages])
    duckdb_s = median([r.seconds for r in runs["duckdb"]])
    pandas_s = median([r.seconds for r in runs["pandas"]]) if runs["pandas"] else None
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "scale": args.scale,
        "seed": args.seed,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "runs": args.runs,
        "pipeline_s": pipeline_s,
        "compute_s": compute_s,
        "incremental_day_s": median([r.seconds for r in incremental]),
        "duckdb_s": duckdb_s,
        "pandas_s": pandas_s,
        "compute_ratio_vs_duckdb": round(compute_s / duckdb_s, 2),
        "ratio_vs_duckdb": round(pipeline_s / duckdb_s, 2),
        "speedup_vs_pandas": round(pandas_s / pipeline_s, 2) if pandas_s else None,
        "pandas_out_of_memory": (
            {
                "limit_mb": pandas_limit_mb,
                "after_s": round(pandas_oom.seconds, 2),
                "peak_rss_mb": round(pandas_oom.peak_rss_mb),
            }
            if pandas_oom is not None
            else None
        ),
        "peak_rss_mb": {
            "pipeline": round(max(r.peak_rss_mb for r in runs["pipeline"])),
            "incremental": round(max(r.peak_rss_mb for r in incremental)),
            "duckdb": round(max(r.peak_rss_mb for r in runs["duckdb"])),
            "pandas": round(
                max(r.peak_rss_mb for r in [*runs["pandas"], *([pandas_oom] if pandas_oom else [])])
            )
            if runs["pandas"] or pandas_oom
            else None,
        },
        "rows_in": rows_read(runs["pipeline"][0]),
        "landing_mb": round(folder_size_mb(landing), 1),
        "volumes": manifest.get("volumes", {}),
        "stages_s": {k: median([s[k] for s in run_stages]) for k in run_stages[0]},
        "samples_s": {
            "pipeline": [round(r.seconds, 2) for r in runs["pipeline"]],
            "compute": [round(s["compute_s"], 2) for s in run_stages],
            "incremental_day": [round(r.seconds, 2) for r in incremental],
            "duckdb": [round(r.seconds, 2) for r in runs["duckdb"]],
            "pandas": [round(r.seconds, 2) for r in runs["pandas"]],
            "incremental_base_year": round(base_run.seconds, 2),
            "generate": round(generate_s, 2) if generate_s is not None else None,
        },
        "load": {
            "pipeline_before": max(r.load_before[0] for r in runs["pipeline"]),
            "pipeline_after": max(r.load_after[0] for r in runs["pipeline"]),
            "per_run": {
                name: [[round(r.load_before[0], 2), round(r.load_after[0], 2)] for r in measured]
                for name, measured in {**runs, "incremental": incremental}.items()
            },
        },
        "agreement": agreement,
        "machine": machine(),
        "commit": git_commit(),
        "note": args.note,
        "sql_dir": shown_path(SQL_DIR) if SQL_DIR else None,
        "patches": [shown_path(p) for p in PATCHES],
    }
    history = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.exists() else []
    history.append(result)
    RESULTS_JSON.write_text(json.dumps(history, indent=2) + "\n", encoding="utf-8")
    write_results_md(history)
    say(f"appended to {RESULTS_JSON.relative_to(ROOT)}, rewrote {RESULTS_MD.relative_to(ROOT)}")
    print(json.dumps({k: result[k] for k in list(result)[:16]}, indent=2))


if __name__ == "__main__":
    main()
