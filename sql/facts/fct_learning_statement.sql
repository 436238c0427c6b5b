-- grain: one row per xAPI statement in force (voided statements and voiding statements removed)
-- materialized: incremental
-- first_build: history
-- The first build holds every row loaded so far; later builds replace the window's weeks. A
-- statement that arrives later than the window, an identity matched late, or a void of an older
-- statement changes an older week when a backfill rebuilds it (as in every incremental mart).
with

statement as (
    select * from {{ source('raw_xapi_statement') }}
    where not is_voided and voided_statement_id is null and {{ in_build_weeks('occurred_at') }}
),

identity as (
    select * from {{ ref('stg_identity') }}
    where source = 'xapi'
),

identified as (
    select
        statement.*,
        case
            when statement.actor_mbox is not null then 'email'
            when statement.actor_mbox_sha1sum is not null then 'mbox_sha1sum'
            else 'account'
        end as id_kind,
        coalesce(statement.actor_mbox, statement.actor_mbox_sha1sum, statement.actor_account_name)
            as external_id,
        lower(regexp_replace(statement.verb_id, '^.*/', '')) as verb,
        {{ local_date('statement.occurred_at') }} as activity_date
    from statement
),

final as (
    select
        identified.statement_id,
        identified.occurred_at,
        identified.activity_date,
        {{ week_of('identified.activity_date') }} as week_start,
        identified.id_kind,
        identified.external_id,
        identity.rep_id,
        identified.verb,
        identified.verb_id,
        identified.object_id as course_id,
        identified.object_name,
        identified.verb in ('completed', 'passed') as is_completion,
        identified.verb = 'passed' as is_passed,
        identified.verb = 'failed' as is_failed,
        identified.result_score_scaled as score_scaled,
        identified.result_success,
        identified.result_duration_seconds as duration_seconds,
        identified.is_time_from_stored
    from identified
    left join identity
        on
            identity.id_kind = identified.id_kind
            and identity.external_id = identified.external_id
)

select * from final
