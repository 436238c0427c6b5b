-- grain: one row per source
-- materialized: table
-- The identity match rate each source achieves, published and checked (SPEC section 4).
with

identity as (
    select * from {{ ref('stg_identity') }}
),

final as (
    select
        source,
        count(*) as identities,
        sum(case when is_matched then 1 else 0 end) as matched,
        count(*) - sum(case when is_matched then 1 else 0 end) as unmatched,
        cast(sum(case when is_matched then 1 else 0 end) as double precision) / count(*) as match_rate
    from identity
    group by source
)

select * from final
