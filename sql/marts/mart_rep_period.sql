-- grain: one row per rep per calendar period (period_type 'month' or 'quarter', period_start)
-- materialized: table
-- Performance per rep (SPEC section 5): bookings and deals by CloseDate, pipeline by created
-- date, quota from ForecastingQuota. A rep has a row for every period in which they were a seller
-- in a built week, owned a deal created or closed, or had a quota starting; periods start before
-- :end_date and read all history. Quotas last :quota_months months: a quarter's quota is the sum
-- of the quotas starting in it, a month has a quota only when quotas are monthly. No quota means
-- no attainment (null, never 0). Deleted deals are gone in staging; the newest SystemModstamp
-- version of a deal is the one loaded.
with

opportunity as (
    select * from {{ ref('fct_opportunity') }}
),

quota as (
    select * from {{ source('raw_crm_quota') }}
),

rep as (
    select * from {{ ref('stg_rep') }}
),

rep_status as (
    select * from {{ ref('int_rep_week_status') }}
    where is_seller
),

period_kind as (
    select
        'month' as period_type,
        1 as period_months
    union all
    select
        'quarter' as period_type,
        3 as period_months
),

dated as (
    -- every fact that places a rep in a period, with the date that places it
    select
        rep_id,
        close_date as on_date,
        'closed' as fact,
        is_won,
        is_lost,
        amount,
        cycle_days
    from opportunity
    where is_closed
    union all
    select
        rep_id,
        created_date as on_date,
        'created' as fact,
        false as is_won,
        false as is_lost,
        amount,
        null as cycle_days
    from opportunity
    union all
    select
        owner_id as rep_id,
        start_date as on_date,
        'quota' as fact,
        false as is_won,
        false as is_lost,
        quota_amount as amount,
        null as cycle_days
    from quota
    union all
    -- a week in which the rep was a seller touches the periods of its Monday and its Sunday
    select
        rep_id,
        week_start as on_date,
        'seller' as fact,
        false as is_won,
        false as is_lost,
        null as amount,
        null as cycle_days
    from rep_status
    union all
    select
        rep_id,
        week_start + 6 as on_date,
        'seller' as fact,
        false as is_won,
        false as is_lost,
        null as amount,
        null as cycle_days
    from rep_status
),

in_period as (
    select
        dated.*,
        period_kind.period_type,
        period_kind.period_months,
        case
            when period_kind.period_months = 1 then cast(date_trunc('month', dated.on_date) as date)
            else cast(date_trunc('quarter', dated.on_date) as date)
        end as period_start
    from dated
    cross join period_kind
),

rep_period as (
    select
        rep_id,
        period_type,
        period_months,
        period_start,
        sum(case when fact = 'closed' and is_won then amount end) as won_amount,
        sum(case when fact = 'closed' and is_lost then amount end) as lost_amount,
        count(case when fact = 'closed' and is_won then 1 end) as wins,
        count(case when fact = 'closed' and is_lost then 1 end) as losses,
        avg(case when fact = 'closed' and is_won then amount end) as avg_won_deal_size,
        percentile_cont(0.5) within group (
            order by case when fact = 'closed' and is_won then cycle_days end
        ) as median_cycle_days,
        sum(case when fact = 'created' then amount end) as created_amount,
        sum(
            case when fact = 'quota' and (period_months = 3 or :quota_months = 1) then amount end
        ) as quota
    from in_period
    where rep_id is not null and period_start < cast(:end_date as date)
    group by rep_id, period_type, period_months, period_start
),

final as (
    select
        rep_period.rep_id,
        rep.manager_id,
        rep_period.period_type,
        rep_period.period_start,
        cast(rep_period.period_start + rep_period.period_months * interval '1 month' as date) - 1
            as period_end,
        coalesce(rep_period.won_amount, 0) as bookings,
        rep_period.quota,
        coalesce(rep_period.won_amount, 0) / nullif(rep_period.quota, 0) as attainment,
        rep_period.wins,
        rep_period.losses,
        cast(rep_period.wins as double precision)
        / nullif(rep_period.wins + rep_period.losses, 0) as win_rate,
        cast(coalesce(rep_period.won_amount, 0) as double precision)
        / nullif(coalesce(rep_period.won_amount, 0) + coalesce(rep_period.lost_amount, 0), 0)
            as amount_weighted_win_rate,
        coalesce(rep_period.lost_amount, 0) as lost_amount,
        rep_period.avg_won_deal_size,
        rep_period.median_cycle_days,
        coalesce(rep_period.created_amount, 0) as pipeline_created
    from rep_period
    left join rep on rep.rep_id = rep_period.rep_id
)

select * from final
