-- grain: one row per verdict area (content, training, tools) per ISO week
-- materialized: table
-- "Are the dogs eating the dog food?": Yes, Partly or No against the configured thresholds,
-- with the change against last week and the 4-week average (this week and the 3 before).
with

metric as (
    select * from {{ ref('int_org_metric_week') }}
),

verdict_config as (
    select * from {{ source('cfg_verdict') }}
),

area_week as (
    select
        verdict_config.area,
        verdict_config.metric,
        verdict_config.yes_at,
        verdict_config.partly_at,
        metric.week_start,
        metric.metric_value
    from verdict_config
    inner join metric on metric.metric = verdict_config.metric
),

windowed as (
    select
        area_week.*,
        lag(area_week.metric_value) over (
            partition by area_week.area order by area_week.week_start
        ) as previous_value,
        avg(area_week.metric_value) over (
            partition by area_week.area order by area_week.week_start
            rows between 3 preceding and current row
        ) as avg_4w
    from area_week
),

final as (
    select
        area,
        week_start,
        metric,
        metric_value,
        previous_value,
        metric_value - previous_value as change_vs_last_week,
        avg_4w,
        yes_at,
        partly_at,
        case
            when metric_value is null then 'No data'
            when metric_value >= yes_at then 'Yes'
            when metric_value >= partly_at then 'Partly'
            else 'No'
        end as verdict
    from windowed
)

select * from final
