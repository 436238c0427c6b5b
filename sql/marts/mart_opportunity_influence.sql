-- grain: one row per closed opportunity
-- materialized: table
-- Whether content influenced each closed deal, under both labelled definitions (strict: shared or
-- presented with the opportunity_id; exposure: customer-facing use between create and close).
with

opportunity as (
    select * from {{ ref('fct_opportunity') }}
    where is_closed
),

influence as (
    select * from {{ ref('int_opportunity_influence') }}
),

influence_count as (
    select
        opportunity_id,
        -- one influence row per opportunity and asset: a count, not a distinct count
        sum(case when is_strict then 1 else 0 end) as influencing_assets_strict,
        sum(case when is_exposure then 1 else 0 end) as influencing_assets_exposure
    from influence
    group by opportunity_id
),

final as (
    select
        opportunity.opportunity_id,
        opportunity.rep_id,
        opportunity.created_date,
        opportunity.close_date,
        opportunity.close_week_start,
        opportunity.is_won,
        opportunity.is_lost,
        opportunity.amount,
        coalesce(influence_count.influencing_assets_strict, 0) > 0 as is_influenced_strict,
        coalesce(influence_count.influencing_assets_exposure, 0) > 0 as is_influenced_exposure,
        cast(coalesce(influence_count.influencing_assets_strict, 0) as bigint) as influencing_assets_strict,
        cast(coalesce(influence_count.influencing_assets_exposure, 0) as bigint) as influencing_assets_exposure
    from opportunity
    left join influence_count on influence_count.opportunity_id = opportunity.opportunity_id
)

select * from final
