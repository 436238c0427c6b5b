"""Time each model of one build on an existing warehouse (a copy: the build rewrites it).

Usage: ``python benchmarks/model_times.py WAREHOUSE_URL START END``, e.g. the nightly window of
a loaded year: ``duckdb:///benchmarks/data/L-seed7-work/copy.duckdb 2026-11-22 2026-11-23``.
The window is widened by the late-arrival lookback as ``enablement-audit run`` widens it.
Prints each model's seconds as it is built, then slowest first, and the whole build's.
"""

from __future__ import annotations

import sys
import time
from datetime import date

from enablement_audit import models
from enablement_audit.config import load_settings
from enablement_audit.pipeline import model_params, processing_window, write_config_tables
from enablement_audit.warehouse import Warehouse


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
        print(f"{seconds[name]:8.2f} s  {name}", flush=True)

    models.build(warehouse, window, model_params(settings), after_model=lap)
    print("slowest first:")
    for name, took in sorted(seconds.items(), key=lambda item: -item[1]):
        print(f"{took:8.2f} s  {name}")
    print(f"{time.perf_counter() - began:8.2f} s  whole build ({window.start} to {window.end})")


if __name__ == "__main__":
    main()
