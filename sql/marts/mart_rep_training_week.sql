-- grain: one row per seller per ISO week (rep_id, week_start)
-- materialized: incremental
-- Training for each rep who is a seller in W. Assignments are counted only while the rep is
-- eligible in W (active, not on leave or terminated, past the ramp grace), so leavers, people on
-- leave and new hires are never overdue: they show 0 due and a null compliance rate.
-- Overdue = due and not completed by the week end; completed late is neither on time nor overdue.
with

rep_status as (
    select * from {{ ref('int_rep_week_status') }}
    where week_start >= :week_lo and week_start < :week_hi
),

assignment as (
    select * from {{ ref('int_required_assignment') }}
),

statement as (
    select * from {{ ref('fct_learning_statement') }}
    where rep_id is not null and week_start >= :week_lo and week_start < :week_hi
),

seller_week as (
    select
        rep_id,
        manager_id,
        week_start,
        week_start + 6 as week_end,
        is_eligible
    from rep_status
    where is_seller
),

assignment_week as (
    select
        seller_week.rep_id,
        seller_week.week_start,
        count(*) as assignments_due,
        count(case when assignment.is_completed_on_time then 1 end) as completed_on_time,
        count(
            case
                when
                    assignment.first_completed_date > assignment.due_date
                    and assignment.first_completed_date <= seller_week.week_end
                    then 1
            end
        ) as completed_late,
        count(
            case
                when
                    assignment.first_completed_date is null
                    or assignment.first_completed_date > seller_week.week_end
                    then 1
            end
        ) as overdue
    from seller_week
    inner join assignment
        on
            assignment.rep_id = seller_week.rep_id
            and assignment.due_date <= seller_week.week_end
    where seller_week.is_eligible
    group by seller_week.rep_id, seller_week.week_start
),

statement_week as (
    select
        rep_id,
        week_start,
        count(*) as learning_statements,
        count(case when is_completion then 1 end) as completions
    from statement
    group by rep_id, week_start
),

final as (
    select
        seller_week.rep_id,
        seller_week.manager_id,
        seller_week.week_start,
        seller_week.is_eligible,
        coalesce(assignment_week.assignments_due, 0) as assignments_due,
        coalesce(assignment_week.completed_on_time, 0) as completed_on_time,
        coalesce(assignment_week.completed_late, 0) as completed_late,
        coalesce(assignment_week.overdue, 0) as overdue,
        cast(assignment_week.completed_on_time as double precision)
        / nullif(assignment_week.assignments_due, 0) as compliance_rate,
        coalesce(statement_week.learning_statements, 0) as learning_statements,
        coalesce(statement_week.completions, 0) as completions,
        coalesce(statement_week.learning_statements, 0) > 0 as is_training_active
    from seller_week
    left join assignment_week
        on
            assignment_week.rep_id = seller_week.rep_id
            and assignment_week.week_start = seller_week.week_start
    left join statement_week
        on
            statement_week.rep_id = seller_week.rep_id
            and statement_week.week_start = seller_week.week_start
)

select * from final
