"""Scorecard goals and verdict thresholds, from the shipped ``goals.yaml`` or a file of the
user's (``ENABLEMENT_AUDIT_GOALS_FILE``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

# The organisation-week metrics a scorecard or verdict may use (columns of mart_org_week).
ORG_METRICS = (
    "content_active_rate",
    "asset_utilisation",
    "training_active_rate",
    "compliance_rate",
    "overdue_assignments",
    "seat_utilization",
    "reclaimable_annual_spend",
)


def _known(metric: str) -> str:
    if metric not in ORG_METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose one of {', '.join(ORG_METRICS)}")
    return metric


class Verdict(BaseModel):
    metric: str
    yes_at: float
    partly_at: float

    @field_validator("metric")
    @classmethod
    def _metric_known(cls, value: str) -> str:
        return _known(value)

    @model_validator(mode="after")
    def _ordered(self) -> Verdict:
        if self.partly_at > self.yes_at:
            raise ValueError(f"partly_at ({self.partly_at}) must not exceed yes_at ({self.yes_at})")
        return self


class Goal(BaseModel):
    metric: str
    goal: float
    direction: Literal["higher", "lower"] = "higher"
    label: str = ""

    @field_validator("metric")
    @classmethod
    def _metric_known(cls, value: str) -> str:
        return _known(value)


class Goals(BaseModel):
    metric_version: str
    verdicts: dict[Literal["content", "training", "tools"], Verdict]
    scorecard: list[Goal] = Field(min_length=1)


def default_goals_file() -> Path:
    return Path(str(resources.files("enablement_audit") / "goals.yaml"))


def load_goals(path: Path | None = None) -> Goals:
    """Read and check a goals file; errors name the file and the field."""
    path = path or default_goals_file()
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Goals.model_validate(doc)
    except OSError as exc:
        raise ValueError(f"{path}: cannot read the goals file: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ValueError(f"{path}: {problems}") from exc
