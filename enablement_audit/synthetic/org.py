"""The organisation: people, their teams, hires, leavers and leave; CRM users, HR and identity map.

Sellers sit about eight to a manager, managers under a regional director, directors under a VP.
Over the year some sellers leave (inactive in the CRM, ``terminated`` in HR) and are replaced,
a few are hired in the last 30 days (inside the ramp), a few take leave.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from enablement_audit.synthetic.ids import okta_ids, sf_id
from enablement_audit.synthetic.scales import (
    NEVER,
    REGION_PEAK_HOUR,
    Calendar,
    Scale,
    sf_datetime,
    uniform_int,
)
from enablement_audit.synthetic.writers import SnapshotSource

DOMAIN = "example.com"
SELLER_TITLES = (
    "Account Executive",
    "Account Manager",
    "Sales Development Representative",
    "Sales Representative",
)
SELLER_TITLE_WEIGHTS = (0.45, 0.2, 0.25, 0.1)
REGIONS = ("AMER", "EMEA", "APAC")
REGION_WEIGHTS = (0.5, 0.3, 0.2)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = (
    *_words(
        "Aaron Abigail Adrian Aisha Alex Alice Amara Amelia Ana Andre Anna Arjun Ben Bianca Carla "
        "Carlos Chen Chloe Chris Claire Daniel Dana David Diego Elena Eli Emma Eric Fatima Felix "
        "Fiona Gabriel Grace Hana Hannah Hugo Ian Ines Isaac Ivy Jack Jade James Jana Javier Jin "
        "Jonas Jordan Julia Kai Karen Kenji Kim Laura Leah Leo Lina Lucas Luis Maya Marco Maria "
        "Mateo Mei Mia Michael Mohammed Nadia Nina Noah Nora Oliver Olivia Omar Oscar Paula Priya "
        "Quinn Rafael Rachel Ravi Rosa Ryan Sam Sara Sean Sofia Sven Tara Theo Tom Uma Victor Wei "
        "Yara Yusuf Zoe Zara Lena Mark Erin Owen"
    ),
    # Accented names: display names keep them, e-mail addresses fold them to ASCII.
    *("José", "Zoë", "Björn", "Chloé", "Renée", "Søren", "Ana María", "François"),
)
LAST_NAMES = (
    *_words(
        "Adams Ahmed Alvarez Anderson Bauer Becker Bianchi Brown Campbell Carter Chen Clark Cohen "
        "Collins Costa Cruz Davies Diaz Dubois Edwards Evans Fischer Fernandez Fraser Garcia Gupta "
        "Hall Hansen Harris Hughes Ito Jackson Jensen Johnson Kaur Khan Kim King Klein Kowalski "
        "Kumar Larsen Lee Lewis Lopez Martin Meyer Miller Moore Morgan Murphy Nakamura Nguyen "
        "Nielsen Novak Okafor Olsen Park Patel Perez Peters Quinn Rao Reyes Richter Rossi Russo "
        "Santos Sato Schmidt Schneider Scott Shah Silva Singh Smith Sousa Suzuki Tanaka Taylor "
        "Thomas Torres Turner Wagner Walker Wang Watson Weber White Williams Wilson Wong Wright "
        "Yamamoto Young Zhang Ziegler"
    ),
    *("Müller", "O'Brien", "García", "Núñez", "Łukasz", "Dupré"),
)

USER_HEADER = (
    "Id",
    "Name",
    "Email",
    "ManagerId",
    "Title",
    "Department",
    "IsActive",
    "CreatedDate",
    "Region__c",
)
HR_HEADER = ("email", "hire_date", "employment_status", "status_start", "status_end", "fte")
IDENTITY_HEADER = ("source", "external_id", "email")
LMS_HOME_PAGE = "https://lms.example.com"

# Roles (not titles): what a person does in the simulation.
SELLER, MANAGER, DIRECTOR, VP, ENGINEER, ENABLEMENT, MARKETING = range(7)
XAPI_MBOX, XAPI_SHA1, XAPI_ACCOUNT = range(3)


@dataclass
class People:
    """Everyone who is ever a CRM user in the window, as parallel arrays and lists.

    Day fields are day indices of the calendar (negative before the window); ``term_day`` and
    ``leave_start`` are :data:`NEVER` when there is none.
    """

    role: np.ndarray
    title: list[str]
    department: list[str]
    region: list[str]
    manager: np.ndarray
    first: list[str]
    last: list[str]
    hire_day: np.ndarray
    created_second: np.ndarray
    term_day: np.ndarray
    leave_start: np.ndarray
    leave_end: np.ndarray
    fte: list[str]
    engagement: np.ndarray
    adopter: np.ndarray
    xapi_form: np.ndarray
    okta_quirk: np.ndarray
    okta_email_login: np.ndarray
    user_id: list[str] = field(default_factory=list)
    name: list[str] = field(default_factory=list)
    email: list[str] = field(default_factory=list)
    lms_id: list[str] = field(default_factory=list)
    okta_id: list[str] = field(default_factory=list)
    okta_login: list[str] = field(default_factory=list)
    ip: list[str] = field(default_factory=list)
    name_json: list[str] = field(default_factory=list)
    peak_hour: np.ndarray = field(default_factory=lambda: np.zeros(0))
    lagging_manager: int = -1

    def __len__(self) -> int:
        return len(self.role)

    @property
    def is_seller(self) -> np.ndarray:
        return self.role == SELLER

    def employed(self, day: int) -> np.ndarray:
        return (self.hire_day <= day) & (day < self.term_day)

    def active(self, day: int) -> np.ndarray:
        """Employed and not on leave on ``day``."""
        on_leave = (self.leave_start <= day) & (day <= self.leave_end)
        return self.employed(day) & ~on_leave

    def is_active_on(self, person: int, day: int) -> bool:
        return bool(
            self.hire_day[person] <= day < self.term_day[person]
            and not (self.leave_start[person] <= day <= self.leave_end[person])
        )


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("Ł", "L").replace("ø", "o").replace("Ø", "O"))
    return "".join(c for c in folded if c.isascii() and (c.isalnum() or c in "-")).lower()


def build_people(rng: np.random.Generator, scale: Scale, cal: Calendar) -> People:
    """Draw the organisation for the window (see the module docstring)."""
    days = cal.days
    # Changes to people land on or before the last weekly export, so every export-based view
    # (users, HR) shows them.
    last = cal.export_days[-1]
    n_sellers = scale.sellers
    n_managers = max(3, round(n_sellers / 8))
    rows: list[dict] = []

    def add(role: int, title: str, department: str, region: str, manager: int, hire: int) -> int:
        rows.append(
            {
                "role": role,
                "title": title,
                "department": department,
                "region": region,
                "manager": manager,
                "hire": hire,
                "term": NEVER,
            }
        )
        return len(rows) - 1

    vp = add(VP, "VP Sales", "Sales", "AMER", -1, -int(uniform_int(rng, 900, 3000)))
    manager_region = [REGIONS[int(i)] for i in rng.choice(3, size=n_managers, p=REGION_WEIGHTS)]
    directors: dict[str, list[int]] = {}
    for region in REGIONS:
        count = max(1, round(manager_region.count(region) / 6))
        directors[region] = [
            add(DIRECTOR, "Regional Sales Director", "Sales", region, vp, -int(uniform_int(rng, 700, 3000)))
            for _ in range(count)
        ]
    managers = []
    for i, region in enumerate(manager_region):
        boss = directors[region][i % len(directors[region])]
        managers.append(
            add(MANAGER, "Sales Manager", "Sales", region, boss, -int(uniform_int(rng, 400, 3000)))
        )
    seller_titles = rng.choice(len(SELLER_TITLES), size=n_sellers, p=SELLER_TITLE_WEIGHTS)
    sellers = []
    for i in range(n_sellers):
        boss = managers[i % n_managers]
        sellers.append(
            add(
                SELLER,
                SELLER_TITLES[int(seller_titles[i])],
                "Sales",
                rows[boss]["region"],
                boss,
                -int(uniform_int(rng, 45, 2500)),
            )
        )
    for i in range(max(2, n_sellers // 10)):
        region = REGIONS[i % 3]
        add(
            ENGINEER,
            "Solutions Engineer",
            "Presales",
            region,
            directors[region][0],
            -int(uniform_int(rng, 100, 2500)),
        )
    for _ in range(max(2, n_sellers // 100)):
        add(
            ENABLEMENT,
            "Sales Enablement Manager",
            "Sales Enablement",
            "AMER",
            vp,
            -int(uniform_int(rng, 200, 2000)),
        )
    marketers = [
        add(
            MARKETING,
            "Product Marketing Manager",
            "Marketing",
            REGIONS[i % 3],
            vp,
            -int(uniform_int(rng, 300, 2500)),
        )
        for i in range(max(4, n_sellers // 50))
    ]
    # Content owners who left: one before the window, one during it (orphaned assets).
    rows[marketers[0]]["term"] = -int(uniform_int(rng, 30, 200))
    rows[marketers[1]]["term"] = int(uniform_int(rng, min(last, days // 5), min(last, days // 2)))

    # Leavers among sellers, each replaced on the same team a few weeks later.
    n_leavers = max(3, round(0.12 * n_sellers * cal.year_fraction()))
    leavers = [sellers[int(i)] for i in rng.choice(n_sellers, size=n_leavers, replace=False)]
    for person in leavers:
        term = int(uniform_int(rng, min(5, last), last))
        rows[person]["term"] = term
        hire = term + int(uniform_int(rng, 7, 45))
        if hire <= last:
            add(SELLER, rows[person]["title"], "Sales", rows[person]["region"], rows[person]["manager"], hire)
    # New hires inside the 30-day ramp at the end of the window.
    for _ in range(max(3, round(0.02 * n_sellers))):
        boss = managers[int(rng.integers(0, n_managers))]
        title = SELLER_TITLES[int(rng.choice(len(SELLER_TITLES), p=SELLER_TITLE_WEIGHTS))]
        add(
            SELLER, title, "Sales", rows[boss]["region"], boss, int(uniform_int(rng, max(0, days - 30), last))
        )

    n = len(rows)
    role = np.array([r["role"] for r in rows])
    hire_day = np.array([r["hire"] for r in rows])
    term_day = np.array([r["term"] for r in rows])
    leave_start = np.full(n, NEVER)
    leave_end = np.full(n, NEVER)
    # Leave: a few sellers who stay; the first two are still on leave at the end.
    stayers = [p for p in sellers if rows[p]["term"] == NEVER]
    n_leave = max(3, round(0.04 * n_sellers))
    for k, i in enumerate(rng.choice(len(stayers), size=min(n_leave, len(stayers)), replace=False)):
        person = stayers[int(i)]
        if k < 2:
            start = int(uniform_int(rng, max(0, days - 25), last))
        else:
            start = int(uniform_int(rng, min(10, last), max(0, days - 15)))
        leave_start[person] = start
        leave_end[person] = start + int(uniform_int(rng, 20, 120))

    first_idx = rng.integers(0, len(FIRST_NAMES), size=n)
    last_idx = rng.integers(0, len(LAST_NAMES), size=n)
    people = People(
        role=role,
        title=[r["title"] for r in rows],
        department=[r["department"] for r in rows],
        region=[r["region"] for r in rows],
        manager=np.array([r["manager"] for r in rows]),
        first=[FIRST_NAMES[int(i)] for i in first_idx],
        last=[LAST_NAMES[int(i)] for i in last_idx],
        hire_day=hire_day,
        created_second=uniform_int(rng, 8 * 3600, 11 * 3600, size=n),
        term_day=term_day,
        leave_start=leave_start,
        leave_end=leave_end,
        fte=["1.0" if f > 0.05 else "0.8" for f in rng.random(n)],
        # Most enablement goes unused: about half of the people hardly open content at all, and use
        # among the rest is skewed (a few power users), as audits usually find.
        engagement=rng.lognormal(0.0, 0.9, size=n) * np.where(rng.random(n) < 0.5, 0.003, 1.0),
        adopter=(role == SELLER) & (rng.random(n) < 0.4),
        xapi_form=rng.choice(3, size=n, p=(0.85, 0.05, 0.10)),
        okta_quirk=rng.random(n) < 0.02,
        okta_email_login=rng.random(n) >= 0.03,
    )
    # Every quirk is present at least a few times, whatever the draw.
    for flag in (people.okta_quirk,):
        flag[np.flatnonzero(role == SELLER)[:3]] = True
    people.okta_email_login[np.flatnonzero(role == SELLER)[3:6]] = False
    people.xapi_form[np.flatnonzero(role == SELLER)[6:9]] = XAPI_ACCOUNT
    people.xapi_form[np.flatnonzero(role == SELLER)[9:12]] = XAPI_SHA1
    people.peak_hour = np.array([REGION_PEAK_HOUR[r] for r in people.region])

    seen: dict[str, int] = {}
    okta = okta_ids(rng, "00u", n)
    octets = rng.integers(1, 255, size=(n, 2))
    for i in range(n):
        people.user_id.append(sf_id("005", i))
        people.name.append(f"{people.first[i]} {people.last[i]}")
        people.name_json.append(json.dumps(people.name[i], ensure_ascii=False))
        local = f"{_ascii(people.first[i])}.{_ascii(people.last[i])}"
        seen[local] = seen.get(local, 0) + 1
        if seen[local] > 1:
            local = f"{local}{seen[local]}"
        people.email.append(f"{local}@{DOMAIN}")
        people.lms_id.append(f"lms-{100_000 + i * 37:06d}")
        people.okta_id.append(okta[i])
        login = (
            people.email[i]
            if people.okta_email_login[i]
            else f"{_ascii(people.first[i])[:1]}{local.split('.')[-1]}"
        )
        people.okta_login.append(login)
        people.ip.append(f"{('203.0.113', '198.51.100', '192.0.2')[i % 3]}.{octets[i, 0]}")

    # The lagging team: a manager whose reps are far behind on required training.
    team_sizes = [(int(np.sum((people.manager == m) & (role == SELLER))), -m) for m in managers]
    people.lagging_manager = -max(team_sizes)[1]
    return people


def team_of(people: People, manager: int) -> np.ndarray:
    return np.flatnonzero((people.manager == manager) & (people.role == SELLER))


# ---------------------------------------------------------------------------------------------
# Snapshot exports


def user_rows(people: People, cal: Calendar, day: int) -> list[tuple[str, ...]]:
    """The Salesforce User export as of ``day``: everyone created by then; leavers inactive."""
    rows = []
    for i in np.flatnonzero(people.hire_day <= day):
        manager = int(people.manager[i])
        rows.append(
            (
                people.user_id[i],
                people.name[i],
                people.email[i],
                people.user_id[manager] if manager >= 0 else "",
                people.title[i],
                people.department[i],
                "false" if people.term_day[i] <= day else "true",
                sf_datetime(cal.day(int(people.hire_day[i])), int(people.created_second[i])),
                people.region[i],
            )
        )
    return rows


def hr_periods(people: People, person: int) -> list[tuple[str, int]]:
    """``(status, start day)`` of each employment period, in order."""
    periods = [("active", int(people.hire_day[person]))]
    if people.leave_start[person] != NEVER:
        periods.append(("leave", int(people.leave_start[person])))
        periods.append(("active", int(people.leave_end[person]) + 1))
    if people.term_day[person] != NEVER:
        periods.append(("terminated", int(people.term_day[person])))
    return periods


def hr_rows(people: People, cal: Calendar, day: int) -> list[tuple[str, ...]]:
    """The HR export as of ``day``: one row per period started by then; a period's end is known
    once the next one has started."""
    rows = []
    for i in np.flatnonzero(people.hire_day <= day):
        periods = [p for p in hr_periods(people, int(i)) if p[1] <= day]
        hire = cal.iso(int(people.hire_day[i]))
        for k, (status, start) in enumerate(periods):
            end = cal.iso(periods[k + 1][1] - 1) if k + 1 < len(periods) else ""
            rows.append((people.email[i], hire, status, cal.iso(start), end, people.fte[i]))
    return rows


def identity_rows(people: People, day: int) -> list[tuple[str, ...]]:
    """Ids that are not e-mails: LMS accounts used in xAPI actors, non-e-mail Okta logins."""
    rows = []
    present = people.hire_day <= day
    for i in np.flatnonzero(present & (people.xapi_form == XAPI_ACCOUNT)):
        rows.append(("xapi", people.lms_id[i], people.email[i]))
    for i in np.flatnonzero(present & ~people.okta_email_login):
        rows.append(("okta", people.okta_login[i], people.email[i]))
    return rows


def write_org(out, people: People, cal: Calendar, progress) -> dict[str, SnapshotSource]:
    """Users, HR and identity-map exports on the first day and every Monday."""
    users = SnapshotSource(out, "users", "User-{day}.csv", USER_HEADER, key=(0,), quote_all=True)
    hr = SnapshotSource(out, "hr", "hr-status-{day}.csv", HR_HEADER, key=(0, 3))
    identity = SnapshotSource(out, "identity_map", "identity-map-{day}.csv", IDENTITY_HEADER, key=(0, 1))
    exports = cal.export_days
    planted = _planted_exports(exports)
    for day in exports:
        iso = cal.iso(day)
        if cal.day(day).day <= 7 or day == 0:
            progress(f"users, hr, identity_map {iso[:7]}")
        current = user_rows(people, cal, day)
        users.export(iso, current, _bad_users(planted, day, iso), _duplicate(planted, day, current))
        hr.export(iso, hr_rows(people, cal, day), _bad_hr(planted, day, iso))
        identity.export(iso, identity_rows(people, day), _bad_identity(planted, day))
    return {"users": users, "hr": hr, "identity_map": identity}


def _planted_exports(exports: list[int]) -> list[int]:
    """The exports that carry one bad row of each kind (three, spread over the window)."""
    return [exports[len(exports) // 6], exports[len(exports) // 2], exports[(5 * len(exports)) // 6]]


def _bad_users(planted: list[int], day: int, iso: str) -> list[tuple[str, ...]]:
    n = planted.count(day)
    stamp = f"{iso}T09:00:00.000+0000"
    return (
        [
            (
                sf_id("005", 900_000 + day * 10 + k),
                "Import Error",
                "not-an-email",
                "",
                "Account Executive",
                "Sales",
                "true",
                stamp,
                "AMER",
            )
            for k in range(n)
        ]
        + [
            (
                sf_id("005", 910_000 + day * 10 + k),
                "Date Error",
                f"date.error{k}@{DOMAIN}",
                "",
                "Account Executive",
                "Sales",
                "true",
                "31/02/2026 09:00",
                "EMEA",
            )
            for k in range(n)
        ]
        + [
            (
                sf_id("005", 920_000 + day * 10 + k),
                "Flag Error",
                f"flag.error{k}@{DOMAIN}",
                "",
                "Account Manager",
                "Sales",
                "maybe",
                stamp,
                "APAC",
            )
            for k in range(n)
        ]
    )


def _duplicate(planted: list[int], day: int, rows: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """An export that repeats its first rows (a retried extract appended twice)."""
    return rows[: 2 * planted.count(day)]


def _bad_hr(planted: list[int], day: int, iso: str) -> list[tuple[str, ...]]:
    bad = []
    for k in range(planted.count(day)):
        bad += [
            (f"hr.export{k}.{DOMAIN}", iso, "active", iso, "", "1.0"),
            (f"fte.error{k}@{DOMAIN}", iso, "active", iso, "", "1.5"),
            (f"status.error{k}@{DOMAIN}", iso, "sabbatical", iso, "", "1.0"),
        ]
    return bad


def _bad_identity(planted: list[int], day: int) -> list[tuple[str, ...]]:
    bad = []
    for k in range(planted.count(day)):
        bad += [
            ("xapi", f"lms-bad-{day}-{k}", "no-at-sign.example.com"),
            ("okta", "", f"someone{k}@{DOMAIN}"),
            ("", f"orphan-{day}-{k}", f"orphan{k}@{DOMAIN}"),
        ]
    return bad
