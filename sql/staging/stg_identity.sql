-- grain: one row per identity seen in a source (source, external_id)
-- materialized: table
-- Resolves every identity a source uses to the CRM User Id: e-mail addresses by the CRM e-mail,
-- xAPI mbox_sha1sum by the SHA-1 of the CRM e-mail's mailto: IRI, xAPI accounts and non-email
-- Okta logins through the identity map, CRM ids directly. Unmatched identities keep a null rep_id.
with

rep as (
    select * from {{ ref('stg_rep') }}
),

identity_map as (
    select
        source,
        external_id,
        -- logins and e-mails are lower-cased by the readers; a map may spell them otherwise
        lower(trim(external_id)) as normalized_id,
        email
    from {{ source('raw_identity_map') }}
),

observed as (
    select distinct
        'content_activity' as source,
        'email' as id_kind,
        user_email as external_id
    from {{ source('raw_content_event') }}
    union all
    select distinct
        'xapi' as source,
        'email' as id_kind,
        actor_mbox as external_id
    from {{ source('raw_xapi_statement') }}
    where actor_mbox is not null
    union all
    select distinct
        'xapi' as source,
        'mbox_sha1sum' as id_kind,
        actor_mbox_sha1sum as external_id
    from {{ source('raw_xapi_statement') }}
    where actor_mbox is null and actor_mbox_sha1sum is not null
    union all
    select distinct
        'xapi' as source,
        'account' as id_kind,
        actor_account_name as external_id
    from {{ source('raw_xapi_statement') }}
    where actor_mbox is null and actor_mbox_sha1sum is null and actor_account_name is not null
    union all
    select distinct
        'okta' as source,
        'login' as id_kind,
        actor_alternate_id as external_id
    from {{ source('raw_okta_event') }}
    where is_sso_success and actor_alternate_id is not null
    union all
    select distinct
        'sf_login_history' as source,
        'crm_id' as id_kind,
        user_id as external_id
    from {{ source('raw_sf_login') }}
    union all
    select distinct
        'licence_assignments' as source,
        'email' as id_kind,
        user_email as external_id
    from {{ source('raw_licence_assignment') }}
    union all
    select distinct
        'hr' as source,
        'email' as id_kind,
        email as external_id
    from {{ source('raw_hr_status') }}
    union all
    select distinct
        'opportunities' as source,
        'crm_id' as id_kind,
        owner_id as external_id
    from {{ source('raw_crm_opportunity') }}
    union all
    select distinct
        'quotas' as source,
        'crm_id' as id_kind,
        owner_id as external_id
    from {{ source('raw_crm_quota') }}
),

-- Two equality joins (an "or" in one join condition would compare every pair): the map rows
-- naming the identity as it is spelled, and for logins and e-mails those naming it otherwise.
map_match as (
    select
        observed.source,
        observed.id_kind,
        observed.external_id,
        identity_map.email
    from observed
    inner join identity_map
        on identity_map.source = observed.source and identity_map.external_id = observed.external_id
    union all
    select
        observed.source,
        observed.id_kind,
        observed.external_id,
        identity_map.email
    from observed
    inner join identity_map
        on identity_map.source = observed.source and identity_map.normalized_id = observed.external_id
    where observed.id_kind in ('login', 'email') and identity_map.external_id != observed.external_id
),

mapped as (
    select
        observed.source,
        observed.id_kind,
        observed.external_id,
        map_match.email as mapped_email
    from observed
    left join map_match
        on
            map_match.source = observed.source
            and map_match.id_kind = observed.id_kind
            and map_match.external_id = observed.external_id
),

resolved as (
    select
        mapped.source,
        mapped.id_kind,
        mapped.external_id,
        coalesce(by_id.rep_id, by_email.rep_id, by_sha1.rep_id, by_map.rep_id) as rep_id,
        case
            when by_id.rep_id is not null then 'crm_id'
            when by_email.rep_id is not null then 'email'
            when by_sha1.rep_id is not null then 'mbox_sha1sum'
            when by_map.rep_id is not null then 'identity_map'
        end as match_method
    from mapped
    left join rep as by_id
        on mapped.id_kind = 'crm_id' and by_id.rep_id = mapped.external_id
    left join rep as by_email
        on mapped.id_kind in ('email', 'login') and by_email.email = mapped.external_id
    left join rep as by_sha1
        on mapped.id_kind = 'mbox_sha1sum' and by_sha1.email_sha1 = mapped.external_id
    left join rep as by_map
        on by_map.email = mapped.mapped_email
),

final as (
    select
        source,
        id_kind,
        external_id,
        rep_id,
        match_method,
        rep_id is not null as is_matched
    from resolved
)

select * from final
