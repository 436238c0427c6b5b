"""Comparator (c): one bare DuckDB SQL script over the landing files, no package code.

It reads the same landing files as the pipeline (``<landing>/<source>/<YYYY-MM-DD>/*``) with
DuckDB's own CSV and JSON readers and computes the three headline aggregates with the pipeline's
definitions (SPEC sections 3 to 5), written as Parquet into ``OUT``:

- ``content_rep_week``: content actions per rep and ISO week (valid events, first copy of each
  ``event_id``, the user resolved to a CRM user by e-mail or through the identity map);
- ``tool_week``: seat utilisation per licensed tool and ISO week (assigned seats with a
  successful Okta SSO or Salesforce sign-in of the assignee in the trailing 28 days, over
  seats purchased; null when no sign-in to the tool arrived that week);
- ``rep_quarter``: win rate per deal owner and calendar quarter of CloseDate (newest
  SystemModstamp version of each deal, deleted deals dropped).

Rows a source reader would quarantine are filtered out by the same rules (required fields,
parsable values, e-mail shape, allowed actions, non-negative amounts, consistent dates).

Usage: ``python benchmarks/bare_duckdb.py LANDING OUT --start YYYY-MM-DD --end YYYY-MM-DD``
"""

# ruff: noqa: S608 -- the SQL text is built from this script's own paths, dates and rules, never from data

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

LATE_ARRIVAL_DAYS = 3  # the pipeline's default lookback: its build window starts 3 days early

EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
TRUE = "('true', 't', '1', 'yes', 'y')"
FALSE = "('false', 'f', '0', 'no', 'n')"


def txt(column: str) -> str:
    """A CSV or JSON cell as the readers see it: trimmed, empty means missing."""
    return f"nullif(trim({column}), '')"


def ts(column: str) -> str:
    """ISO 8601 (``Z``, an offset, or none = UTC) as a naive UTC timestamp, else null."""
    return f"(try_cast({txt(column)} as timestamptz) at time zone 'UTC')"


def email(column: str) -> str:
    """Trimmed, lower-cased, ``mailto:`` dropped; null unless shaped like an address."""
    cleaned = f"trim(regexp_replace(lower(trim({column})), '^mailto:', ''))"
    return (
        f"case when length({cleaned}) <= 254 and regexp_full_match({cleaned}, '{EMAIL}') then {cleaned} end"
    )


def boolean(column: str) -> str:
    value = f"lower(trim({column}))"
    return f"case when {value} in {TRUE} then true when {value} in {FALSE} then false end"


def whole(column: str) -> str:
    """A whole number (``30`` or ``30.0``), else null."""
    number = f"try_cast(replace({txt(column)}, ',', '') as double)"
    return f"case when {number} = trunc({number}) then cast({number} as bigint) end"


def number(column: str) -> str:
    return f"try_cast(replace({txt(column)}, ',', '') as double)"


def day_of(path_column: str) -> str:
    """The landing folder's date (``.../<source>/<YYYY-MM-DD>/file``)."""
    return f"cast(regexp_extract({path_column}, '/(\\d{{4}}-\\d{{2}}-\\d{{2}})/[^/]*$', 1) as date)"


def csv(landing: Path, source: str, pattern: str = "*.csv") -> str:
    glob = f"{landing}/{source}/*/{pattern}"
    return (
        f"read_csv('{glob}', header = true, all_varchar = true, union_by_name = true, "
        "filename = true, delim = ',', quote = '\"', escape = '\"', ignore_errors = true)"
    )


def script(landing: Path, start: date, end: date, tz: str, has_deleted: bool) -> str:
    # Exports made with queryAll carry IsDeleted; others do not.
    deleted = '"IsDeleted"' if has_deleted else "cast(null as varchar)"
    window_start = start - timedelta(days=LATE_ARRIVAL_DAYS)
    week_lo = window_start - timedelta(days=window_start.weekday())
    last = end - timedelta(days=1)
    week_hi = last - timedelta(days=last.weekday()) + timedelta(days=7)

    def local_date(expression: str) -> str:
        return f"cast(({expression} at time zone 'UTC') at time zone '{tz}' as date)"

    okta_json = (
        f"read_json('{landing}/okta/*/*', format = 'newline_delimited', ignore_errors = true, "
        "filename = true, columns = {uuid: 'VARCHAR', published: 'VARCHAR', eventType: 'VARCHAR', "
        "outcome: 'STRUCT(result VARCHAR)', actor: 'STRUCT(alternateId VARCHAR)', "
        "target: 'STRUCT(type VARCHAR, displayName VARCHAR)[]'})"
    )
    content_json = (
        f"read_json('{landing}/content_activity/*/*.jsonl', format = 'newline_delimited', "
        "ignore_errors = true, filename = true, columns = {event_id: 'VARCHAR', occurred_at: 'VARCHAR', "
        "user_email: 'VARCHAR', asset_id: 'VARCHAR', action: 'VARCHAR', duration_seconds: 'VARCHAR'})"
    )
    return f"""
set TimeZone = 'UTC';

-- CRM users: the newest weekly snapshot of each Id among valid rows
create temp table rep as
with users as (
    select
        {txt('"Id"')} as rep_id,
        {email('"Email"')} as email,
        {boolean('"IsActive"')} as is_active,
        {ts('"CreatedDate"')} as created_at,
        {day_of("filename")} as source_date,
        filename,
        row_number() over () as line_order
    from {csv(landing, "users")}
)
select rep_id, email
from users
where rep_id is not null and email is not null and is_active is not null and created_at is not null
qualify row_number() over (
    partition by rep_id order by source_date desc, filename desc, line_order desc
) = 1;

create temp table identity_map as
with rows as (
    select
        lower({txt("source")}) as source,
        {txt("external_id")} as external_id,
        {email("email")} as email,
        {day_of("filename")} as source_date,
        filename,
        row_number() over () as line_order
    from {csv(landing, "identity_map")}
)
select source, external_id, email
from rows
where source is not null and external_id is not null and email is not null
qualify row_number() over (
    partition by source, external_id order by source_date desc, filename desc, line_order desc
) = 1;

create temp table content_event as
with raw as (
    select
        event_id, occurred_at, user_email, asset_id, action, duration_seconds, filename
    from {csv(landing, "content_activity")}
    union all by name
    select
        event_id, occurred_at, user_email, asset_id, action, duration_seconds, filename
    from {content_json}
),
typed as (
    select
        {txt("event_id")} as event_id,
        {ts("occurred_at")} as occurred_at,
        {email("user_email")} as user_email,
        {txt("asset_id")} as asset_id,
        lower({txt("action")}) as action,
        {txt("duration_seconds")} as raw_duration,
        {whole("duration_seconds")} as duration_seconds,
        filename
    from raw
)
select event_id, occurred_at, user_email
from typed
where
    event_id is not null
    and occurred_at is not null and year(occurred_at) between 1970 and 2100
    and user_email is not null
    and asset_id is not null
    and action in ('view', 'download', 'share', 'present', 'copy_link', 'customer_view')
    and (raw_duration is null or duration_seconds >= 0)
qualify row_number() over (partition by event_id order by filename) = 1;

create temp table signin as
with okta as (
    select
        {txt("uuid")} as event_id,
        {ts("published")} as published_at,
        {txt('"eventType"')} as event_type,
        upper({txt("outcome.result")}) as result,
        lower({txt("actor.alternateId")}) as login,
        list_filter(target, lambda t: t.type = 'AppInstance')[1] as app,
        filename
    from {okta_json}
),
okta_valid as (
    select *
    from okta
    where
        event_id is not null and published_at is not null and event_type is not null
        and year(published_at) between 1970 and 2100
        and (event_type <> 'user.authentication.sso' or (login is not null and app is not null))
    qualify row_number() over (partition by event_id order by filename) = 1
),
sf as (
    select
        {txt('"Id"')} as login_id,
        {txt('"UserId"')} as user_id,
        {ts('"LoginTime"')} as login_at,
        {txt('"Status"')} as status,
        filename
    from {csv(landing, "sf_login_history")}
),
sf_valid as (
    select *
    from sf
    where
        login_id is not null and user_id is not null and status is not null
        and login_at is not null and year(login_at) between 1970 and 2100
    qualify row_number() over (partition by login_id order by filename) = 1
),
unioned as (
    select 'okta' as source, 'login' as kind, {txt("app.displayName")} as tool, published_at as signed_in_at,
        login as external_id
    from okta_valid
    where
        event_type = 'user.authentication.sso' and result = 'SUCCESS'
        and {txt("app.displayName")} is not null
    union all
    select 'sf_login_history' as source, 'crm_id' as kind, 'Salesforce' as tool, login_at, user_id
    from sf_valid
    where lower(status) = 'success'
)
select
    tool,
    {local_date("signed_in_at")} as activity_date,
    cast(date_trunc('week', {local_date("signed_in_at")}) as date) as week_start,
    external_id,
    source,
    kind
from unioned;

-- identities: resolved once per distinct (source, external id), as the pipeline's stg_identity
create temp table identity as
with observed as (
    select distinct 'content_activity' as source, 'email' as kind, user_email as external_id
    from content_event
    union all
    select distinct source, kind, external_id from signin
    union all
    select distinct 'licence_assignments', 'email', {email("user_email")}
    from {csv(landing, "licence_assignments")}
    where {email("user_email")} is not null
),
mapped as (
    select observed.*, identity_map.email as mapped_email
    from observed
    left join identity_map
        on identity_map.source = observed.source
        and (
            identity_map.external_id = observed.external_id
            or (
                observed.kind in ('login', 'email')
                and lower(trim(identity_map.external_id)) = observed.external_id
            )
        )
)
select
    mapped.source,
    mapped.external_id,
    coalesce(by_id.rep_id, by_email.rep_id, by_map.rep_id) as rep_id
from mapped
left join rep as by_id on mapped.kind = 'crm_id' and by_id.rep_id = mapped.external_id
left join rep as by_email on mapped.kind in ('email', 'login') and by_email.email = mapped.external_id
left join rep as by_map on by_map.email = mapped.mapped_email;

create temp table content_rep_week as
select
    identity.rep_id,
    cast(date_trunc('week', {local_date("content_event.occurred_at")}) as date) as week_start,
    count(*) as content_actions
from content_event
inner join identity
    on identity.source = 'content_activity' and identity.external_id = content_event.user_email
where identity.rep_id is not null
group by all;

-- seats
create temp table licence as
with rows as (
    select
        {txt("tool")} as tool,
        {whole("seats_purchased")} as seats_purchased,
        {number("annual_cost_per_seat")} as cost,
        {txt("currency")} as currency,
        {txt("renewal_date")} as raw_renewal,
        try_cast({txt("renewal_date")} as date) as renewal_date,
        {day_of("filename")} as source_date,
        filename,
        row_number() over () as line_order
    from {csv(landing, "licences")}
)
select tool, seats_purchased
from rows
where
    tool is not null and seats_purchased >= 0 and cost >= 0
    and regexp_full_match(currency, '[A-Za-z]{{3}}')
    and (raw_renewal is null or renewal_date is not null)
qualify row_number() over (
    partition by tool order by source_date desc, filename desc, line_order desc
) = 1;

create temp table assignment as
with rows as (
    select
        {txt("tool")} as tool,
        {email("user_email")} as user_email,
        {ts("assigned_at")} as assigned_at,
        {txt("unassigned_at")} as raw_unassigned,
        {ts("unassigned_at")} as unassigned_at,
        {day_of("filename")} as source_date,
        filename,
        row_number() over () as line_order
    from {csv(landing, "licence_assignments")}
),
valid as (
    select *
    from rows
    where
        tool is not null and user_email is not null and assigned_at is not null
        and (raw_unassigned is null or unassigned_at is not null)
        and (unassigned_at is null or unassigned_at >= assigned_at)
    qualify row_number() over (
        partition by tool, user_email, assigned_at
        order by source_date desc, filename desc, line_order desc
    ) = 1
)
select
    valid.tool,
    valid.user_email,
    identity.rep_id,
    {local_date("valid.assigned_at")} as assigned_date,
    {local_date("valid.unassigned_at")} as unassigned_date
from valid
left join identity on identity.source = 'licence_assignments' and identity.external_id = valid.user_email;

create temp table week as
select cast(range as date) as week_start
from range(date '{week_lo}', date '{week_hi}', interval 7 day);

create temp table seat_week as
select distinct assignment.tool, assignment.user_email, assignment.rep_id, week.week_start
from assignment
inner join week
    on assignment.assigned_date <= week.week_start + 6
    and (assignment.unassigned_date is null or assignment.unassigned_date > week.week_start + 6);

create temp table signin_resolved as
select signin.*, identity.rep_id
from signin
left join identity on identity.source = signin.source and identity.external_id = signin.external_id;

create temp table active_seat as
with by_rep as (
    select distinct tool, rep_id, week_start from signin_resolved where rep_id is not null
),
by_login as (
    select distinct tool, external_id, week_start from signin_resolved
)
select distinct seat_week.tool, seat_week.user_email, seat_week.rep_id, seat_week.week_start
from seat_week
inner join by_rep
    on by_rep.tool = seat_week.tool and by_rep.rep_id = seat_week.rep_id
    and by_rep.week_start between seat_week.week_start - 21 and seat_week.week_start
union
select distinct seat_week.tool, seat_week.user_email, seat_week.rep_id, seat_week.week_start
from seat_week
inner join by_login
    on by_login.tool = seat_week.tool and by_login.external_id = seat_week.user_email
    and by_login.week_start between seat_week.week_start - 21 and seat_week.week_start;

create temp table tool_week as
with has_data as (
    select distinct tool, week_start from signin
),
active as (
    select tool, week_start, count(*) as active_users from active_seat group by all
)
select
    licence.tool,
    week.week_start,
    case
        when has_data.tool is not null
            then cast(coalesce(active.active_users, 0) as double) / nullif(licence.seats_purchased, 0)
    end as seat_utilization
from licence
cross join week
left join has_data on has_data.tool = licence.tool and has_data.week_start = week.week_start
left join active on active.tool = licence.tool and active.week_start = week.week_start;

-- deals: newest SystemModstamp version of each valid row, deleted ones dropped
create temp table rep_quarter as
with rows as (
    select
        {txt('"Id"')} as opportunity_id,
        {txt('"OwnerId"')} as owner_id,
        {txt('"StageName"')} as stage_name,
        {txt('"Amount"')} as raw_amount,
        {number('"Amount"')} as amount,
        try_cast({txt('"CloseDate"')} as date) as close_date,
        {ts('"CreatedDate"')} as created_at,
        {boolean('"IsClosed"')} as is_closed,
        {boolean('"IsWon"')} as is_won,
        {txt('"SystemModstamp"')} as raw_modstamp,
        {ts('"SystemModstamp"')} as system_modstamp,
        {txt(deleted)} as raw_deleted,
        {boolean(deleted)} as is_deleted,
        {day_of("filename")} as source_date,
        filename,
        row_number() over () as line_order
    from {csv(landing, "opportunities")}
),
valid as (
    select *
    from rows
    where
        opportunity_id is not null and owner_id is not null and stage_name is not null
        and (raw_amount is null or amount >= 0)
        and close_date is not null and year(close_date) between 1970 and 2100
        and created_at is not null and year(created_at) between 1970 and 2100
        and is_closed is not null and is_won is not null
        and (raw_modstamp is null or system_modstamp is not null)
        and (raw_deleted is null or is_deleted is not null)
        and close_date >= cast(created_at as date) - 1
        and not (is_won and not is_closed)
    qualify row_number() over (
        partition by opportunity_id
        order by system_modstamp desc nulls last, source_date desc, filename desc, line_order desc
    ) = 1
)
select
    owner_id as rep_id,
    cast(date_trunc('quarter', close_date) as date) as quarter_start,
    count(case when is_won then 1 end) as wins,
    count(case when not is_won then 1 end) as losses,
    cast(count(case when is_won then 1 end) as double) / count(*) as win_rate
from valid
where is_closed and not coalesce(is_deleted, false) and date_trunc('quarter', close_date) < date '{end}'
group by all;
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("landing", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--start", type=date.fromisoformat, required=True)
    parser.add_argument("--end", type=date.fromisoformat, required=True)
    parser.add_argument("--tz", default="UTC")
    parser.add_argument("--threads", type=int, default=0, help="DuckDB threads (0 = all cores)")
    args = parser.parse_args()
    started = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    if args.threads:
        con.execute(f"set threads = {args.threads}")
    landing = args.landing.resolve()
    header = con.execute(f"select * from {csv(landing, 'opportunities')} limit 0").description
    has_deleted = any(column[0].lower() == "isdeleted" for column in header)
    con.execute(script(landing, args.start, args.end, args.tz, has_deleted))
    for table in ("content_rep_week", "tool_week", "rep_quarter"):
        con.execute(f"copy {table} to '{args.out / table}.parquet' (format parquet)")
    print(f"bare duckdb: {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
