"""Data-quality gates: Great Expectations suites on the raw tables and on the marts.

- :func:`run_checks` runs a stage's suites for an interval and records them in ``dq_results``.
- :func:`blocking_failures` picks the failures that must stop publishing;
  :func:`format_table` prints a readable summary; :func:`build_data_docs` writes GX Data Docs.
- Severities and thresholds live in one file, ``severity.yaml`` (:func:`load_config`).

Importing this package does not import Great Expectations; running a check does.
"""

from __future__ import annotations

from enablement_audit.quality.engine import UnsupportedEngineError, build_data_docs, run_checks
from enablement_audit.quality.results import (
    CheckResult,
    blocking_failures,
    dq_results_table,
    format_table,
    summary_line,
    warning_failures,
)
from enablement_audit.quality.settings import QualityConfig, QualityConfigError, load_config

__all__ = [
    "CheckResult",
    "QualityConfig",
    "QualityConfigError",
    "UnsupportedEngineError",
    "blocking_failures",
    "build_data_docs",
    "dq_results_table",
    "format_table",
    "load_config",
    "run_checks",
    "summary_line",
    "warning_failures",
]
