-- grain: one row per content event (event_id)
-- materialized: incremental
-- first_build: history
-- The first build holds every row loaded so far; later builds replace the window's weeks. An
-- event that arrives later than the window, or an identity matched late, changes an older week
-- when a backfill rebuilds it (as in every incremental mart).
with

event as (
    select * from {{ source('raw_content_event') }}
    where {{ in_build_weeks('occurred_at') }}
),

identity as (
    select * from {{ ref('stg_identity') }}
    where source = 'content_activity'
),

asset as (
    select asset_id from {{ source('raw_content_asset') }}
),

localized as (
    select
        event.*,
        {{ local_date('event.occurred_at') }} as activity_date
    from event
),

final as (
    select
        localized.event_id,
        localized.occurred_at,
        localized.activity_date,
        {{ week_of('localized.activity_date') }} as week_start,
        localized.user_email,
        identity.rep_id,
        localized.asset_id,
        asset.asset_id is not null as is_known_asset,
        localized.action,
        localized.is_customer_facing,
        localized.duration_seconds,
        localized.opportunity_id
    from localized
    left join identity on identity.external_id = localized.user_email
    left join asset on asset.asset_id = localized.asset_id
)

select * from final
