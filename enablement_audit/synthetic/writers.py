"""Writing landing files, and counting what the loader will make of them.

Every file goes to ``<out>/<source>/<YYYY-MM-DD>/<name>``. Each writer keeps the per-source
counts the manifest reports: files, rows written (what the loader reads), bad rows planted
(what it must quarantine) and duplicates (what it must drop) when the whole folder is loaded
at once: exact copies, and for snapshot and versioned sources every row but the newest of its
key (one load keeps only the newest version of each key), which :class:`SnapshotSource`
counts as the first row of each key loaded and every later one dropped.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BAD_RATE = 0.002
"""Share of event rows planted as bad rows (SPEC: a sprinkling, about 0.2%)."""
DUPLICATE_RATE = 0.0003
"""Share of event rows delivered twice."""


@dataclass
class SourceStats:
    files: int = 0
    rows: int = 0
    bad_rows: int = 0
    duplicates: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "files": self.files,
            "rows": self.rows,
            "bad_rows": self.bad_rows,
            "duplicates": self.duplicates,
        }


def day_path(out: Path, source: str, day: str, name: str) -> Path:
    folder = out / source / day
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def csv_text(header: Sequence[str], rows: Iterable[Sequence[str]], quote_all: bool = False) -> str:
    """CSV with ``\\n`` line ends; Salesforce exports quote every field."""
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, lineterminator="\n", quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    )
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_text(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def forced_days(days: int, weights: np.ndarray) -> list[int]:
    """Three busy days spread over the window that get one bad row of every kind, so each
    kind appears at least three times whatever the sampling does."""
    busy = [i for i in range(days) if weights[i] >= 0.9] or list(range(days))
    return [busy[len(busy) // 6], busy[len(busy) // 2], busy[(5 * len(busy)) // 6]]


def fault_kinds(
    rng: np.random.Generator, n_rows: int, day: int, forced: list[int], kinds: Sequence[str]
) -> list[str]:
    """Kinds of the bad rows to plant in one day's file (none when the file is empty)."""
    if n_rows == 0:
        return []
    count = int(rng.binomial(n_rows, BAD_RATE))
    picked = [kinds[int(i)] for i in rng.integers(0, len(kinds), size=count)]
    return picked + list(kinds) * forced.count(day)


def duplicate_count(rng: np.random.Generator, n_rows: int, day: int, forced: list[int]) -> int:
    if n_rows == 0:
        return 0
    return min(n_rows, int(rng.binomial(n_rows, DUPLICATE_RATE)) + forced.count(day))


class SnapshotSource:
    """The weekly exports of one snapshot source.

    ``key`` gives the positions of the dedup key in a row. A valid row counts as a duplicate
    when its key already appeared in the same file, or when the newest loaded row for that key
    is identical (the loader keeps it and drops the new one); bad rows are quarantined before
    that and never change the state.
    """

    def __init__(
        self,
        out: Path,
        source: str,
        name: str,
        header: Sequence[str],
        key: Sequence[int],
        quote_all: bool = False,
    ) -> None:
        self.out = out
        self.source = source
        self.name = name
        self.header = tuple(header)
        self.key = tuple(key)
        self.quote_all = quote_all
        self.stats = SourceStats()
        self._loaded: dict[Hashable, tuple[str, ...]] = {}

    def export(
        self,
        day: str,
        rows: Sequence[tuple[str, ...]],
        bad_rows: Sequence[tuple[str, ...]] = (),
        duplicate_rows: Sequence[tuple[str, ...]] = (),
    ) -> None:
        """Write one export: ``rows`` (valid), ``bad_rows`` (planted, each must be quarantined)
        and ``duplicate_rows`` (exact copies of valid rows, delivered twice)."""
        duplicates = 0
        for row in (*rows, *duplicate_rows):
            key = tuple(row[i] for i in self.key)
            if key in self._loaded:
                duplicates += 1
            else:
                self._loaded[key] = row
        ordered = list(rows)
        # Bad rows sit inside the file, not only at its end.
        for offset, bad in enumerate(bad_rows):
            ordered.insert((len(ordered) * (offset + 1)) // (len(bad_rows) + 1), bad)
        ordered.extend(duplicate_rows)
        name = self.name.format(day=day)
        write_text(day_path(self.out, self.source, day, name), csv_text(self.header, ordered, self.quote_all))
        self.stats.files += 1
        self.stats.rows += len(ordered)
        self.stats.bad_rows += len(bad_rows)
        self.stats.duplicates += duplicates
