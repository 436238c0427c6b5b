"""Training: the course catalog and xAPI statements from the LMS.

Sellers complete the courses required for their title, mostly on time; one manager's team
mostly does not (the lagging team). Completed courses get reinforcement (short revisits) except
the planted decaying courses, completed early in the window and never touched again; one of
them is a certification with a 180-day recertification, so its passes lapse.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from enablement_audit.sources.base import mbox_sha1sum
from enablement_audit.synthetic.ids import uuid4s
from enablement_audit.synthetic.org import (
    ENGINEER,
    LMS_HOME_PAGE,
    MANAGER,
    SELLER_TITLES,
    XAPI_ACCOUNT,
    XAPI_SHA1,
    People,
)
from enablement_audit.synthetic.scales import DAY_SECONDS, Calendar, Scale, day_ms, iso_ms, uniform_int
from enablement_audit.synthetic.writers import (
    SnapshotSource,
    SourceStats,
    day_path,
    duplicate_count,
    fault_kinds,
    forced_days,
    write_text,
)

COURSE_HEADER = (
    "course_id",
    "title",
    "bucket",
    "published_at",
    "required_for",
    "due_days_after_hire",
    "recert_days",
    "reinforcement_days",
)
COURSE_BASE = "https://lms.example.com/courses/"
TOPICS = (
    ("Discovery Calls", "Methodology"),
    ("Qualification with MEDDICC", "Methodology"),
    ("Negotiation", "Methodology"),
    ("Objection Handling", "Methodology"),
    ("Value Selling", "Methodology"),
    ("Forecasting", "Methodology"),
    ("Account Planning", "Methodology"),
    ("Cold Outreach", "Methodology"),
    ("Executive Conversations", "Methodology"),
    ("Mutual Action Plans", "Methodology"),
    ("Atlas Platform", "Product"),
    ("Beacon Analytics", "Product"),
    ("Compass Integrations", "Product"),
    ("Delta Security", "Product"),
    ("Ember Pricing", "Product"),
    ("Forge APIs", "Product"),
    ("Harbor Data Cloud", "Product"),
    ("Summit Roadmap", "Product"),
    ("Competing with Hooli", "Competitive"),
    ("Competing with Initech", "Competitive"),
    ("Competing with Globex", "Competitive"),
    ("Win-Loss Lessons", "Competitive"),
    ("Data Privacy for Sellers", "Compliance"),
    ("Anti-Bribery", "Compliance"),
    ("Export Controls", "Compliance"),
    ("Deal Desk Rules", "Compliance"),
    ("Salesforce Hygiene", "Tools"),
    ("Gong for Reps", "Tools"),
    ("Outreach Sequences", "Tools"),
    ("Sales Navigator Prospecting", "Tools"),
    ("New Hire Orientation", "Onboarding"),
    ("Our Customers", "Onboarding"),
    ("Sales Process Basics", "Onboarding"),
    ("Demo Skills", "Onboarding"),
    ("Industry: Retail", "Industry"),
    ("Industry: Banking", "Industry"),
    ("Industry: Healthcare", "Industry"),
    ("Industry: Public Sector", "Industry"),
    ("Industry: Manufacturing", "Industry"),
    ("Industry: Insurance", "Industry"),
    ("Storytelling", "Methodology"),
    ("Time Management", "Methodology"),
)
LEVELS = (
    "Foundations",
    "Essentials",
    "Certification",
    "Advanced",
    "Refresher",
    "Masterclass",
    "Workshop",
    "Lab",
    "Deep Dive",
    "Quick Start",
)
VERBS = ("launched", "experienced", "progressed", "completed", "passed", "failed", "voided")
VERB_IRI = {v: f"http://adlnet.gov/expapi/verbs/{v}" for v in VERBS}
VERB_IRI["launched"] = "http://adlnet.gov/expapi/verbs/launched"
NO_ASSESSMENT, PASS, FAIL, REVISIT = range(4)
EXPECTED_STATEMENTS = {NO_ASSESSMENT: 4.5, PASS: 5.0, FAIL: 4.0, REVISIT: 3.0}
VOID_RATE = 0.003
XAPI_FAULTS = ("missing_time", "truncated", "bad_email", "bad_timestamp")
ADMIN_ACTOR = '{"objectType":"Agent","name":"LMS Administrator","mbox":"mailto:lms-admin@example.com"}'


@dataclass
class Courses:
    ids: list[str]
    titles: list[str]
    buckets: list[str]
    published_day: np.ndarray
    required_for: list[str]
    due_days: np.ndarray  # -1 when not required
    recert_days: list[str]
    reinforcement_days: list[str]
    assessed: np.ndarray
    decaying: list[int]
    certifications: list[int]

    def __len__(self) -> int:
        return len(self.ids)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def build_courses(rng: np.random.Generator, scale: Scale, cal: Calendar) -> Courses:
    n = scale.courses
    combos = [(t, b, level) for level in LEVELS for t, b in TOPICS]
    order = rng.permutation(len(combos))[:n]
    picked = [combos[int(i)] for i in order]
    titles = [f"{t} {level}" for t, _, level in picked]
    buckets = [b for _, b, _ in picked]
    assessed = np.array([level in ("Certification", "Advanced") for _, _, level in picked]) | (
        rng.random(n) < 0.2
    )
    last = max(0, cal.days - 8)
    published = np.where(
        rng.random(n) < 0.6, -rng.integers(1, 900, size=n), rng.integers(0, last + 1, size=n)
    )
    due = np.full(n, -1)
    required_for = [""] * n
    n_all = max(3, round(0.1 * n))
    n_title = max(2, round(0.08 * n))
    for c in range(n_all + n_title):
        due[c] = int(rng.choice((30, 45, 60, 90)))
        published[c] = int(uniform_int(rng, -20, min(last, max(-20, int(cal.days * 0.6)))))
        if c < n_all:
            required_for[c] = "all"
        else:
            chosen = sorted(rng.choice(len(SELLER_TITLES), size=int(rng.integers(1, 3)), replace=False))
            required_for[c] = ";".join(SELLER_TITLES[int(i)] for i in chosen)
    decaying = [0, 1]
    for c in decaying:
        published[c] = int(uniform_int(rng, -20, min(last, 10)))
        due[c] = 30
    assessed[0] = True
    titles[0] = f"{picked[0][0]} Certification"
    recert = ["" for _ in range(n)]
    certifications = [c for c in range(n) if titles[c].endswith("Certification")]
    for c in certifications:
        recert[c] = "180" if c == 0 else "365"
        assessed[c] = True
    reinforcement = [str(int(rng.choice((60, 120)))) if r < 0.2 else "" for r in rng.random(n)]
    seen: dict[str, int] = {}
    ids = []
    for title in titles:
        slug = _slug(title)
        seen[slug] = seen.get(slug, 0) + 1
        ids.append(COURSE_BASE + (slug if seen[slug] == 1 else f"{slug}-{seen[slug]}"))
    return Courses(
        ids,
        titles,
        buckets,
        published,
        required_for,
        due,
        recert,
        reinforcement,
        assessed,
        decaying,
        certifications,
    )


def course_rows(courses: Courses, cal: Calendar, day: int) -> list[tuple[str, ...]]:
    return [
        (
            courses.ids[c],
            courses.titles[c],
            courses.buckets[c],
            f"{cal.iso(int(courses.published_day[c]))}T08:00:00Z",
            courses.required_for[c],
            str(int(courses.due_days[c])) if courses.due_days[c] >= 0 else "",
            courses.recert_days[c],
            courses.reinforcement_days[c],
        )
        for c in np.flatnonzero(courses.published_day <= day)
    ]


def write_courses(out: Path, courses: Courses, cal: Calendar) -> SnapshotSource:
    source = SnapshotSource(out, "courses", "courses-{day}.csv", COURSE_HEADER, key=(0,))
    exports = cal.export_days
    planted = [exports[len(exports) // 6], exports[len(exports) // 2], exports[(5 * len(exports)) // 6]]
    for day in exports:
        iso = cal.iso(day)
        bad = []
        for k in range(planted.count(day)):
            bad += [
                (f"lms-course-{day}-{k}", "Legacy Course", "Product", f"{iso}T08:00:00Z", "", "", "", ""),
                (
                    f"{COURSE_BASE}broken-due-{day}-{k}",
                    "Broken Due",
                    "Product",
                    f"{iso}T08:00:00Z",
                    "all",
                    "-5",
                    "",
                    "",
                ),
                (
                    f"{COURSE_BASE}broken-date-{day}-{k}",
                    "Broken Date",
                    "Product",
                    f"{iso}T25:00:00Z",
                    "",
                    "",
                    "",
                    "",
                ),
            ]
        source.export(iso, course_rows(courses, cal, day), bad)
    return source


# ---------------------------------------------------------------------------------------------
# The learning plan


@dataclass
class Plan:
    """Sessions fixed in advance (completions and failed attempts) and the pool of completed
    (person, course) pairs that later revisits are drawn from."""

    day: np.ndarray
    person: np.ndarray
    course: np.ndarray
    kind: np.ndarray
    pool_person: np.ndarray
    pool_course: np.ndarray
    pool_day: np.ndarray


def _requires(required_for: str, title: str) -> bool:
    return required_for == "all" or title in required_for.split(";")


def build_plan(rng: np.random.Generator, people: People, courses: Courses, cal: Calendar) -> Plan:
    sessions: list[tuple[int, int, int, int]] = []
    pool: list[tuple[int, int, int]] = []
    decaying = set(courses.decaying)
    required = [c for c in range(len(courses)) if courses.due_days[c] >= 0]
    optional = np.array([c for c in range(len(courses)) if courses.due_days[c] < 0])

    def complete(person: int, course: int, day: int) -> None:
        if courses.assessed[course]:
            if rng.random() < 0.12:
                sessions.append((day, person, course, FAIL))
                day += int(rng.integers(1, 8))
                if day >= cal.days or not people.is_active_on(person, day):
                    return
            sessions.append((day, person, course, PASS))
        else:
            sessions.append((day, person, course, NO_ASSESSMENT))
        if course not in decaying:
            pool.append((person, course, day))

    for person in np.flatnonzero(people.is_seller):
        person = int(person)
        lagging = people.manager[person] == people.lagging_manager
        for c in required:
            if not _requires(courses.required_for[c], people.title[person]):
                continue
            assigned = max(int(people.hire_day[person]), int(courses.published_day[c]))
            due = assigned + int(courses.due_days[c])
            if assigned >= cal.days or rng.random() >= (0.25 if lagging else 0.92):
                continue
            if rng.random() < (0.3 if lagging else 0.85):
                day = int(uniform_int(rng, max(assigned, 0), due))
            else:
                day = due + int(rng.integers(1, 61))
            if c in decaying:
                day = min(day, max(0, assigned) + 40)
            if day < cal.days and people.is_active_on(person, day):
                complete(person, c, day)
    learners = np.flatnonzero(people.is_seller | (people.role == ENGINEER) | (people.role == MANAGER))
    for person in learners:
        person = int(person)
        lo, hi = max(0, int(people.hire_day[person])), min(cal.days, int(people.term_day[person]))
        if lo >= hi or len(optional) == 0:
            continue
        # Courses finished before the window: revisits may still appear.
        if people.hire_day[person] < -30:
            for c in rng.choice(optional, size=2, replace=False) if len(optional) >= 2 else optional:
                if courses.published_day[c] < 0:
                    pool.append((person, int(c), -1))
        for c in rng.choice(optional, size=int(rng.poisson(3 * (hi - lo) / 365)), replace=True):
            start = max(lo, int(courses.published_day[c]))
            if start >= hi:
                continue
            day = int(rng.integers(start, hi))
            if people.is_active_on(person, day):
                complete(person, int(c), day)
    sessions.sort()
    pool.sort(key=lambda item: item[2])
    as_array = lambda values, k: np.array([v[k] for v in values], dtype=np.int64)  # noqa: E731
    return Plan(
        day=as_array(sessions, 0),
        person=as_array(sessions, 1),
        course=as_array(sessions, 2),
        kind=as_array(sessions, 3),
        pool_person=as_array(pool, 0),
        pool_course=as_array(pool, 1),
        pool_day=as_array(pool, 2),
    )


# ---------------------------------------------------------------------------------------------
# xAPI statements


def _actor_json(people: People, person: int) -> str:
    name = people.name_json[person]
    if people.xapi_form[person] == XAPI_ACCOUNT:
        return (
            f'{{"objectType":"Agent","name":{name},"account":{{"homePage":"{LMS_HOME_PAGE}",'
            f'"name":"{people.lms_id[person]}"}}}}'
        )
    if people.xapi_form[person] == XAPI_SHA1:
        return f'{{"objectType":"Agent","name":{name},"mbox_sha1sum":"{mbox_sha1sum(people.email[person])}"}}'
    return f'{{"objectType":"Agent","name":{name},"mbox":"mailto:{people.email[person]}"}}'


def _object_json(courses: Courses, course: int) -> str:
    return (
        f'{{"id":"{courses.ids[course]}","objectType":"Activity","definition":{{"name":{{"en-US":'
        f"{json.dumps(courses.titles[course], ensure_ascii=False)}}},"
        f'"type":"http://adlnet.gov/expapi/activities/course"}}}}'
    )


VERB_JSON = {v: f'{{"id":"{VERB_IRI[v]}","display":{{"en-US":"{v}"}}}}' for v in VERBS}


def _duration(seconds: int) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"PT{minutes}M{rest}S" if minutes else f"PT{rest}S"


def statement(
    statement_id: str,
    actor: str,
    verb: str,
    obj: str,
    result: str | None,
    timestamp: str | None,
    stored: str | None,
    registration: str | None,
) -> str:
    parts = [f'{{"id":"{statement_id}","actor":{actor},"verb":{VERB_JSON[verb]},"object":{obj}']
    if result is not None:
        parts.append(f',"result":{result}')
    if registration is not None:
        parts.append(f',"context":{{"registration":"{registration}","platform":"Example LMS"}}')
    if timestamp is not None:
        parts.append(f',"timestamp":"{timestamp}"')
    if stored is not None:
        parts.append(f',"stored":"{stored}"')
    parts.append(',"version":"1.0.3"}')
    return "".join(parts)


def _session_verbs(rng: np.random.Generator, kind: int) -> list[str]:
    verbs = ["launched"] + ["experienced"] * int(rng.integers(1, 4))
    if kind == NO_ASSESSMENT:
        return verbs + ["progressed"] * int(rng.integers(0, 2)) + ["completed"]
    if kind == PASS:
        return [*verbs, "completed", "passed"]
    if kind == FAIL:
        return [*verbs, "failed"]
    return ["launched"] + ["experienced"] * int(rng.integers(1, 3)) + ["progressed"] * int(rng.integers(0, 2))


def _result(rng: np.random.Generator, verb: str, elapsed: int) -> str | None:
    if verb == "passed":
        return (
            f'{{"score":{{"scaled":{rng.uniform(0.8, 1.0):.2f}}},"success":true,"completion":true,'
            f'"duration":"{_duration(elapsed)}"}}'
        )
    if verb == "failed":
        return (
            f'{{"score":{{"scaled":{rng.uniform(0.3, 0.69):.2f}}},"success":false,"completion":true,'
            f'"duration":"{_duration(elapsed)}"}}'
        )
    if verb == "completed":
        return f'{{"completion":true,"duration":"{_duration(elapsed)}"}}'
    if verb == "progressed":
        return f'{{"completion":false,"duration":"{_duration(elapsed)}"}}'
    return None


@dataclass
class XapiResult:
    stats: SourceStats
    voided: int
    stored_only: int


def write_xapi(
    out: Path,
    rng: np.random.Generator,
    people: People,
    courses: Courses,
    plan: Plan,
    scale: Scale,
    cal: Calendar,
    progress,
) -> XapiResult:
    stats = SourceStats()
    weights = cal.weights()
    forced = forced_days(cal.days, weights)
    planned_statements = sum(EXPECTED_STATEMENTS[int(k)] for k in plan.kind)
    target = scale.xapi_statements * cal.year_fraction()
    revisits = max(0.0, target - planned_statements) / (EXPECTED_STATEMENTS[REVISIT] + 2 * VOID_RATE)
    per_day = revisits * weights / weights.sum()
    actors = [_actor_json(people, p) for p in range(len(people))]
    objects = [_object_json(courses, c) for c in range(len(courses))]
    voided = stored_only = 0
    for day in range(cal.days):
        iso = cal.iso(day)
        if cal.day(day).day == 1 or day == 0:
            progress(f"xapi {iso[:7]}")
        lo, hi = np.searchsorted(plan.day, day), np.searchsorted(plan.day, day, "right")
        persons, course_ids, kinds = (
            list(plan.person[lo:hi]),
            list(plan.course[lo:hi]),
            list(plan.kind[lo:hi]),
        )
        eligible = np.flatnonzero((plan.pool_day < day) & people.active(day)[plan.pool_person])
        n_revisit = int(rng.poisson(per_day[day])) if len(eligible) else 0
        for k in rng.choice(eligible, size=n_revisit) if n_revisit else []:
            persons.append(int(plan.pool_person[k]))
            course_ids.append(int(plan.pool_course[k]))
            kinds.append(REVISIT)
        starts = rng.uniform(0, DAY_SECONDS - 4 * 3600, size=len(persons))
        registrations = uuid4s(rng, len(persons))
        lines: list[tuple[str, str]] = []
        base = day_ms(cal, day)
        for s, (person, course, kind) in enumerate(zip(persons, course_ids, kinds, strict=True)):
            verbs = _session_verbs(rng, kind)
            void = rng.random() < VOID_RATE or (forced.count(day) and s < forced.count(day))
            if void:
                verbs = [*verbs, "passed", "voided"]
            offsets = starts[s] + np.cumsum(rng.uniform(60, 600, size=len(verbs)))
            stamps = iso_ms(base, offsets)
            stored = iso_ms(base, offsets + rng.uniform(0.05, 3.0, size=len(verbs)))
            ids = uuid4s(rng, len(verbs))
            actor, obj = actors[person], objects[course]
            for v, verb in enumerate(verbs):
                elapsed = int(offsets[v] - starts[s])
                if verb == "voided":
                    target_ref = f'{{"objectType":"StatementRef","id":"{ids[v - 1]}"}}'
                    text = statement(
                        ids[v],
                        ADMIN_ACTOR,
                        "voided",
                        target_ref,
                        None,
                        stamps[v] + "Z",
                        stored[v] + "Z",
                        None,
                    )
                    voided += 1
                else:
                    no_timestamp = rng.random() < 0.005
                    stored_only += no_timestamp
                    text = statement(
                        ids[v],
                        actor,
                        verb,
                        obj,
                        _result(rng, verb, elapsed),
                        None if no_timestamp else stamps[v] + "Z",
                        stored[v] + "Z",
                        registrations[s],
                    )
                lines.append((stored[v], text))
        lines.sort()
        rows = [text for _, text in lines]
        # Exact re-deliveries: a few statements sent twice (an LRS retry), next to the original.
        dups = duplicate_count(rng, len(rows), day, forced)
        for k in sorted(rng.choice(len(rows), size=dups, replace=False).tolist(), reverse=True):
            rows.insert(k + 1, rows[k])
        kinds_bad = fault_kinds(rng, len(rows), day, forced, XAPI_FAULTS)
        extra = uuid4s(rng, len(kinds_bad))
        bad = []
        for k, fault in enumerate(kinds_bad):
            person = persons[int(rng.integers(0, len(persons)))]
            course = course_ids[int(rng.integers(0, len(course_ids)))]
            stamp = lines[int(rng.integers(0, len(lines)))][0] + "Z"
            actor = actors[person]
            timestamp, stored_at = stamp, stamp
            if fault == "missing_time":
                timestamp = stored_at = None
            elif fault == "bad_email":
                broken = people.email[person].replace("@", "")
                actor = f'{{"objectType":"Agent","name":{people.name_json[person]},"mbox":"mailto:{broken}"}}'
            elif fault == "bad_timestamp":
                timestamp = f"{iso}T25:61:00Z"
            text = statement(
                extra[k], actor, "experienced", objects[course], None, timestamp, stored_at, None
            )
            bad.append(text[: len(text) // 2] if fault == "truncated" else text)
        for text in bad:
            rows.insert(int(rng.integers(0, len(rows) + 1)), text)
        if not rows:
            continue
        write_text(day_path(out, "xapi", iso, f"statements-{iso}.jsonl"), "\n".join(rows) + "\n")
        stats.files += 1
        stats.rows += len(rows)
        stats.bad_rows += len(bad)
        stats.duplicates += dups
    return XapiResult(stats, voided, stored_only)
