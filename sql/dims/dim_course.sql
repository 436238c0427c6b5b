-- grain: one row per course (course_id, the xAPI activity IRI)
-- materialized: table
with

course as (
    select * from {{ source('raw_course') }}
),

final as (
    select
        course_id,
        title,
        bucket,
        published_at,
        {{ local_date('published_at') }} as published_date,
        required_for,
        required_for is not null and trim(required_for) <> '' as is_required,
        due_days_after_hire,
        recert_days,
        coalesce(reinforcement_days, 90) as reinforcement_days
    from course
)

select * from final
