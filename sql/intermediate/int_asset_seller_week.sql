-- grain: one row per content asset per ISO week with a seller action
-- materialized: incremental
-- first_build: history
-- lookback_weeks: 12
-- Seller actions (actions by a rep who is a seller in the week of the action) per asset and week:
-- mart_asset_governance's running totals (actions ever, the last action) add these up instead of
-- reading every content event on every build. The first build holds every week loaded up to the
-- build's end (seller status is known up to there); later builds replace the window's weeks and
-- the 12 before them, so the trailing 90 days always count sellers as mart_asset_usage does (a
-- quota or HR change read late changes who was a seller) and actions ever include them.
with

activity as (
    select * from {{ ref('fct_content_activity') }}
    where
        rep_id is not null
        and {{ in_build_weeks('occurred_at') }}
        and week_start < cast(:week_hi as date)
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
