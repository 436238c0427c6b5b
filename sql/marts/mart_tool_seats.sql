-- grain: one row per licensed tool per ISO week
-- materialized: incremental
-- Seat use per tool (SPEC section 5, Tools). Active users are assigned users with a successful
-- sign-in in the trailing 28 days (monthly_active) or in the week (weekly_active); stickiness is
-- their ratio. has_data is false when the tool's sign-in sources sent nothing in W: every
-- sign-in based figure is then null ("no data"), never 0. Transitions count the week's sellers
-- by their sign-ins to the tool, assigned a seat or not (see the mart contract).
with

tool as (
    select * from {{ ref('dim_tool') }}
    where is_licensed
),

seat as (
    select * from {{ ref('int_tool_seat_week') }}
    where week_start >= :week_lo and week_start < :week_hi
),

signin as (
    select * from {{ ref('fct_tool_signin') }}
),

rep_week_status as (
    select * from {{ ref('int_rep_week_status') }}
    where week_start >= :week_lo and week_start < :week_hi
),

week as (
    {{ build_weeks() }}
),

tool_week as (
    select
        tool.tool,
        week.week_start,
        tool.seats_purchased,
        tool.annual_cost_per_seat,
        tool.currency
    from tool
    cross join week
),

has_signin as (
    select distinct
        tool,
        week_start
    from signin
    where week_start >= :week_lo and week_start < :week_hi
),

seat_count as (
    select
        tool,
        week_start,
        count(*) as assigned_seats,
        count(case when is_active_28d then 1 end) as active_users,
        count(case when is_inactive_seat then 1 end) as inactive_seats,
        count(case when is_active_week then 1 end) as weekly_active
    from seat
    group by tool, week_start
),

-- Each seller's sign-in weeks to a tool near the built weeks, and the first week they ever
-- signed in (was the seller active before the week before W?): one row per seller, tool and
-- week, not their whole history.
rep_tool_week as (
    select distinct
        tool,
        rep_id,
        week_start
    from signin
    where rep_id is not null and week_start >= cast(:week_lo as date) - 7 and week_start < :week_hi
),

rep_tool_first as (
    select
        tool,
        rep_id,
        min(week_start) as first_week_start
    from signin
    where rep_id is not null
    group by tool, rep_id
),

seller_history as (
    select
        tool_week.tool,
        tool_week.week_start,
        rep_week_status.rep_id,
        case when this_week.rep_id is not null then 1 else 0 end as is_active,
        case when last_week.rep_id is not null then 1 else 0 end as was_active_last_week,
        case when rep_tool_first.first_week_start < tool_week.week_start - 7 then 1 else 0 end
            as was_active_earlier
    from tool_week
    inner join rep_week_status
        on rep_week_status.week_start = tool_week.week_start and rep_week_status.is_seller
    left join rep_tool_week as this_week
        on
            this_week.tool = tool_week.tool
            and this_week.rep_id = rep_week_status.rep_id
            and this_week.week_start = tool_week.week_start
    left join rep_tool_week as last_week
        on
            last_week.tool = tool_week.tool
            and last_week.rep_id = rep_week_status.rep_id
            and last_week.week_start = tool_week.week_start - 7
    left join rep_tool_first
        on rep_tool_first.tool = tool_week.tool and rep_tool_first.rep_id = rep_week_status.rep_id
),

transition as (
    select
        tool,
        week_start,
        count(case when is_active = 1 and was_active_last_week = 0 and was_active_earlier = 0 then 1 end)
            as new_users,
        count(case when is_active = 1 and was_active_last_week = 1 then 1 end) as retained_users,
        count(case when is_active = 1 and was_active_last_week = 0 and was_active_earlier = 1 then 1 end)
            as reactivated_users,
        count(case when is_active = 0 and was_active_last_week = 1 then 1 end) as lapsed_users
    from seller_history
    group by tool, week_start
),

measured as (
    select
        tool_week.tool,
        tool_week.week_start,
        tool_week.seats_purchased,
        tool_week.annual_cost_per_seat,
        tool_week.currency,
        has_signin.tool is not null as has_data,
        coalesce(seat_count.assigned_seats, 0) as assigned_seats,
        coalesce(seat_count.active_users, 0) as active_users,
        coalesce(seat_count.inactive_seats, 0) as inactive_seats,
        coalesce(seat_count.weekly_active, 0) as weekly_active,
        greatest(tool_week.seats_purchased - coalesce(seat_count.assigned_seats, 0), 0) as unassigned_seats,
        coalesce(transition.new_users, 0) as new_users,
        coalesce(transition.retained_users, 0) as retained_users,
        coalesce(transition.reactivated_users, 0) as reactivated_users,
        coalesce(transition.lapsed_users, 0) as lapsed_users
    from tool_week
    left join has_signin
        on has_signin.tool = tool_week.tool and has_signin.week_start = tool_week.week_start
    left join seat_count
        on seat_count.tool = tool_week.tool and seat_count.week_start = tool_week.week_start
    left join transition
        on transition.tool = tool_week.tool and transition.week_start = tool_week.week_start
),

final as (
    select
        tool,
        week_start,
        seats_purchased,
        assigned_seats,
        case when has_data then active_users end as active_users,
        case when has_data then inactive_seats end as inactive_seats,
        unassigned_seats,
        case when has_data then cast(active_users as double precision) / nullif(seats_purchased, 0) end
            as seat_utilization,
        case when has_data then (inactive_seats + unassigned_seats) * annual_cost_per_seat end
            as reclaimable_annual_spend,
        annual_cost_per_seat,
        currency,
        has_data,
        case when has_data then weekly_active end as weekly_active,
        case when has_data then active_users end as monthly_active,
        case when has_data then cast(weekly_active as double precision) / nullif(active_users, 0) end
            as stickiness,
        case when has_data then new_users end as new_users,
        case when has_data then retained_users end as retained_users,
        case when has_data then reactivated_users end as reactivated_users,
        case when has_data then lapsed_users end as lapsed_users
    from measured
)

select * from final
