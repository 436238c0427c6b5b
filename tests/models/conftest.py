"""Helpers for model tests: load tiny files in the real formats, build selected models."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from enablement_audit import models
from enablement_audit.config import Settings
from enablement_audit.load import load_path
from enablement_audit.pipeline import model_params, write_config_tables
from enablement_audit.warehouse import Warehouse
from tests.conftest import write


def load_text(warehouse: Warehouse, tmp_path: Path, source: str, name: str, text: str) -> dict[str, Any]:
    """Write ``text`` as ``<tmp>/<source>/<name>`` and load it; returns the load summary."""
    path = write(tmp_path / source / name, text)
    return load_path(warehouse, source, str(path)).summary()


def build(
    warehouse: Warehouse, start: date, end: date, select: list[str] | None = None, **settings: Any
) -> list[str]:
    """Build ``select`` (and what it needs) for the days ``[start, end)`` with test settings
    (defaults unless overridden, never the environment)."""
    resolved = Settings.model_construct(**settings)
    write_config_tables(warehouse, resolved)
    return models.build(warehouse, models.BuildWindow(start, end), model_params(resolved), select=select)
