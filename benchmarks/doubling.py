"""What doubling the data costs, on one landing: the pipeline over half the year, then the year.

``python benchmarks/doubling.py --scale M [--rounds 2] [--seed 7] [--end 2026-11-23]``

The landing data is the bench's (``benchmarks/data/<scale>-seed<N>/``, generated when missing).
Each round runs ``enablement-audit run`` into a fresh warehouse twice: from the half year before
``--end`` (182 days), then from the whole year. Both read the same files of the CRM snapshots
and the window's days of every event source, so the second reads about twice the rows. The
rounds alternate so that a change in the machine's speed (it varies by hour) falls on both.
Prints one line per run and then, per round, the time factor per doubling of the rows read
(issue 8: at most 2.2x). Nothing is recorded in
``results.json``: the figures go into the notes of ``RESULTS.md`` by hand.
"""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from pathlib import Path

from bench import DEFAULT_END, HERE, cost_per_doubling, landing_for, pipeline_run, rows_read, say, stages

HALF_YEAR = timedelta(days=182)


def main() -> None:
    parser = argparse.ArgumentParser(description="The pipeline over half a year and over the year.")
    parser.add_argument("--scale", choices=("S", "M", "L"), default="M")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--end", type=date.fromisoformat, default=DEFAULT_END)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    landing, manifest, _ = landing_for(args.scale, args.seed, args.end, regenerate=False)
    year_start, end = date.fromisoformat(manifest["start"]), date.fromisoformat(manifest["end"])
    warehouse = HERE / "data" / f"{args.scale}-seed{args.seed}-work" / "doubling.duckdb"
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    print("| window | rows in | pipeline | compute | load | build | peak RSS |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for round_ in range(1, args.rounds + 1):
        runs = {}
        for name, start in (("half", end - HALF_YEAR), ("year", year_start)):
            say(f"round {round_}: {name} from {start}")
            run = pipeline_run(landing, warehouse, start, end)
            runs[name] = (rows_read(run), run.seconds, stages(run), run.peak_rss_mb)
            rows, seconds, stage, peak = runs[name]
            print(
                f"| {name} ({start} to {end}) | {rows:,} | {seconds:.1f} s | {stage['compute_s']:.1f} s "
                f"| {stage['load_s']:.1f} s | {stage['build_s']:.1f} s | {peak:,.0f} MB |",
                flush=True,
            )
        (half_rows, half_s, half_stage, _), (year_rows, year_s, year_stage, _) = runs["half"], runs["year"]
        factor = year_rows / half_rows
        per_doubling = {
            what: cost_per_doubling(factor, year / half)
            for what, half, year in (
                ("end to end", half_s, year_s),
                ("compute", half_stage["compute_s"], year_stage["compute_s"]),
            )
        }
        shown = ", ".join(f"{what} {value:.2f}x" for what, value in per_doubling.items())
        print(f"round {round_}: {factor:.2f}x the rows; per doubling: {shown}", flush=True)
    for suffix in ("", ".wal"):
        Path(f"{warehouse}{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
