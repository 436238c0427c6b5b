-- grain: one row per CRM user (rep_id), with manager and tenure
-- materialized: table
with

rep as (
    select * from {{ ref('stg_rep') }}
),

report_count as (
    select
        manager_id,
        count(*) as direct_reports
    from rep
    where manager_id is not null
    group by manager_id
),

final as (
    select
        rep.rep_id,
        rep.rep_name,
        rep.email,
        rep.title,
        rep.department,
        rep.region,
        rep.manager_id,
        manager.rep_name as manager_name,
        rep.is_active,
        rep.hire_date,
        rep.has_seller_title,
        coalesce(report_count.direct_reports, 0) as direct_reports,
        coalesce(report_count.direct_reports, 0) > 0 as is_manager
    from rep
    left join rep as manager on manager.rep_id = rep.manager_id
    left join report_count on report_count.manager_id = rep.rep_id
)

select * from final
