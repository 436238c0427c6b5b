-- grain: one row per ISO week (organisation level)
-- materialized: incremental
-- The headline numbers behind the verdict and the scorecard. Rates are over eligible sellers;
-- tool numbers cover licensed tools whose sign-in source sent data that week ("no data" else).
with

week as (
    {{ build_weeks() }}
),

status as (
    select * from {{ ref('int_rep_week_status') }}
    where week_start >= :week_lo and week_start < :week_hi
),

content as (
    select * from {{ ref('mart_content_week') }}
    where week_start >= :week_lo and week_start < :week_hi
),

rep_training as (
    select * from {{ ref('mart_rep_training_week') }}
    where week_start >= :week_lo and week_start < :week_hi
),

tool_seats as (
    select * from {{ ref('mart_tool_seats') }}
    where week_start >= :week_lo and week_start < :week_hi
),

eligible as (
    select
        week_start,
        count(*) as eligible_sellers
    from status
    where is_eligible
    group by week_start
),

training as (
    select
        rep_training.week_start,
        cast(sum(case when rep_training.is_training_active then 1 else 0 end) as bigint)
            as training_active_sellers,
        cast(sum(rep_training.assignments_due) as bigint) as assignments_due,
        cast(sum(rep_training.completed_on_time) as bigint) as completed_on_time,
        cast(sum(rep_training.overdue) as bigint) as overdue_assignments
    from rep_training
    inner join status
        on status.rep_id = rep_training.rep_id and status.week_start = rep_training.week_start
    where status.is_eligible
    group by rep_training.week_start
),

tools as (
    select
        week_start,
        cast(sum(case when has_data then 1 else 0 end) as bigint) as tools_with_data,
        cast(sum(case when has_data then 0 else 1 end) as bigint) as tools_without_data,
        cast(sum(case when has_data then active_users end) as bigint) as active_users,
        cast(sum(case when has_data then seats_purchased end) as bigint) as seats_purchased,
        cast(sum(case when has_data then reclaimable_annual_spend end) as double precision)
            as reclaimable_annual_spend
    from tool_seats
    group by week_start
),

final as (
    select
        week.week_start,
        :metric_version as metric_version,
        coalesce(eligible.eligible_sellers, 0) as eligible_sellers,
        content.content_active_sellers,
        content.content_active_rate,
        content.asset_utilisation,
        content.shelfware_assets,
        training.training_active_sellers,
        cast(training.training_active_sellers as double precision)
        / nullif(eligible.eligible_sellers, 0) as training_active_rate,
        training.assignments_due,
        training.completed_on_time,
        cast(training.completed_on_time as double precision)
        / nullif(training.assignments_due, 0) as compliance_rate,
        training.overdue_assignments,
        coalesce(tools.tools_with_data, 0) as tools_with_data,
        coalesce(tools.tools_without_data, 0) as tools_without_data,
        tools.active_users as tool_active_users,
        tools.seats_purchased,
        cast(tools.active_users as double precision) / nullif(tools.seats_purchased, 0) as seat_utilization,
        tools.reclaimable_annual_spend
    from week
    left join eligible on eligible.week_start = week.week_start
    left join content on content.week_start = week.week_start
    left join training on training.week_start = week.week_start
    left join tools on tools.week_start = week.week_start
)

select * from final
