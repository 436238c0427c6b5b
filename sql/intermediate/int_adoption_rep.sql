-- grain: one row per seller eligible in the as-of week (the build window's last ISO week)
-- materialized: table
-- The population and rep-level outcomes for adoption versus performance (SPEC section 5). The
-- trailing quarter is the 13 ISO weeks ending the as-of week A (the build window's last week): days
-- [A - 84, A + 6]. Tenure is counted at A's end. Outcomes from the deals closed in the quarter:
-- win rate (won / closed, null without a closed deal), average won deal size and median cycle
-- days of won deals (null without a win), and attainment = bookings / the quota of the quota
-- periods overlapping the quarter, each pro-rated to the days it overlaps (null without quota).
-- engagement_quartile is that of mart_rep_week in A.
with

as_of as (
    select
        cast(:week_hi as date) - 7 as as_of_week_start,
        cast(:week_hi as date) - 91 as period_start,
        cast(:week_hi as date) - 1 as period_end
),

rep_status as (
    select * from {{ ref('int_rep_week_status') }}
),

opportunity as (
    select * from {{ ref('fct_opportunity') }}
    where is_closed
),

quota as (
    select * from {{ source('raw_crm_quota') }}
),

rep_week as (
    select * from {{ ref('mart_rep_week') }}
),

population as (
    select
        rep_status.rep_id,
        rep_status.manager_id,
        rep_status.hire_date,
        as_of.as_of_week_start,
        as_of.period_start,
        as_of.period_end,
        as_of.period_end - rep_status.hire_date as tenure_days
    from rep_status
    inner join as_of on as_of.as_of_week_start = rep_status.week_start
    where rep_status.is_eligible
),

deal as (
    select
        population.rep_id,
        count(*) as closed_n,
        count(case when opportunity.is_won then 1 end) as won_n,
        sum(case when opportunity.is_won then opportunity.amount end) as bookings,
        avg(case when opportunity.is_won then opportunity.amount end) as avg_won_deal_size,
        percentile_cont(0.5) within group (
            order by case when opportunity.is_won then opportunity.cycle_days end
        ) as median_cycle_days
    from population
    inner join opportunity
        on
            opportunity.rep_id = population.rep_id
            and opportunity.close_date >= population.period_start
            and opportunity.close_date <= population.period_end
    group by population.rep_id
),

quota_period as (
    select
        owner_id as rep_id,
        start_date,
        cast(start_date + :quota_months * interval '1 month' as date) - 1 as end_date,
        quota_amount
    from quota
),

rep_quota as (
    -- each overlapping quota counts for the share of its days that fall in the quarter
    select
        population.rep_id,
        sum(
            quota_period.quota_amount
            * (
                least(quota_period.end_date, population.period_end)
                - greatest(quota_period.start_date, population.period_start) + 1
            )
            / cast(quota_period.end_date - quota_period.start_date + 1 as double precision)
        ) as quota
    from population
    inner join quota_period
        on
            quota_period.rep_id = population.rep_id
            and quota_period.start_date <= population.period_end
            and quota_period.end_date >= population.period_start
    group by population.rep_id
),

final as (
    select
        population.rep_id,
        population.manager_id,
        population.as_of_week_start,
        population.period_start,
        population.period_end,
        population.hire_date,
        population.tenure_days,
        case
            when population.tenure_days < 182 then 'tenure_lt_6m'
            when population.tenure_days <= 547 then 'tenure_6_18m'
            else 'tenure_gt_18m'
        end as tenure_band,
        coalesce(deal.closed_n, 0) as closed_n,
        coalesce(deal.won_n, 0) as won_n,
        cast(deal.won_n as double precision) / nullif(deal.closed_n, 0) as win_rate,
        cast(coalesce(deal.bookings, 0) as double precision) as bookings,
        cast(rep_quota.quota as double precision) as quota,
        cast(coalesce(deal.bookings, 0) as double precision) / nullif(rep_quota.quota, 0) as attainment,
        cast(deal.avg_won_deal_size as double precision) as avg_won_deal_size,
        cast(deal.median_cycle_days as double precision) as median_cycle_days,
        rep_week.engagement_quartile
    from population
    left join deal on deal.rep_id = population.rep_id
    left join rep_quota on rep_quota.rep_id = population.rep_id
    left join rep_week
        on
            rep_week.rep_id = population.rep_id
            and rep_week.week_start = population.as_of_week_start
)

select * from final
