-- grain: one row per item whose adoption is compared with performance (item_type, item_id)
-- materialized: table
-- Every content asset, course and tool, and the engagement comparison (top versus bottom
-- quartile of the engagement index), with the name shown in reports.
with

asset as (
    select * from {{ ref('dim_asset') }}
),

course as (
    select * from {{ ref('dim_course') }}
),

tool as (
    select * from {{ ref('dim_tool') }}
),

item as (
    select
        'asset' as item_type,
        asset_id as item_id,
        coalesce(title, asset_id) as item_name
    from asset
    union all
    select
        'course' as item_type,
        course_id as item_id,
        coalesce(title, course_id) as item_name
    from course
    union all
    select
        'tool' as item_type,
        tool as item_id,
        tool as item_name
    from tool
    union all
    select
        'engagement' as item_type,
        'top_vs_bottom_quartile' as item_id,
        'Engagement index: top versus bottom quartile' as item_name
),

final as (
    select * from item
)

select * from final
