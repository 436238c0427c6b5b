-- grain: one row per opportunity (Salesforce Opportunity Id), deleted records dropped
-- materialized: table
with

opportunity as (
    select * from {{ source('raw_crm_opportunity') }}
    where not coalesce(is_deleted, false)
),

final as (
    select
        opportunity_id,
        owner_id as rep_id,
        account_id,
        name as opportunity_name,
        stage_name,
        amount,
        created_at,
        {{ local_date('created_at') }} as created_date,
        close_date,
        is_closed,
        is_won,
        is_closed and not is_won as is_lost,
        type as opportunity_type,
        forecast_category,
        system_modstamp
    from opportunity
)

select * from final
