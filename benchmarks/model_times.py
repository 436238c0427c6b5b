"""Time each model of one build on an existing warehouse (a copy: the build rewrites it).

Usage: ``python benchmarks/model_times.py WAREHOUSE_URL START END``, e.g. the nightly window of
a loaded year: ``duckdb:///benchmarks/data/L-seed7-work/copy.duckdb 2026-11-22 2026-11-23``.
The window is widened by the late-arrival lookback as ``enablement-audit run`` widens it.
Prints each model's seconds as it is built, with the process's resident memory then and at
its peak so far (DuckDB's ``memory_limit`` bounds its buffers, not every allocation), then the
models slowest first, and the whole build's.
"""

from __future__ import annotations

import resource
import sys
import time
from datetime import date
from pathlib import Path

from enablement_audit import models
from enablement_audit.config import load_settings
from enablement_audit.pipeline import model_params, processing_window, write_config_tables
from enablement_audit.warehouse import Warehouse


def rss_mb() -> float:
    """The process's resident memory now (``VmRSS``, in kB)."""
    status = Path("/proc/self/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")) / 1024


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main() -> None:
    url, start, end = sys.argv[1], date.fromisoformat(sys.argv[2]), date.fromisoformat(sys.argv[3])
    settings = load_settings()
    warehouse = Warehouse.from_url(url)
    window = processing_window(settings, start, end)
    write_config_tables(warehouse, settings)
    seconds: dict[str, float] = {}
    began = last = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal last
        now = time.perf_counter()
        seconds[name] = now - last
        last = now
        memory = f"{rss_mb():,.0f} MB now, {peak_mb():,.0f} MB peak"
        print(f"{seconds[name]:8.2f} s  {name}  ({memory})", flush=True)

    models.build(warehouse, window, model_params(settings), after_model=lap)
    print("slowest first:")
    for name, took in sorted(seconds.items(), key=lambda item: -item[1]):
        print(f"{took:8.2f} s  {name}")
    print(f"{time.perf_counter() - began:8.2f} s  whole build ({window.start} to {window.end})")


if __name__ == "__main__":
    main()
