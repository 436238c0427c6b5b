-- grain: one row per opportunity
-- materialized: table
with

opportunity as (
    select * from {{ ref('stg_opportunity') }}
),

rep as (
    select rep_id from {{ ref('stg_rep') }}
),

final as (
    select
        opportunity.*,
        rep.rep_id is not null as has_known_owner,
        case when opportunity.is_won then opportunity.close_date - opportunity.created_date end as cycle_days,
        {{ week_of('opportunity.close_date') }} as close_week_start,
        {{ week_of('opportunity.created_date') }} as created_week_start
    from opportunity
    left join rep on rep.rep_id = opportunity.rep_id
)

select * from final
