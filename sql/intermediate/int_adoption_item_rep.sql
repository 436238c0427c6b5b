-- grain: one row per seller eligible in the as-of week per item they adopted in the trailing quarter
-- materialized: table
-- Adopters (mart contract, [impact]) over the trailing quarter [A - 84, A + 6], A = the as-of week:
-- an asset is adopted with a seller action on it in the quarter (the rep a seller in the week of
-- the action); a course when completed (completed or passed) on or before the quarter's end and
-- still valid then (last completion + recert_days on or after the quarter's end, when the course
-- has recertification); a tool with a successful sign-in in the quarter.
with

population as (
    select
        rep_id,
        period_start,
        period_end
    from {{ ref('int_adoption_rep') }}
),

rep_status as (
    select * from {{ ref('int_rep_week_status') }}
),

activity as (
    select * from {{ ref('fct_content_activity') }}
    where rep_id is not null and is_known_asset
),

completion as (
    select * from {{ ref('fct_learning_statement') }}
    where rep_id is not null and is_completion
),

course as (
    select
        course_id,
        cast(recert_days as integer) as recert_days
    from {{ ref('dim_course') }}
),

signin as (
    select * from {{ ref('fct_tool_signin') }}
    where rep_id is not null
),

asset_adopter as (
    select distinct
        'asset' as item_type,
        activity.asset_id as item_id,
        population.rep_id
    from population
    inner join activity
        on
            activity.rep_id = population.rep_id
            and activity.activity_date >= population.period_start
            and activity.activity_date <= population.period_end
    inner join rep_status
        on
            rep_status.rep_id = activity.rep_id
            and rep_status.week_start = activity.week_start
            and rep_status.is_seller
),

last_completion as (
    select
        population.rep_id,
        population.period_end,
        completion.course_id,
        max(completion.activity_date) as last_completed_date
    from population
    inner join completion
        on
            completion.rep_id = population.rep_id
            and completion.activity_date <= population.period_end
    group by population.rep_id, population.period_end, completion.course_id
),

course_adopter as (
    select
        'course' as item_type,
        last_completion.course_id as item_id,
        last_completion.rep_id
    from last_completion
    inner join course on course.course_id = last_completion.course_id
    where
        course.recert_days is null
        or last_completion.last_completed_date + course.recert_days >= last_completion.period_end
),

tool_adopter as (
    select distinct
        'tool' as item_type,
        signin.tool as item_id,
        population.rep_id
    from population
    inner join signin
        on
            signin.rep_id = population.rep_id
            and signin.activity_date >= population.period_start
            and signin.activity_date <= population.period_end
),

final as (
    select * from asset_adopter
    union all
    select * from course_adopter
    union all
    select * from tool_adopter
)

select * from final
