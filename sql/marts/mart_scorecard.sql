-- grain: one row per scorecard metric per ISO week
-- materialized: table
-- Green when the metric meets its goal in the configured direction, red otherwise, "no data"
-- when unknown. streak_weeks counts consecutive weeks ending this one in the same status; a
-- streak of 8 or more marks a metric that never prompts action (is_stale).
with

metric as (
    select * from {{ ref('int_org_metric_week') }}
),

goal as (
    select * from {{ source('cfg_scorecard_goal') }}
),

scored as (
    select
        goal.metric,
        goal.label,
        goal.position,
        metric.week_start,
        metric.metric_value,
        goal.goal,
        goal.direction,
        case
            when metric.metric_value is null then 'no data'
            when goal.direction = 'higher' and metric.metric_value >= goal.goal then 'green'
            when goal.direction = 'lower' and metric.metric_value <= goal.goal then 'green'
            else 'red'
        end as status
    from goal
    inner join metric on metric.metric = goal.metric
),

islands as (
    select
        scored.*,
        row_number() over (partition by scored.metric order by scored.week_start)
        - row_number() over (partition by scored.metric, scored.status order by scored.week_start) as island
    from scored
),

final as (
    select
        metric,
        label,
        position,
        week_start,
        metric_value as value,
        goal,
        direction,
        status,
        row_number() over (partition by metric, status, island order by week_start) as streak_weeks,
        status <> 'no data'
        and row_number() over (partition by metric, status, island order by week_start) >= 8 as is_stale
    from islands
)

select * from final
