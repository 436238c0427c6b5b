-- grain: one row per closed opportunity per asset that influenced it
-- materialized: incremental
-- unique_key: opportunity_id
-- Two labelled definitions (SPEC section 5): strict = the opportunity's owner shared or presented
-- the asset with this opportunity_id (any date); exposure = the owner had a customer-facing
-- action (share, present, customer_view) on the asset between the opportunity's created_date and
-- close_date, inclusive, with or without an opportunity_id.
--
-- Restated by opportunity: a build rewrites the rows of every opportunity with a version loaded
-- since the last build (a new close, a backdated close date, a new owner, reopened, deleted),
-- every closed one whose created-to-close days overlap the build's weeks (their activity was
-- rebuilt), and every one named by a share or presentation in those weeks. As for the
-- incremental marts, activity restated in older weeks (a late identity match) reaches older
-- opportunities on a backfill of those weeks.
{% macro restate() %}
select opportunity_id
from {{ source('raw_crm_opportunity') }}
where loaded_at > :last_built_at
union
select opportunity_id
from {{ ref('fct_opportunity') }}
where is_closed and close_date >= :week_lo and created_date < :week_hi
union
select opportunity_id
from {{ ref('fct_content_activity') }}
where
    week_start >= :week_lo
    and week_start < :week_hi
    and opportunity_id is not null
    and action in ('share', 'present')
{% endmacro %}
with

opportunity as (
    select
        opportunity_id,
        rep_id,
        created_date,
        close_date
    from {{ ref('fct_opportunity') }}
    where
        is_closed
        {% if is_incremental %}
        and opportunity_id in (select restated.opportunity_id from {{ restated }} as restated)
        {% endif %}
),

-- Only the columns used, and only the days that can fall inside an opportunity built here:
-- DuckDB keeps a CTE read twice in memory (the whole fact table at scale L ran out of its 1GB).
rep_span as (
    select
        rep_id,
        min(created_date) as span_start,
        max(close_date) as span_end
    from opportunity
    group by rep_id
),

activity as (
    select
        activity.rep_id,
        activity.asset_id,
        activity.opportunity_id,
        activity.action,
        activity.activity_date,
        activity.activity_date >= rep_span.span_start
        and activity.activity_date <= rep_span.span_end as is_in_span
    from {{ ref('fct_content_activity') }} as activity
    inner join rep_span on rep_span.rep_id = activity.rep_id
    where activity.is_customer_facing
),

-- The exposure join pairs each closed opportunity with its owner's customer-facing days.
activity_day as (
    select distinct
        rep_id,
        asset_id,
        activity_date
    from activity
    where is_in_span
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
