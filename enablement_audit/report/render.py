"""Jinja2 rendering: autoescape on for every template, undefined names are errors, and the
filters that turn numbers into text ("no data" for an unknown value, never 0)."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

NO_DATA = "no data"


def templates_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "reports" / "templates"


def pct(value: float | None, digits: int = 1) -> str:
    return NO_DATA if value is None else f"{value * 100:.{digits}f}%"


def pts(value: float | None, digits: int = 1) -> str:
    """A change of a rate, in percentage points."""
    return NO_DATA if value is None else f"{value * 100:+.{digits}f} pts"


def num(value: float | None, digits: int = 0) -> str:
    if value is None:
        return NO_DATA
    if digits == 0:
        return f"{round(value):,}"
    return f"{value:,.{digits}f}"


def signed(value: float | None, digits: int = 0) -> str:
    return NO_DATA if value is None else f"{value:+,.{digits}f}"


def money(value: float | None, currency: str | None = None) -> str:
    if value is None:
        return NO_DATA
    return f"{currency} {value:,.0f}" if currency else f"{value:,.0f}"


def metric(value: float | None, unit: str, currency: str | None = None) -> str:
    """A metric value by its unit: rate (percent), count, money or days."""
    if unit == "rate":
        return pct(value)
    if unit == "money":
        return money(value, currency)
    if unit == "days":
        return NO_DATA if value is None else f"{value:,.1f} days"
    return num(value)


def change(value: float | None, unit: str) -> str:
    """A difference by unit: points for rates, signed numbers otherwise."""
    if unit == "rate":
        return pts(value)
    if unit == "days":
        return NO_DATA if value is None else f"{value:+,.1f} days"
    return signed(value)


def day(value: date | datetime | None) -> str:
    if value is None:
        return NO_DATA
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M} UTC"
    return value.isoformat()


def yesno(value: bool | None, unknown: str = "not known yet") -> str:
    if value is None:
        return unknown
    return "yes" if value else "no"


FILTERS: dict[str, Any] = {
    "pct": pct,
    "pts": pts,
    "num": num,
    "signed": signed,
    "money": money,
    "metric": metric,
    "change": change,
    "day": day,
    "yesno": yesno,
}


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    return env


def render(template: str, page: Any) -> str:
    """``template`` rendered with the data object ``page``."""
    return environment().get_template(template).render(page=page)
