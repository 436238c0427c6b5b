-- grain: one row per content asset per ISO week (assets published by the week's end)
-- materialized: incremental
-- Usage counts are seller actions: actions by a rep who is a seller (int_rep_week_status) in the
-- week the action happened. Trailing windows read all history in the facts. The utilisation base
-- is live assets published at least 30 days before the week end; an asset with no published date
-- cannot be shown to be that old and stays out of the base.
with

asset as (
    select * from {{ ref('dim_asset') }}
),

activity as (
    select * from {{ ref('fct_content_activity') }}
    where
        rep_id is not null
        -- the trailing 90 days of the window's first week start 83 days before it
        and activity_date >= cast(:week_lo as date) - 83
        and activity_date < cast(:week_hi as date)
),

seller_week as (
    select
        rep_id,
        week_start
    from {{ ref('int_rep_week_status') }}
    where is_seller
),

week as (
    select
        cast(series.week_at as date) as week_start,
        cast(series.week_at as date) + 6 as week_end
    from generate_series(
        cast(:week_lo as timestamp),
        cast(:week_hi as timestamp) - interval '7 days',
        interval '7 days'
    ) as series (week_at)
),

seller_action as (
    select
        activity.asset_id,
        activity.rep_id,
        activity.activity_date,
        activity.is_customer_facing
    from activity
    inner join seller_week
        on seller_week.rep_id = activity.rep_id and seller_week.week_start = activity.week_start
),

asset_week as (
    select
        asset.asset_id,
        asset.title,
        asset.asset_type,
        asset.bucket,
        asset.is_live,
        asset.published_date,
        week.week_start,
        week.week_end
    from asset
    cross join week
    where asset.published_date is null or asset.published_date <= week.week_end
),

usage as (
    select
        asset_week.asset_id,
        asset_week.week_start,
        sum(case when seller_action.activity_date >= asset_week.week_start then 1 else 0 end)
            as actions_week,
        sum(
            case
                when seller_action.activity_date >= asset_week.week_start and seller_action.is_customer_facing
                    then 1
                else 0
            end
        ) as customer_facing_actions_week,
        count(distinct case when seller_action.activity_date >= asset_week.week_start then seller_action.rep_id end)
            as reps_week,
        count(seller_action.rep_id) as actions_90d,
        count(distinct seller_action.rep_id) as reps_90d,
        sum(
            case
                when
                    seller_action.activity_date >= asset_week.week_start - 28
                    and seller_action.activity_date < asset_week.week_start
                    then 1
                else 0
            end
        ) as actions_prev_4w
    from asset_week
    left join seller_action
        on
            seller_action.asset_id = asset_week.asset_id
            and seller_action.activity_date >= asset_week.week_end - 89
            and seller_action.activity_date <= asset_week.week_end
    group by asset_week.asset_id, asset_week.week_start
),

measured as (
    select
        asset_week.asset_id,
        asset_week.week_start,
        asset_week.title,
        asset_week.asset_type,
        asset_week.bucket,
        asset_week.is_live,
        asset_week.published_date,
        cast(usage.actions_week as bigint) as actions_week,
        cast(usage.customer_facing_actions_week as bigint) as customer_facing_actions_week,
        cast(usage.reps_week as bigint) as reps_week,
        cast(usage.actions_90d as bigint) as actions_90d,
        cast(usage.reps_90d as bigint) as reps_90d,
        cast(usage.actions_prev_4w as double precision) / 4 as actions_prev_4w_avg,
        coalesce(asset_week.is_live and asset_week.published_date <= asset_week.week_end - 30, false)
            as is_in_utilisation_base
    from asset_week
    inner join usage
        on usage.asset_id = asset_week.asset_id and usage.week_start = asset_week.week_start
),

final as (
    select
        asset_id,
        week_start,
        title,
        asset_type,
        bucket,
        is_live,
        published_date,
        actions_week,
        customer_facing_actions_week,
        reps_week,
        actions_90d,
        reps_90d,
        actions_prev_4w_avg,
        actions_week - actions_prev_4w_avg as trend,
        is_in_utilisation_base,
        is_in_utilisation_base and actions_90d = 0 as is_shelfware,
        case
            when is_live then rank() over (partition by week_start, is_live order by actions_90d desc)
        end as usage_rank_90d
    from measured
)

select * from final
