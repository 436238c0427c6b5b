"""Marts computed in Python, where SQL is the wrong tool. Each module exposes ``MODEL``."""

from __future__ import annotations

from enablement_audit.marts import adoption_impact
from enablement_audit.models import Model

PYTHON_MODELS: tuple[Model, ...] = (adoption_impact.MODEL,)
