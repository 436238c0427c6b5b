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

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from scipy import sparse
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

    band: np.ndarray
    closed: np.ndarray
    won: np.ndarray
    engagement_quartile: np.ndarray
    values: dict[str, np.ndarray]

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Reps:
        def number(column: str) -> np.ndarray:
            return pd.to_numeric(frame[column]).to_numpy(dtype=float, na_value=np.nan)

        return cls(
            band=frame["tenure_band"].to_numpy(dtype=object),
            closed=number("closed_n"),
            won=number("won_n"),
            engagement_quartile=number("engagement_quartile"),
            values={outcome: number(column) for outcome, (column, _) in OUTCOMES.items()},
        )

    def subset(self, mask: np.ndarray) -> Reps:
        return Reps(
            self.band[mask],
            self.closed[mask],
            self.won[mask],
            self.engagement_quartile[mask],
            {outcome: values[mask] for outcome, values in self.values.items()},
        )

    def counted(self, outcome: str, stratum: str) -> np.ndarray:
        """The reps with a value for ``outcome`` in ``stratum``."""
        band = dict(STRATA)[stratum]
        has_value = ~np.isnan(self.values[outcome])
        return has_value if band is None else has_value & (self.band == band)


def _rep_terms(reps: Reps) -> dict[tuple[str, str, str], np.ndarray]:
    """What each rep adds to a cohort's sums, per (outcome, stratum, term): ``n`` (1 when the rep
    has a value in the stratum); for the win rate ``won`` and ``closed`` deals; for the other
    outcomes the ``value``, its deviation ``dev`` from the stratum's mean over all compared reps
    and the squared deviation ``dev2`` (sums of deviations keep the variances exact to rounding)."""
    terms: dict[tuple[str, str, str], np.ndarray] = {}
    for outcome in OUTCOMES:
        for stratum, _ in STRATA:
            mask = reps.counted(outcome, stratum)
            terms[outcome, stratum, "n"] = mask.astype(float)
            if outcome == "win_rate":
                terms[outcome, stratum, "won"] = np.where(mask, reps.won, 0.0)
                terms[outcome, stratum, "closed"] = np.where(mask, reps.closed, 0.0)
                continue
            values = np.where(mask, reps.values[outcome], 0.0)
            deviation = np.where(mask, values - values.sum() / max(mask.sum(), 1), 0.0)
            terms[outcome, stratum, "value"] = values
            terms[outcome, stratum, "dev"] = deviation
            terms[outcome, stratum, "dev2"] = deviation**2
    return terms


@dataclass(frozen=True)
class Cohorts:
    """Per item (one position per item) the sums of each rep term over its adopters and over the
    other compared reps, and each item's adopters as positions among the compared reps."""

    reps: Reps
    adopters: sparse.csr_array  # items x reps, 1 where the rep adopted the item
    adopter_sums: dict[tuple[str, str, str], np.ndarray]
    other_sums: dict[tuple[str, str, str], np.ndarray]

    @classmethod
    def of(cls, reps: Reps, adopters: sparse.csr_array) -> Cohorts:
        terms = _rep_terms(reps)
        keys = list(terms)
        stacked = np.column_stack([terms[key] for key in keys])
        by_item = np.asarray(adopters @ stacked)
        totals = stacked.sum(axis=0)
        return cls(
            reps,
            adopters,
            {key: by_item[:, k] for k, key in enumerate(keys)},
            {key: totals[k] - by_item[:, k] for k, key in enumerate(keys)},
        )

    def count(self, outcome: str, stratum: str) -> tuple[np.ndarray, np.ndarray]:
        key = (outcome, stratum, "n")
        adopters, others = (
            np.rint(sums[key]).astype(np.int64) for sums in (self.adopter_sums, self.other_sums)
        )
        return adopters, others

    def value(self, outcome: str, stratum: str) -> tuple[np.ndarray, np.ndarray]:
        """The crude cohort values: pooled won / closed deals, or the mean of the rep values."""
        numerator, denominator = ("won", "closed") if outcome == "win_rate" else ("value", "n")
        with np.errstate(divide="ignore", invalid="ignore"):
            return tuple(
                sums[outcome, stratum, numerator] / sums[outcome, stratum, denominator]
                for sums in (self.adopter_sums, self.other_sums)
            )

    def estimate(self, outcome: str, stratum: str, needed: np.ndarray) -> stats.Estimates:
        """Adopters minus the others in one tenure band (``needed``: the items whose estimate is
        used; the others may carry rounding error in their variances)."""
        a, b = self.adopter_sums, self.other_sums
        if outcome == "win_rate":
            won, closed = (outcome, stratum, "won"), (outcome, stratum, "closed")
            return stats.proportion_differences(a[won], a[closed], b[won], b[closed])
        n_a, n_b = (s[outcome, stratum, "n"] for s in (a, b))
        mean_a, mean_b = self.value(outcome, stratum)
        m2_a, m2_b = (self._m2(s, outcome, stratum) for s in (a, b))
        self._exact_m2(outcome, stratum, m2_a, m2_b, needed & (n_a >= 2) & (n_b >= 2))
        return stats.welch_differences(n_a, mean_a, m2_a, n_b, mean_b, m2_b)

    @staticmethod
    def _m2(sums: Mapping[tuple[str, str, str], np.ndarray], outcome: str, stratum: str) -> np.ndarray:
        """Sum of squared deviations from the cohort's own mean: Σd² - (Σd)²/n."""
        n, dev, dev2 = (sums[outcome, stratum, term] for term in ("n", "dev", "dev2"))
        with np.errstate(divide="ignore", invalid="ignore"):
            return dev2 - dev**2 / n

    def _exact_m2(
        self, outcome: str, stratum: str, m2_a: np.ndarray, m2_b: np.ndarray, needed: np.ndarray
    ) -> None:
        """Recompute from the rep values the needed sums of squares that are zero or nearly so,
        where rounding in the subtraction could turn a constant cohort's zero variance into a
        tiny one (and its estimate's weight, when the bands are combined, into an enormous one)."""
        values = self.reps.values[outcome]
        counted = self.reps.counted(outcome, stratum)
        tolerance = 1e-9 * float(np.square(values[counted]).sum())
        for item in np.flatnonzero(needed & ((m2_a <= tolerance) | (m2_b <= tolerance))):
            is_adopter = np.zeros(len(counted), dtype=bool)
            first, last = self.adopters.indptr[item], self.adopters.indptr[item + 1]
            is_adopter[self.adopters.indices[first:last]] = True
            m2_a[item] = stats.moments(values[counted & is_adopter])[2]
            m2_b[item] = stats.moments(values[counted & ~is_adopter])[2]


def _compare(
    items: pd.DataFrame, cohorts: Cohorts, min_n: int, as_of_week_start: date
) -> dict[str, list[Any]]:
    """The output columns for ``items``, rows ordered by item, outcome, stratum. Only items with
    at least ``min_n`` adopters get a number; a cohort below ``min_n`` or without an estimate
    gets 'insufficient evidence'."""
    n_items = len(items)
    item_adopters_n = np.diff(cohorts.adopters.indptr)
    estimable = item_adopters_n >= min_n
    parts: list[dict[str, np.ndarray]] = []  # per (outcome, stratum): a value per item
    for outcome, (_, direction) in OUTCOMES.items():
        bands = {s: cohorts.estimate(outcome, s, estimable) for s, band in STRATA if band is not None}
        combined = stats.combine_inverse_variance_arrays(list(bands.values()))
        for stratum, band in STRATA:
            estimate = combined if band is None else bands[stratum]
            n_a, n_b = cohorts.count(outcome, stratum)
            label = stats.verdicts(n_a, n_b, estimate, min_n)
            label[~estimable] = stats.INSUFFICIENT
            shown = label != stats.INSUFFICIENT
            significant = estimate.is_significant
            value_a, value_b = cohorts.value(outcome, stratum)
            favourable = (estimate.difference > 0) == (direction == "higher")
            parts.append(
                {
                    "outcome": np.full(n_items, outcome, dtype=object),
                    "stratum": np.full(n_items, stratum, dtype=object),
                    "adopters_n": n_a.astype(object),
                    "non_adopters_n": n_b.astype(object),
                    "adopters_value": _shown(value_a, shown),
                    "non_adopters_value": _shown(value_b, shown),
                    "difference": _shown(estimate.difference, shown),
                    "std_error": _shown(estimate.std_error, shown),
                    "ci_low": _shown(estimate.ci_low, shown),
                    "ci_high": _shown(estimate.ci_high, shown),
                    "is_significant": _shown(significant, shown),
                    "better_direction": np.full(n_items, direction, dtype=object),
                    "is_favourable": _shown(favourable, shown & significant),
                    "method": _shown(np.full(n_items, estimate.method, dtype=object), shown),
                    "verdict": label,
                }
            )
    per_item = {
        "item_type": items["item_type"].to_numpy(dtype=object),
        "item_id": items["item_id"].to_numpy(dtype=object),
        "item_name": items["item_name"].to_numpy(dtype=object),
        "item_adopters_n": item_adopters_n.astype(object),
    }
    fixed = {
        "as_of_week_start": as_of_week_start,
        "period_start": as_of_week_start - timedelta(days=84),
        "period_end": as_of_week_start + timedelta(days=6),
        "caveat": stats.CAVEAT,
    }
    columns: dict[str, list[Any]] = {}
    for name in (f.name for f in fields(ImpactRow)):
        if name in fixed:
            columns[name] = [fixed[name]] * (n_items * len(parts))
        elif name in per_item:
            columns[name] = np.repeat(per_item[name], len(parts)).tolist()
        else:
            columns[name] = np.stack([part[name] for part in parts], axis=1).ravel().tolist()
    return columns


def _shown(values: np.ndarray, shown: np.ndarray) -> np.ndarray:
    """``values`` as Python objects where ``shown``, else None (NULL)."""
    return np.where(shown, values.astype(object), None)


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
    """The rows of the three intermediates: the reps of the as-of week (by ``rep_id``), the items
    (by type and id), and who adopted what as positions in those two (``item_at``, ``rep_at``)."""
    s = quote_identifier(schema)
    rep_sql = f"select {REP_COLUMNS} from {s}.int_adoption_rep where as_of_week_start = :as_of"  # noqa: S608
    reps = _read(conn, rep_sql + " order by rep_id", {"as_of": as_of_week_start})
    items = _read(
        conn,
        f"select item_type, item_id, item_name from {s}.int_adoption_item order by item_type, item_id",  # noqa: S608
    )
    adoptions = _read(
        conn,
        f"""
        with item as (
            select item_type, item_id, row_number() over (order by item_type, item_id) - 1 as item_at
            from {s}.int_adoption_item
        ),
        rep as (
            select rep_id, row_number() over (order by rep_id) - 1 as rep_at
            from {s}.int_adoption_rep
            where as_of_week_start = :as_of
        )
        select item.item_at, rep.rep_at
        from {s}.int_adoption_item_rep as adoption
        inner join item on adoption.item_type = item.item_type and adoption.item_id = item.item_id
        inner join rep on adoption.rep_id = rep.rep_id
        """,  # noqa: S608
        {"as_of": as_of_week_start},
    )
    return reps, items, adoptions


def impact_columns(
    reps: pd.DataFrame, items: pd.DataFrame, adoptions: pd.DataFrame, as_of_week_start: date, min_n: int
) -> dict[str, list[Any]]:
    """The output columns (:class:`ImpactRow` fields) of every (item, outcome, stratum) row, as
    :func:`read_inputs` returns the inputs. The engagement item compares the top with the bottom
    quartile of the engagement index; every other item its adopters with the other reps."""
    everyone = Reps.of(reps)
    is_engagement = (items["item_type"] == "engagement").to_numpy()
    adopted = sparse.csr_array(
        (
            np.ones(len(adoptions)),
            (adoptions["item_at"].to_numpy(dtype=np.int64), adoptions["rep_at"].to_numpy(dtype=np.int64)),
        ),
        shape=(len(items), len(reps)),
    )
    adopted.sum_duplicates()
    columns = _compare(
        items[~is_engagement], Cohorts.of(everyone, adopted[~is_engagement]), min_n, as_of_week_start
    )
    quartile = everyone.engagement_quartile
    extremes = everyone.subset((quartile == ENGAGEMENT_TOP) | (quartile == ENGAGEMENT_BOTTOM))
    top = extremes.engagement_quartile == ENGAGEMENT_TOP
    if is_engagement.any():
        cohort = sparse.csr_array(np.tile(top.astype(float), (int(is_engagement.sum()), 1)))
        engagement = _compare(items[is_engagement], Cohorts.of(extremes, cohort), min_n, as_of_week_start)
        for name, values in engagement.items():
            columns[name].extend(values)
    return columns


def build(conn: Connection, schema: str, params: Mapping[str, Any]) -> None:
    """Rewrite ``mart_adoption_impact`` for the as-of week (the build window's last week)."""
    week_hi = params["week_hi"]
    if not isinstance(week_hi, date):
        week_hi = date.fromisoformat(str(week_hi))
    as_of_week_start = week_hi - timedelta(days=7)
    min_n = int(params.get("impact_min_n", DEFAULT_MIN_N))
    columns = impact_columns(*read_inputs(conn, schema, as_of_week_start), as_of_week_start, min_n)
    table = _table(schema)
    run_sql(conn, f"drop table if exists {quote_identifier(schema)}.{quote_identifier(NAME)} cascade")
    table.create(conn)
    names = [c.name for c in table.columns]
    insert_rows(conn, table, names, zip(*(columns[name] for name in names), strict=True))


MODEL = python_model(
    NAME,
    grain="one row per item (asset, course, tool, engagement) per outcome per stratum, as of the last week",
    depends_on=["int_adoption_rep", "int_adoption_item", "int_adoption_item_rep"],
    build=build,
)
