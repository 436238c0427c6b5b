-- grain: one row per closed opportunity per asset that influenced it
-- materialized: table
-- Two labelled definitions (SPEC section 5): strict = the opportunity's owner shared or presented
-- the asset with this opportunity_id (any date); exposure = the owner had a customer-facing
-- action (share, present, customer_view) on the asset between the opportunity's created_date and
-- close_date, inclusive, with or without an opportunity_id.
with

-- Only the columns used: both CTEs are read twice, and DuckDB keeps such a CTE's rows in
-- memory (the whole fact table at scale L ran out of its 1GB).
opportunity as (
    select
        opportunity_id,
        rep_id,
        created_date,
        close_date
    from {{ ref('fct_opportunity') }}
    where is_closed
),

activity as (
    select
        rep_id,
        asset_id,
        opportunity_id,
        action,
        activity_date
    from {{ ref('fct_content_activity') }}
    where rep_id is not null and is_customer_facing
),

-- The exposure join pairs each closed opportunity with its owner's customer-facing days.
activity_day as (
    select distinct
        rep_id,
        asset_id,
        activity_date
    from activity
),

strict_use as (
    select
        opportunity.opportunity_id,
        opportunity.rep_id,
        activity.asset_id,
        1 as is_strict,
        0 as is_exposure
    from opportunity
    inner join activity
        on
            activity.opportunity_id = opportunity.opportunity_id
            and activity.rep_id = opportunity.rep_id
            and activity.action in ('share', 'present')
),

exposure_use as (
    select
        opportunity.opportunity_id,
        opportunity.rep_id,
        activity_day.asset_id,
        0 as is_strict,
        1 as is_exposure
    from opportunity
    inner join activity_day
        on
            activity_day.rep_id = opportunity.rep_id
            and activity_day.activity_date >= opportunity.created_date
            and activity_day.activity_date <= opportunity.close_date
),

influence as (
    select * from strict_use
    union all
    select * from exposure_use
),

final as (
    select
        opportunity_id,
        rep_id,
        asset_id,
        max(is_strict) = 1 as is_strict,
        max(is_exposure) = 1 as is_exposure
    from influence
    group by opportunity_id, rep_id, asset_id
)

select * from final
