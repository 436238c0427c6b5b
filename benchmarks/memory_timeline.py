"""Resident memory of one ``enablement-audit`` command over time, by stage.

Usage: ``python benchmarks/memory_timeline.py run --start ... --end ... --landing ... --warehouse ...``

Runs the CLI, reads its resident memory (``VmRSS``) from ``/proc`` every ``--every`` seconds
and prints each progress line as it comes with the memory then; at the end, per stage (the
stretch between two progress lines), the highest and the last memory seen. A peak that outlives
its stage shows as a high last value.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import threading
import time
from pathlib import Path

from bench import ROOT, clean_env, cli


def rss_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return None
    line = next((line for line in status.splitlines() if line.startswith("VmRSS:")), None)
    return int(line.split()[1]) / 1024 if line else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--every", type=float, default=1.0, help="seconds between two readings")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the enablement-audit command and options")
    args = parser.parse_args()
    every = args.every
    argv = [*cli(), *args.command]
    proc = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=clean_env()
    )
    started = time.perf_counter()
    stages: list[tuple[str, list[float]]] = [("startup", [])]

    def read_progress() -> None:
        for line in proc.stderr:
            line = line.rstrip("\n")
            memory = rss_mb(proc.pid)
            stages.append((line, [] if memory is None else [memory]))
            shown = f"{memory:7,.0f} MB" if memory is not None else "      - MB"
            print(f"{time.perf_counter() - started:8.1f} s {shown}  {line}", flush=True)

    reader = threading.Thread(target=read_progress)
    reader.start()
    while proc.poll() is None:
        memory = rss_mb(proc.pid)
        if memory is not None:
            stages[-1][1].append(memory)
        time.sleep(every)
    reader.join()
    took = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # kilobytes on Linux
    print(f"exit {proc.returncode} after {took:.1f} s, peak {peak:,.0f} MB; per stage, highest / last MB:")
    for line, samples in stages:
        if samples:
            print(f"{max(samples):7,.0f} / {samples[-1]:7,.0f}  {line[:100]}")


if __name__ == "__main__":
    main()
