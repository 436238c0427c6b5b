"""Opportunities and quotas, with the planted win-rate lift for battlecard adopters.

Opportunities are an incremental extract: a deal appears in the file of the day it is created
(open) and again in the file of the day it closes (``IsClosed``, ``IsWon``, a newer
``SystemModstamp``). Deals created in the five months before the window and closing inside
it appear only when they close. Sellers who use the planted battlecard win about 15 points more
often (0.40 against 0.25).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from enablement_audit.synthetic.ids import sf_id
from enablement_audit.synthetic.org import People
from enablement_audit.synthetic.scales import Calendar, Scale, sf_datetime, work_seconds
from enablement_audit.synthetic.writers import (
    SnapshotSource,
    SourceStats,
    csv_text,
    day_path,
    duplicate_count,
    fault_kinds,
    forced_days,
    write_text,
)

OPPORTUNITY_HEADER = (
    "Id",
    "OwnerId",
    "AccountId",
    "Name",
    "StageName",
    "Amount",
    "CloseDate",
    "CreatedDate",
    "IsClosed",
    "IsWon",
    "Type",
    "ForecastCategoryName",
    "SystemModstamp",
)
QUOTA_HEADER = ("Id", "QuotaOwnerId", "StartDate", "QuotaAmount", "PeriodId")
LOOKBACK_DAYS = 150
BASE_WIN_RATE = 0.25
ADOPTER_LIFT = 0.15
RAMP_DAYS = 14
TITLE_DEALS = {
    "Account Executive": 1.3,
    "Account Manager": 1.0,
    "Sales Representative": 1.0,
    "Sales Development Representative": 0.5,
}
TITLE_SIZE = {
    "Account Executive": 1.5,
    "Account Manager": 1.2,
    "Sales Representative": 1.0,
    "Sales Development Representative": 0.4,
}
OPEN_STAGES = ("Prospecting", "Qualification", "Needs Analysis")
TYPES = (
    "New Customer",
    "Existing Customer - Upgrade",
    "Existing Customer - Replacement",
    "Existing Customer - Downgrade",
)
TYPE_WEIGHTS = (0.55, 0.3, 0.1, 0.05)
DEAL_WORDS = (
    "Platform",
    "Expansion",
    "Renewal",
    "Analytics",
    "Enterprise",
    "Pilot",
    "Suite",
    "Add-on Seats",
    "Data Cloud",
    "Services",
)
ACCOUNT_A = (
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Wonka",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Hooli",
    "Vandelay",
    "Massive",
    "Dunder",
    "Aperture",
    "Gringotts",
    "Oscorp",
    "Nakatomi",
    "Pied Piper",
    "Monarch",
    "Sterling",
    "Blue Sun",
    "Virtucon",
    "Bluth",
)
ACCOUNT_B = (
    "Industries",
    "Corp",
    "Holdings",
    "Labs",
    "Logistics",
    "Foods",
    "Energy",
    "Health",
    "Bank",
    "Retail",
    "Media",
    "Systems",
    "Motors",
    "Pharma",
    "Insurance",
    "Airlines",
)


@dataclass
class Opportunities:
    """Every deal that shows up in the window, as parallel arrays (day indices of the calendar)."""

    ids: list[str]
    names: list[str]
    account_ids: list[str]
    owner: np.ndarray
    created_day: np.ndarray
    created_second: np.ndarray
    close_day: np.ndarray
    close_second: np.ndarray
    planned_close_day: np.ndarray
    won: np.ndarray
    amount: np.ndarray
    stage: np.ndarray
    kind: np.ndarray
    by_owner_order: np.ndarray
    by_owner_start: np.ndarray

    def open_for(self, owner: int, day: int) -> np.ndarray:
        """Indices of the owner's deals open on ``day``."""
        order = self.by_owner_order[self.by_owner_start[owner] : self.by_owner_start[owner + 1]]
        mask = (self.created_day[order] <= day) & (day < self.close_day[order])
        return order[mask]

    def created_in_window(self, days: int) -> int:
        return int(np.sum((self.created_day >= 0) & (self.created_day < days)))


def _active_days(people: People, person: int, lo: int, hi: int) -> np.ndarray:
    """Working days in ``[lo, hi)`` when ``person`` sells: employed, past ramp, not on leave."""
    first = max(lo, int(people.hire_day[person]) + RAMP_DAYS)
    last = min(hi, int(people.term_day[person]))
    if first >= last:
        return np.zeros(0, dtype=np.int64)
    span = np.arange(first, last)
    keep = ~((people.leave_start[person] <= span) & (span <= people.leave_end[person]))
    return span[keep]


def _account_name(number: int) -> str:
    return f"{ACCOUNT_A[number % len(ACCOUNT_A)]} {ACCOUNT_B[(number // len(ACCOUNT_A)) % len(ACCOUNT_B)]}"


def build_opportunities(
    rng: np.random.Generator, people: People, scale: Scale, cal: Calendar
) -> Opportunities:
    sellers = np.flatnonzero(people.is_seller)
    weekday = np.array([cal.day(i).weekday() < 5 for i in range(-LOOKBACK_DAYS, cal.days)])
    spans = [_active_days(people, int(p), -LOOKBACK_DAYS, cal.days) for p in sellers]
    spans = [s[weekday[s + LOOKBACK_DAYS]] for s in spans]
    deal_weight = np.array([TITLE_DEALS[people.title[p]] for p in sellers])
    in_window = np.array([np.sum(s >= 0) for s in spans])
    target = scale.opportunities * cal.year_fraction()
    rate = target / max(1.0, float(np.sum(in_window * deal_weight)))
    counts = rng.poisson(rate * deal_weight * np.array([len(s) for s in spans]))
    owner_list, created_list = [], []
    for person, span, count in zip(sellers, spans, counts, strict=True):
        if count and len(span):
            owner_list.append(np.full(count, person))
            created_list.append(np.sort(rng.choice(span, size=count)))
    owner = np.concatenate(owner_list)
    created = np.concatenate(created_list)
    n = len(owner)
    cycle = np.maximum(3, np.round(rng.lognormal(np.log(40), 0.6, size=n))).astype(np.int64)
    close = created + cycle
    # A leaver's deals close before they go.
    term = people.term_day[owner]
    late = close >= term
    close[late] = np.maximum(created[late] + 1, term[late] - 1 - rng.integers(0, 6, size=int(late.sum())))
    keep = (close >= 0) | (created >= 0)
    owner, created, close, cycle = owner[keep], created[keep], close[keep], cycle[keep]
    n = len(owner)
    skill = rng.normal(0, 0.04, size=len(people))
    p_win = np.clip(BASE_WIN_RATE + ADOPTER_LIFT * people.adopter[owner] + skill[owner], 0.05, 0.8)
    won = rng.random(n) < p_win
    size = np.array([TITLE_SIZE[people.title[p]] for p in owner])
    amount = np.maximum(500, np.round(rng.lognormal(np.log(24_000), 0.8, size=n) * size, -2))
    planned = created + np.maximum(1, np.round(cycle * rng.uniform(0.7, 1.3, size=n))).astype(np.int64)
    accounts = max(50, scale.sellers * 10)
    account = rng.integers(0, accounts, size=n)
    words = rng.integers(0, len(DEAL_WORDS), size=n)
    order = np.argsort(owner, kind="stable")
    starts = np.searchsorted(owner[order], np.arange(len(people) + 1))
    return Opportunities(
        ids=[sf_id("006", i) for i in range(n)],
        names=[f"{_account_name(int(a))} - {DEAL_WORDS[w]}" for a, w in zip(account, words, strict=True)],
        account_ids=[sf_id("001", int(a)) for a in account],
        owner=owner,
        created_day=created,
        created_second=work_seconds(rng, people.peak_hour[owner]).astype(np.int64),
        close_day=close,
        close_second=work_seconds(rng, people.peak_hour[owner]).astype(np.int64),
        planned_close_day=planned,
        won=won,
        amount=amount,
        stage=rng.choice(len(OPEN_STAGES), size=n, p=(0.5, 0.3, 0.2)),
        kind=rng.choice(len(TYPES), size=n, p=TYPE_WEIGHTS),
        by_owner_order=order,
        by_owner_start=starts,
    )


def _amount(value: float) -> str:
    return f"{value:.2f}"


def opportunity_row(
    opps: Opportunities, people: People, cal: Calendar, i: int, closed: bool
) -> tuple[str, ...]:
    created = sf_datetime(cal.day(int(opps.created_day[i])), int(opps.created_second[i]))
    if closed:
        won = bool(opps.won[i])
        stage = "Closed Won" if won else "Closed Lost"
        close_date = cal.iso(int(opps.close_day[i]))
        flags = ("true", "true" if won else "false")
        forecast = "Closed" if won else "Omitted"
        modstamp = sf_datetime(cal.day(int(opps.close_day[i])), int(opps.close_second[i]))
    else:
        stage = OPEN_STAGES[int(opps.stage[i])]
        close_date = cal.iso(int(opps.planned_close_day[i]))
        flags = ("false", "false")
        forecast = "Pipeline"
        modstamp = sf_datetime(
            cal.day(int(opps.created_day[i])), min(86_399, int(opps.created_second[i]) + 240)
        )
    return (
        opps.ids[i],
        people.user_id[int(opps.owner[i])],
        opps.account_ids[i],
        opps.names[i],
        stage,
        _amount(float(opps.amount[i])),
        close_date,
        created,
        *flags,
        TYPES[int(opps.kind[i])],
        forecast,
        modstamp,
    )


OPPORTUNITY_FAULTS = ("negative_amount", "close_before_create", "bad_timestamp")


def _bad_opportunity(row: tuple[str, ...], kind: str, new_id: str, iso: str) -> tuple[str, ...]:
    values = list(row)
    values[0] = new_id
    if kind == "negative_amount":
        values[5] = "-" + values[5]
    elif kind == "close_before_create":
        values[6] = (date.fromisoformat(values[7][:10]) - timedelta(days=30)).isoformat()
    else:
        values[7] = f"{iso} 25:61"
    return tuple(values)


def write_opportunities(
    out: Path, rng: np.random.Generator, opps: Opportunities, people: People, cal: Calendar, progress
) -> SourceStats:
    stats = SourceStats()
    forced = forced_days(cal.days, cal.weights())
    opened = np.argsort(opps.created_day, kind="stable")
    opened_days = opps.created_day[opened]
    closed = np.argsort(opps.close_day, kind="stable")
    closed_days = opps.close_day[closed]
    bad_serial = 0
    loaded_ids: set[str] = set()
    for day in range(cal.days):
        iso = cal.iso(day)
        if cal.day(day).day == 1 or day == 0:
            progress(f"opportunities {iso[:7]}")
        new = opened[np.searchsorted(opened_days, day) : np.searchsorted(opened_days, day, "right")]
        done = closed[np.searchsorted(closed_days, day) : np.searchsorted(closed_days, day, "right")]
        rows = [(int(opps.created_second[i]), opportunity_row(opps, people, cal, int(i), False)) for i in new]
        rows += [(int(opps.close_second[i]), opportunity_row(opps, people, cal, int(i), True)) for i in done]
        rows = [r for _, r in sorted(rows, key=lambda item: (item[0], item[1][0]))]
        kinds = fault_kinds(rng, len(rows), day, forced, OPPORTUNITY_FAULTS)
        dups = duplicate_count(rng, len(rows), day, forced)
        bad = []
        for kind in kinds:
            source = rows[int(rng.integers(0, len(rows)))]
            bad.append(_bad_opportunity(source, kind, sf_id("006", 5_000_000 + bad_serial), iso))
            bad_serial += 1
        copies = [rows[int(i)] for i in rng.choice(len(rows), size=dups, replace=False)] if dups else []
        ordered = rows + bad + copies
        write_text(
            day_path(out, "opportunities", iso, f"Opportunity-{iso}.csv"),
            csv_text(OPPORTUNITY_HEADER, ordered, quote_all=True),
        )
        stats.files += 1
        stats.rows += len(ordered)
        stats.bad_rows += len(bad)
        # One load of the folder keeps the newest version of each opportunity: the open row
        # written at creation and exact copies are dropped as duplicates.
        for row in rows + copies:
            if row[0] in loaded_ids:
                stats.duplicates += 1
            else:
                loaded_ids.add(row[0])
    return stats


# ---------------------------------------------------------------------------------------------
# Quotas


@dataclass
class Quota:
    quota_id: str
    owner: int
    start_day: int
    amount: float
    period_id: str


def _quarter_starts(cal: Calendar) -> list[int]:
    first = cal.day(0)
    year, month = first.year, ((first.month - 1) // 3) * 3 + 1
    out = []
    while True:
        start = cal.index(date(year, month, 1))
        if start >= cal.days:
            return out
        out.append(start)
        month += 3
        if month > 12:
            year, month = year + 1, 1


def build_quotas(people: People, opps: Opportunities, cal: Calendar) -> list[Quota]:
    """One quota per seller per calendar quarter, for sellers hired before the quarter began
    (a new hire has none in their first quarter). Sized so the typical seller lands near 85%."""
    won_in_window = opps.won & (opps.close_day >= 0) & (opps.close_day < cal.days)
    seller_quarters = max(1.0, float(np.sum(people.is_seller)) * cal.days / 91.0)
    base = float(np.sum(opps.amount[won_in_window])) / seller_quarters / 0.85
    quotas = []
    for q, start in enumerate(_quarter_starts(cal)):
        period = sf_id("026", q + 7)
        for person in np.flatnonzero(people.is_seller):
            if people.hire_day[person] < start < people.term_day[person]:
                factor = TITLE_SIZE[people.title[person]] * TITLE_DEALS[people.title[person]]
                amount = max(5_000.0, round(base * factor, -3))
                quotas.append(Quota(sf_id("0J9", len(quotas)), int(person), start, amount, period))
    return quotas


def write_quotas(out: Path, quotas: list[Quota], people: People, cal: Calendar) -> SnapshotSource:
    source = SnapshotSource(
        out, "quotas", "ForecastingQuota-{day}.csv", QUOTA_HEADER, key=(0,), quote_all=True
    )
    exports = cal.export_days
    planted = [exports[len(exports) // 6], exports[len(exports) // 2], exports[(5 * len(exports)) // 6]]
    for day in exports:
        iso = cal.iso(day)
        rows = [
            (q.quota_id, people.user_id[q.owner], cal.iso(q.start_day), _amount(q.amount), q.period_id)
            for q in quotas
            if q.start_day <= day
        ]
        bad = []
        for k in range(planted.count(day)):
            owner = people.user_id[int(np.flatnonzero(people.is_seller)[k])]
            bad += [
                (sf_id("0J9", 800_000 + day * 10 + k), owner, iso, "-25000.00", ""),
                (sf_id("0J9", 810_000 + day * 10 + k), owner, "2026-13-01", "25000.00", ""),
                (sf_id("0J9", 820_000 + day * 10 + k), "", iso, "25000.00", ""),
            ]
        source.export(iso, rows, bad)
    return source
