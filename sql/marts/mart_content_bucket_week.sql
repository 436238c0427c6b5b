-- grain: one row per content bucket per ISO week (buckets with an asset published by the week's end)
-- materialized: incremental
-- Asset utilisation and shelfware (trailing 90 days) by bucket, summed from mart_asset_usage;
-- actions_week counts seller actions in the week on the bucket's assets, live or not.
with

asset_usage as (
    select * from {{ ref('mart_asset_usage') }}
    where week_start >= :week_lo and week_start < :week_hi
),

bucket_week as (
    select
        bucket,
        week_start,
        count(*) as assets,
        sum(case when is_live then 1 else 0 end) as live_assets,
        sum(case when is_in_utilisation_base then 1 else 0 end) as assets_in_base,
        sum(case when is_in_utilisation_base and actions_90d > 0 then 1 else 0 end) as assets_used_90d,
        sum(case when is_shelfware then 1 else 0 end) as shelfware_assets,
        sum(actions_week) as actions_week,
        sum(customer_facing_actions_week) as customer_facing_actions_week,
        sum(actions_90d) as actions_90d
    from asset_usage
    group by bucket, week_start
),

final as (
    select
        bucket,
        week_start,
        cast(assets as bigint) as assets,
        cast(live_assets as bigint) as live_assets,
        cast(assets_in_base as bigint) as assets_in_base,
        cast(assets_used_90d as bigint) as assets_used_90d,
        cast(assets_used_90d as double precision) / nullif(assets_in_base, 0) as asset_utilisation,
        cast(shelfware_assets as bigint) as shelfware_assets,
        cast(actions_week as bigint) as actions_week,
        cast(customer_facing_actions_week as bigint) as customer_facing_actions_week,
        cast(actions_90d as bigint) as actions_90d
    from bucket_week
)

select * from final
