-- grain: one row per seller per required course (rep_id, course_id)
-- materialized: table
-- A required assignment (SPEC section 5, training): a rep who is a seller in any week built so
-- far, and a course whose required_for is 'all' or a ';'-separated list of titles that holds the
-- rep's title exactly (each entry trimmed). Due on the later of the hire date and the course's
-- publication date plus due_days_after_hire; completed by the first statement with verb
-- completed or passed (voided statements are already gone from the fact).
with

rep as (
    select * from {{ ref('stg_rep') }}
),

rep_status as (
    select * from {{ ref('int_rep_week_status') }}
),

course as (
    select * from {{ ref('dim_course') }}
    where is_required
),

completion as (
    select * from {{ ref('fct_learning_statement') }}
    where is_completion and rep_id is not null
),

seller as (
    select distinct rep_id
    from rep_status
    where is_seller
),

course_audience as (
    -- ';a;b;' with the blanks around each entry removed, so ';' || title || ';' finds an entry
    select
        course_id,
        title as course_title,
        published_date,
        -- the reader stores integers as bigint; date + bigint is not defined on DuckDB
        cast(due_days_after_hire as integer) as due_days_after_hire,
        lower(trim(required_for)) = 'all' as is_for_all,
        ';' || regexp_replace(trim(required_for), '\s*;\s*', ';', 'g') || ';' as title_list
    from course
),

assignment as (
    select
        rep.rep_id,
        rep.manager_id,
        course_audience.course_id,
        course_audience.course_title,
        rep.hire_date,
        course_audience.published_date,
        case
            when course_audience.published_date > rep.hire_date then course_audience.published_date
            else rep.hire_date
        end + course_audience.due_days_after_hire as due_date
    from seller
    inner join rep on rep.rep_id = seller.rep_id
    inner join course_audience
        on
            course_audience.is_for_all
            or (
                trim(rep.title) <> ''
                and position(';' || trim(rep.title) || ';' in course_audience.title_list) > 0
            )
),

first_completion as (
    select
        rep_id,
        course_id,
        min(occurred_at) as first_completed_at,
        min(activity_date) as first_completed_date
    from completion
    group by rep_id, course_id
),

final as (
    select
        assignment.rep_id,
        assignment.manager_id,
        assignment.course_id,
        assignment.course_title,
        assignment.hire_date,
        assignment.published_date,
        assignment.due_date,
        first_completion.first_completed_at,
        first_completion.first_completed_date,
        coalesce(first_completion.first_completed_date <= assignment.due_date, false) as is_completed_on_time
    from assignment
    left join first_completion
        on
            first_completion.rep_id = assignment.rep_id
            and first_completion.course_id = assignment.course_id
)

select * from final
