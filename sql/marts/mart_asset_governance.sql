-- grain: one row per content asset, as of the last ISO week of the build window
-- materialized: table
-- Governance flags (SPEC section 5) as of week A = the build window's last week. Seller actions
-- are actions by a rep who was a seller in the week of the action, up to A's end. Mostly lost:
-- at least 70% of the closed opportunities the asset influenced (strict or exposure, closed by
-- A's end) were lost, with at least 10 of them. Orphaned: the owner e-mail is missing or not an
-- active CRM user. Expired in use: expires_date before A's end and a seller action in the
-- trailing 90 days.
with

as_of as (
    select
        cast(:week_hi as date) - 7 as as_of_week_start,
        cast(:week_hi as date) - 1 as as_of_week_end
),

asset as (
    select * from {{ ref('dim_asset') }}
),

rep as (
    select * from {{ ref('stg_rep') }}
),

asset_seller_week as (
    select * from {{ ref('int_asset_seller_week') }}
),

asset_usage as (
    select asset_usage.*
    from {{ ref('mart_asset_usage') }} as asset_usage
    inner join as_of on as_of.as_of_week_start = asset_usage.week_start
),

influence as (
    select * from {{ ref('int_opportunity_influence') }}
),

opportunity as (
    select * from {{ ref('fct_opportunity') }}
),

seller_use as (
    select
        asset_seller_week.asset_id,
        sum(asset_seller_week.seller_actions) as actions_ever,
        max(asset_seller_week.last_action_date) as last_seller_action_date
    from asset_seller_week
    inner join as_of on asset_seller_week.week_start <= as_of.as_of_week_start
    group by asset_seller_week.asset_id
),

influenced as (
    select
        influence.asset_id,
        count(*) as influenced_closed_n,
        sum(case when opportunity.is_lost then 1 else 0 end) as influenced_lost_n
    from influence
    inner join opportunity on opportunity.opportunity_id = influence.opportunity_id
    inner join as_of on opportunity.close_date <= as_of.as_of_week_end
    group by influence.asset_id
),

active_owner as (
    select distinct email
    from rep
    where is_active
),

flagged as (
    select
        asset.asset_id,
        asset.title,
        asset.asset_type,
        asset.bucket,
        asset.owner_email,
        asset.is_live,
        asset.published_date,
        asset.expires_date,
        as_of.as_of_week_start,
        coalesce(asset_usage.actions_90d, 0) as actions_90d,
        coalesce(asset_usage.reps_90d, 0) as reps_90d,
        coalesce(seller_use.actions_ever, 0) as actions_ever,
        seller_use.last_seller_action_date,
        coalesce(influenced.influenced_closed_n, 0) as influenced_closed_n,
        coalesce(influenced.influenced_lost_n, 0) as influenced_lost_n,
        seller_use.asset_id is null as is_never_used,
        coalesce(asset_usage.is_shelfware, false) as is_shelfware,
        active_owner.email is null as is_orphaned,
        coalesce(asset.expires_date < as_of.as_of_week_end, false)
        and coalesce(asset_usage.actions_90d, 0) > 0 as is_expired_in_use
    from asset
    cross join as_of
    left join asset_usage on asset_usage.asset_id = asset.asset_id
    left join seller_use on seller_use.asset_id = asset.asset_id
    left join influenced on influenced.asset_id = asset.asset_id
    left join active_owner on active_owner.email = asset.owner_email
),

final as (
    select
        asset_id,
        title,
        asset_type,
        bucket,
        owner_email,
        is_live,
        published_date,
        expires_date,
        as_of_week_start,
        is_never_used,
        is_shelfware,
        -- lost / n >= 0.7 in integers: 10 * lost >= 7 * n
        influenced_closed_n >= 10 and 10 * influenced_lost_n >= 7 * influenced_closed_n as is_mostly_lost,
        is_orphaned,
        is_expired_in_use,
        cast(actions_90d as bigint) as actions_90d,
        cast(reps_90d as bigint) as reps_90d,
        cast(actions_ever as bigint) as actions_ever,
        last_seller_action_date,
        cast(influenced_closed_n as bigint) as influenced_closed_n,
        cast(influenced_lost_n as bigint) as influenced_lost_n,
        cast(influenced_lost_n as double precision) / nullif(influenced_closed_n, 0) as influenced_lost_rate
    from flagged
)

select * from final
