-- grain: one row per required course per manager per ISO week, where assignments are due
-- materialized: incremental
-- Counts the required assignments of sellers eligible in W (leavers, people on leave and new
-- hires inside the ramp grace are never counted), grouped by the rep's manager in W. Due in W =
-- due_date on or before the week end; completed late (after due, by the week end) is neither on
-- time nor overdue. decayed = completed assignments with no statement on the course in the
-- trailing reinforcement_days; avg_scaled_score = passed and failed attempts in W with a scaled
-- score, by the course's assignment holders under that manager eligible in W.
with

rep_status as (
    select * from {{ ref('int_rep_week_status') }}
    where week_start >= :week_lo and week_start < :week_hi
),

assignment as (
    select * from {{ ref('int_required_assignment') }}
),

course as (
    select
        course_id,
        cast(reinforcement_days as integer) as reinforcement_days
    from {{ ref('dim_course') }}
),

statement as (
    select * from {{ ref('fct_learning_statement') }}
    where rep_id is not null
),

assignment_week as (
    select
        assignment.course_id,
        assignment.course_title,
        rep_status.manager_id,
        rep_status.week_start,
        rep_status.week_start + 6 as week_end,
        assignment.rep_id,
        assignment.due_date,
        assignment.first_completed_date,
        assignment.is_completed_on_time,
        course.reinforcement_days
    from rep_status
    inner join assignment on assignment.rep_id = rep_status.rep_id
    inner join course on course.course_id = assignment.course_id
    where rep_status.is_eligible
),

due as (
    select
        *,
        coalesce(first_completed_date <= week_end, false) as is_completed_by_week_end
    from assignment_week
    where due_date <= week_end
),

last_activity as (
    select
        due.rep_id,
        due.course_id,
        due.week_start,
        max(statement.activity_date) as last_activity_date
    from due
    inner join statement
        on
            statement.rep_id = due.rep_id
            and statement.course_id = due.course_id
            and statement.activity_date <= due.week_end
    group by due.rep_id, due.course_id, due.week_start
),

due_status as (
    select
        due.*,
        due.is_completed_by_week_end
        and coalesce(last_activity.last_activity_date < due.week_end - due.reinforcement_days + 1, true)
            as is_decayed
    from due
    left join last_activity
        on
            last_activity.rep_id = due.rep_id
            and last_activity.course_id = due.course_id
            and last_activity.week_start = due.week_start
),

compliance as (
    select
        course_id,
        course_title,
        manager_id,
        week_start,
        count(*) as assignments_due,
        count(case when is_completed_on_time then 1 end) as completed_on_time,
        count(case when is_completed_by_week_end and not is_completed_on_time then 1 end) as completed_late,
        count(case when not is_completed_by_week_end then 1 end) as overdue,
        count(case when is_completed_by_week_end then 1 end) as completed,
        count(case when is_decayed then 1 end) as decayed
    from due_status
    group by course_id, course_title, manager_id, week_start
),

attempt as (
    select
        assignment_week.course_id,
        assignment_week.manager_id,
        assignment_week.week_start,
        count(*) as scored_attempts,
        avg(statement.score_scaled) as avg_scaled_score
    from assignment_week
    inner join statement
        on
            statement.rep_id = assignment_week.rep_id
            and statement.course_id = assignment_week.course_id
            and statement.week_start = assignment_week.week_start
    where (statement.is_passed or statement.is_failed) and statement.score_scaled is not null
    group by assignment_week.course_id, assignment_week.manager_id, assignment_week.week_start
),

final as (
    select
        compliance.course_id,
        compliance.course_title,
        compliance.manager_id,
        compliance.week_start,
        compliance.assignments_due,
        compliance.completed_on_time,
        compliance.completed_late,
        compliance.overdue,
        cast(compliance.completed_on_time as double precision)
        / nullif(compliance.assignments_due, 0) as compliance_rate,
        compliance.completed,
        compliance.decayed,
        coalesce(attempt.scored_attempts, 0) as scored_attempts,
        attempt.avg_scaled_score
    from compliance
    left join attempt
        on
            attempt.course_id = compliance.course_id
            and attempt.week_start = compliance.week_start
            and coalesce(attempt.manager_id, '') = coalesce(compliance.manager_id, '')
)

select * from final
