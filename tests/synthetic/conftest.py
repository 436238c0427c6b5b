"""One generated year at scale S, shared by the generator tests (it takes a few seconds)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from enablement_audit.synthetic import generate


@pytest.fixture(scope="session")
def year_s(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """``(landing folder, manifest)`` of a full year at scale S with the default seed and end."""
    out = tmp_path_factory.mktemp("year_s")
    return out, generate(out, scale="S", seed=7)


def data_files(root: Path, source: str) -> list[Path]:
    return sorted(p for p in (root / source).rglob("*") if p.is_file())


def csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def last_export(root: Path, source: str) -> list[dict[str, str]]:
    return csv_rows(data_files(root, source)[-1])


def json_lines(path: Path) -> list[Any]:
    """Parsed lines; planted truncated lines are skipped."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


def count_rows(path: Path) -> int:
    """Data rows of a landing file: lines after the header for CSV, lines for JSON Lines."""
    with open(path, encoding="utf-8", newline="") as handle:
        if path.suffix == ".jsonl":
            return sum(1 for line in handle if line.strip())
        return sum(1 for _ in csv.reader(handle)) - 1
