-- grain: one row per rep per ISO week, from the first week with activity to the build's end
-- materialized: table
-- Who counts in week W (SPEC section 4): a seller is an active CRM user with a quota covering
-- W or a title in the configured list; eligible to be flagged or named when active, not on
-- leave or terminated at any time during W, and hired at least :ramp_grace_days before W starts.
with

rep as (
    select * from {{ ref('stg_rep') }}
),

hr_status as (
    select * from {{ source('raw_hr_status') }}
),

quota as (
    select * from {{ source('raw_crm_quota') }}
),

first_activity as (
    -- trailing windows (90 days, quarters) of any later week need the status of older weeks
    select min(week_start) as week_start
    from (
        select min(week_start) as week_start from {{ ref('fct_content_activity') }}
        union all
        select min(week_start) as week_start from {{ ref('fct_learning_statement') }}
        union all
        select min(week_start) as week_start from {{ ref('fct_tool_signin') }}
        union all
        select min(created_week_start) as week_start from {{ ref('fct_opportunity') }}
        union all
        select cast(:week_lo as date) as week_start
    ) as activity
),

week as (
    select cast(series.week_at as date) as week_start
    from first_activity
    cross join generate_series(
        cast(first_activity.week_start as timestamp),
        cast(:week_hi as timestamp) - interval '7 days',
        interval '7 days'
    ) as series (week_at)
),

rep_week as (
    select
        rep.rep_id,
        rep.manager_id,
        rep.email,
        rep.title,
        rep.is_active,
        rep.hire_date,
        rep.has_seller_title,
        week.week_start,
        week.week_start + 6 as week_end
    from rep
    cross join week
),

away as (
    -- leave or termination overlapping the week
    select
        rep_week.rep_id,
        rep_week.week_start,
        max(case when hr_status.employment_status = 'leave' then 1 else 0 end) as on_leave,
        max(case when hr_status.employment_status = 'terminated' then 1 else 0 end) as terminated,
        min(case when hr_status.employment_status = 'terminated' then hr_status.status_start end)
            as terminated_on
    from rep_week
    inner join hr_status
        on
            hr_status.email = rep_week.email
            and hr_status.employment_status in ('leave', 'terminated')
            and hr_status.status_start <= rep_week.week_end
            and coalesce(hr_status.status_end, rep_week.week_start) >= rep_week.week_start
    group by rep_week.rep_id, rep_week.week_start
),

later_termination as (
    -- an inactive CRM user with a termination after W was still employed in W
    select
        rep_week.rep_id,
        rep_week.week_start
    from rep_week
    inner join hr_status
        on
            hr_status.email = rep_week.email
            and hr_status.employment_status = 'terminated'
            and hr_status.status_start > rep_week.week_end
    group by rep_week.rep_id, rep_week.week_start
),

quota_week as (
    select
        rep_week.rep_id,
        rep_week.week_start,
        sum(quota.quota_amount) as quota_amount
    from rep_week
    inner join quota
        on
            quota.owner_id = rep_week.rep_id
            and quota.start_date <= rep_week.week_end
            and quota.start_date + :quota_months * interval '1 month' > rep_week.week_start
    group by rep_week.rep_id, rep_week.week_start
),

flags as (
    select
        rep_week.rep_id,
        rep_week.manager_id,
        rep_week.week_start,
        rep_week.hire_date,
        rep_week.hire_date <= rep_week.week_end
        and (rep_week.is_active or later_termination.rep_id is not null)
        and coalesce(away.terminated, 0) = 0 as is_active,
        coalesce(away.on_leave, 0) = 1 as is_on_leave,
        coalesce(away.terminated, 0) = 1 as is_terminated,
        rep_week.hire_date <= rep_week.week_start - :ramp_grace_days as is_past_ramp,
        quota_week.rep_id is not null as has_quota,
        rep_week.has_seller_title
    from rep_week
    left join away
        on away.rep_id = rep_week.rep_id and away.week_start = rep_week.week_start
    left join later_termination
        on later_termination.rep_id = rep_week.rep_id and later_termination.week_start = rep_week.week_start
    left join quota_week
        on quota_week.rep_id = rep_week.rep_id and quota_week.week_start = rep_week.week_start
),

final as (
    select
        rep_id,
        manager_id,
        week_start,
        hire_date,
        is_active,
        is_on_leave,
        is_terminated,
        is_past_ramp,
        has_quota,
        is_active and (has_quota or has_seller_title) as is_seller,
        is_active and (has_quota or has_seller_title)
        and not is_on_leave and not is_terminated and is_past_ramp as is_eligible
    from flags
)

select * from final
