-- grain: one row per manager per ISO week (manager_id, week_start)
-- materialized: incremental
-- Team roll-up of mart_rep_week and mart_rep_training_week over the manager's sellers in W
-- (manager_id null gathers sellers without a manager). Rates, training counts and the average
-- engagement index count eligible sellers only, so leavers, people on leave and new hires in the
-- ramp grace are never in a denominator. Bookings are every seller's; quota and attainment cover
-- sellers with a quota (their period-to-date bookings / their quotas), null when none has one.
-- Tool columns are null when no sign-in arrived from any source in W.
with

rep_week as (
    select * from {{ ref('mart_rep_week') }}
    where week_start >= :week_lo and week_start < :week_hi
),

training as (
    select * from {{ ref('mart_rep_training_week') }}
    where week_start >= :week_lo and week_start < :week_hi
),

manager as (
    select * from {{ ref('dim_rep') }}
),

seller as (
    select
        rep_week.*,
        coalesce(training.completed_on_time, 0) as completed_on_time,
        coalesce(training.assignments_due, 0) as assignments_due,
        coalesce(training.overdue, 0) as overdue,
        coalesce(training.is_training_active, false) as is_training_active
    from rep_week
    left join training
        on training.rep_id = rep_week.rep_id and training.week_start = rep_week.week_start
),

team as (
    select
        manager_id,
        week_start,
        count(*) as sellers,
        count(case when is_eligible then 1 end) as eligible_sellers,
        count(case when is_eligible and content_actions > 0 then 1 end) as content_active_sellers,
        count(case when is_eligible and is_training_active then 1 end) as training_active_sellers,
        bool_or(has_tool_data) as has_tool_data,
        count(case when is_eligible and tool_active_days > 0 then 1 end) as tool_active_sellers,
        sum(case when is_eligible then assignments_due else 0 end) as assignments_due,
        sum(case when is_eligible then completed_on_time else 0 end) as completed_on_time,
        sum(case when is_eligible then overdue else 0 end) as overdue,
        sum(bookings) as bookings,
        sum(quota) as quota,
        sum(case when quota is not null then bookings_period_to_date end) as bookings_period_to_date,
        avg(case when is_eligible then engagement_index end) as avg_engagement_index
    from seller
    group by manager_id, week_start
),

final as (
    select
        team.manager_id,
        manager.rep_name as manager_name,
        team.week_start,
        team.sellers,
        team.eligible_sellers,
        team.content_active_sellers,
        cast(team.content_active_sellers as double precision) / nullif(team.eligible_sellers, 0)
            as content_active_rate,
        team.training_active_sellers,
        cast(team.training_active_sellers as double precision) / nullif(team.eligible_sellers, 0)
            as training_active_rate,
        team.has_tool_data,
        case when team.has_tool_data then team.tool_active_sellers end as tool_active_sellers,
        case
            when team.has_tool_data
                then cast(team.tool_active_sellers as double precision) / nullif(team.eligible_sellers, 0)
        end as tool_active_rate,
        team.assignments_due,
        team.completed_on_time,
        team.overdue,
        cast(team.completed_on_time as double precision) / nullif(team.assignments_due, 0) as compliance_rate,
        team.bookings,
        team.quota,
        team.bookings_period_to_date,
        team.bookings_period_to_date / nullif(team.quota, 0) as attainment,
        team.avg_engagement_index
    from team
    left join manager on manager.rep_id = team.manager_id
)

select * from final
