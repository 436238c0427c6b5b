-- grain: one row per asset, course or tool on the stop-doing list, as of the last week built
-- materialized: table
-- Stop-doing list (SPEC section 5) as of week A = the build window's last week: items below
-- their utilisation threshold with no significant favourable association with performance
-- (no outcome of mart_adoption_impact's combined stratum significant in the outcome's better
-- direction). Assets: in the utilisation base with fewer seller actions in the trailing 90 days
-- than the threshold (1: shelfware). Courses: required courses completed by fewer than the
-- threshold share of their assignments due by A's end to sellers eligible in A. Tools: seat
-- utilisation below the threshold in A; a tool with no sign-in data in A is unknown, not listed.
with

as_of as (
    select
        cast(:week_hi as date) - 7 as as_of_week_start,
        cast(:week_hi as date) - 1 as as_of_week_end
),

threshold as (
    -- defaults; the lead may turn them into bound parameters (see the M5 report)
    select
        1 as asset_min_actions_90d,
        cast(0.5 as double precision) as course_min_completion_rate,
        cast(0.5 as double precision) as tool_min_seat_utilization
),

asset_usage as (
    select asset_usage.*
    from {{ ref('mart_asset_usage') }} as asset_usage
    inner join as_of on as_of.as_of_week_start = asset_usage.week_start
),

assignment as (
    select * from {{ ref('int_required_assignment') }}
),

eligible as (
    select rep_status.rep_id
    from {{ ref('int_rep_week_status') }} as rep_status
    inner join as_of on as_of.as_of_week_start = rep_status.week_start
    where rep_status.is_eligible
),

tool_seats as (
    select tool_seats.*
    from {{ ref('mart_tool_seats') }} as tool_seats
    inner join as_of on as_of.as_of_week_start = tool_seats.week_start
),

impact as (
    select * from {{ ref('mart_adoption_impact') }}
    where stratum = 'combined'
),

impact_item as (
    select
        item_type,
        item_id,
        max(case when is_favourable then 1 else 0 end) as has_favourable,
        max(case when is_significant and not is_favourable then 1 else 0 end) as has_unfavourable,
        max(case when verdict <> 'insufficient evidence' then 1 else 0 end) as has_evidence
    from impact
    group by item_type, item_id
),

asset_candidate as (
    select
        'asset' as item_type,
        asset_usage.asset_id as item_id,
        asset_usage.title as item_name,
        'seller_actions_90d' as utilisation_measure,
        cast(asset_usage.actions_90d as double precision) as utilisation,
        cast(threshold.asset_min_actions_90d as double precision) as threshold,
        cast(null as double precision) as reclaimable_annual_spend,
        cast(null as text) as currency,
        case
            when asset_usage.actions_90d = 0 then 'Shelfware: no seller action in the trailing 90 days'
            else
                'Only ' || cast(asset_usage.actions_90d as text) || ' seller action(s) in the trailing 90 days'
        end as utilisation_reason
    from asset_usage
    cross join threshold
    where asset_usage.is_in_utilisation_base and asset_usage.actions_90d < threshold.asset_min_actions_90d
),

course_assignment as (
    select
        assignment.course_id,
        min(assignment.course_title) as course_title,
        count(*) as assigned_n,
        count(
            case when assignment.first_completed_date <= as_of.as_of_week_end then 1 end
        ) as completed_n
    from assignment
    inner join eligible on eligible.rep_id = assignment.rep_id
    cross join as_of
    where assignment.due_date <= as_of.as_of_week_end
    group by assignment.course_id
),

course_candidate as (
    select
        'course' as item_type,
        course_assignment.course_id as item_id,
        course_assignment.course_title as item_name,
        'completion_rate' as utilisation_measure,
        cast(course_assignment.completed_n as double precision) / course_assignment.assigned_n as utilisation,
        threshold.course_min_completion_rate as threshold,
        cast(null as double precision) as reclaimable_annual_spend,
        cast(null as text) as currency,
        'Completed by ' || cast(course_assignment.completed_n as text) || ' of the '
        || cast(course_assignment.assigned_n as text) || ' eligible sellers it is due for' as utilisation_reason
    from course_assignment
    cross join threshold
    where
        cast(course_assignment.completed_n as double precision) / course_assignment.assigned_n
        < threshold.course_min_completion_rate
),

tool_candidate as (
    select
        'tool' as item_type,
        tool_seats.tool as item_id,
        tool_seats.tool as item_name,
        'seat_utilization' as utilisation_measure,
        tool_seats.seat_utilization as utilisation,
        threshold.tool_min_seat_utilization as threshold,
        tool_seats.reclaimable_annual_spend,
        tool_seats.currency,
        cast(tool_seats.active_users as text) || ' active user(s) for ' || cast(tool_seats.seats_purchased as text)
        || ' seats; ' || cast(cast(round(tool_seats.reclaimable_annual_spend) as bigint) as text)
        || coalesce(' ' || tool_seats.currency, '') || ' a year reclaimable' as utilisation_reason
    from tool_seats
    cross join threshold
    where tool_seats.has_data and tool_seats.seat_utilization < threshold.tool_min_seat_utilization
),

candidate as (
    select * from asset_candidate
    union all
    select * from course_candidate
    union all
    select * from tool_candidate
),

judged as (
    select
        candidate.*,
        case
            when impact_item.has_favourable = 1 then 'favourable association'
            when impact_item.has_unfavourable = 1 then 'unfavourable association'
            when impact_item.has_evidence = 1 then 'no clear difference'
            else 'insufficient evidence'
        end as impact_verdict
    from candidate
    left join impact_item
        on impact_item.item_type = candidate.item_type and impact_item.item_id = candidate.item_id
),

final as (
    select
        judged.item_type,
        judged.item_id,
        judged.item_name,
        as_of.as_of_week_start,
        judged.utilisation_measure,
        judged.utilisation,
        judged.threshold,
        judged.impact_verdict,
        judged.reclaimable_annual_spend,
        judged.currency,
        judged.utilisation_reason || '; adoption versus performance: ' || judged.impact_verdict as reason
    from judged
    cross join as_of
    where judged.impact_verdict <> 'favourable association'
)

select * from final
