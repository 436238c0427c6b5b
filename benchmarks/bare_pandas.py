"""Comparator (d): a straightforward pandas script over the landing files, no package code.

The same three aggregates with the same definitions as ``bare_duckdb.py`` (read its docstring),
written as Parquet into ``OUT``. CSV files are read with ``pandas.read_csv`` (all text), JSON
Lines with ``json.loads`` per line (a truncated line is skipped, as the reader quarantines it),
and everything else is plain DataFrame filtering, ``merge`` and ``groupby``.

Usage: ``python benchmarks/bare_pandas.py LANDING OUT --start YYYY-MM-DD --end YYYY-MM-DD``
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

LATE_ARRIVAL_DAYS = 3
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
TRUE = {"true", "t", "1", "yes", "y"}
FALSE = {"false", "f", "0", "no", "n"}
ACTIONS = {"view", "download", "share", "present", "copy_link", "customer_view"}


def files(landing: Path, source: str, pattern: str = "*.csv") -> list[Path]:
    return sorted((landing / source).glob(f"*/{pattern}"))


def read_csvs(landing: Path, source: str) -> pd.DataFrame:
    frames = []
    for path in files(landing, source):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, on_bad_lines="skip")
        frame["source_date"] = path.parent.name
        frame["filename"] = str(path)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def text(series: pd.Series) -> pd.Series:
    """Trimmed; empty means missing."""
    cleaned = series.astype("string").str.strip()
    return cleaned.mask(cleaned == "")


def timestamp(series: pd.Series) -> pd.Series:
    """ISO 8601 as naive UTC; unparsable or outside 1970-2100 is missing."""
    parsed = pd.to_datetime(text(series), format="ISO8601", utc=True, errors="coerce").dt.tz_localize(None)
    return parsed.where((parsed.dt.year >= 1970) & (parsed.dt.year <= 2100))


def email(series: pd.Series) -> pd.Series:
    cleaned = series.astype("string").str.strip().str.lower().str.removeprefix("mailto:").str.strip()
    ok = cleaned.str.fullmatch(EMAIL, na=False) & (cleaned.str.len() <= 254)
    return cleaned.where(ok)


def boolean(series: pd.Series) -> pd.Series:
    lowered = series.astype("string").str.strip().str.lower()
    return pd.Series(
        np.where(lowered.isin(TRUE), True, np.where(lowered.isin(FALSE), False, None)),
        index=series.index,
        dtype="object",
    )


def number(series: pd.Series) -> pd.Series:
    return pd.to_numeric(text(series).str.replace(",", ""), errors="coerce")


def local_date(stamps: pd.Series, tz: str) -> pd.Series:
    if tz != "UTC":
        stamps = stamps.dt.tz_localize("UTC").dt.tz_convert(tz).dt.tz_localize(None)
    return stamps.dt.normalize()


def monday(days: pd.Series) -> pd.Series:
    return days - pd.to_timedelta(days.dt.day_of_week, unit="D")


def newest(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """The row of each key from the newest export (snapshot sources)."""
    ordered = frame.sort_values(["source_date", "filename"], kind="stable")
    return ordered.drop_duplicates(key, keep="last")


def read_jsonl(paths: list[Path], pick) -> pd.DataFrame:
    """One row per parsable line, the fields ``pick`` takes from the object."""
    rows = []
    for path in paths:
        name = str(path)
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                line = line.strip()
                if not line:
                    continue
                try:
                    obj = json.loads(line)
                except ValueError:
                    continue
                if isinstance(obj, dict):
                    rows.append((*pick(obj), name))
    return rows


def content_events(landing: Path) -> pd.DataFrame:
    columns = ["event_id", "occurred_at", "user_email", "asset_id", "action", "duration_seconds"]
    csv = read_csvs(landing, "content_activity")[[*columns, "filename"]]

    def pick(obj: dict) -> tuple:
        return tuple(None if obj.get(c) is None else str(obj.get(c)) for c in columns)

    jsonl = pd.DataFrame(
        read_jsonl(files(landing, "content_activity", "*.jsonl"), pick), columns=[*columns, "filename"]
    )
    raw = pd.concat([csv, jsonl], ignore_index=True)
    events = pd.DataFrame(
        {
            "event_id": text(raw["event_id"]),
            "occurred_at": timestamp(raw["occurred_at"]),
            "user_email": email(raw["user_email"]),
            "asset_id": text(raw["asset_id"]),
            "action": text(raw["action"]).str.lower(),
            "raw_duration": text(raw["duration_seconds"]),
            "duration": number(raw["duration_seconds"]),
            "filename": raw["filename"],
        }
    )
    duration_ok = events["raw_duration"].isna() | (
        (events["duration"] >= 0) & (events["duration"] == np.floor(events["duration"]))
    )
    valid = events[
        events["event_id"].notna()
        & events["occurred_at"].notna()
        & events["user_email"].notna()
        & events["asset_id"].notna()
        & events["action"].isin(ACTIONS)
        & duration_ok
    ]
    valid = valid.sort_values("filename", kind="stable").drop_duplicates("event_id", keep="first")
    return valid[["event_id", "occurred_at", "user_email"]]


def reps(landing: Path) -> pd.DataFrame:
    users = read_csvs(landing, "users")
    frame = pd.DataFrame(
        {
            "rep_id": text(users["Id"]),
            "email": email(users["Email"]),
            "is_active": boolean(users["IsActive"]),
            "created_at": timestamp(users["CreatedDate"]),
            "source_date": users["source_date"],
            "filename": users["filename"],
        }
    )
    valid = frame.dropna(subset=["rep_id", "email", "is_active", "created_at"])
    return newest(valid, ["rep_id"])[["rep_id", "email"]]


def identity_map(landing: Path) -> pd.DataFrame:
    rows = read_csvs(landing, "identity_map")
    frame = pd.DataFrame(
        {
            "source": text(rows["source"]).str.lower(),
            "external_id": text(rows["external_id"]),
            "email": email(rows["email"]),
            "source_date": rows["source_date"],
            "filename": rows["filename"],
        }
    ).dropna(subset=["source", "external_id", "email"])
    return newest(frame, ["source", "external_id"])[["source", "external_id", "email"]]


def signins(landing: Path, tz: str) -> pd.DataFrame:
    def pick(obj: dict) -> tuple:
        actor = obj.get("actor") if isinstance(obj.get("actor"), dict) else {}
        outcome = obj.get("outcome") if isinstance(obj.get("outcome"), dict) else {}
        targets = obj.get("target") if isinstance(obj.get("target"), list) else []
        app = next((t for t in targets if isinstance(t, dict) and t.get("type") == "AppInstance"), None)
        return (
            obj.get("uuid"),
            obj.get("published"),
            obj.get("eventType"),
            outcome.get("result"),
            actor.get("alternateId"),
            app is not None,
            app.get("displayName") if app else None,
        )

    columns = ["event_id", "published", "event_type", "result", "login", "has_app", "tool", "filename"]
    okta = pd.DataFrame(read_jsonl(files(landing, "okta", "*"), pick), columns=columns)
    okta["event_id"] = text(okta["event_id"])
    okta["published_at"] = timestamp(okta["published"])
    okta["event_type"] = text(okta["event_type"])
    okta["login"] = text(okta["login"]).str.lower()
    okta["tool"] = text(okta["tool"])
    is_sso = okta["event_type"] == "user.authentication.sso"
    valid = okta[
        okta["event_id"].notna()
        & okta["published_at"].notna()
        & okta["event_type"].notna()
        & (~is_sso | (okta["login"].notna() & okta["has_app"]))
    ]
    valid = valid.sort_values("filename", kind="stable").drop_duplicates("event_id", keep="first")
    success = valid[
        (valid["event_type"] == "user.authentication.sso")
        & (text(valid["result"]).str.upper() == "SUCCESS")
        & valid["tool"].notna()
    ]
    okta_signins = pd.DataFrame(
        {
            "source": "okta",
            "kind": "login",
            "tool": success["tool"],
            "signed_in_at": success["published_at"],
            "external_id": success["login"],
        }
    )

    sf = read_csvs(landing, "sf_login_history")
    sf = pd.DataFrame(
        {
            "login_id": text(sf["Id"]),
            "user_id": text(sf["UserId"]),
            "login_at": timestamp(sf["LoginTime"]),
            "status": text(sf["Status"]),
            "filename": sf["filename"],
        }
    ).dropna(subset=["login_id", "user_id", "login_at", "status"])
    sf = sf.sort_values("filename", kind="stable").drop_duplicates("login_id", keep="first")
    sf = sf[sf["status"].str.lower() == "success"]
    sf_signins = pd.DataFrame(
        {
            "source": "sf_login_history",
            "kind": "crm_id",
            "tool": "Salesforce",
            "signed_in_at": sf["login_at"],
            "external_id": sf["user_id"],
        }
    )
    out = pd.concat([okta_signins, sf_signins], ignore_index=True)
    out["activity_date"] = local_date(out["signed_in_at"], tz)
    out["week_start"] = monday(out["activity_date"])
    return out


def resolve(observed: pd.DataFrame, rep: pd.DataFrame, id_map: pd.DataFrame) -> pd.DataFrame:
    """(source, kind, external_id) -> rep_id: by CRM id, by e-mail, else by the identity map."""
    observed = observed.drop_duplicates()
    by_exact = observed.merge(id_map, on=["source", "external_id"], how="inner")
    lowered = id_map.assign(external_id=id_map["external_id"].str.strip().str.lower())
    by_lower = observed[observed["kind"].isin(["login", "email"])].merge(
        lowered, on=["source", "external_id"], how="inner"
    )
    # One row per map entry that matches (exactly, or ignoring case for logins and e-mails).
    keys = ["source", "kind", "external_id"]
    matched = pd.concat([by_exact, by_lower]).drop_duplicates([*keys, "email"])
    mapped = observed.merge(matched.rename(columns={"email": "mapped_email"}), on=keys, how="left")
    rep_by_email = rep.set_index("email")["rep_id"]
    rep_ids = set(rep["rep_id"])
    by_id = mapped["external_id"].where((mapped["kind"] == "crm_id") & mapped["external_id"].isin(rep_ids))
    by_email = mapped["external_id"].where(mapped["kind"].isin(["email", "login"])).map(rep_by_email)
    by_map = mapped["mapped_email"].map(rep_by_email)
    mapped["rep_id"] = by_id.fillna(by_email).fillna(by_map)
    return mapped[[*keys, "rep_id"]]


def seat_utilization(
    landing: Path, signin: pd.DataFrame, identity: pd.DataFrame, weeks: pd.DatetimeIndex, tz: str
) -> pd.DataFrame:
    lic = read_csvs(landing, "licences")
    raw_renewal = text(lic["renewal_date"])
    lic = pd.DataFrame(
        {
            "tool": text(lic["tool"]),
            "seats": number(lic["seats_purchased"]),
            "cost": number(lic["annual_cost_per_seat"]),
            "currency": text(lic["currency"]),
            "renewal_ok": raw_renewal.isna() | pd.to_datetime(raw_renewal, errors="coerce").notna(),
            "source_date": lic["source_date"],
            "filename": lic["filename"],
        }
    )
    lic = lic[
        lic["tool"].notna()
        & (lic["seats"] >= 0)
        & (lic["seats"] == np.floor(lic["seats"]))
        & (lic["cost"] >= 0)
        & lic["currency"].str.fullmatch(r"[A-Za-z]{3}", na=False)
        & lic["renewal_ok"]
    ]
    licence = newest(lic, ["tool"])[["tool", "seats"]]

    raw = read_csvs(landing, "licence_assignments")
    raw_unassigned = text(raw["unassigned_at"])
    assignment = pd.DataFrame(
        {
            "tool": text(raw["tool"]),
            "user_email": email(raw["user_email"]),
            "assigned_at": timestamp(raw["assigned_at"]),
            "raw_unassigned": raw_unassigned,
            "unassigned_at": timestamp(raw["unassigned_at"]),
            "source_date": raw["source_date"],
            "filename": raw["filename"],
        }
    )
    assignment = assignment[
        assignment["tool"].notna()
        & assignment["user_email"].notna()
        & assignment["assigned_at"].notna()
        & (assignment["raw_unassigned"].isna() | assignment["unassigned_at"].notna())
        & (assignment["unassigned_at"].isna() | (assignment["unassigned_at"] >= assignment["assigned_at"]))
    ]
    assignment = newest(assignment, ["tool", "user_email", "assigned_at"])
    ids = identity[identity["source"] == "licence_assignments"][["external_id", "rep_id"]]
    assignment = assignment.merge(ids, left_on="user_email", right_on="external_id", how="left")
    assignment["assigned_date"] = local_date(assignment["assigned_at"], tz)
    assignment["unassigned_date"] = local_date(assignment["unassigned_at"], tz)

    week = pd.DataFrame({"week_start": weeks})
    seat = assignment.merge(week, how="cross")
    week_end = seat["week_start"] + pd.Timedelta(days=6)
    seat = seat[
        (seat["assigned_date"] <= week_end)
        & (seat["unassigned_date"].isna() | (seat["unassigned_date"] > week_end))
    ]
    seat = seat[["tool", "user_email", "rep_id", "week_start"]].drop_duplicates()

    active = []
    for key in ("rep_id", "external_id"):
        seen = signin[signin[key].notna()][["tool", key, "week_start"]].drop_duplicates()
        seat_key = "rep_id" if key == "rep_id" else "user_email"
        for lag in range(4):  # the week and the three before it: the trailing 28 days
            shifted = seen.assign(week_start=seen["week_start"] + pd.Timedelta(weeks=lag))
            hit = seat.merge(
                shifted.rename(columns={key: seat_key}), on=["tool", seat_key, "week_start"], how="inner"
            )
            active.append(hit[["tool", "user_email", "rep_id", "week_start"]])
    active_seats = pd.concat(active).drop_duplicates()
    active_users = active_seats.groupby(["tool", "week_start"]).size().rename("active_users")

    has_data = signin[["tool", "week_start"]].drop_duplicates().assign(has_data=True)
    grid = licence.merge(week, how="cross")
    grid = grid.merge(has_data, on=["tool", "week_start"], how="left")
    grid = grid.merge(active_users.reset_index(), on=["tool", "week_start"], how="left")
    seats = grid["seats"].where(grid["seats"] != 0)
    utilization = grid["active_users"].fillna(0) / seats
    grid["seat_utilization"] = utilization.where(grid["has_data"].fillna(False).astype(bool))
    return grid[["tool", "week_start", "seat_utilization"]]


def win_rate(landing: Path, end: date) -> pd.DataFrame:
    raw = read_csvs(landing, "opportunities")
    deleted = raw["IsDeleted"] if "IsDeleted" in raw else pd.Series(None, index=raw.index, dtype="object")
    opp = pd.DataFrame(
        {
            "opportunity_id": text(raw["Id"]),
            "owner_id": text(raw["OwnerId"]),
            "stage_name": text(raw["StageName"]),
            "raw_amount": text(raw["Amount"]),
            "amount": number(raw["Amount"]),
            "close_date": pd.to_datetime(text(raw["CloseDate"]), format="ISO8601", errors="coerce"),
            "created_at": timestamp(raw["CreatedDate"]),
            "is_closed": boolean(raw["IsClosed"]),
            "is_won": boolean(raw["IsWon"]),
            "raw_modstamp": text(raw["SystemModstamp"]),
            "system_modstamp": timestamp(raw["SystemModstamp"]),
            "raw_deleted": text(deleted),
            "is_deleted": boolean(deleted),
            "source_date": raw["source_date"],
            "filename": raw["filename"],
        }
    )
    valid = opp[
        opp["opportunity_id"].notna()
        & opp["owner_id"].notna()
        & opp["stage_name"].notna()
        & (opp["raw_amount"].isna() | (opp["amount"] >= 0))
        & opp["close_date"].notna()
        & opp["created_at"].notna()
        & opp["is_closed"].notna()
        & opp["is_won"].notna()
        & (opp["raw_modstamp"].isna() | opp["system_modstamp"].notna())
        & (opp["raw_deleted"].isna() | opp["is_deleted"].notna())
    ]
    valid = valid[
        (valid["close_date"] >= valid["created_at"].dt.normalize() - pd.Timedelta(days=1))
        & ~(valid["is_won"].astype(bool) & ~valid["is_closed"].astype(bool))
    ]
    # newest SystemModstamp (missing last), then the newest export, then the later line
    newest_first = valid.iloc[::-1].sort_values(
        ["system_modstamp", "source_date", "filename"], ascending=False, na_position="last", kind="stable"
    )
    latest = newest_first.drop_duplicates("opportunity_id", keep="first")
    closed = latest[
        latest["is_closed"].astype(bool) & ~latest["is_deleted"].fillna(False).astype(bool)
    ].copy()
    closed["quarter_start"] = closed["close_date"].dt.to_period("Q").dt.start_time
    closed = closed[closed["quarter_start"] < pd.Timestamp(end)]
    closed["win"] = closed["is_won"].astype(bool).astype(int)
    grouped = closed.groupby(["owner_id", "quarter_start"])["win"].agg(["sum", "count"]).reset_index()
    return pd.DataFrame(
        {
            "rep_id": grouped["owner_id"],
            "quarter_start": grouped["quarter_start"].dt.date,
            "wins": grouped["sum"].astype("int64"),
            "losses": (grouped["count"] - grouped["sum"]).astype("int64"),
            "win_rate": grouped["sum"] / grouped["count"],
        }
    )


def run(landing: Path, out: Path, start: date, end: date, tz: str) -> None:
    window_start = start - timedelta(days=LATE_ARRIVAL_DAYS)
    week_lo = window_start - timedelta(days=window_start.weekday())
    last = end - timedelta(days=1)
    week_hi = last - timedelta(days=last.weekday()) + timedelta(days=7)
    weeks = pd.date_range(week_lo, week_hi - timedelta(days=7), freq="7D")

    rep = reps(landing)
    id_map = identity_map(landing)
    events = content_events(landing)
    signin = signins(landing, tz)
    assignment_emails = email(read_csvs(landing, "licence_assignments")["user_email"]).dropna()
    observed = pd.concat(
        [
            pd.DataFrame(
                {"source": "content_activity", "kind": "email", "external_id": events["user_email"]}
            ),
            signin[["source", "kind", "external_id"]],
            pd.DataFrame(
                {"source": "licence_assignments", "kind": "email", "external_id": assignment_emails}
            ),
        ],
        ignore_index=True,
    )
    identity = resolve(observed, rep, id_map)

    content_ids = identity[identity["source"] == "content_activity"][["external_id", "rep_id"]]
    resolved = events.merge(content_ids, left_on="user_email", right_on="external_id", how="inner")
    resolved = resolved[resolved["rep_id"].notna()]
    resolved["week_start"] = monday(local_date(resolved["occurred_at"], tz)).dt.date
    content = resolved.groupby(["rep_id", "week_start"]).size().rename("content_actions").reset_index()

    signin = signin.merge(
        identity[["source", "external_id", "rep_id"]], on=["source", "external_id"], how="left"
    )
    tools = seat_utilization(landing, signin, identity, weeks, tz)
    tools["week_start"] = tools["week_start"].dt.date

    out.mkdir(parents=True, exist_ok=True)
    content.to_parquet(out / "content_rep_week.parquet", index=False)
    tools.to_parquet(out / "tool_week.parquet", index=False)
    win_rate(landing, end).to_parquet(out / "rep_quarter.parquet", index=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("landing", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--start", type=date.fromisoformat, required=True)
    parser.add_argument("--end", type=date.fromisoformat, required=True)
    parser.add_argument("--tz", default="UTC")
    args = parser.parse_args()
    started = time.perf_counter()
    run(args.landing.resolve(), args.out, args.start, args.end, args.tz)
    print(f"bare pandas: {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
