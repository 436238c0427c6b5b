-- grain: one row per tool per assigned user (licence e-mail) per ISO week of the build window
-- materialized: incremental
-- A seat counts in week W when it was assigned by W's last day and not unassigned by then.
-- Its sign-ins are the assignee's own successful sign-ins to the tool: matched by the CRM user,
-- or by the login itself when the assignee is not a CRM user. An inactive seat is held by an
-- eligible seller with no sign-in in the trailing 28 days (leavers, people on leave and new
-- hires inside the ramp grace are not eligible). has_data is false when the tool's sign-in
-- sources sent nothing in W: the sign-in columns are then null (unknown), never 0.
with

assignment as (
    select * from {{ ref('stg_licence_assignment') }}
),

signin as not materialized (
    -- (read three times: DuckDB would otherwise keep every sign-in in memory)
    select * from {{ ref('fct_tool_signin') }}
),

rep_week_status as (
    select * from {{ ref('int_rep_week_status') }}
),

tool as (
    select * from {{ ref('dim_tool') }}
),

week as (
    {{ build_weeks() }}
),

seat_week as (
    -- one row per seat even when a user's assignments overlap
    select distinct
        assignment.tool,
        assignment.user_email,
        assignment.rep_id,
        week.week_start
    from assignment
    inner join week
        on
            assignment.assigned_date <= week.week_start + 6
            and (assignment.unassigned_date is null or assignment.unassigned_date > week.week_start + 6)
),

tool_week_data as (
    select distinct
        signin.tool,
        signin.week_start
    from signin
    inner join week on week.week_start = signin.week_start
),

seat as (
    -- an e-mail's rep (from the identity map) is the same in every one of its assignments
    select distinct
        tool,
        user_email,
        rep_id
    from assignment
),

seat_signin_day as (
    -- the assignee's own sign-in days in or up to 21 days before the build window: matched by
    -- the CRM user, or by the login itself (two equi-joins: an OR in the join condition makes
    -- the engine compare every seat with every sign-in to the tool)
    select
        seat.tool,
        seat.user_email,
        signin.activity_date
    from seat
    inner join signin
        on signin.tool = seat.tool and signin.rep_id = seat.rep_id
    where signin.activity_date >= cast(:week_lo as date) - 21 and signin.activity_date < :week_hi
    union
    select
        seat.tool,
        seat.user_email,
        signin.activity_date
    from seat
    inner join signin
        on signin.tool = seat.tool and signin.external_id = seat.user_email
    where signin.activity_date >= cast(:week_lo as date) - 21 and signin.activity_date < :week_hi
),

seat_signin_week as (
    -- days counted once (the union above is distinct), per seat and ISO week
    select
        tool,
        user_email,
        {{ week_of('activity_date') }} as signin_week,
        count(*) as signin_days
    from seat_signin_day
    group by tool, user_email, signin_week
),

seat_signin as (
    -- the 28 days of week W are the ISO weeks W - 21, W - 14, W - 7 and W: each week's days
    -- count towards itself and the three weeks after it (equi-joins, no range join over
    -- seat-weeks, which at scale L held 134M seat-week days)
    select
        seat_signin_week.tool,
        seat_signin_week.user_email,
        seat_signin_week.signin_week + later.days as week_start,
        sum(seat_signin_week.signin_days) as signin_days_28d,
        sum(case when later.days = 0 then seat_signin_week.signin_days else 0 end) as signin_days_week
    from seat_signin_week
    cross join (values (0), (7), (14), (21)) as later (days)
    group by seat_signin_week.tool, seat_signin_week.user_email, seat_signin_week.signin_week + later.days
),

joined as (
    select
        seat_week.tool,
        seat_week.user_email,
        seat_week.rep_id,
        rep_week_status.manager_id,
        seat_week.week_start,
        coalesce(rep_week_status.is_seller, false) as is_seller,
        coalesce(rep_week_status.is_eligible, false) as is_eligible,
        tool_week_data.tool is not null as has_data,
        coalesce(seat_signin.signin_days_28d, 0) as signin_days_28d,
        coalesce(seat_signin.signin_days_week, 0) as signin_days_week,
        tool.annual_cost_per_seat
    from seat_week
    left join rep_week_status
        on rep_week_status.rep_id = seat_week.rep_id and rep_week_status.week_start = seat_week.week_start
    left join tool_week_data
        on tool_week_data.tool = seat_week.tool and tool_week_data.week_start = seat_week.week_start
    left join seat_signin
        on
            seat_signin.tool = seat_week.tool
            and seat_signin.user_email = seat_week.user_email
            and seat_signin.week_start = seat_week.week_start
    left join tool on tool.tool = seat_week.tool
),

final as (
    select
        tool,
        user_email,
        rep_id,
        manager_id,
        week_start,
        is_seller,
        is_eligible,
        has_data,
        case when has_data then signin_days_week end as signin_days_week,
        case when has_data then signin_days_28d end as signin_days_28d,
        case when has_data then signin_days_week > 0 end as is_active_week,
        case when has_data then signin_days_28d > 0 end as is_active_28d,
        case when has_data then is_eligible and signin_days_28d = 0 end as is_inactive_seat,
        annual_cost_per_seat
    from joined
)

select * from final
