-- grain: one row per manager per ISO week per named action (at most 3 per manager-week)
-- materialized: incremental
-- lookback_weeks: 1
-- Manager actions (SPEC section 5) for the window's weeks and the week before it, so that week
-- W's is_resolved is filled in once W + 1 is built. Candidates are the eligible sellers'
-- conditions at W's end, in the weeks mart_rep_week holds, up to the week after the window:
-- - overdue_training: a required course due and not completed (impact: days overdue);
-- - inactive_paid_seat: a seat with no sign-in in 28 days (int_tool_seat_week; impact: its
--   annual cost);
-- - no_customer_facing_content: open opportunities and no customer-facing content action in
--   the trailing 28 days (impact: open pipeline amount);
-- - decayed_certification: a valid certification with no learning activity on the course in
--   the trailing reinforcement_days (impact: days since the last activity).
-- The impacts are in different units, so each is placed by its cume_dist among the week's
-- actions of the same type across the organisation; a manager's actions are ranked by that,
-- then by the type order above, then by the impact itself, and the first 3 are named.
-- is_resolved: null while W + 1 is not built or the rep is not eligible in W + 1 (or, for a
-- seat, its tool sent no sign-in data in W + 1); else true when the same (action_type, rep_id,
-- item_id) is no longer a candidate in W + 1.
with

rep_status as (
    select * from {{ ref('int_rep_week_status') }}
),

assignment as (
    select * from {{ ref('int_required_assignment') }}
    where first_completed_date is null or first_completed_date >= :week_lo
),

seat as (
    select * from {{ ref('int_tool_seat_week') }}
    where week_start >= :week_lo and week_start <= :week_hi
),

tool as (
    select * from {{ ref('dim_tool') }}
),

opportunity as (
    select * from {{ ref('fct_opportunity') }}
    where created_date < cast(:week_hi as date) + 7 and (not is_closed or close_date >= :week_lo)
),

customer_facing as (
    select
        rep_id,
        activity_date
    from {{ ref('fct_content_activity') }}
    where
        rep_id is not null
        and is_customer_facing
        and activity_date >= cast(:week_lo as date) - 27
        and activity_date < cast(:week_hi as date) + 7
),

statement as (
    select * from {{ ref('fct_learning_statement') }}
    where rep_id is not null
),

certification_course as (
    select
        course_id,
        title as course_title,
        cast(recert_days as integer) as recert_days,
        cast(reinforcement_days as integer) as reinforcement_days
    from {{ ref('dim_course') }}
    where recert_days is not null
),

built_week as (
    select distinct week_start
    from {{ ref('mart_rep_week') }}
    where week_start >= :week_lo and week_start <= :week_hi
),

eligible as (
    select
        rep_status.rep_id,
        rep_status.manager_id,
        rep_status.week_start,
        rep_status.week_start + 6 as week_end
    from rep_status
    inner join built_week on built_week.week_start = rep_status.week_start
    where rep_status.is_eligible
),

overdue_training as (
    select
        eligible.rep_id,
        eligible.manager_id,
        eligible.week_start,
        'overdue_training' as action_type,
        1 as type_order,
        assignment.course_id as item_id,
        assignment.course_title as item_name,
        cast(eligible.week_end - assignment.due_date as double precision) as impact_score,
        'days' as impact_unit,
        cast(null as double precision) as annual_cost,
        'Required course due ' || cast(assignment.due_date as text) || ', not completed: '
        || cast(eligible.week_end - assignment.due_date as text) || ' day(s) overdue at the week end' as detail
    from eligible
    inner join assignment
        on
            assignment.rep_id = eligible.rep_id
            and assignment.due_date <= eligible.week_end
            and (assignment.first_completed_date is null or assignment.first_completed_date > eligible.week_end)
),

inactive_paid_seat as (
    select
        eligible.rep_id,
        eligible.manager_id,
        eligible.week_start,
        'inactive_paid_seat' as action_type,
        2 as type_order,
        seat.tool as item_id,
        seat.tool as item_name,
        cast(coalesce(seat.annual_cost_per_seat, 0) as double precision) as impact_score,
        'annual_cost' as impact_unit,
        cast(seat.annual_cost_per_seat as double precision) as annual_cost,
        'No sign-in to ' || seat.tool || ' in 28 days; the seat costs '
        || coalesce(cast(cast(round(seat.annual_cost_per_seat) as bigint) as text), 'an unknown amount')
        || coalesce(' ' || tool.currency, '') || ' a year' as detail
    from eligible
    inner join seat
        on seat.rep_id = eligible.rep_id and seat.week_start = eligible.week_start and seat.is_inactive_seat
    left join tool on tool.tool = seat.tool
),

open_pipeline as (
    select
        eligible.rep_id,
        eligible.week_start,
        count(*) as open_opportunities,
        sum(coalesce(opportunity.amount, 0)) as open_amount
    from eligible
    inner join opportunity
        on
            opportunity.rep_id = eligible.rep_id
            and opportunity.created_date <= eligible.week_end
            and (not opportunity.is_closed or opportunity.close_date > eligible.week_end)
    group by eligible.rep_id, eligible.week_start
),

customer_facing_28d as (
    select distinct
        eligible.rep_id,
        eligible.week_start
    from eligible
    inner join customer_facing
        on
            customer_facing.rep_id = eligible.rep_id
            and customer_facing.activity_date >= eligible.week_end - 27
            and customer_facing.activity_date <= eligible.week_end
),

no_customer_facing_content as (
    select
        eligible.rep_id,
        eligible.manager_id,
        eligible.week_start,
        'no_customer_facing_content' as action_type,
        3 as type_order,
        cast(null as text) as item_id,
        cast(null as text) as item_name,
        cast(open_pipeline.open_amount as double precision) as impact_score,
        'open_pipeline' as impact_unit,
        cast(null as double precision) as annual_cost,
        cast(open_pipeline.open_opportunities as text) || ' open opportunity(ies) worth '
        || cast(cast(round(open_pipeline.open_amount) as bigint) as text)
        || ' and no customer-facing content in 4 weeks' as detail
    from eligible
    inner join open_pipeline
        on open_pipeline.rep_id = eligible.rep_id and open_pipeline.week_start = eligible.week_start
    left join customer_facing_28d
        on customer_facing_28d.rep_id = eligible.rep_id and customer_facing_28d.week_start = eligible.week_start
    where customer_facing_28d.rep_id is null
),

certification as (
    select
        eligible.rep_id,
        eligible.manager_id,
        eligible.week_start,
        eligible.week_end,
        certification_course.course_id,
        certification_course.course_title,
        certification_course.recert_days,
        certification_course.reinforcement_days,
        max(case when statement.is_passed then statement.activity_date end) as last_passed_date,
        max(statement.activity_date) as last_activity_date
    from eligible
    inner join statement
        on statement.rep_id = eligible.rep_id and statement.activity_date <= eligible.week_end
    inner join certification_course on certification_course.course_id = statement.course_id
    group by
        eligible.rep_id,
        eligible.manager_id,
        eligible.week_start,
        eligible.week_end,
        certification_course.course_id,
        certification_course.course_title,
        certification_course.recert_days,
        certification_course.reinforcement_days
),

decayed_certification as (
    select
        rep_id,
        manager_id,
        week_start,
        'decayed_certification' as action_type,
        4 as type_order,
        course_id as item_id,
        course_title as item_name,
        cast(week_end - last_activity_date as double precision) as impact_score,
        'days' as impact_unit,
        cast(null as double precision) as annual_cost,
        'Certification valid until ' || cast(last_passed_date + recert_days as text)
        || '; no learning activity on the course since ' || cast(last_activity_date as text) as detail
    from certification
    where
        last_passed_date is not null
        and last_passed_date + recert_days >= week_end
        and last_activity_date < week_end - reinforcement_days + 1
),

candidate as (
    select * from overdue_training
    union all
    select * from inactive_paid_seat
    union all
    select * from no_customer_facing_content
    union all
    select * from decayed_certification
),

placed as (
    select
        candidate.*,
        cume_dist() over (
            partition by candidate.week_start, candidate.action_type order by candidate.impact_score
        ) as impact_percentile
    from candidate
    where candidate.manager_id is not null
),

ranked as (
    select
        placed.*,
        row_number() over (
            partition by placed.manager_id, placed.week_start
            order by
                placed.impact_percentile desc,
                placed.type_order asc,
                placed.impact_score desc,
                placed.rep_id asc,
                coalesce(placed.item_id, '') asc
        ) as action_rank
    from placed
),

seat_without_data as (
    select distinct
        tool,
        rep_id,
        week_start
    from seat
    where not has_data
),

final as (
    select
        ranked.manager_id,
        ranked.week_start,
        cast(ranked.action_rank as integer) as action_rank,
        ranked.action_type,
        ranked.rep_id,
        ranked.item_id,
        ranked.item_name,
        ranked.detail,
        ranked.impact_score,
        ranked.impact_unit,
        ranked.impact_percentile,
        ranked.annual_cost,
        case
            when built_week.week_start is null or next_status.rep_id is null then null
            when seat_without_data.rep_id is not null then null
            else next_candidate.rep_id is null
        end as is_resolved
    from ranked
    left join built_week on built_week.week_start = ranked.week_start + 7
    left join eligible as next_status
        on next_status.rep_id = ranked.rep_id and next_status.week_start = ranked.week_start + 7
    left join seat_without_data
        on
            ranked.action_type = 'inactive_paid_seat'
            and seat_without_data.tool = ranked.item_id
            and seat_without_data.rep_id = ranked.rep_id
            and seat_without_data.week_start = ranked.week_start + 7
    left join candidate as next_candidate
        on
            next_candidate.action_type = ranked.action_type
            and next_candidate.rep_id = ranked.rep_id
            and coalesce(next_candidate.item_id, '') = coalesce(ranked.item_id, '')
            and next_candidate.week_start = ranked.week_start + 7
    where ranked.action_rank <= 3
)

select * from final
