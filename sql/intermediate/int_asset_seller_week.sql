-- grain: one row per content asset per ISO week with a seller action
-- materialized: incremental
-- first_build: history
-- Seller actions (actions by a rep who is a seller in the week of the action) per asset and week,
-- from every week loaded: mart_asset_governance's running totals (actions ever, the last action)
-- add these up instead of reading every content event on every build. Like the facts,
-- the first build holds every week loaded so far and later builds replace the window's weeks.
with

activity as (
    select * from {{ ref('fct_content_activity') }}
    where rep_id is not null and {{ in_build_weeks('occurred_at') }}
),

seller_week as (
    select * from {{ ref('int_rep_week_status') }}
    where is_seller
),

final as (
    select
        activity.asset_id,
        activity.week_start,
        count(*) as seller_actions,
        max(activity.activity_date) as last_action_date
    from activity
    inner join seller_week
        on seller_week.rep_id = activity.rep_id and seller_week.week_start = activity.week_start
    group by activity.asset_id, activity.week_start
)

select * from final
