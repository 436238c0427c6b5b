-- grain: one row per organisation metric per ISO week (the long form of mart_org_week)
-- materialized: view
-- The metric names are the ones goals.yaml may use (enablement_audit.goals.ORG_METRICS).
with

org_week as (
    select * from {{ ref('mart_org_week') }}
),

final as (
    select
        'content_active_rate' as metric,
        week_start,
        content_active_rate as metric_value
    from org_week
    union all
    select
        'asset_utilisation' as metric,
        week_start,
        asset_utilisation as metric_value
    from org_week
    union all
    select
        'training_active_rate' as metric,
        week_start,
        training_active_rate as metric_value
    from org_week
    union all
    select
        'compliance_rate' as metric,
        week_start,
        compliance_rate as metric_value
    from org_week
    union all
    select
        'overdue_assignments' as metric,
        week_start,
        cast(overdue_assignments as double precision) as metric_value
    from org_week
    union all
    select
        'seat_utilization' as metric,
        week_start,
        seat_utilization as metric_value
    from org_week
    union all
    select
        'reclaimable_annual_spend' as metric,
        week_start,
        reclaimable_annual_spend as metric_value
    from org_week
)

select * from final
