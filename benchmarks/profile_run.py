"""Profile one ``enablement-audit`` command with cProfile (pyinstrument and py-spy are not
installed in the project's environment).

Usage: ``python benchmarks/profile_run.py OUT.prof run --start ... --end ... --landing ... --warehouse ...``

The CLI's own entry point ends the process with ``os._exit`` once Great Expectations has run,
which would skip writing the profile, so the command is called through click here and the
profile is written before this process exits the same way. Prints the top functions by
cumulative and by own time.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import sys


def main() -> None:
    out, argv = sys.argv[1], sys.argv[2:]
    from enablement_audit.cli import main as cli

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        cli.main(args=argv, prog_name="enablement-audit", standalone_mode=False)
    finally:
        profiler.disable()
        profiler.dump_stats(out)
        for order in ("cumulative", "tottime"):
            text = io.StringIO()
            pstats.Stats(out, stream=text).sort_stats(order).print_stats(35)
            sys.stderr.write(text.getvalue())
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


if __name__ == "__main__":
    main()
