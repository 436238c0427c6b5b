-- grain: one row per rep per course with recert_days that the rep has passed, as of the last week built
-- materialized: table
-- As of the last ISO week of the build window (week end = as_of_week_start + 6): a certification
-- is valid while the last pass plus recert_days is on or after the week end, and expiring when
-- that date is within 30 days after the week end; decayed when no statement on the course falls
-- in the trailing reinforcement_days. Statements after the week end are ignored.
with

as_of as (
    select
        cast(:week_hi as date) - 7 as as_of_week_start,
        cast(:week_hi as date) - 1 as as_of_week_end
),

rep as (
    select * from {{ ref('stg_rep') }}
),

rep_status as (
    select * from {{ ref('int_rep_week_status') }}
),

course as (
    select
        course_id,
        title as course_title,
        cast(recert_days as integer) as recert_days,
        cast(reinforcement_days as integer) as reinforcement_days
    from {{ ref('dim_course') }}
    where recert_days is not null
),

statement as (
    select statement.*
    from {{ ref('fct_learning_statement') }} as statement
    cross join as_of
    where statement.rep_id is not null and statement.activity_date <= as_of.as_of_week_end
),

rep_course as (
    select
        rep_id,
        course_id,
        max(case when is_passed then activity_date end) as last_passed_date,
        max(activity_date) as last_activity_date
    from statement
    group by rep_id, course_id
),

certification as (
    select
        rep_course.rep_id,
        rep_course.course_id,
        course.course_title,
        as_of.as_of_week_start,
        as_of.as_of_week_end,
        rep_course.last_passed_date,
        rep_course.last_passed_date + course.recert_days as valid_until,
        rep_course.last_activity_date,
        course.reinforcement_days
    from rep_course
    inner join course on course.course_id = rep_course.course_id
    cross join as_of
    where rep_course.last_passed_date is not null
),

final as (
    select
        certification.rep_id,
        rep.manager_id,
        certification.course_id,
        certification.course_title,
        certification.as_of_week_start,
        coalesce(rep_status.is_eligible, false) as is_eligible,
        certification.last_passed_date,
        certification.valid_until,
        certification.valid_until >= certification.as_of_week_end as is_valid,
        certification.valid_until >= certification.as_of_week_end
        and certification.valid_until <= certification.as_of_week_end + 30 as is_expiring_30d,
        certification.last_activity_date,
        certification.last_activity_date
        < certification.as_of_week_end - certification.reinforcement_days + 1 as is_decayed
    from certification
    left join rep on rep.rep_id = certification.rep_id
    left join rep_status
        on
            rep_status.rep_id = certification.rep_id
            and rep_status.week_start = certification.as_of_week_start
)

select * from final
