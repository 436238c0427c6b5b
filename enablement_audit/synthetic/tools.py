"""Tools: licences, seat assignments, Okta System Log sign-ins and Salesforce LoginHistory.

Salesforce sign-ins come from LoginHistory; every other tool signs in through Okta SSO. One tool
(the planted idle tool) has many idle paid seats: a fifth of its seats are never assigned and
a fifth of its assignees never sign in, about 40% idle in all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from enablement_audit.synthetic.ids import okta_ids, sf_id, uuid4s
from enablement_audit.synthetic.org import DOMAIN, SELLER, People
from enablement_audit.synthetic.scales import (
    NEVER,
    Calendar,
    Scale,
    day_ms,
    iso_ms,
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

LICENCE_HEADER = ("tool", "seats_purchased", "annual_cost_per_seat", "currency", "renewal_date")
ASSIGNMENT_HEADER = ("tool", "user_email", "assigned_at", "unassigned_at")
LOGIN_HEADER = ("Id", "UserId", "LoginTime", "Status", "Application", "LoginType")
SALESFORCE = "Salesforce"
TOOL_CATALOG = (
    (SALESFORCE, 1980),
    ("Gong", 1400),
    ("Outreach", 1200),
    ("LinkedIn Sales Navigator", 1080),
    ("ZoomInfo", 1500),
    ("Clari", 1000),
    ("Highspot", 600),
    ("DocuSign", 480),
    ("Salesloft", 1250),
    ("Chorus", 1100),
    ("Seismic", 700),
    ("Showpad", 650),
    ("Mindtickle", 550),
    ("Vidyard", 300),
    ("Loom", 180),
    ("Calendly", 144),
    ("Chili Piper", 360),
    ("Apollo", 590),
    ("Lusha", 490),
    ("Cognism", 1300),
    ("6sense", 1600),
    ("Demandbase", 1700),
    ("Crayon", 900),
    ("Klue", 850),
    ("PandaDoc", 420),
    ("Conga", 700),
    ("CaptivateIQ", 480),
    ("Xactly", 720),
    ("Avoma", 400),
    ("Fireflies", 220),
    ("Scratchpad", 300),
    ("People.ai", 950),
    ("Aviso", 1050),
    ("BoostUp", 900),
    ("Allego", 500),
    ("Lavender", 348),
    ("Dooly", 300),
    ("Mutiny", 1200),
    ("Qualified", 1100),
    ("Drift", 1300),
)
IDLE_TOOL_INDEX = 5  # Clari
USER_AGENTS = (
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36",
        "Mac OS X",
        "CHROME",
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
        "Windows 10",
        "EDGE",
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Safari/605.1.15",
        "Mac OS X",
        "SAFARI",
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Mobile/15E148",
        "iOS",
        "MOBILE_SAFARI",
    ),
)
SF_APPLICATIONS = (
    ("Browser", "Application"),
    ("Salesforce for iOS", "Remote Access 2.0"),
    ("Salesforce for Android", "Remote Access 2.0"),
    ("Browser", "SAML Idp Initiated SSO"),
)
SF_APPLICATION_WEIGHTS = (0.62, 0.15, 0.05, 0.18)
SALESFORCE_SHARE = 0.3
OKTA_FAULTS = ("truncated", "bad_timestamp", "missing_time", "missing_actor")
LOGIN_FAULTS = ("bad_timestamp", "missing_user", "missing_status")


@dataclass
class Tools:
    names: list[str]
    cost: list[int]
    currency: list[str]
    renewal_day: np.ndarray
    seats: np.ndarray
    popularity: np.ndarray
    app_ids: list[str]
    app_labels: list[str]
    idle: int


@dataclass
class Assignments:
    """One seat given to one person, sorted by tool then person."""

    tool: np.ndarray
    person: np.ndarray
    assigned_day: np.ndarray
    assigned_second: np.ndarray
    unassigned_day: np.ndarray
    unassigned_second: np.ndarray
    never_used: np.ndarray
    propensity: np.ndarray


def build_tools(
    rng: np.random.Generator, people: People, scale: Scale, cal: Calendar
) -> tuple[Tools, Assignments]:
    n_tools = min(scale.tools, len(TOOL_CATALOG))
    names = [TOOL_CATALOG[t][0] for t in range(n_tools)]
    idle = min(IDLE_TOOL_INDEX, n_tools - 1)
    coverage = rng.uniform(0.55, 0.95, size=n_tools)
    coverage[0] = 1.0
    coverage[idle] = 0.8
    role_cover = {SELLER: 1.0}
    tool, person, assigned, unassigned, never = [], [], [], [], []
    for t in range(n_tools):
        for p in range(len(people)):
            share = 1.0 if t == 0 else coverage[t] * role_cover.get(int(people.role[p]), 0.4)
            if rng.random() >= share:
                continue
            hire = int(people.hire_day[p])
            if hire < -10:
                # A leaver's seat was given before they left.
                start = int(uniform_int(rng, hire, min(-1, int(people.term_day[p]) - 1)))
            else:
                start = hire + int(uniform_int(rng, 0, 5))
            if start >= cal.days:
                continue
            end = NEVER
            if people.term_day[p] != NEVER and rng.random() < 0.8:
                end = int(people.term_day[p]) + int(uniform_int(rng, 0, 14))
            tool.append(t)
            person.append(p)
            assigned.append(start)
            unassigned.append(end)
            never.append(t == idle and rng.random() < 0.2)
    count = len(tool)
    assignments = Assignments(
        tool=np.array(tool),
        person=np.array(person),
        assigned_day=np.array(assigned),
        assigned_second=uniform_int(rng, 8 * 3600, 17 * 3600, size=count),
        unassigned_day=np.array(unassigned),
        unassigned_second=uniform_int(rng, 8 * 3600, 17 * 3600, size=count),
        never_used=np.array(never, dtype=bool),
        propensity=rng.lognormal(0.0, 0.6, size=count),
    )
    seats = np.zeros(n_tools, dtype=np.int64)
    weekly = np.arange(0, cal.days, 7)
    for t in range(n_tools):
        mine = assignments.tool == t
        # Peak concurrent seats over the window (given minus taken back by each week), plus headroom.
        given = np.searchsorted(np.sort(assignments.assigned_day[mine]), weekly, "right")
        taken = np.searchsorted(np.sort(assignments.unassigned_day[mine]), weekly, "right")
        peak = int(np.max(given - taken)) if len(weekly) else 0
        headroom = 1 / 0.8 if t == idle else float(rng.uniform(1.02, 1.12))
        seats[t] = max(1, round(peak * headroom))
    apps = okta_ids(rng, "0oa", n_tools)
    tools = Tools(
        names=names,
        cost=[TOOL_CATALOG[t][1] for t in range(n_tools)],
        currency=["EUR" if t % 7 == 6 else "USD" for t in range(n_tools)],
        renewal_day=cal.days + rng.integers(30, 330, size=n_tools),
        seats=seats,
        popularity=rng.uniform(0.4, 1.5, size=n_tools),
        app_ids=apps,
        app_labels=[n.lower().replace(" ", "").replace(".", "") for n in names],
        idle=idle,
    )
    return tools, assignments


def licence_rows(tools: Tools, cal: Calendar) -> list[tuple[str, ...]]:
    return [
        (
            tools.names[t],
            str(int(tools.seats[t])),
            f"{tools.cost[t]:.2f}",
            tools.currency[t],
            cal.iso(int(tools.renewal_day[t])),
        )
        for t in range(len(tools.names))
    ]


def _stamp(cal: Calendar, day: int, second: int) -> str:
    return f"{cal.iso(day)}T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}Z"


def assignment_rows(
    tools: Tools, a: Assignments, people: People, cal: Calendar, day: int
) -> list[tuple[str, ...]]:
    rows = []
    for k in np.flatnonzero(a.assigned_day <= day):
        end = int(a.unassigned_day[k])
        rows.append(
            (
                tools.names[int(a.tool[k])],
                people.email[int(a.person[k])],
                _stamp(cal, int(a.assigned_day[k]), int(a.assigned_second[k])),
                _stamp(cal, end, int(a.unassigned_second[k])) if end <= day else "",
            )
        )
    return rows


def write_licences(
    out: Path, tools: Tools, a: Assignments, people: People, cal: Calendar
) -> tuple[SnapshotSource, SnapshotSource]:
    licences = SnapshotSource(out, "licences", "licences-{day}.csv", LICENCE_HEADER, key=(0,))
    seats = SnapshotSource(
        out, "licence_assignments", "licence-assignments-{day}.csv", ASSIGNMENT_HEADER, key=(0, 1, 2)
    )
    exports = cal.export_days
    planted = [exports[len(exports) // 6], exports[len(exports) // 2], exports[(5 * len(exports)) // 6]]
    for day in exports:
        iso = cal.iso(day)
        n = planted.count(day)
        bad_licences = [
            ("Legacy Dialer", "25", "300.00", "US Dollars", ""),
            ("Old CRM Add-on", "-5", "100.00", "USD", ""),
            ("Trial Tool", "10", "", "USD", ""),
        ] * n
        bad_seats = [
            (tools.names[0], "former.contractor", f"{iso}T09:00:00Z", ""),
            (
                tools.names[-1],
                f"late.return{day}@{DOMAIN}",
                f"{iso}T09:00:00Z",
                f"{cal.iso(day - 30)}T09:00:00Z",
            ),
            (tools.names[-1], f"bad.date{day}@{DOMAIN}", "next monday", ""),
        ] * n
        licences.export(iso, licence_rows(tools, cal), bad_licences)
        seats.export(iso, assignment_rows(tools, a, people, cal, day), bad_seats)
    return licences, seats


# ---------------------------------------------------------------------------------------------
# Sign-ins


def _okta_event(
    uuid: str,
    published: str,
    event_type: str,
    result: str,
    reason: str | None,
    actor_id: str,
    alternate_id: str,
    display_name: str,
    ip: str,
    agent: int,
    session: str,
    transaction: str,
    app_id: str | None,
    app_label: str | None,
    app_name: str | None,
) -> str:
    raw_agent, os_name, browser = USER_AGENTS[agent]
    outcome = f'{{"result":"{result}","reason":{f"{chr(34)}{reason}{chr(34)}" if reason else "null"}}}'
    if event_type == "user.authentication.sso":
        message = "User single sign on to app"
        legacy = "app.auth.sso"
        target = (
            f'[{{"id":"{app_id}","type":"AppInstance","alternateId":"{app_name}",'
            f'"displayName":"{app_name}","detailEntry":{{"signOnModeType":"SAML_2_0"}}}}]'
        )
        uri = f"/app/{app_label}/{app_id}/sso/saml"
    else:
        message = "User login to Okta"
        legacy = "core.user_auth.login_success" if result == "SUCCESS" else "core.user_auth.login_failed"
        target = "null"
        uri = "/api/v1/authn"
    severity = "INFO" if result == "SUCCESS" else "WARN"
    actor = (
        f'{{"id":"{actor_id}","type":"User","alternateId":{alternate_id},'
        f'"displayName":{display_name},"detailEntry":null}}'
    )
    return (
        f'{{"actor":{actor},"client":{{"userAgent":{{"rawUserAgent":"{raw_agent}","os":"{os_name}",'
        f'"browser":"{browser}"}},"zone":"null","device":"Computer","id":null,"ipAddress":"{ip}"}},'
        f'"authenticationContext":{{"authenticationStep":0,"externalSessionId":"{session}"}},'
        f'"displayMessage":"{message}","eventType":"{event_type}","outcome":{outcome},'
        f'"published":{published},"severity":"{severity}",'
        f'"debugContext":{{"debugData":{{"requestId":"{transaction}","requestUri":"{uri}"}}}},'
        f'"legacyEventType":"{legacy}","transaction":{{"type":"WEB","id":"{transaction}","detail":{{}}}},'
        f'"uuid":"{uuid}","version":"0","target":{target}}}'
    )


@dataclass
class SigninResult:
    okta: SourceStats
    logins: SourceStats
    quirky_events: int


def _alternate(people: People, person: int, quirk: float) -> str:
    login = people.okta_login[person]
    if people.okta_quirk[person] and quirk < 0.5:
        local, at, domain = login.partition("@")
        login = f"{local.title()}@{domain.upper()}" if quirk < 0.25 and at else f" {login} "
    return f'"{login}"'


def write_signins(
    out: Path,
    rng: np.random.Generator,
    tools: Tools,
    a: Assignments,
    people: People,
    scale: Scale,
    cal: Calendar,
    progress,
) -> SigninResult:
    okta_stats, login_stats = SourceStats(), SourceStats()
    weights = cal.weights()
    forced = forced_days(cal.days, weights)
    target = scale.signins * cal.year_fraction()
    per_day_sf = SALESFORCE_SHARE * target * weights / weights.sum()
    per_day_okta = (1 - SALESFORCE_SHARE) * target * weights / weights.sum()
    pair_weight = a.propensity * tools.popularity[a.tool] * people.engagement[a.person] ** 0.5 * ~a.never_used
    is_sf = a.tool == 0
    login_serial = 0
    quirky = 0
    for day in range(cal.days):
        iso = cal.iso(day)
        if cal.day(day).day == 1 or day == 0:
            progress(f"okta, sf_login_history {iso[:7]}")
        live = (a.assigned_day <= day) & (day < a.unassigned_day) & people.active(day)[a.person]
        base = day_ms(cal, day)
        # Salesforce LoginHistory
        w = pair_weight * live * is_sf
        n = int(rng.poisson(per_day_sf[day])) if w.sum() > 0 else 0
        pairs = rng.choice(len(w), size=n, p=w / w.sum()) if n else np.zeros(0, dtype=np.int64)
        persons = a.person[pairs]
        seconds = np.sort(work_seconds(rng, people.peak_hour[persons])) if n else np.zeros(0)
        stamps = iso_ms(base, np.floor(seconds))
        status = rng.random(n)
        apps = rng.choice(len(SF_APPLICATIONS), size=n, p=SF_APPLICATION_WEIGHTS)
        rows = []
        for k in range(n):
            app, login_type = SF_APPLICATIONS[int(apps[k])]
            state = (
                "Success"
                if status[k] < 0.97
                else ("Invalid Password" if status[k] < 0.99 else "Failed: Computer activation required")
            )
            rows.append(
                (
                    sf_id("0Ya", login_serial),
                    people.user_id[int(persons[k])],
                    f"{stamps[k]}+0000",
                    state,
                    app,
                    login_type,
                )
            )
            login_serial += 1
        bad = []
        for kind in fault_kinds(rng, len(rows), day, forced, LOGIN_FAULTS):
            row = list(rows[int(rng.integers(0, len(rows)))])
            row[0] = sf_id("0Ya", login_serial)
            login_serial += 1
            if kind == "bad_timestamp":
                row[2] = f"{iso} 25:00"
            elif kind == "missing_user":
                row[1] = ""
            else:
                row[3] = ""
            bad.append(tuple(row))
        dups = duplicate_count(rng, len(rows), day, forced)
        copies = [rows[int(i)] for i in rng.choice(len(rows), size=dups, replace=False)] if dups else []
        ordered = rows + copies
        for row in bad:
            ordered.insert(int(rng.integers(0, len(ordered) + 1)), row)
        write_text(
            day_path(out, "sf_login_history", iso, f"LoginHistory-{iso}.csv"),
            csv_text(LOGIN_HEADER, ordered, quote_all=True),
        )
        login_stats.files += 1
        login_stats.rows += len(ordered)
        login_stats.bad_rows += len(bad)
        login_stats.duplicates += len(copies)

        # Okta System Log
        w = pair_weight * live * ~is_sf
        n = int(rng.poisson(per_day_okta[day])) if w.sum() > 0 else 0
        if n == 0:
            continue
        pairs = rng.choice(len(w), size=n, p=w / w.sum())
        persons = a.person[pairs]
        seconds = work_seconds(rng, people.peak_hour[persons])
        order = np.argsort(seconds, kind="stable")
        pairs, persons, seconds = pairs[order], persons[order], seconds[order]
        stamps = iso_ms(base, seconds)
        ids = uuid4s(rng, 2 * n)
        kind_draw = rng.random(n)
        quirk_draw = rng.random(n)
        agents = rng.integers(0, len(USER_AGENTS), size=n)
        lines = []
        for k in range(n):
            p, t = int(persons[k]), int(a.tool[pairs[k]])
            if kind_draw[k] < 0.08:
                event_type, result, reason = "user.session.start", "SUCCESS", None
            elif kind_draw[k] < 0.11:
                event_type, result, reason = "user.authentication.sso", "FAILURE", "VERIFICATION_ERROR"
            else:
                event_type, result, reason = "user.authentication.sso", "SUCCESS", None
            quirky += bool(people.okta_quirk[p] and quirk_draw[k] < 0.5)
            lines.append(
                _okta_event(
                    ids[2 * k],
                    f'"{stamps[k]}Z"',
                    event_type,
                    result,
                    reason,
                    people.okta_id[p],
                    _alternate(people, p, float(quirk_draw[k])),
                    people.name_json[p],
                    people.ip[p],
                    int(agents[k]),
                    ids[2 * k + 1][:25].replace("-", ""),
                    ids[2 * k + 1].replace("-", "")[:20],
                    tools.app_ids[t],
                    tools.app_labels[t],
                    tools.names[t],
                )
            )
        kinds = fault_kinds(rng, n, day, forced, OKTA_FAULTS)
        extra = uuid4s(rng, len(kinds))
        bad = []
        for k, kind in enumerate(kinds):
            j = int(rng.integers(0, n))
            p, t = int(persons[j]), int(a.tool[pairs[j]])
            published = f'"{stamps[j]}Z"'
            alternate = _alternate(people, p, 1.0)
            if kind == "bad_timestamp":
                published = f'"{iso}T25:61:00.000Z"'
            elif kind == "missing_time":
                published = "null"
            elif kind == "missing_actor":
                alternate = "null"
            text = _okta_event(
                extra[k],
                published,
                "user.authentication.sso",
                "SUCCESS",
                None,
                people.okta_id[p],
                alternate,
                people.name_json[p],
                people.ip[p],
                0,
                "102" + extra[k][:20],
                extra[k].replace("-", "")[:20],
                tools.app_ids[t],
                tools.app_labels[t],
                tools.names[t],
            )
            bad.append(text[: len(text) // 2] if kind == "truncated" else text)
        dups = duplicate_count(rng, n, day, forced)
        for j in sorted(rng.choice(n, size=dups, replace=False).tolist(), reverse=True):
            lines.insert(j + 1, lines[j])
        for text in bad:
            lines.insert(int(rng.integers(0, len(lines) + 1)), text)
        write_text(day_path(out, "okta", iso, f"okta-system-log-{iso}.jsonl"), "\n".join(lines) + "\n")
        okta_stats.files += 1
        okta_stats.rows += len(lines)
        okta_stats.bad_rows += len(bad)
        okta_stats.duplicates += dups
    return SigninResult(okta_stats, login_stats, quirky)
