-- grain: one row per ISO week (organisation level)
-- materialized: incremental
-- Content adoption for the organisation. Active rate: eligible sellers with any content action in
-- the week / eligible sellers. Action counts are seller actions. Asset utilisation, shelfware and
-- concentration come from mart_asset_usage (trailing 90 days, live assets). Transitions are over
-- the sellers of week W: new (active in W, never before), retained (active in W and W-1),
-- reactivated (active in W, not W-1, some week before), lapsed (active in W-1, not in W).
with

status as (
    select * from {{ ref('int_rep_week_status') }}
    where week_start >= :week_lo and week_start < :week_hi
),

activity as (
    select * from {{ ref('fct_content_activity') }}
    where rep_id is not null
),

asset_usage as (
    select * from {{ ref('mart_asset_usage') }}
    where week_start >= :week_lo and week_start < :week_hi
),

week as (
    {{ build_weeks() }}
),

rep_active_week as (
    select distinct
        rep_id,
        week_start
    from activity
),

rep_first_week as (
    select
        rep_id,
        min(week_start) as first_week_start
    from rep_active_week
    group by rep_id
),

seller_activity as (
    select
        status.week_start,
        count(*) as content_actions,
        sum(case when activity.is_customer_facing then 1 else 0 end) as customer_facing_actions,
        count(distinct case when activity.is_customer_facing then activity.rep_id end)
            as customer_facing_sellers
    from activity
    inner join status
        on status.rep_id = activity.rep_id and status.week_start = activity.week_start
    where status.is_seller
    group by status.week_start
),

seller_week as (
    select
        status.week_start,
        sum(case when status.is_eligible then 1 else 0 end) as eligible_sellers,
        sum(case when status.is_eligible and this_week.rep_id is not null then 1 else 0 end)
            as content_active_sellers,
        sum(case when this_week.rep_id is not null and rep_first_week.first_week_start = status.week_start then 1 else 0 end)
            as new_users,
        sum(case when this_week.rep_id is not null and last_week.rep_id is not null then 1 else 0 end)
            as retained_users,
        sum(
            case
                when
                    this_week.rep_id is not null
                    and last_week.rep_id is null
                    and rep_first_week.first_week_start < status.week_start - 7
                    then 1
                else 0
            end
        ) as reactivated_users,
        sum(case when this_week.rep_id is null and last_week.rep_id is not null then 1 else 0 end)
            as lapsed_users
    from status
    left join rep_active_week as this_week
        on this_week.rep_id = status.rep_id and this_week.week_start = status.week_start
    left join rep_active_week as last_week
        on last_week.rep_id = status.rep_id and last_week.week_start = status.week_start - 7
    left join rep_first_week
        on rep_first_week.rep_id = status.rep_id
    where status.is_seller
    group by status.week_start
),

asset_week as (
    select
        week_start,
        sum(case when is_in_utilisation_base then 1 else 0 end) as assets_in_base,
        sum(case when is_in_utilisation_base and actions_90d > 0 then 1 else 0 end) as assets_used_90d,
        sum(case when is_shelfware then 1 else 0 end) as shelfware_assets
    from asset_usage
    group by week_start
),

live_asset as (
    -- live assets ranked by trailing-90-day seller actions, both ways, for top 10% and Gini
    select
        week_start,
        actions_90d,
        row_number() over (partition by week_start order by actions_90d desc, asset_id asc) as rank_desc,
        row_number() over (partition by week_start order by actions_90d, asset_id) as rank_asc,
        count(*) over (partition by week_start) as live_assets
    from asset_usage
    where is_live
),

concentration as (
    -- Gini over assets sorted ascending: sum((2i - n - 1) * x_i) / (n * sum(x))
    select
        week_start,
        max(live_assets) as live_assets,
        cast(sum(actions_90d) as double precision) as live_actions_90d,
        cast(
            sum(
                case
                    when rank_desc <= ceil(cast(live_assets as double precision) / 10) then actions_90d
                    else 0
                end
            ) as double precision
        ) as top10_actions_90d,
        cast(sum((2 * rank_asc - live_assets - 1) * actions_90d) as double precision) as gini_numerator
    from live_asset
    group by week_start
),

final as (
    select
        week.week_start,
        cast(coalesce(seller_week.eligible_sellers, 0) as bigint) as eligible_sellers,
        cast(coalesce(seller_week.content_active_sellers, 0) as bigint) as content_active_sellers,
        cast(seller_week.content_active_sellers as double precision)
        / nullif(seller_week.eligible_sellers, 0) as content_active_rate,
        cast(coalesce(seller_activity.content_actions, 0) as bigint) as content_actions,
        cast(coalesce(seller_activity.customer_facing_actions, 0) as bigint) as customer_facing_actions,
        cast(coalesce(seller_activity.customer_facing_sellers, 0) as bigint) as customer_facing_sellers,
        cast(coalesce(asset_week.assets_in_base, 0) as bigint) as assets_in_base,
        cast(coalesce(asset_week.assets_used_90d, 0) as bigint) as assets_used_90d,
        cast(asset_week.assets_used_90d as double precision)
        / nullif(asset_week.assets_in_base, 0) as asset_utilisation,
        cast(coalesce(asset_week.shelfware_assets, 0) as bigint) as shelfware_assets,
        cast(coalesce(concentration.live_assets, 0) as bigint) as live_assets,
        concentration.top10_actions_90d / nullif(concentration.live_actions_90d, 0) as top10_share_90d,
        concentration.gini_numerator
        / nullif(concentration.live_assets * concentration.live_actions_90d, 0) as gini_90d,
        cast(coalesce(seller_week.new_users, 0) as bigint) as new_users,
        cast(coalesce(seller_week.retained_users, 0) as bigint) as retained_users,
        cast(coalesce(seller_week.reactivated_users, 0) as bigint) as reactivated_users,
        cast(coalesce(seller_week.lapsed_users, 0) as bigint) as lapsed_users
    from week
    left join seller_week on seller_week.week_start = week.week_start
    left join seller_activity on seller_activity.week_start = week.week_start
    left join asset_week on asset_week.week_start = week.week_start
    left join concentration on concentration.week_start = week.week_start
)

select * from final
