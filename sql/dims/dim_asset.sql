-- grain: one row per content asset (asset_id), from the newest catalog export
-- materialized: table
with

asset as (
    select * from {{ source('raw_content_asset') }}
),

final as (
    select
        asset_id,
        title,
        asset_type,
        bucket,
        owner_email,
        published_at,
        {{ local_date('published_at') }} as published_date,
        expires_at,
        {{ local_date('expires_at') }} as expires_date,
        status,
        status = 'live' as is_live,
        tags
    from asset
)

select * from final
