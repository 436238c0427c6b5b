-- grain: one row per licence assignment (tool, user e-mail, assigned_at)
-- materialized: table
with

assignment as (
    select * from {{ source('raw_licence_assignment') }}
),

identity as (
    select * from {{ ref('stg_identity') }}
    where source = 'licence_assignments'
),

final as (
    select
        assignment.tool,
        assignment.user_email,
        identity.rep_id,
        assignment.assigned_at,
        assignment.unassigned_at,
        {{ local_date('assignment.assigned_at') }} as assigned_date,
        {{ local_date('assignment.unassigned_at') }} as unassigned_date
    from assignment
    left join identity on identity.external_id = assignment.user_email
)

select * from final
