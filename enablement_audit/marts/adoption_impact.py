"""``mart_adoption_impact``: adopters versus non-adopters of each asset, course and tool (and the
top versus the bottom engagement quartile) on four rep-level outcomes over the trailing quarter,
per tenure band and combined across bands (SPEC section 5, "Adoption versus performance").

The SQL intermediates hand over few, aggregated rows: ``int_adoption_rep`` (one row per eligible
seller with tenure band and outcomes), ``int_adoption_item_rep`` (who adopted what) and
``int_adoption_item`` (the items). Here the cohorts are compared:

- win rate: a difference of pooled proportions (won / closed deals of the cohort's reps), Wald
  interval; reps without a closed deal are left out;
- attainment, won deal size, cycle days: a difference of the mean of rep values, Welch interval;
  reps without a value (no quota, no win) are left out;
- combined: the tenure-band differences combined by inverse-variance weighting, so the combined
  difference is adjusted for tenure and need not equal adopters_value - non_adopters_value
  (those two are the crude cohort values over all bands).

A row says 'insufficient evidence' (and shows no number) when either cohort is below
``impact_min_n`` or the item has fewer adopters than that overall. Always an association, never
proof of cause.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import astuple, dataclass, field, fields
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from enablement_audit import stats
from enablement_audit.models import python_model
from enablement_audit.warehouse import insert_rows, quote_identifier, run_sql

NAME = "mart_adoption_impact"
DEFAULT_MIN_N = 30
STRATA: tuple[tuple[str, str | None], ...] = (
    ("combined", None),
    ("tenure_lt_6m", "tenure_lt_6m"),
    ("tenure_6_18m", "tenure_6_18m"),
    ("tenure_gt_18m", "tenure_gt_18m"),
)
TENURE_BANDS = tuple(band for _, band in STRATA if band is not None)
# outcome -> (rep-level column, the direction in which the outcome is better)
OUTCOMES: dict[str, tuple[str, str]] = {
    "win_rate": ("win_rate", "higher"),
    "attainment": ("attainment", "higher"),
    "won_deal_size": ("avg_won_deal_size", "higher"),
    "cycle_days": ("median_cycle_days", "lower"),
}
ENGAGEMENT_TOP, ENGAGEMENT_BOTTOM = 4, 1
REP_COLUMNS = (
    "rep_id, tenure_band, closed_n, won_n, win_rate, attainment, avg_won_deal_size, median_cycle_days, "
    "engagement_quartile"
)


@dataclass(frozen=True)
class ImpactRow:
    item_type: str
    item_id: str
    item_name: str
    outcome: str
    stratum: str
    as_of_week_start: date
    period_start: date
    period_end: date
    item_adopters_n: int
    adopters_n: int
    non_adopters_n: int
    adopters_value: float | None
    non_adopters_value: float | None
    difference: float | None
    std_error: float | None
    ci_low: float | None
    ci_high: float | None
    is_significant: bool | None
    better_direction: str
    is_favourable: bool | None
    method: str | None
    verdict: str
    caveat: str


def _table(schema: str) -> sa.Table:
    """The output table: one column per :class:`ImpactRow` field, typed from its annotation."""
    types = {
        "str": sa.Text,
        "int": sa.BigInteger,
        "float": sa.Float(precision=53),
        "date": sa.Date,
        "bool": sa.Boolean,
    }
    columns = [sa.Column(f.name, types[str(f.type).split(" | ")[0]]) for f in fields(ImpactRow)]
    return sa.Table(NAME, sa.MetaData(schema=quote_identifier(schema)), *columns)


@dataclass(frozen=True)
class Reps:
    """The compared reps as arrays (one position per rep): tenure band, closed and won deals, and
    each outcome's rep value (NaN when the rep has none)."""

    rep_id: np.ndarray
    band: np.ndarray
    closed: np.ndarray
    won: np.ndarray
    engagement_quartile: np.ndarray
    values: dict[str, np.ndarray]
    in_band: dict[str, np.ndarray] = field(init=False)
    has_value: dict[str, np.ndarray] = field(init=False)
    # (outcome, stratum) -> the reps with a value in the stratum, and how many they are
    counted: dict[tuple[str, str], tuple[np.ndarray, int]] = field(init=False)

    def __post_init__(self) -> None:
        in_band = {band: self.band == band for band in TENURE_BANDS}
        has_value = {outcome: ~np.isnan(values) for outcome, values in self.values.items()}
        counted = {}
        for outcome, with_value in has_value.items():
            for stratum, band in STRATA:
                mask = with_value if band is None else with_value & in_band[band]
                counted[outcome, stratum] = (mask, int(mask.sum()))
        object.__setattr__(self, "in_band", in_band)
        object.__setattr__(self, "has_value", has_value)
        object.__setattr__(self, "counted", counted)

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Reps:
        def number(column: str) -> np.ndarray:
            return pd.to_numeric(frame[column]).to_numpy(dtype=float, na_value=np.nan)

        return cls(
            rep_id=frame["rep_id"].to_numpy(dtype=object),
            band=frame["tenure_band"].to_numpy(dtype=object),
            closed=number("closed_n"),
            won=number("won_n"),
            engagement_quartile=number("engagement_quartile"),
            values={outcome: number(column) for outcome, (column, _) in OUTCOMES.items()},
        )

    def subset(self, mask: np.ndarray) -> Reps:
        return Reps(
            self.rep_id[mask],
            self.band[mask],
            self.closed[mask],
            self.won[mask],
            self.engagement_quartile[mask],
            {outcome: values[mask] for outcome, values in self.values.items()},
        )


def _cohort_value(outcome: str, reps: Reps, mask: np.ndarray) -> float | None:
    if not mask.any():
        return None
    if outcome == "win_rate":
        return float(reps.won[mask].sum() / reps.closed[mask].sum())
    return float(reps.values[outcome][mask].mean())


def _estimate(outcome: str, reps: Reps, a: np.ndarray, b: np.ndarray) -> stats.Estimate | None:
    if outcome == "win_rate":
        return stats.proportion_difference(
            int(reps.won[a].sum()),
            int(reps.closed[a].sum()),
            int(reps.won[b].sum()),
            int(reps.closed[b].sum()),
        )
    return stats.mean_difference(reps.values[outcome][a], reps.values[outcome][b])


def compare(
    reps: Reps, is_adopter: np.ndarray, outcome: str, min_n: int, item_adopters_n: int
) -> Iterator[tuple[str, int, int, float | None, float | None, stats.Estimate | None, str]]:
    """For one item and outcome: (stratum, adopters_n, non_adopters_n, adopters_value,
    non_adopters_value, estimate, verdict) for the combined row and each tenure band.

    Reps without a value for the outcome are left out; ``is_adopter`` is aligned with ``reps``.
    """
    has_value, in_band = reps.has_value[outcome], reps.in_band
    if item_adopters_n < min_n:
        # Only items with at least min_n adopters overall get a number; the others (at scale L
        # most assets, with no adopter at all) only need their cohorts counted, from the few
        # adopters' positions.
        at = np.flatnonzero(is_adopter)
        for stratum, _ in STRATA:
            mask, n = reps.counted[outcome, stratum]
            n_a = int(mask[at].sum())
            yield stratum, n_a, n - n_a, None, None, None, stats.INSUFFICIENT
        return
    adopters, others = has_value & is_adopter, has_value & ~is_adopter
    by_band = {band: _estimate(outcome, reps, adopters & m, others & m) for band, m in in_band.items()}
    for stratum, band in STRATA:
        a = adopters if band is None else adopters & in_band[band]
        b = others if band is None else others & in_band[band]
        n_a, n_b = int(a.sum()), int(b.sum())
        estimate = stats.combine_inverse_variance(by_band.values()) if band is None else by_band[band]
        label = stats.verdict(n_a, n_b, estimate, min_n)
        if label == stats.INSUFFICIENT:
            yield stratum, n_a, n_b, None, None, None, label
        else:
            yield (
                stratum,
                n_a,
                n_b,
                _cohort_value(outcome, reps, a),
                _cohort_value(outcome, reps, b),
                estimate,
                label,
            )


def impact_rows(
    reps: pd.DataFrame,
    items: pd.DataFrame,
    adoptions: pd.DataFrame,
    as_of_week_start: date,
    min_n: int,
) -> list[ImpactRow]:
    """Every (item, outcome, stratum) row. ``reps``: int_adoption_rep; ``items``:
    int_adoption_item; ``adoptions``: int_adoption_item_rep."""
    period_start = as_of_week_start - timedelta(days=84)
    period_end = as_of_week_start + timedelta(days=6)
    everyone = Reps.of(reps)
    quartile = everyone.engagement_quartile
    extremes = everyone.subset((quartile == ENGAGEMENT_TOP) | (quartile == ENGAGEMENT_BOTTOM))
    # Each item's adopters as positions in ``everyone`` (adopters who are not compared are left out).
    position = pd.Series(np.arange(len(everyone.rep_id)), index=everyone.rep_id)
    at = adoptions.assign(at=adoptions["rep_id"].map(position)).dropna(subset=["at"])
    adopted = {
        key: group["at"].to_numpy(dtype=np.intp)
        for key, group in at.groupby(["item_type", "item_id"], sort=False)
    }
    rows: list[ImpactRow] = []
    for item in items.itertuples(index=False):
        if item.item_type == "engagement":
            compared = extremes
            is_adopter = extremes.engagement_quartile == ENGAGEMENT_TOP
        else:
            compared = everyone
            is_adopter = np.zeros(len(everyone.rep_id), dtype=bool)
            is_adopter[adopted.get((item.item_type, item.item_id), [])] = True
        item_adopters_n = int(is_adopter.sum())
        for outcome, (_, direction) in OUTCOMES.items():
            for stratum, n_a, n_b, value_a, value_b, est, label in compare(
                compared, is_adopter, outcome, min_n, item_adopters_n
            ):
                shown = est if label != stats.INSUFFICIENT else None
                significant = None if shown is None else shown.is_significant
                favourable = None
                if shown is not None and significant:
                    favourable = (shown.difference > 0) == (direction == "higher")
                rows.append(
                    ImpactRow(
                        item_type=item.item_type,
                        item_id=item.item_id,
                        item_name=item.item_name,
                        outcome=outcome,
                        stratum=stratum,
                        as_of_week_start=as_of_week_start,
                        period_start=period_start,
                        period_end=period_end,
                        item_adopters_n=item_adopters_n,
                        adopters_n=n_a,
                        non_adopters_n=n_b,
                        adopters_value=value_a,
                        non_adopters_value=value_b,
                        difference=None if shown is None else shown.difference,
                        std_error=None if shown is None else shown.std_error,
                        ci_low=None if shown is None else shown.ci_low,
                        ci_high=None if shown is None else shown.ci_high,
                        is_significant=significant,
                        better_direction=direction,
                        is_favourable=favourable,
                        method=None if shown is None else shown.method,
                        verdict=label,
                        caveat=stats.CAVEAT,
                    )
                )
    return rows


def _read(conn: Connection, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
    if conn.dialect.name == "duckdb":  # through Arrow: some million adoption rows at scale L
        compiled = sa.text(sql).bindparams(**dict(params or {})).compile(dialect=conn.dialect)
        values = [compiled.params[name] for name in compiled.positiontup or ()]
        relation = conn.connection.driver_connection.sql(str(compiled), params=values)
        return relation.to_arrow_table().to_pandas()
    result = conn.execute(sa.text(sql), dict(params or {}))
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def read_inputs(
    conn: Connection, schema: str, as_of_week_start: date
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The rows of the three intermediates: the reps of the as-of week, the items, who adopted
    what."""
    s = quote_identifier(schema)
    rep_sql = f"select {REP_COLUMNS} from {s}.int_adoption_rep where as_of_week_start = :as_of"  # noqa: S608
    reps = _read(conn, rep_sql + " order by rep_id", {"as_of": as_of_week_start})
    items = _read(
        conn,
        f"select item_type, item_id, item_name from {s}.int_adoption_item order by item_type, item_id",  # noqa: S608
    )
    adoptions = _read(conn, f"select item_type, item_id, rep_id from {s}.int_adoption_item_rep")  # noqa: S608
    return reps, items, adoptions


def build(conn: Connection, schema: str, params: Mapping[str, Any]) -> None:
    """Rewrite ``mart_adoption_impact`` for the as-of week (the build window's last week)."""
    week_hi = params["week_hi"]
    if not isinstance(week_hi, date):
        week_hi = date.fromisoformat(str(week_hi))
    as_of_week_start = week_hi - timedelta(days=7)
    min_n = int(params.get("impact_min_n", DEFAULT_MIN_N))
    reps, items, adoptions = read_inputs(conn, schema, as_of_week_start)
    rows = impact_rows(reps, items, adoptions, as_of_week_start, min_n)
    table = _table(schema)
    run_sql(conn, f"drop table if exists {quote_identifier(schema)}.{quote_identifier(NAME)} cascade")
    table.create(conn)
    insert_rows(conn, table, [c.name for c in table.columns], (astuple(r) for r in rows))


MODEL = python_model(
    NAME,
    grain="one row per item (asset, course, tool, engagement) per outcome per stratum, as of the last week",
    depends_on=["int_adoption_rep", "int_adoption_item", "int_adoption_item_rep"],
    build=build,
)
