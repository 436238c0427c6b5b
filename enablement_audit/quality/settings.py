"""Severities and thresholds of the data-quality checks, read from ``severity.yaml``.

The package ships the defaults (``enablement_audit/quality/severity.yaml``); an operator's own
file is merged over them, so it only needs the lines it changes (its ``overrides`` are added
after the shipped ones).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Literal, get_args

import yaml

Severity = Literal["block", "warn"]
Kind = Literal[
    "structure",
    "keys",
    "accepted_values",
    "ranges",
    "referential",
    "freshness",
    "volume",
    "identity_match",
]
KINDS: tuple[str, ...] = get_args(Kind)
SEVERITIES: tuple[str, ...] = get_args(Severity)
DEFAULT_FILE = "severity.yaml"
_TOP_KEYS = {
    "severity",
    "overrides",
    "freshness_hours",
    "optional_sources",
    "volume",
    "identity_match",
    "future_tolerance_hours",
    "batch_rows",
}
_OVERRIDE_KEYS = {"suite", "kind", "expectation", "column", "severity"}


class QualityConfigError(ValueError):
    """The severity file is not usable; names the file, the entry and what to write instead."""


@dataclass(frozen=True)
class Override:
    """One entry of ``overrides``: fields left as ``None`` match every check."""

    severity: Severity
    suite: str | None = None
    kind: str | None = None
    expectation: str | None = None
    column: str | None = None

    def matches(self, suite: str, kind: str, expectation: str, column: str | None) -> bool:
        wanted = (self.suite, self.kind, self.expectation, self.column)
        actual = (suite, kind, expectation, column)
        return all(w is None or w == a for w, a in zip(wanted, actual, strict=True))


@dataclass(frozen=True)
class QualityConfig:
    """Everything the checks need besides the data: severities, overrides and thresholds."""

    severity: Mapping[str, Severity]
    overrides: tuple[Override, ...] = ()
    freshness_events_hours: float = 48.0
    freshness_snapshots_hours: float = 192.0
    freshness_per_suite: Mapping[str, float] = field(default_factory=dict)
    optional_sources: frozenset[str] = frozenset()
    volume_band: float = 0.5
    volume_weeks: int = 4
    identity_min_rate: float = 0.9
    identity_per_source: Mapping[str, float] = field(default_factory=dict)
    future_tolerance_hours: float = 0.0
    # Pandas batches (DuckDB) larger than this are validated in parts of about this size.
    batch_rows: int = 1_000_000

    def severity_for(self, suite: str, kind: str, expectation: str, column: str | None) -> Severity:
        """The kind's default severity unless an override matches (the last match wins)."""
        chosen = self.severity[kind]
        for override in self.overrides:
            if override.matches(suite, kind, expectation, column):
                chosen = override.severity
        return chosen

    def freshness_hours(self, suite: str, *, snapshot: bool) -> float:
        if suite in self.freshness_per_suite:
            return self.freshness_per_suite[suite]
        return self.freshness_snapshots_hours if snapshot else self.freshness_events_hours

    def identity_threshold(self, source: str) -> float:
        return self.identity_per_source.get(source, self.identity_min_rate)


def load_config(path: str | Path | None = None, *, identity_match_rate: float | None = None) -> QualityConfig:
    """The shipped defaults, with ``path`` (an operator's YAML file) merged over them.

    ``identity_match_rate`` (for example ``Settings.identity_match_threshold``) replaces the
    default minimum rate; per-source rates in the file still win.
    """
    origin = f"enablement_audit/quality/{DEFAULT_FILE}"
    doc = _read(
        (resources.files("enablement_audit.quality") / DEFAULT_FILE).read_text(encoding="utf-8"), origin
    )
    overrides = _overrides(doc.pop("overrides", None), origin)
    if path is not None:
        origin = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise QualityConfigError(f"{path}: cannot read the severity file: {exc}") from exc
        extra = _read(text, origin)
        # The operator's overrides come after the shipped ones, so they win.
        overrides += _overrides(extra.pop("overrides", None), origin)
        doc = _merge(doc, extra)
    if identity_match_rate is not None:
        doc = _merge(doc, {"identity_match": {"min_rate": identity_match_rate}})
    return replace(config_from_mapping(doc, origin), overrides=overrides)


def config_from_mapping(doc: Mapping[str, Any], origin: str = "severity config") -> QualityConfig:
    """A :class:`QualityConfig` from a parsed severity file (all sections present)."""
    unknown = set(doc) - _TOP_KEYS
    if unknown:
        raise QualityConfigError(
            f"{origin}: unknown section(s) {', '.join(sorted(unknown))}; "
            f"allowed: {', '.join(sorted(_TOP_KEYS))}"
        )
    severity = dict(doc.get("severity") or {})
    missing = [k for k in KINDS if k not in severity]
    if missing:
        raise QualityConfigError(f"{origin}: severity needs a value for {', '.join(missing)}")
    for kind, value in severity.items():
        if kind not in KINDS:
            raise QualityConfigError(f"{origin}: severity.{kind} is not a check kind; use one of {KINDS}")
        _check_severity(value, f"{origin}: severity.{kind}")
    overrides = _overrides(doc.get("overrides"), origin)
    freshness = doc.get("freshness_hours") or {}
    volume = doc.get("volume") or {}
    identity = doc.get("identity_match") or {}
    try:
        config = QualityConfig(
            severity=severity,
            overrides=overrides,
            freshness_events_hours=float(freshness.get("events", 48)),
            freshness_snapshots_hours=float(freshness.get("snapshots", 192)),
            freshness_per_suite={str(k): float(v) for k, v in (freshness.get("per_suite") or {}).items()},
            optional_sources=frozenset(str(s) for s in doc.get("optional_sources") or ()),
            volume_band=float(volume.get("band", 0.5)),
            volume_weeks=int(volume.get("weeks", 4)),
            identity_min_rate=float(identity.get("min_rate", 0.9)),
            identity_per_source={str(k): float(v) for k, v in (identity.get("per_source") or {}).items()},
            future_tolerance_hours=float(doc.get("future_tolerance_hours", 0)),
            batch_rows=int(doc.get("batch_rows", 1_000_000)),
        )
    except (TypeError, ValueError, AttributeError) as exc:
        raise QualityConfigError(f"{origin}: a threshold is not a number: {exc}") from exc
    rates = [config.identity_min_rate, *config.identity_per_source.values()]
    if any(not 0 <= r <= 1 for r in rates):
        raise QualityConfigError(f"{origin}: identity_match rates must be between 0 and 1")
    if config.volume_weeks < 1 or config.volume_band < 0:
        raise QualityConfigError(f"{origin}: volume.weeks must be at least 1 and volume.band at least 0")
    if config.batch_rows < 1:
        raise QualityConfigError(f"{origin}: batch_rows must be at least 1")
    return config


def _read(text: str, origin: str) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise QualityConfigError(f"{origin}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise QualityConfigError(f"{origin}: expected a mapping of sections (severity:, overrides:, ...)")
    return doc


def _merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """``extra`` over ``base``: mappings merge key by key, anything else is replaced."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _check_severity(value: Any, where: str) -> None:
    if value not in SEVERITIES:
        raise QualityConfigError(f"{where} is {value!r}; write block or warn")


def _overrides(entries: Any, origin: str) -> tuple[Override, ...]:
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise QualityConfigError(f"{origin}: overrides must be a list of entries")
    return tuple(_override(entry, f"{origin}: overrides[{i}]") for i, entry in enumerate(entries))


def _override(entry: Any, where: str) -> Override:
    if not isinstance(entry, Mapping) or "severity" not in entry:
        raise QualityConfigError(
            f"{where}: write a mapping with severity: and any of suite, kind, expectation, column"
        )
    unknown = set(entry) - _OVERRIDE_KEYS
    if unknown:
        raise QualityConfigError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    _check_severity(entry["severity"], f"{where}.severity")
    if entry.get("kind") is not None and entry["kind"] not in KINDS:
        raise QualityConfigError(f"{where}.kind is {entry['kind']!r}; use one of {', '.join(KINDS)}")
    return Override(
        severity=entry["severity"],
        suite=entry.get("suite"),
        kind=entry.get("kind"),
        expectation=entry.get("expectation"),
        column=entry.get("column"),
    )
