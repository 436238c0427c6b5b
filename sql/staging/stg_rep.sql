-- grain: one row per CRM user (the rep key is the Salesforce User Id)
-- materialized: table
-- Hire date is the HR file's hire_date, else the CRM CreatedDate; emails are already trimmed
-- and lower-cased by the reader.
with

crm_user as (
    select * from {{ source('raw_crm_user') }}
),

hr_hire as (
    select
        email,
        min(hire_date) as hire_date
    from {{ source('raw_hr_status') }}
    where hire_date is not null
    group by email
),

seller_title as (
    select title from {{ source('cfg_seller_title') }}
),

final as (
    select
        crm_user.user_id as rep_id,
        crm_user.name as rep_name,
        crm_user.email,
        crm_user.email_sha1,
        crm_user.manager_id,
        crm_user.title,
        crm_user.department,
        crm_user.region,
        crm_user.is_active,
        crm_user.created_at,
        coalesce(hr_hire.hire_date, cast(crm_user.created_at as date)) as hire_date,
        hr_hire.hire_date is not null as has_hr_record,
        seller_title.title is not null as has_seller_title
    from crm_user
    left join hr_hire on crm_user.email = hr_hire.email
    left join seller_title on crm_user.title = seller_title.title
)

select * from final
