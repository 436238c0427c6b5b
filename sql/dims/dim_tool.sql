-- grain: one row per tool (licensed or seen in sign-ins)
-- materialized: table
-- has_signin_source says whether any sign-in source ever reports the tool: without one its use
-- is unknown ("no data"), never zero.
with

licence as (
    select * from {{ source('raw_licence') }}
),

signin_tool as (
    select
        tool,
        min(signed_in_at) as first_signin_at,
        max(signed_in_at) as last_signin_at
    from {{ ref('fct_tool_signin') }}
    group by tool
),

tool as (
    select tool from licence
    union
    select tool from signin_tool
),

final as (
    select
        tool.tool,
        licence.seats_purchased,
        licence.annual_cost_per_seat,
        licence.currency,
        licence.renewal_date,
        licence.tool is not null as is_licensed,
        signin_tool.tool is not null as has_signin_source,
        signin_tool.first_signin_at,
        signin_tool.last_signin_at
    from tool
    left join licence on licence.tool = tool.tool
    left join signin_tool on signin_tool.tool = tool.tool
)

select * from final
