-- grain: one row per seller per ISO week (rep_id, week_start)
-- materialized: incremental
-- Activity and performance of each rep who is a seller in W, and the engagement index (SPEC
-- section 5): for eligible sellers only, 100 x the mean of their percent ranks among that week's
-- eligible sellers on customer-facing content actions (trailing 28 days), training compliance and
-- tool active-day rate (trailing 28 days), a null component skipped; quartiles by ntile (ties
-- broken by rep_id so both engines agree). Quota is that of the quota period holding the week's
-- Sunday; without a quota, the calendar month or quarter of the quota period setting gives the
-- period-to-date bookings and attainment is null. Trailing windows read all history in the facts.
-- Sign-ins are "no data" (null) when no sign-in at all arrived from any source in the window.
with

rep_status as (
    select * from {{ ref('int_rep_week_status') }}
    where is_seller and week_start >= :week_lo and week_start < :week_hi
),

content_activity as (
    select * from {{ ref('fct_content_activity') }}
    where activity_date >= cast(:week_lo as date) - 27 and activity_date < cast(:week_hi as date)
),

tool_signin as (
    select * from {{ ref('fct_tool_signin') }}
    where activity_date >= cast(:week_lo as date) - 27 and activity_date < cast(:week_hi as date)
),

opportunity as (
    select * from {{ ref('fct_opportunity') }}
),

quota as (
    select * from {{ source('raw_crm_quota') }}
),

training as (
    select * from {{ ref('mart_rep_training_week') }}
    where week_start >= :week_lo and week_start < :week_hi
),

seller_week as (
    select
        rep_id,
        manager_id,
        week_start,
        week_start + 6 as week_end,
        hire_date,
        is_eligible
    from rep_status
),

content_week as (
    select
        seller_week.rep_id,
        seller_week.week_start,
        count(case when content_activity.week_start = seller_week.week_start then 1 end) as content_actions,
        count(
            case
                when content_activity.week_start = seller_week.week_start and content_activity.is_customer_facing
                    then 1
            end
        ) as customer_facing_actions,
        count(
            distinct case when content_activity.week_start = seller_week.week_start then content_activity.asset_id end
        ) as distinct_assets,
        count(case when content_activity.is_customer_facing then 1 end) as customer_facing_actions_28d
    from seller_week
    inner join content_activity
        on
            content_activity.rep_id = seller_week.rep_id
            and content_activity.activity_date >= seller_week.week_end - 27
            and content_activity.activity_date <= seller_week.week_end
    group by seller_week.rep_id, seller_week.week_start
),

signin_day as (
    select distinct
        rep_id,
        activity_date
    from tool_signin
    where rep_id is not null
),

tool_week as (
    select
        seller_week.rep_id,
        seller_week.week_start,
        count(case when signin_day.activity_date >= seller_week.week_start then 1 end) as tool_active_days,
        count(*) as tool_active_days_28d
    from seller_week
    inner join signin_day
        on
            signin_day.rep_id = seller_week.rep_id
            and signin_day.activity_date >= seller_week.week_end - 27
            and signin_day.activity_date <= seller_week.week_end
    group by seller_week.rep_id, seller_week.week_start
),

week_with_signins as (
    -- whether any source sent a sign-in in the week, and in the trailing 28 days
    select
        week.week_start,
        count(case when tool_signin.activity_date >= week.week_start then 1 end) > 0 as has_tool_data,
        count(tool_signin.signin_id) > 0 as has_tool_data_28d
    from (select distinct week_start from seller_week) as week
    left join tool_signin
        on
            tool_signin.activity_date >= week.week_start + 6 - 27
            and tool_signin.activity_date <= week.week_start + 6
    group by week.week_start
),

deal_week as (
    select
        seller_week.rep_id,
        seller_week.week_start,
        sum(
            case when opportunity.is_won and opportunity.close_week_start = seller_week.week_start then opportunity.amount end
        ) as bookings,
        count(case when opportunity.is_won and opportunity.close_week_start = seller_week.week_start then 1 end) as wins,
        count(case when opportunity.is_lost and opportunity.close_week_start = seller_week.week_start then 1 end)
            as losses,
        count(
            case
                when
                    opportunity.created_date <= seller_week.week_end
                    and (not opportunity.is_closed or opportunity.close_date > seller_week.week_end)
                    then 1
            end
        ) as open_opportunities
    from seller_week
    inner join opportunity on opportunity.rep_id = seller_week.rep_id
    group by seller_week.rep_id, seller_week.week_start
),

quota_week as (
    -- the quota period holding the week's Sunday
    select
        seller_week.rep_id,
        seller_week.week_start,
        min(quota.start_date) as period_start,
        sum(quota.quota_amount) as quota
    from seller_week
    inner join quota
        on
            quota.owner_id = seller_week.rep_id
            and quota.start_date <= seller_week.week_end
            and quota.start_date + :quota_months * interval '1 month' > seller_week.week_end
    group by seller_week.rep_id, seller_week.week_start
),

period_week as (
    select
        seller_week.rep_id,
        seller_week.week_start,
        seller_week.week_end,
        quota_week.quota,
        coalesce(
            quota_week.period_start,
            case
                when :quota_months = 1 then cast(date_trunc('month', seller_week.week_end) as date)
                else cast(date_trunc('quarter', seller_week.week_end) as date)
            end
        ) as period_start
    from seller_week
    left join quota_week
        on quota_week.rep_id = seller_week.rep_id and quota_week.week_start = seller_week.week_start
),

period_bookings as (
    select
        period_week.rep_id,
        period_week.week_start,
        sum(opportunity.amount) as bookings_period_to_date
    from period_week
    inner join opportunity
        on
            opportunity.rep_id = period_week.rep_id
            and opportunity.is_won
            and opportunity.close_date >= period_week.period_start
            and opportunity.close_date <= period_week.week_end
    group by period_week.rep_id, period_week.week_start
),

assembled as (
    select
        seller_week.rep_id,
        seller_week.manager_id,
        seller_week.week_start,
        true as is_seller,
        seller_week.is_eligible,
        seller_week.week_start - seller_week.hire_date as tenure_days,
        coalesce(content_week.content_actions, 0) as content_actions,
        coalesce(content_week.customer_facing_actions, 0) as customer_facing_actions,
        coalesce(content_week.distinct_assets, 0) as distinct_assets,
        coalesce(training.learning_statements, 0) as learning_statements,
        coalesce(training.completions, 0) as completions,
        week_with_signins.has_tool_data,
        case when week_with_signins.has_tool_data then coalesce(tool_week.tool_active_days, 0) end
            as tool_active_days,
        coalesce(deal_week.bookings, 0) as bookings,
        coalesce(deal_week.wins, 0) as wins,
        coalesce(deal_week.losses, 0) as losses,
        period_week.quota,
        period_week.period_start,
        coalesce(period_bookings.bookings_period_to_date, 0) as bookings_period_to_date,
        coalesce(period_bookings.bookings_period_to_date, 0) / nullif(period_week.quota, 0) as attainment,
        coalesce(deal_week.open_opportunities, 0) as open_opportunities,
        coalesce(content_week.customer_facing_actions_28d, 0) as customer_facing_actions_28d,
        case
            when week_with_signins.has_tool_data_28d
                then cast(coalesce(tool_week.tool_active_days_28d, 0) as double precision) / 28
        end as tool_active_day_rate_28d,
        training.compliance_rate
    from seller_week
    inner join week_with_signins on week_with_signins.week_start = seller_week.week_start
    inner join period_week
        on period_week.rep_id = seller_week.rep_id and period_week.week_start = seller_week.week_start
    left join content_week
        on content_week.rep_id = seller_week.rep_id and content_week.week_start = seller_week.week_start
    left join tool_week
        on tool_week.rep_id = seller_week.rep_id and tool_week.week_start = seller_week.week_start
    left join deal_week
        on deal_week.rep_id = seller_week.rep_id and deal_week.week_start = seller_week.week_start
    left join period_bookings
        on period_bookings.rep_id = seller_week.rep_id and period_bookings.week_start = seller_week.week_start
    left join training
        on training.rep_id = seller_week.rep_id and training.week_start = seller_week.week_start
),

ranked as (
    -- percent ranks among the week's eligible sellers that have the component
    select
        rep_id,
        week_start,
        case
            when customer_facing_actions_28d is not null
                then percent_rank() over (
                    partition by week_start, customer_facing_actions_28d is null
                    order by customer_facing_actions_28d
                )
        end as content_rank,
        case
            when compliance_rate is not null
                then percent_rank() over (
                    partition by week_start, compliance_rate is null
                    order by compliance_rate
                )
        end as compliance_rank,
        case
            when tool_active_day_rate_28d is not null
                then percent_rank() over (
                    partition by week_start, tool_active_day_rate_28d is null
                    order by tool_active_day_rate_28d
                )
        end as tool_rank
    from assembled
    where is_eligible
),

indexed as (
    select
        rep_id,
        week_start,
        content_rank,
        compliance_rank,
        tool_rank,
        100 * (coalesce(content_rank, 0) + coalesce(compliance_rank, 0) + coalesce(tool_rank, 0))
        / nullif(
            case when content_rank is null then 0 else 1 end
            + case when compliance_rank is null then 0 else 1 end
            + case when tool_rank is null then 0 else 1 end,
            0
        ) as engagement_index
    from ranked
),

quartiled as (
    select
        rep_id,
        week_start,
        content_rank,
        compliance_rank,
        tool_rank,
        engagement_index,
        case
            when engagement_index is not null
                then ntile(4) over (
                    partition by week_start, engagement_index is null
                    order by engagement_index, rep_id
                )
        end as engagement_quartile
    from indexed
),

final as (
    select
        assembled.*,
        quartiled.content_rank,
        quartiled.compliance_rank,
        quartiled.tool_rank,
        quartiled.engagement_index,
        quartiled.engagement_quartile
    from assembled
    left join quartiled
        on quartiled.rep_id = assembled.rep_id and quartiled.week_start = assembled.week_start
)

select * from final
