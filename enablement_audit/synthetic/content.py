"""Content: the asset catalog and content activity.

Use is concentrated: a small evergreen set of assets takes Zipf-like shares of all actions, a
new asset gets a few weeks of attention after it is published, and everything else sits unused
(shelfware). One battlecard is used only by a group of sellers ("adopters"), who share or present
it on their deals (with the ``opportunity_id``) and win more often (see ``crm``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from enablement_audit.synthetic.crm import Opportunities
from enablement_audit.synthetic.ids import hex_ids, uuid4s
from enablement_audit.synthetic.org import (
    DIRECTOR,
    ENABLEMENT,
    ENGINEER,
    MANAGER,
    MARKETING,
    SELLER,
    VP,
    People,
)
from enablement_audit.synthetic.scales import (
    NEVER,
    Calendar,
    Scale,
    day_ms,
    iso_s,
    uniform_int,
    work_seconds,
)
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

CATALOG_HEADER = (
    "asset_id",
    "title",
    "asset_type",
    "bucket",
    "owner_email",
    "published_at",
    "expires_at",
    "status",
    "tags",
)
ACTIVITY_HEADER = (
    "event_id",
    "occurred_at",
    "user_email",
    "asset_id",
    "action",
    "duration_seconds",
    "opportunity_id",
)
ASSET_TYPES = ("deck", "battlecard", "case_study", "one_pager", "video", "playbook")
ASSET_TYPE_WEIGHTS = (0.3, 0.1, 0.15, 0.2, 0.15, 0.1)
BUCKETS = {
    "deck": ("Product", "Industry"),
    "battlecard": ("Competitive",),
    "case_study": ("Industry",),
    "one_pager": ("Product", "Competitive"),
    "video": ("Product", "Onboarding"),
    "playbook": ("Onboarding", "Product"),
}
COMPETITORS = (
    "Hooli",
    "Initech",
    "Globex",
    "Vandelay",
    "Contoso",
    "Fabrikam",
    "Northwind",
    "Tailspin",
    "Wingtip",
    "Litware",
    "Proseware",
    "Adatum",
    "Lucerne",
    "Tyrell",
    "Cyberdyne",
    "Massive Dynamic",
)
PRODUCTS = ("Atlas", "Beacon", "Compass", "Delta", "Ember", "Forge", "Harbor", "Summit")
TOPICS = ("Overview", "Pricing", "Security", "ROI", "Roadmap", "Integrations", "Migration", "Analytics")
INDUSTRIES = (
    "Retail",
    "Banking",
    "Healthcare",
    "Manufacturing",
    "Public Sector",
    "Insurance",
    "Telecom",
    "Logistics",
)
SEGMENTS = ("Enterprise", "Mid-Market", "SMB", "New Logo", "Renewal", "Partner")

ACTIONS = ("view", "download", "share", "present", "copy_link", "customer_view")
ACTION_WEIGHTS = (0.46, 0.14, 0.12, 0.07, 0.09, 0.12)
CUSTOMER_FACING = (2, 3, 5)
ROLE_FACTOR = {
    SELLER: 1.0,
    ENGINEER: 0.5,
    MANAGER: 0.2,
    ENABLEMENT: 0.3,
    MARKETING: 0.2,
    DIRECTOR: 0.1,
    VP: 0.05,
}
NOVELTY_DAYS = 45
EVERGREEN_SHARE = 0.12
JSONL_WEEKDAY = 2  # Wednesdays arrive as JSON Lines
CONTENT_FAULTS = ("bad_timestamp", "bad_email", "missing_email", "unknown_action", "negative_duration")


@dataclass
class Assets:
    ids: list[str]
    titles: list[str]
    types: list[str]
    buckets: list[str]
    tags: list[str]
    owner: np.ndarray
    published_day: np.ndarray
    published_second: np.ndarray
    expires_day: np.ndarray
    archived_day: np.ndarray
    evergreen_weight: np.ndarray
    novelty_weight: float
    battlecard: int

    def __len__(self) -> int:
        return len(self.ids)

    def weights(self, day: int) -> np.ndarray:
        """How likely each asset is to be picked by a random action on ``day``."""
        live = (self.published_day <= day) & (day < self.archived_day)
        novel = (self.published_day <= day) & (day < self.published_day + NOVELTY_DAYS)
        weight = np.where(live, self.evergreen_weight, 0.0) + np.where(live & novel, self.novelty_weight, 0.0)
        weight[self.battlecard] = 0.0  # only adopters use it, through their schedule
        return weight


def _title(rng: np.random.Generator, asset_type: str, bucket: str) -> tuple[str, str]:
    pick = lambda items: items[int(rng.integers(0, len(items)))]  # noqa: E731
    if asset_type == "battlecard":
        rival = pick(COMPETITORS)
        return f"Battlecard: {rival}", rival.lower().replace(" ", "-")
    if asset_type == "case_study":
        industry = pick(INDUSTRIES)
        return f"Case Study: {pick(PRODUCTS)} in {industry}", industry.lower().replace(" ", "-")
    product = pick(PRODUCTS)
    if asset_type == "deck":
        topic = pick(TOPICS) if bucket == "Product" else pick(INDUSTRIES)
        return f"{product} {topic} Deck", product.lower()
    if asset_type == "one_pager":
        return f"{product} One-Pager: {pick(TOPICS)}", product.lower()
    if asset_type == "video":
        return f"Demo Video: {product} {pick(TOPICS)}", product.lower()
    return f"{pick(SEGMENTS)} Sales Playbook", product.lower()


def build_assets(rng: np.random.Generator, people: People, scale: Scale, cal: Calendar) -> Assets:
    n = scale.assets
    types = [ASSET_TYPES[int(i)] for i in rng.choice(len(ASSET_TYPES), size=n, p=ASSET_TYPE_WEIGHTS)]
    types[0] = "battlecard"
    buckets, titles, tags = [], [], []
    seen: dict[str, int] = {}
    for asset_type in types:
        options = BUCKETS[asset_type]
        bucket = options[int(rng.integers(0, len(options)))]
        title, tag = _title(rng, asset_type, bucket)
        seen[title] = seen.get(title, 0) + 1
        if seen[title] > 1:
            title = f"{title} v{seen[title]}"
        buckets.append(bucket)
        titles.append(title)
        tags.append(f"{bucket.lower()};{asset_type.replace('_', '-')};{tag}")
    last_day = max(0, cal.days - 8)
    in_window = rng.random(n) < 0.2
    published = np.where(in_window, rng.integers(0, last_day + 1, size=n), -rng.integers(1, 1000, size=n))
    expires = np.where(rng.random(n) < 0.2, published + 365, NEVER)
    archived = np.full(n, NEVER)
    old = np.flatnonzero(published < -30)
    gone = old[rng.random(len(old)) < 0.1]
    archived[gone] = np.maximum(published[gone] + 1, -rng.integers(1, 200, size=len(gone)))
    late = np.flatnonzero((archived == NEVER) & (published < cal.days // 3))
    retire = late[rng.random(len(late)) < 0.03]
    archived[retire] = rng.integers(cal.days // 3, max(cal.days // 3 + 1, cal.days), size=len(retire))

    battlecard = 0
    published[battlecard], expires[battlecard], archived[battlecard] = -200, NEVER, NEVER
    candidates = np.flatnonzero((archived == NEVER) & (np.arange(n) != battlecard))
    count = max(5, round(EVERGREEN_SHARE * n))
    evergreen = rng.choice(candidates, size=min(count, len(candidates)), replace=False)
    weight = np.zeros(n)
    weight[evergreen] = 1.0 / np.arange(1, len(evergreen) + 1) ** 1.1
    # A few evergreen assets expired but stay live and in use (a governance flag).
    stale = evergreen[: max(2, len(evergreen) // 10)]
    published[stale] = np.minimum(published[stale], -400)
    expires[stale] = published[stale] + 365

    authors = (people.role == MARKETING) | (people.role == ENABLEMENT)
    owners = np.flatnonzero(authors & (people.term_day == NEVER))
    gone = np.flatnonzero(authors & (people.term_day != NEVER))
    owner = owners[rng.integers(0, len(owners), size=n)]
    # A few assets belong to marketers who left (before and during the window): orphaned.
    for k, person in enumerate(gone):
        owner[1 + 3 * k : 4 + 3 * k] = person
    return Assets(
        ids=hex_ids(rng, n),
        titles=titles,
        types=types,
        buckets=buckets,
        tags=tags,
        owner=owner,
        published_day=published,
        published_second=uniform_int(rng, 8 * 3600, 18 * 3600, size=n),
        expires_day=expires,
        archived_day=archived,
        evergreen_weight=weight,
        novelty_weight=0.5 * float(np.mean(weight[evergreen])),
        battlecard=battlecard,
    )


def catalog_rows(assets: Assets, people: People, cal: Calendar, day: int) -> list[tuple[str, ...]]:
    rows = []
    for i in np.flatnonzero(assets.published_day <= day):
        published = cal.day(int(assets.published_day[i]))
        seconds = int(assets.published_second[i])
        stamp = f"{published.isoformat()}T{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}Z"
        expires = "" if assets.expires_day[i] == NEVER else f"{cal.iso(int(assets.expires_day[i]))}T00:00:00Z"
        rows.append(
            (
                assets.ids[i],
                assets.titles[i],
                assets.types[i],
                assets.buckets[i],
                people.email[int(assets.owner[i])],
                stamp,
                expires,
                "archived" if assets.archived_day[i] <= day else "live",
                assets.tags[i],
            )
        )
    return rows


def write_catalog(out: Path, assets: Assets, people: People, cal: Calendar) -> SnapshotSource:
    source = SnapshotSource(out, "content_catalog", "content-catalog-{day}.csv", CATALOG_HEADER, key=(0,))
    exports = cal.export_days
    planted = [exports[len(exports) // 6], exports[len(exports) // 2], exports[(5 * len(exports)) // 6]]
    for day in exports:
        iso = cal.iso(day)
        bad = []
        for k in range(planted.count(day)):
            base = f"badc0ffee{day:05d}{k:02d}"
            bad += [
                (
                    base + "aaaaaaaa",
                    "Draft: Pricing FAQ",
                    "one_pager",
                    "Product",
                    people.email[0],
                    f"{iso}T09:00:00Z",
                    "",
                    "draft",
                    "product",
                ),
                (
                    base + "bbbbbbbb",
                    "Webinar Recording",
                    "video",
                    "Product",
                    people.email[0],
                    "05/03/2026",
                    "",
                    "live",
                    "product",
                ),
                (
                    base + "cccccccc",
                    "Industry Brief",
                    "one_pager",
                    "Industry",
                    "marketing team",
                    f"{iso}T09:00:00Z",
                    "",
                    "live",
                    "industry",
                ),
            ]
        source.export(iso, catalog_rows(assets, people, cal, day), bad)
    return source


# ---------------------------------------------------------------------------------------------
# Activity


@dataclass
class Schedule:
    """Battlecard actions by adopters, sorted by day: ``opp`` is -1 when not tied to a deal."""

    day: np.ndarray
    person: np.ndarray
    action: np.ndarray
    opp: np.ndarray

    def on(self, day: int) -> slice:
        return slice(int(np.searchsorted(self.day, day)), int(np.searchsorted(self.day, day, "right")))


def battlecard_schedule(
    rng: np.random.Generator, people: People, opps: Opportunities, cal: Calendar
) -> Schedule:
    days, persons, actions, deals = [], [], [], []
    for i in np.flatnonzero(people.adopter[opps.owner]):
        owner = int(opps.owner[i])
        lo, hi = max(0, int(opps.created_day[i])), min(cal.days, int(opps.close_day[i]))
        if lo >= hi:
            continue
        for _ in range(1 + int(rng.random() < 0.5)):
            day = int(rng.integers(lo, hi))
            if people.is_active_on(owner, day):
                days.append(day)
                persons.append(owner)
                actions.append(CUSTOMER_FACING[int(rng.choice(3, p=(0.45, 0.35, 0.2)))])
                deals.append(int(i))
    weekday = cal.weights() >= 0.9
    for person in np.flatnonzero(people.adopter):
        views = np.flatnonzero((rng.random(cal.days) < 1 / 10) & weekday)
        views = [int(d) for d in views if people.is_active_on(int(person), int(d))]
        days += views
        persons += [int(person)] * len(views)
        actions += [0] * len(views)
        deals += [-1] * len(views)
    order = np.argsort(np.array(days, dtype=np.int64), kind="stable")
    pick = lambda values: np.array(values, dtype=np.int64)[order]  # noqa: E731
    return Schedule(pick(days), pick(persons), pick(actions), pick(deals))


def _durations(rng: np.random.Generator, actions: np.ndarray) -> list[str]:
    view = rng.lognormal(np.log(45), 0.9, size=len(actions))
    present = rng.lognormal(np.log(900), 0.5, size=len(actions))
    customer = rng.lognormal(np.log(120), 1.0, size=len(actions))
    out = []
    for a, v, p, c in zip(actions, view, present, customer, strict=True):
        if a == 0:
            out.append(str(max(1, int(v))))
        elif a == 3:
            out.append(str(max(1, int(p))))
        elif a == 5:
            out.append(str(max(1, int(c))))
        else:
            out.append("")
    return out


def _json_line(row: tuple[str, ...]) -> str:
    duration = row[5] if row[5] else "null"
    opportunity = json.dumps(row[6]) if row[6] else "null"
    email = json.dumps(row[2]) if row[2] else "null"
    return (
        f'{{"event_id":"{row[0]}","occurred_at":"{row[1]}","user_email":{email},"asset_id":"{row[3]}",'
        f'"action":"{row[4]}","duration_seconds":{duration},"opportunity_id":{opportunity}}}'
    )


def _corrupt(row: tuple[str, ...], kind: str, event_id: str, iso: str) -> tuple[str, ...]:
    values = list(row)
    values[0] = event_id
    if kind == "bad_timestamp":
        values[1] = f"{iso[:8]}32T10:00:00Z"
    elif kind == "bad_email":
        values[2] = values[2].replace("@", " at ")
    elif kind == "missing_email":
        values[2] = ""
    elif kind == "unknown_action":
        values[4] = "like"
    elif kind == "negative_duration":
        values[5] = "-30"
    return tuple(values)


@dataclass
class ActivityResult:
    stats: SourceStats
    unknown_asset_events: int
    battlecard_events: int


def write_activity(
    out: Path,
    rng: np.random.Generator,
    assets: Assets,
    people: People,
    opps: Opportunities,
    scale: Scale,
    cal: Calendar,
    progress,
) -> ActivityResult:
    stats = SourceStats()
    schedule = battlecard_schedule(rng, people, opps, cal)
    weights = cal.weights()
    random_target = max(0.0, scale.content_events * cal.year_fraction() - len(schedule.day))
    per_day = random_target * weights / weights.sum()
    forced = forced_days(cal.days, weights)
    jsonl_days = [d for d in range(cal.days) if cal.day(d).weekday() == JSONL_WEEKDAY]
    forced_truncated = (jsonl_days * 3)[:3]
    role_factor = np.array([ROLE_FACTOR[int(r)] for r in people.role])
    emails = np.array(people.email, dtype=object)
    asset_ids = np.array(assets.ids, dtype=object)
    unknown = 0
    for day in range(cal.days):
        iso = cal.iso(day)
        if cal.day(day).day == 1 or day == 0:
            progress(f"content_activity {iso[:7]}")
        n = int(rng.poisson(per_day[day]))
        user_weight = people.engagement * role_factor * people.active(day)
        asset_weight = assets.weights(day)
        if user_weight.sum() == 0 or asset_weight.sum() == 0:
            n = 0
        users = (
            rng.choice(len(people), size=n, p=user_weight / max(user_weight.sum(), 1e-12))
            if n
            else np.zeros(0, int)
        )
        picked = (
            rng.choice(len(assets), size=n, p=asset_weight / max(asset_weight.sum(), 1e-12))
            if n
            else np.zeros(0, int)
        )
        actions = rng.choice(len(ACTIONS), size=n, p=ACTION_WEIGHTS)
        deals = np.full(n, -1)
        attach = rng.random(n) < 0.4
        for k in np.flatnonzero(np.isin(actions, CUSTOMER_FACING) & attach & people.is_seller[users]):
            open_deals = opps.open_for(int(users[k]), day)
            if len(open_deals):
                deals[k] = open_deals[int(rng.integers(0, len(open_deals)))]
        planned = schedule.on(day)
        users = np.concatenate([users, schedule.person[planned]])
        picked = np.concatenate([picked, np.full(planned.stop - planned.start, assets.battlecard)])
        actions = np.concatenate([actions, schedule.action[planned]])
        deals = np.concatenate([deals, schedule.opp[planned]])
        total = len(users)
        seconds = work_seconds(rng, people.peak_hour[users]) if total else np.zeros(0)
        order = np.argsort(seconds, kind="stable")
        users, picked, actions, deals, seconds = (
            users[order],
            picked[order],
            actions[order],
            deals[order],
            seconds[order],
        )
        stamps = iso_s(day_ms(cal, day), seconds)
        durations = _durations(rng, actions)
        ids = uuid4s(rng, total)
        rows = [
            (
                ids[k],
                stamps[k] + "Z",
                emails[users[k]],
                asset_ids[picked[k]],
                ACTIONS[actions[k]],
                durations[k],
                opps.ids[deals[k]] if deals[k] >= 0 else "",
            )
            for k in range(total)
        ]
        is_jsonl = day in jsonl_days
        kinds = fault_kinds(rng, total, day, forced, CONTENT_FAULTS)
        if is_jsonl:
            kinds += ["truncated"] * forced_truncated.count(day)
            kinds += ["truncated"] * int(rng.binomial(total, 0.0005)) if total else []
        n_unknown = (int(rng.binomial(total, 0.0005)) + forced.count(day)) if total else 0
        dups = duplicate_count(rng, total, day, forced)
        extra_ids = uuid4s(rng, len(kinds) + n_unknown)
        bad = []
        for k, kind in enumerate(kinds):
            base = rows[int(rng.integers(0, total))]
            if kind == "truncated":
                text = _json_line((extra_ids[k], *base[1:]))
                bad.append(text[: len(text) // 2])
            else:
                bad.append(_corrupt(base, kind, extra_ids[k], iso))
        strays = hex_ids(rng, n_unknown)
        for k in range(n_unknown):
            base = rows[int(rng.integers(0, total))]
            rows.append((extra_ids[len(kinds) + k], base[1], base[2], strays[k], base[4], base[5], base[6]))
        unknown += n_unknown
        ordered: list = list(rows)
        for item in bad:
            ordered.insert(int(rng.integers(0, len(ordered) + 1)), item)
        if dups:
            for k in sorted(rng.choice(len(rows), size=dups, replace=False).tolist(), reverse=True):
                position = ordered.index(rows[k])
                ordered.insert(position + 1, rows[k])
        if not ordered:
            continue
        if is_jsonl:
            lines = [item if isinstance(item, str) else _json_line(item) for item in ordered]
            text = "\n".join(lines) + "\n"
            write_text(day_path(out, "content_activity", iso, f"content-activity-{iso}.jsonl"), text)
        else:
            write_text(
                day_path(out, "content_activity", iso, f"content-activity-{iso}.csv"),
                csv_text(ACTIVITY_HEADER, ordered),
            )
        stats.files += 1
        stats.rows += len(ordered)
        stats.bad_rows += len(bad)
        stats.duplicates += dups
    return ActivityResult(stats, unknown, len(schedule.day))
