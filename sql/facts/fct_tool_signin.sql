-- grain: one row per successful sign-in to a tool (Okta SSO success or Salesforce login success)
-- materialized: incremental
-- first_build: history
-- The first build holds every row loaded so far; later builds replace the window's weeks. An
-- event that arrives later than the window, or an identity matched late, changes an older week
-- when a backfill rebuilds it (as in every incremental mart).
with

okta as (
    select * from {{ source('raw_okta_event') }}
    where is_sso_success and app_display_name is not null and {{ in_build_weeks('published_at') }}
),

salesforce as (
    select * from {{ source('raw_sf_login') }}
    where is_success and {{ in_build_weeks('login_at') }}
),

identity as (
    select * from {{ ref('stg_identity') }}
    where source in ('okta', 'sf_login_history')
),

signin as (
    select
        'okta:' || event_id as signin_id,
        'okta' as source,
        app_display_name as tool,
        published_at as signed_in_at,
        actor_alternate_id as external_id
    from okta
    union all
    select
        'sf_login_history:' || login_id as signin_id,
        'sf_login_history' as source,
        'Salesforce' as tool,
        login_at as signed_in_at,
        user_id as external_id
    from salesforce
),

final as (
    select
        signin.signin_id,
        signin.source,
        signin.tool,
        signin.signed_in_at,
        {{ local_date('signin.signed_in_at') }} as activity_date,
        {{ week_of(local_date('signin.signed_in_at')) }} as week_start,
        signin.external_id,
        identity.rep_id
    from signin
    left join identity
        on identity.source = signin.source and identity.external_id = signin.external_id
)

select * from final
