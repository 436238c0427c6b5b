"""Runs the SQL models in ``sql/`` in dependency order, in the warehouse.

A model is one ``.sql`` file holding one ``select``. Its first comment lines declare::

    -- grain: one row per rep per ISO week
    -- materialized: view | table | incremental

and it refers to other models as ``{{ ref('stg_rep') }}`` and to raw or system tables as
``{{ source('raw_crm_user') }}``; both render to validated, schema-qualified names, and ``ref``
also gives the build order. Values are bound parameters (``:start_date``, ``:end_date``,
``:week_lo``, ``:week_hi``, ``:ramp_grace_days``, ``:tz``, ...), never text. Expressions that
repeat or differ by dialect are macros (:data:`MACROS`), e.g. ``{{ local_date('e.occurred_at') }}``.

``view`` models are recreated, ``table`` models rebuilt whole, and ``incremental`` models (which
must have a ``week_start`` column) have the weeks ``[week_lo, week_hi)`` deleted and inserted
again, :data:`SLICE_WEEKS` weeks at a time. Two more header lines tune an incremental model::

    -- lookback_weeks: 1        also rebuild the week(s) before the window
    -- first_build: history     a missing table is built from every source row, not the window

``lookback_weeks`` is for a week whose rows depend on the next one (a manager action is resolved
once the next week is built). ``first_build: history`` is for facts: their first build holds the
whole history loaded so far, later builds replace the window's weeks, and the model restricts
its sources with ``{{ in_build_weeks('occurred_at') }}``, which is true on the first build.

An incremental model may instead be keyed, for rows that belong to an entity rather than a week
(an opportunity's influencing assets follow its created and close dates, which change)::

    -- unique_key: opportunity_id

It defines ``{% macro restate() %}select opportunity_id from ...{% endmacro %}``: the keys
whose rows a build rewrites (those with a source row loaded since the model's last build,
``:last_built_at``, and those the window's rebuilt weeks touch). Their rows are deleted and the
model's select inserted, which, when ``is_incremental``, keeps to the keys in the table named
``{{ restated }}``. Built whole when the table is missing or no build of it is recorded.
Every model's build is recorded in ``model_builds``. Everything runs in one transaction, so
readers see the old marts or the new ones.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from graphlib import TopologicalSorter
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import jinja2
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from enablement_audit.warehouse import Warehouse, quote_identifier, utcnow

Materialization = Literal["view", "table", "incremental"]
HEADER = re.compile(
    r"^--\s*(grain|materialized|lookback_weeks|first_build|unique_key)\s*:\s*(.+?)\s*$", re.MULTILINE
)
REF = re.compile(r"\{\{\s*ref\(\s*['\"](\w+)['\"]\s*\)\s*\}\}")


def sql_dir() -> Path:
    """The ``sql/`` folder: beside the package in a checkout, or shipped inside it."""
    shipped = resources.files("enablement_audit") / "sql"
    if shipped.is_dir():
        return Path(str(shipped))
    return Path(__file__).resolve().parent.parent / "sql"


@dataclass(frozen=True)
class Model:
    name: str
    path: Path
    layer: str
    grain: str
    materialized: Materialization
    template: str
    depends_on: tuple[str, ...] = field(default=())
    python: PythonBuild | None = None
    lookback_weeks: int = 0
    history_first: bool = False
    unique_key: str | None = None


PythonBuild = Callable[[Connection, str, Mapping[str, Any]], None]


def python_model(name: str, grain: str, depends_on: Sequence[str], build: PythonBuild) -> Model:
    """A model computed in Python where SQL is the wrong tool (confidence intervals, say):
    ``build(conn, schema, params)`` reads its inputs with SQL and rewrites its table, inside
    the build's transaction. It runs after the models it depends on."""
    module = sys.modules[build.__module__]
    return Model(
        name=quote_identifier(name),
        path=Path(module.__file__ or build.__module__),
        layer="marts",
        grain=grain,
        materialized="table",
        template="",
        depends_on=tuple(depends_on),
        python=build,
    )


def python_models() -> list[Model]:
    """The Python models, registered in :mod:`enablement_audit.marts`."""
    from enablement_audit.marts import PYTHON_MODELS

    return list(PYTHON_MODELS)


def discover(root: Path | None = None) -> dict[str, Model]:
    """Every model under ``root`` (default :func:`sql_dir`), checked for a grain and a known
    materialisation, with dependencies that exist and no cycle."""
    root = root or sql_dir()
    models: dict[str, Model] = {}
    for path in sorted(root.rglob("*.sql")):
        text = path.read_text(encoding="utf-8")
        header = dict(HEADER.findall(text))
        name = quote_identifier(path.stem)
        if "grain" not in header:
            raise ValueError(f"{path}: the first comment must state the grain ('-- grain: ...')")
        materialized = header.get("materialized", "view")
        if materialized not in ("view", "table", "incremental"):
            raise ValueError(f"{path}: materialized must be view, table or incremental, not {materialized!r}")
        if name in models:
            raise ValueError(f"{path}: a model named {name} already exists at {models[name].path}")
        if materialized != "incremental" and header.keys() & {"lookback_weeks", "first_build", "unique_key"}:
            raise ValueError(f"{path}: lookback_weeks, first_build and unique_key are for incremental models")
        if "unique_key" in header and header.keys() & {"lookback_weeks", "first_build"}:
            raise ValueError(f"{path}: a keyed model restates keys: no lookback_weeks or first_build")
        macros = {macro.name for macro in _SQL_TEMPLATES.parse(text).find_all(jinja2.nodes.Macro)}
        if "unique_key" in header and "restate" not in macros:
            raise ValueError(f"{path}: a keyed model must define {{% macro restate() %}}")
        lookback = header.get("lookback_weeks", "0")
        if not lookback.isdigit():
            raise ValueError(f"{path}: lookback_weeks must be a whole number of weeks, not {lookback!r}")
        first_build = header.get("first_build", "window")
        if first_build not in ("window", "history"):
            raise ValueError(f"{path}: first_build must be window or history, not {first_build!r}")
        models[name] = Model(
            name=name,
            path=path,
            layer=path.parent.name,
            grain=header["grain"],
            materialized=materialized,  # type: ignore[arg-type]
            template=text,
            depends_on=tuple(dict.fromkeys(REF.findall(text))),
            lookback_weeks=int(lookback),
            history_first=first_build == "history",
            unique_key=quote_identifier(header["unique_key"]) if "unique_key" in header else None,
        )
    for model in python_models():
        if model.name in models:
            raise ValueError(
                f"{model.path}: a model named {model.name} already exists at {models[model.name].path}"
            )
        models[model.name] = model
    for model in models.values():
        missing = [d for d in model.depends_on if d not in models]
        if missing:
            raise ValueError(f"{model.path}: ref() to unknown model(s) {', '.join(missing)}")
    build_order(models)  # raises on a cycle
    return models


def build_order(models: Mapping[str, Model]) -> list[str]:
    sorter = TopologicalSorter({name: set(m.depends_on) for name, m in models.items()})
    return list(sorter.static_order())


# SQL, not HTML: only quoted identifiers and the macros' SQL are rendered in, never a value
# (values are bound parameters), so HTML escaping would only corrupt the SQL.
_SQL_TEMPLATES = jinja2.Environment(
    undefined=jinja2.StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True
)


def render(
    model: Model, schema: str, dialect: str, *, history: bool = False, restated: str | None = None
) -> str:
    """The model's SQL for ``dialect`` with ``ref``/``source`` resolved to qualified names;
    ``history``: for every source row, not the build's weeks (``in_build_weeks`` is true);
    ``restated``: the table of the keys a keyed model rewrites (``is_incremental`` is true)."""
    return _SQL_TEMPLATES.from_string(model.template).render(_context(schema, dialect, history, restated))


def render_restate(model: Model, schema: str, dialect: str) -> str:
    """A keyed model's ``restate()`` query: the keys whose rows a build rewrites."""
    module = _SQL_TEMPLATES.from_string(model.template).make_module(_context(schema, dialect))
    return str(module.restate())


def _context(schema: str, dialect: str, history: bool = False, restated: str | None = None) -> dict[str, Any]:
    def qualified(name: str) -> str:
        return f"{quote_identifier(schema)}.{quote_identifier(name)}"

    def in_build_weeks(expression: str) -> str:
        return "true" if history else in_weeks(expression)

    return {
        "ref": qualified,
        "source": qualified,
        "dialect": dialect,
        "in_build_weeks": in_build_weeks,
        "is_incremental": restated is not None,
        "restated": restated,
        **MACROS,
    }


def local_date(expression: str) -> str:
    """The calendar date of a UTC timestamp in the reporting time zone (``:tz``). In UTC, the
    default, it is the timestamp's own date: the zone conversion (0.4 s per 2M rows) is skipped."""
    return (
        f"case when :tz = 'UTC' then cast({expression} as date) "
        f"else cast(({expression} at time zone 'UTC') at time zone :tz as date) end"
    )


def week_of(date_expression: str) -> str:
    """The Monday of the ISO week holding a date."""
    return f"cast(date_trunc('week', {date_expression}) as date)"


def build_weeks() -> str:
    """One row per ISO week of the build window, ``week_start`` the Monday."""
    return (
        "select cast(series.week_at as date) as week_start\n"
        "    from generate_series(\n"
        "        cast(:week_lo as timestamp),\n"
        "        cast(:week_hi as timestamp) - interval '7 days',\n"
        "        interval '7 days'\n"
        "    ) as series (week_at)"
    )


def in_weeks(expression: str) -> str:
    """A UTC timestamp that may fall in the build's weeks ``[week_lo, week_hi)`` in the reporting
    time zone: a day's margin each side covers any UTC offset. For a scan to skip what is outside
    before the exact ``week_start`` filter."""
    return (
        f"{expression} >= cast(:week_lo as timestamp) - interval '1 day' "
        f"and {expression} < cast(:week_hi as timestamp) + interval '1 day'"
    )


# The dialect layer: expressions that differ between engines, or repeat across models.
MACROS = {"local_date": local_date, "week_of": week_of, "build_weeks": build_weeks}


@dataclass(frozen=True)
class BuildWindow:
    """The days a build covers, widened to whole ISO weeks for incremental models."""

    start: date
    end: date

    @property
    def week_lo(self) -> date:
        return self.start - timedelta(days=self.start.weekday())

    @property
    def week_hi(self) -> date:
        last = self.end - timedelta(days=1)
        return last - timedelta(days=last.weekday()) + timedelta(days=7)


def with_ancestors(models: Mapping[str, Model], names: Sequence[str]) -> set[str]:
    """``names`` and every model they depend on, directly or not."""
    unknown = [n for n in names if n not in models]
    if unknown:
        raise ValueError(f"unknown model(s): {', '.join(unknown)}")
    wanted: set[str] = set()
    stack = list(names)
    while stack:
        name = stack.pop()
        if name not in wanted:
            wanted.add(name)
            stack.extend(models[name].depends_on)
    return wanted


def build(
    warehouse: Warehouse,
    window: BuildWindow,
    params: Mapping[str, Any],
    *,
    select: Sequence[str] | None = None,
    models: Mapping[str, Model] | None = None,
    after_model: Callable[[str], None] | None = None,
) -> list[str]:
    """Build every model, or the ``select``-ed ones and their ancestors, in dependency order and
    in one transaction; returns the names built. ``after_model(name)`` is called once each model
    is materialised, inside the still open transaction (the crash tests' kill point)."""
    models = models or discover()
    wanted = with_ancestors(models, select) if select else set(models)
    order = [n for n in build_order(models) if n in wanted]
    bound = {
        **params,
        "start_date": window.start,
        "end_date": window.end,
        "week_lo": window.week_lo,
        "week_hi": window.week_hi,
    }
    warehouse.ensure()
    started = utcnow()
    builds = warehouse.model_builds
    with warehouse.engine.begin() as conn:
        latest = sa.select(builds.c.model, sa.func.max(builds.c.build_started_at)).group_by(builds.c.model)
        last_built = dict(conn.execute(latest).tuples().all())
        for name in order:
            model_params = {**bound, "last_built_at": last_built.get(name)}
            _materialize(conn, warehouse.schema, models[name], model_params)
            conn.execute(
                builds.insert().values(
                    model=name,
                    week_lo=window.week_lo,
                    week_hi=window.week_hi,
                    build_started_at=started,
                    finished_at=utcnow(),
                )
            )
            if after_model is not None:
                after_model(name)
    return order


def _materialize(conn: Connection, schema: str, model: Model, params: Mapping[str, Any]) -> None:
    if model.python is not None:
        model.python(conn, schema, params)
        return
    select = render(model, schema, conn.dialect.name).strip().rstrip(";")
    target = f"{quote_identifier(schema)}.{model.name}"
    statement = sa.text(select)
    wanted = {p for p in statement.compile().params}
    bound = {k: v for k, v in params.items() if k in wanted}
    missing = wanted - set(bound)
    if missing:
        raise ValueError(f"{model.path}: no value for parameter(s) {', '.join(sorted(missing))}")
    if model.materialized == "view":
        if wanted:
            raise ValueError(f"{model.path}: a view cannot take parameters; make it a table")
        _execute(conn, f"drop view if exists {target} cascade")
        _execute(conn, f"create view {target} as {select}")
        return
    if model.unique_key and params["last_built_at"] and sa.inspect(conn).has_table(model.name, schema=schema):
        _restate(conn, schema, model, params)
        return
    if model.materialized == "table" or model.unique_key:
        _execute(conn, f"drop table if exists {target} cascade")
        _execute(conn, f"create table {target} as {select}", bound)
        return
    in_window = "week_start >= :week_lo and week_start < :week_hi"
    if model.history_first and not sa.inspect(conn).has_table(model.name, schema=schema):
        history = render(model, schema, conn.dialect.name, history=True).strip().rstrip(";")
        _execute(conn, f"create table {target} as {history}", params)
        return
    week_lo = params["week_lo"] - timedelta(weeks=model.lookback_weeks)
    for weeks in _slices(week_lo, params["week_hi"]):
        sliced = {**params, **weeks}
        if not sa.inspect(conn).has_table(model.name, schema=schema):
            # Created with its first slice's rows, not empty: DuckDB 2.0.0 mis-read a table
            # created empty and then filled with more than one row group in the same connection
            # (equality and join filters found nothing), which at scale M left every tool seat
            # unassigned.
            create = f"create table {target} as select * from ({select}) as m where {in_window}"  # noqa: S608
            _execute(conn, create, sliced)
            continue
        _execute(conn, f"delete from {target} where {in_window}", sliced)  # noqa: S608
        _execute(conn, f"insert into {target} select * from ({select}) as m where {in_window}", sliced)  # noqa: S608


def _restate(conn: Connection, schema: str, model: Model, params: Mapping[str, Any]) -> None:
    """A keyed model's incremental build: the rows of the keys ``restate()`` names are deleted and
    built again (a key whose rows are gone, a reopened opportunity say, just loses them)."""
    dialect = conn.dialect.name
    target = f"{quote_identifier(schema)}.{model.name}"
    key, restated = model.unique_key, quote_identifier(f"_ea_restated_{model.name}")
    _execute(conn, f"drop table if exists {restated}")
    _execute(conn, f"create temporary table {restated} as {render_restate(model, schema, dialect)}", params)
    _execute(conn, f"delete from {target} where {key} in (select {key} from {restated})")  # noqa: S608
    _execute(conn, f"insert into {target} {render(model, schema, dialect, restated=restated)}", params)
    _execute(conn, f"drop table {restated}")


SLICE_WEEKS = 8
"""An incremental model builds a longer window this many weeks at a time, as that many nightly
runs would: its trailing windows join each week to weeks of history, and a year at once (scale
L) ran out of DuckDB's memory in ``mart_asset_usage`` (each content action joined to the 13
asset-weeks whose 90 days hold it)."""


def _slices(week_lo: date, week_hi: date) -> list[dict[str, date]]:
    """``[week_lo, week_hi)`` in consecutive slices of at most :data:`SLICE_WEEKS` weeks."""
    slices = []
    while week_lo < week_hi:
        end = min(week_lo + timedelta(weeks=SLICE_WEEKS), week_hi)
        slices.append({"week_lo": week_lo, "week_hi": end})
        week_lo = end
    return slices


def _execute(conn: Connection, sql: str, params: Mapping[str, Any] | None = None) -> None:
    statement = sa.text(sql)
    wanted = set(statement.compile().params)
    conn.execute(statement, {k: v for k, v in (params or {}).items() if k in wanted})
