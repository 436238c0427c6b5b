"""``generate``: one year of a synthetic sales organisation's landing files, in the real formats.

The world (people, deals, assets, courses, seats, the learning plan) is drawn first; it is small.
Each source is then written day by day from its own random stream, so the same
``(seed, scale, end, days)`` always gives byte-identical files, and no source holds more than
one day of events in memory.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from enablement_audit.synthetic import content, crm, org, tools, training
from enablement_audit.synthetic.scales import DEFAULT_END, NEVER, SCALES, Calendar, stream

SOURCE_NAMES = (
    "users",
    "hr",
    "opportunities",
    "quotas",
    "content_catalog",
    "content_activity",
    "xapi",
    "courses",
    "okta",
    "sf_login_history",
    "licences",
    "licence_assignments",
    "identity_map",
)
SNAPSHOT_SOURCES = (
    "users",
    "hr",
    "quotas",
    "content_catalog",
    "courses",
    "licences",
    "licence_assignments",
    "identity_map",
)
MANIFEST = "manifest.json"


def _prepare(out: Path) -> None:
    """Clear the source folders of an earlier run; refuse to write over anything else."""
    out.mkdir(parents=True, exist_ok=True)
    existing = [name for name in SOURCE_NAMES if (out / name).exists()]
    if existing and not (out / MANIFEST).exists():
        raise FileExistsError(
            f"{out} already holds {', '.join(existing)} but no {MANIFEST}: it was not written by "
            "the generator; choose an empty folder"
        )
    for name in existing:
        shutil.rmtree(out / name)
    (out / MANIFEST).unlink(missing_ok=True)


def generate(
    out: str | Path,
    scale: str = "S",
    seed: int = 7,
    end: date | None = None,
    progress: Callable[[str], None] | None = None,
    days: int = 365,
) -> dict[str, Any]:
    """Write landing files for the days ``[end - days, end)`` and return the manifest.

    Args:
        out: the landing folder; ``<out>/<source>/<YYYY-MM-DD>/<file>`` and ``<out>/manifest.json``.
        scale: ``S``, ``M`` or ``L`` (SPEC section 9); event volumes are per 365 days.
        seed: the random seed; the same inputs give byte-identical files.
        end: the day after the last generated day (default 2026-11-23, a Monday).
        progress: called with a short message per source and month.
        days: the window length (shorter windows make quick tests).
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    preset = SCALES[scale]
    end = end or DEFAULT_END
    cal = Calendar(end - timedelta(days=days), days)
    say = progress or (lambda message: None)
    root = Path(out)
    _prepare(root)

    say("drawing the organisation")
    people = org.build_people(stream(seed, preset, "org"), preset, cal)
    opps = crm.build_opportunities(stream(seed, preset, "crm"), people, preset, cal)
    quotas = crm.build_quotas(people, opps, cal)
    assets = content.build_assets(stream(seed, preset, "assets"), people, preset, cal)
    courses = training.build_courses(stream(seed, preset, "courses"), preset, cal)
    plan = training.build_plan(stream(seed, preset, "learning"), people, courses, cal)
    kit, seats = tools.build_tools(stream(seed, preset, "tools"), people, preset, cal)

    stats: dict[str, Any] = {}
    for name, source in org.write_org(root, people, cal, say).items():
        stats[name] = source.stats
    say("quotas")
    stats["quotas"] = crm.write_quotas(root, quotas, people, cal).stats
    stats["opportunities"] = crm.write_opportunities(
        root, stream(seed, preset, "opportunity-files"), opps, people, cal, say
    )
    say("content_catalog")
    stats["content_catalog"] = content.write_catalog(root, assets, people, cal).stats
    activity = content.write_activity(
        root, stream(seed, preset, "content-activity"), assets, people, opps, preset, cal, say
    )
    stats["content_activity"] = activity.stats
    say("courses")
    stats["courses"] = training.write_courses(root, courses, cal).stats
    xapi = training.write_xapi(root, stream(seed, preset, "xapi"), people, courses, plan, preset, cal, say)
    stats["xapi"] = xapi.stats
    say("licences, licence_assignments")
    licences, assignments = tools.write_licences(root, kit, seats, people, cal)
    stats["licences"], stats["licence_assignments"] = licences.stats, assignments.stats
    signins = tools.write_signins(root, stream(seed, preset, "signins"), kit, seats, people, preset, cal, say)
    stats["okta"], stats["sf_login_history"] = signins.okta, signins.logins

    sellers_at_end = people.is_seller & people.employed(cal.export_days[-1])
    manifest = {
        "scale": scale,
        "seed": seed,
        "start": cal.start.isoformat(),
        "end": cal.end.isoformat(),
        "days": days,
        "sources": {name: stats[name].as_dict() for name in SOURCE_NAMES},
        "volumes": {
            "sellers": int(np.sum(sellers_at_end)),
            "assets": len(assets),
            "courses": len(courses),
            "tools": len(kit.names),
            "content_events": stats["content_activity"].rows,
            "xapi_statements": stats["xapi"].rows,
            "signins": stats["okta"].rows + stats["sf_login_history"].rows,
            "opportunities": opps.created_in_window(cal.days),
        },
        "planted": _planted(people, opps, assets, courses, kit, seats, cal, activity, xapi, signins),
    }
    (root / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    say(f"wrote {sum(s['rows'] for s in manifest['sources'].values()):,} rows to {root}")
    return manifest


def _planted(people, opps, assets, courses, kit, seats, cal, activity, xapi, signins) -> dict[str, Any]:
    """Ids of the behaviours the report must find, as of the last weekly export."""
    last = cal.export_days[-1]
    seller = people.is_seller
    idle = kit.idle
    idle_live = (seats.tool == idle) & (seats.unassigned_day > last) & (seats.assigned_day <= last)
    adopter_opps = people.adopter[opps.owner] & opps.won.astype(bool)
    closed = (opps.close_day >= 0) & (opps.close_day < cal.days)
    win = lambda mask: round(float(np.mean(opps.won[mask & closed])), 3) if np.any(mask & closed) else None  # noqa: E731
    owners_gone = people.term_day[assets.owner] <= last
    expired_in_use = (assets.evergreen_weight > 0) & (assets.expires_day <= last)
    return {
        "battlecard_asset_id": assets.ids[assets.battlecard],
        "battlecard_adopter_ids": [people.user_id[int(p)] for p in np.flatnonzero(people.adopter)],
        "battlecard_events": activity.battlecard_events,
        "win_rate_adopters": win(people.adopter[opps.owner]),
        "win_rate_others": win(~people.adopter[opps.owner]),
        "adopter_won_deals": int(np.sum(adopter_opps & closed)),
        "evergreen_asset_ids": [
            assets.ids[int(i)]
            for i in np.argsort(-assets.evergreen_weight)
            if assets.evergreen_weight[int(i)] > 0
        ],
        "orphaned_asset_ids": [
            assets.ids[int(i)] for i in np.flatnonzero(owners_gone & (assets.published_day <= last))
        ],
        "expired_in_use_asset_ids": [assets.ids[int(i)] for i in np.flatnonzero(expired_in_use)],
        "unknown_asset_events": activity.unknown_asset_events,
        "idle_tool": kit.names[idle],
        "idle_tool_seats": int(kit.seats[idle]),
        "idle_tool_assigned": int(np.sum(idle_live)),
        "idle_tool_never_used": int(np.sum(idle_live & seats.never_used)),
        "lagging_team_manager_id": people.user_id[people.lagging_manager],
        "lagging_team_rep_ids": [people.user_id[int(p)] for p in org.team_of(people, people.lagging_manager)],
        "required_course_ids": [courses.ids[c] for c in range(len(courses)) if courses.due_days[c] >= 0],
        "decaying_course_ids": [courses.ids[c] for c in courses.decaying],
        "certification_course_ids": [courses.ids[c] for c in courses.certifications],
        "new_hire_ids": [
            people.user_id[int(p)]
            for p in np.flatnonzero(seller & (people.hire_day >= cal.days - 30) & (people.hire_day <= last))
        ],
        "leaver_ids": [
            people.user_id[int(p)] for p in np.flatnonzero((people.term_day >= 0) & (people.term_day <= last))
        ],
        "on_leave_ids": [
            people.user_id[int(p)]
            for p in np.flatnonzero((people.leave_start <= last) & (people.leave_end >= last))
        ],
        "leave_ids": [people.user_id[int(p)] for p in np.flatnonzero(people.leave_start != NEVER)],
        "okta_non_email_logins": [
            people.okta_login[int(p)] for p in np.flatnonzero(~people.okta_email_login)
        ],
        "okta_case_variant_events": signins.quirky_events,
        "xapi_account_actors": int(np.sum(people.xapi_form == org.XAPI_ACCOUNT)),
        "xapi_sha1_actors": int(np.sum(people.xapi_form == org.XAPI_SHA1)),
        "voided_statements": xapi.voided,
        "stored_only_statements": xapi.stored_only,
    }
