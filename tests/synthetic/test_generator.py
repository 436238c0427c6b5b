"""The synthetic organisation: deterministic, at SPEC volumes, in the real layouts and formats,
with the planted behaviours present in the files."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from enablement_audit.synthetic import SNAPSHOT_SOURCES, SOURCE_NAMES, generate
from tests.synthetic.conftest import count_rows, csv_rows, data_files, json_lines, last_export

SELLER_TITLES = {
    "Account Executive",
    "Account Manager",
    "Sales Development Representative",
    "Sales Representative",
}
# SPEC section 9, scale S (per year).
SPEC_S = {
    "sellers": 200,
    "assets": 300,
    "courses": 40,
    "tools": 8,
    "content_events": 100_000,
    "xapi_statements": 30_000,
    "signins": 150_000,
    "opportunities": 5_000,
}
CSV_HEADERS = {
    "users": "Id,Name,Email,ManagerId,Title,Department,IsActive,CreatedDate,Region__c",
    "hr": "email,hire_date,employment_status,status_start,status_end,fte",
    "opportunities": "Id,OwnerId,AccountId,Name,StageName,Amount,CloseDate,CreatedDate,IsClosed,IsWon,"
    "Type,ForecastCategoryName,SystemModstamp",
    "quotas": "Id,QuotaOwnerId,StartDate,QuotaAmount,PeriodId",
    "content_catalog": "asset_id,title,asset_type,bucket,owner_email,published_at,expires_at,status,tags",
    "content_activity": "event_id,occurred_at,user_email,asset_id,action,duration_seconds,opportunity_id",
    "courses": "course_id,title,bucket,published_at,required_for,due_days_after_hire,recert_days,"
    "reinforcement_days",
    "sf_login_history": "Id,UserId,LoginTime,Status,Application,LoginType",
    "licences": "tool,seats_purchased,annual_cost_per_seat,currency,renewal_date",
    "licence_assignments": "tool,user_email,assigned_at,unassigned_at",
    "identity_map": "source,external_id,email",
}


def tree_hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def header(path: Path) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.readline().rstrip("\n").replace('"', "")


# ---------------------------------------------------------------------------------------------
# Determinism


def test_same_seed_gives_byte_identical_files(tmp_path):
    first = generate(tmp_path / "a", scale="S", seed=7, days=21)
    second = generate(tmp_path / "b", scale="S", seed=7, days=21)

    hashes = tree_hashes(tmp_path / "a")
    assert first == second
    assert hashes == tree_hashes(tmp_path / "b")
    # 13 sources and the manifest; 21 days from 2026-11-02 (a Monday) to 2026-11-23.
    assert "manifest.json" in hashes
    assert {name.split("/")[0] for name in hashes} == {*SOURCE_NAMES, "manifest.json"}


def test_a_different_seed_gives_different_files(tmp_path):
    generate(tmp_path / "a", scale="S", seed=7, days=21)
    generate(tmp_path / "b", scale="S", seed=8, days=21)

    a, b = tree_hashes(tmp_path / "a"), tree_hashes(tmp_path / "b")
    assert a.keys() == b.keys()
    changed = [name for name in a if a[name] != b[name]]
    # Every event file differs (new ids, times and people); so do the users and the manifest.
    assert "manifest.json" in changed
    assert all(a[n] != b[n] for n in a if n.startswith(("content_activity/", "okta/", "xapi/", "users/")))


def test_regenerating_replaces_an_earlier_run_but_never_foreign_data(tmp_path):
    generate(tmp_path / "out", scale="S", seed=7, days=10)
    generate(tmp_path / "out", scale="S", seed=7, days=5)
    days = {p.name for p in (tmp_path / "out" / "okta").iterdir()}
    # Only the 5-day run is left (2026-11-18 .. 2026-11-22).
    assert days == {(date(2026, 11, 18) + timedelta(days=i)).isoformat() for i in range(5)}

    foreign = tmp_path / "foreign"
    (foreign / "users").mkdir(parents=True)
    with pytest.raises(FileExistsError, match=r"no manifest\.json"):
        generate(foreign, scale="S", days=5)
    assert (foreign / "users").is_dir()


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown scale 'XL'"):
        generate(tmp_path, scale="XL")
    with pytest.raises(ValueError, match="days must be at least 1"):
        generate(tmp_path, days=0)


def test_progress_is_reported_per_source_and_month(tmp_path):
    messages: list[str] = []
    generate(tmp_path, scale="S", days=40, progress=messages.append)
    # 40 days before 2026-11-23 start on 2026-10-14: months 2026-10 and 2026-11.
    for source in ("opportunities", "content_activity", "xapi", "okta, sf_login_history"):
        assert f"{source} 2026-10" in messages
        assert f"{source} 2026-11" in messages


# ---------------------------------------------------------------------------------------------
# One full year at scale S


def test_manifest_describes_the_run(year_s):
    root, manifest = year_s
    assert json.loads((root / "manifest.json").read_text()) == manifest
    assert (manifest["scale"], manifest["seed"]) == ("S", 7)
    assert (manifest["start"], manifest["end"], manifest["days"]) == ("2025-11-23", "2026-11-23", 365)
    assert list(manifest["sources"]) == list(SOURCE_NAMES)
    for name, stats in manifest["sources"].items():
        files = data_files(root, name)
        assert stats["files"] == len(files), name
        assert stats["rows"] == sum(count_rows(p) for p in files), name
        # A sprinkling of bad rows: at least three, at most about 0.3% of event rows.
        assert stats["bad_rows"] >= 3, name
        if name not in SNAPSHOT_SOURCES:
            # about 0.2% sampled, plus one of each kind forced on three days
            assert stats["bad_rows"] <= 0.003 * stats["rows"] + 15, name
            assert stats["duplicates"] >= 3, name


def test_volumes_are_within_ten_percent_of_spec(year_s):
    root, manifest = year_s
    start = date.fromisoformat(manifest["start"])
    users = last_export(root, "users")
    opportunity_ids = set()
    for path in data_files(root, "opportunities"):
        for row in csv_rows(path):
            try:
                created = datetime.fromisoformat(row["CreatedDate"].replace("+0000", "+00:00")).date()
            except ValueError:
                continue  # a planted bad timestamp
            if created >= start:
                opportunity_ids.add(row["Id"])
    measured = {
        "sellers": sum(1 for u in users if u["Title"] in SELLER_TITLES and u["IsActive"] == "true"),
        "assets": len({r["asset_id"] for r in last_export(root, "content_catalog")}),
        "courses": len({r["course_id"] for r in last_export(root, "courses")}),
        "tools": len({r["tool"] for r in last_export(root, "licences")}),
        "content_events": sum(count_rows(p) for p in data_files(root, "content_activity")),
        "xapi_statements": sum(count_rows(p) for p in data_files(root, "xapi")),
        "signins": sum(count_rows(p) for s in ("okta", "sf_login_history") for p in data_files(root, s)),
        "opportunities": len(opportunity_ids),
    }
    for name, spec in SPEC_S.items():
        assert abs(measured[name] - spec) <= 0.1 * spec, (name, measured[name], spec)
    # The manifest reports the same volumes (its opportunity count excludes planted bad rows).
    assert {k: v for k, v in manifest["volumes"].items() if k != "opportunities"} == {
        k: v for k, v in measured.items() if k != "opportunities"
    }
    extra = measured["opportunities"] - manifest["volumes"]["opportunities"]
    assert 0 <= extra <= manifest["sources"]["opportunities"]["bad_rows"]


def test_layout_is_source_day_file(year_s):
    root, manifest = year_s
    start = date.fromisoformat(manifest["start"])
    window = [(start + timedelta(days=i)).isoformat() for i in range(365)]
    exports = [d for d in window if d == window[0] or date.fromisoformat(d).weekday() == 0]
    assert sorted(p.name for p in root.iterdir()) == sorted([*SOURCE_NAMES, "manifest.json"])
    for name in SOURCE_NAMES:
        folders = sorted(p.name for p in (root / name).iterdir())
        # Snapshots: the first day and every Monday (53); events: every day of the window.
        assert folders == (exports if name in SNAPSHOT_SOURCES else window), name
        assert all(len(list((root / name / day).iterdir())) == 1 for day in folders), name
    assert len(exports) == 53


def test_csv_headers_are_exactly_the_documented_ones(year_s):
    root, _ = year_s
    for name, expected in CSV_HEADERS.items():
        for path in data_files(root, name):
            if path.suffix == ".csv":
                assert header(path) == expected, path
    # Salesforce exports quote every field, as Data Loader does.
    assert (
        data_files(root, "users")[0].read_text().splitlines()[0]
        == '"Id","Name","Email","ManagerId","Title","Department","IsActive","CreatedDate","Region__c"'
    )


def test_content_activity_comes_as_csv_and_weekly_json_lines(year_s):
    root, _ = year_s
    files = data_files(root, "content_activity")
    jsonl = [p for p in files if p.suffix == ".jsonl"]
    # One day a week (Wednesday) is JSON Lines with the same field names.
    assert len(jsonl) == 52
    assert all(date.fromisoformat(p.parent.name).weekday() == 2 for p in jsonl)
    assert len(files) - len(jsonl) == 313
    first = json_lines(jsonl[0])[0]
    assert list(first) == CSV_HEADERS["content_activity"].split(",")


def test_okta_events_look_like_the_system_log_api(year_s):
    root, _ = year_s
    events = json_lines(data_files(root, "okta")[100])
    sso = next(e for e in events if e["eventType"] == "user.authentication.sso")
    for key in (
        "uuid",
        "published",
        "eventType",
        "outcome",
        "actor",
        "client",
        "target",
        "severity",
        "displayMessage",
        "version",
        "transaction",
        "debugContext",
    ):
        assert key in sso, key
    assert sso["version"] == "0"
    assert sso["actor"]["type"] == "User"
    assert sso["target"][0]["type"] == "AppInstance"
    assert sso["published"].endswith("Z") and len(sso["published"]) == 24  # 2026-01-05T14:03:11.123Z
    types = {e["eventType"] for p in data_files(root, "okta")[100:110] for e in json_lines(p)}
    assert types == {"user.authentication.sso", "user.session.start"}


def test_xapi_statements_use_every_actor_form_and_verb(year_s):
    root, _ = year_s
    statements = [s for p in data_files(root, "xapi") for s in json_lines(p)]
    forms = {next(k for k in ("mbox", "mbox_sha1sum", "account") if k in s["actor"]) for s in statements}
    verbs = {s["verb"]["id"].rsplit("/", 1)[1] for s in statements}
    assert forms == {"mbox", "mbox_sha1sum", "account"}
    assert verbs == {"launched", "experienced", "progressed", "completed", "passed", "failed", "voided"}
    assert all(s["version"] == "1.0.3" for s in statements)
    assert all(
        s["object"]["id"].startswith("https://lms.example.com/courses/")
        for s in statements
        if s["verb"]["id"].endswith("/passed")
    )
    stored_only = [s for s in statements if "timestamp" not in s and "stored" in s]
    neither = [s for s in statements if "timestamp" not in s and "stored" not in s]
    assert stored_only and neither
    accounts = {s["actor"]["account"]["name"] for s in statements if "account" in s["actor"]}
    mapped = {r["external_id"] for r in last_export(root, "identity_map") if r["source"] == "xapi"}
    assert accounts <= mapped


# ---------------------------------------------------------------------------------------------
# Planted behaviours


def test_planted_battlecard_is_used_on_deals_by_adopters_who_win_more(year_s):
    root, manifest = year_s
    planted = manifest["planted"]
    catalog = {r["asset_id"]: r for r in last_export(root, "content_catalog")}
    battlecard = catalog[planted["battlecard_asset_id"]]
    assert (battlecard["asset_type"], battlecard["status"]) == ("battlecard", "live")
    users = {u["Email"]: u["Id"] for u in last_export(root, "users")}
    on_deals, users_of_it = 0, set()
    for path in data_files(root, "content_activity")[:60]:
        rows = csv_rows(path) if path.suffix == ".csv" else json_lines(path)
        for row in rows:
            if row.get("asset_id") == planted["battlecard_asset_id"] and row["user_email"] in users:
                users_of_it.add(users[row["user_email"]])
                on_deals += bool(row["opportunity_id"])
    assert on_deals > 100
    assert users_of_it <= set(planted["battlecard_adopter_ids"])
    lift = planted["win_rate_adopters"] - planted["win_rate_others"]
    assert 0.10 <= lift <= 0.20


def test_planted_idle_tool_has_many_idle_seats(year_s):
    root, manifest = year_s
    planted = manifest["planted"]
    licences = {r["tool"]: r for r in last_export(root, "licences")}
    seats = int(licences[planted["idle_tool"]]["seats_purchased"])
    assert seats == planted["idle_tool_seats"]
    open_seats = [
        r
        for r in last_export(root, "licence_assignments")
        if r["tool"] == planted["idle_tool"] and not r["unassigned_at"]
    ]
    assert len(open_seats) == planted["idle_tool_assigned"]
    idle = seats - planted["idle_tool_assigned"] + planted["idle_tool_never_used"]
    assert 0.3 <= idle / seats <= 0.5


def test_planted_people_are_in_users_and_hr(year_s):
    root, manifest = year_s
    planted = manifest["planted"]
    end = date.fromisoformat(manifest["end"])
    users = {u["Id"]: u for u in last_export(root, "users")}
    hr = last_export(root, "hr")
    manager = users[planted["lagging_team_manager_id"]]
    assert manager["Title"] == "Sales Manager"
    team = {
        u["Id"] for u in users.values() if u["ManagerId"] == manager["Id"] and u["Title"] in SELLER_TITLES
    }
    assert set(planted["lagging_team_rep_ids"]) == team
    assert len(planted["new_hire_ids"]) >= 3
    for rep in planted["new_hire_ids"]:
        created = date.fromisoformat(users[rep]["CreatedDate"][:10])
        assert end - timedelta(days=30) <= created < end
    assert len(planted["leaver_ids"]) >= 3
    terminated = {r["email"] for r in hr if r["employment_status"] == "terminated"}
    for rep in planted["leaver_ids"]:
        assert users[rep]["IsActive"] == "false"
        assert users[rep]["Email"] in terminated
    on_leave = {r["email"] for r in hr if r["employment_status"] == "leave" and not r["status_end"]}
    assert len(planted["on_leave_ids"]) >= 2
    assert {users[rep]["Email"] for rep in planted["on_leave_ids"]} == on_leave


def test_planted_courses_are_in_the_catalog(year_s):
    root, manifest = year_s
    planted = manifest["planted"]
    courses = {r["course_id"]: r for r in last_export(root, "courses")}
    for course in planted["required_course_ids"]:
        assert courses[course]["required_for"] and courses[course]["due_days_after_hire"]
    assert set(planted["decaying_course_ids"]) <= set(planted["required_course_ids"])
    for course in planted["certification_course_ids"]:
        assert courses[course]["recert_days"] in ("180", "365")
    decaying = planted["decaying_course_ids"][0]
    assert courses[decaying]["recert_days"] == "180"


def test_planted_identities_and_assets_exist(year_s):
    root, manifest = year_s
    planted = manifest["planted"]
    okta_map = {r["external_id"] for r in last_export(root, "identity_map") if r["source"] == "okta"}
    assert set(planted["okta_non_email_logins"]) == okta_map
    assert len(okta_map) >= 3
    catalog = {r["asset_id"]: r for r in last_export(root, "content_catalog")}
    users = {u["Email"]: u for u in last_export(root, "users")}
    for asset in planted["orphaned_asset_ids"]:
        assert users[catalog[asset]["owner_email"]]["IsActive"] == "false"
    for asset in planted["expired_in_use_asset_ids"]:
        assert catalog[asset]["status"] == "live"
        assert catalog[asset]["expires_at"] < manifest["end"]
    assert set(planted["evergreen_asset_ids"]) <= set(catalog)
    assert planted["unknown_asset_events"] >= 3
    assert planted["voided_statements"] >= 3
    assert planted["okta_case_variant_events"] >= 3
