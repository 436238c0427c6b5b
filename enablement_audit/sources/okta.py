"""Okta System Log: ``LogEvent`` objects exactly as ``GET /api/v1/logs`` returns them.

A file is a JSON array of events (the API's response body), JSON Lines (one event a line, what
:mod:`enablement_audit.sources.okta_api` lands) or one event object. Every event is kept in
``raw_okta_event``, sign-in or not, success or failure: the models pick the active signal
(``user.authentication.sso`` with ``outcome.result = SUCCESS``, flagged as ``is_sso_success``).
For that signal the user is ``actor.alternateId`` (the Okta login, usually the e-mail) and the
tool is the first ``AppInstance`` target, so an SSO event lacking either is quarantined.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from enablement_audit.sources import native
from enablement_audit.sources.base import (
    Column,
    CsvField,
    FieldError,
    Parsed,
    Reject,
    SourceFile,
    SourceSpec,
    iter_json_records,
    parse_timestamp,
)

SSO_EVENT_TYPE = "user.authentication.sso"
APP_INSTANCE = "AppInstance"

COLUMNS: tuple[Column, ...] = (
    Column("event_id", "text"),
    Column("published_at", "timestamp"),
    Column("event_type", "text"),
    Column("outcome_result", "text"),
    Column("outcome_reason", "text"),
    Column("actor_id", "text"),
    Column("actor_alternate_id", "text"),
    Column("actor_display_name", "text"),
    Column("actor_type", "text"),
    Column("app_instance_id", "text"),
    Column("app_display_name", "text"),
    Column("client_ip", "text"),
    Column("is_sso_success", "bool"),
)


def _show(value: Any, width: int = 60) -> str:
    """A value as it appears in a reason, cut short so a huge object cannot flood quarantine."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _required_text(event: Mapping[str, Any], key: str, rule: str) -> str:
    value = event.get(key)
    if value is None:
        raise FieldError(key, rule, "is required but missing")
    if not isinstance(value, str):
        raise FieldError(key, "bad_type", f"{_show(value)} is not a string")
    text = value.strip()
    if not text:
        raise FieldError(key, rule, "is required but empty")
    return text


def _optional_text(parent: Mapping[str, Any] | None, key: str, name: str) -> str | None:
    """A text field that may be absent or null; numbers are kept as their text."""
    if parent is None:
        return None
    value = parent.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise FieldError(name, "bad_type", f"{_show(value)} is not a string")
    return str(value).strip() or None


def _optional_object(event: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    value = event.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise FieldError(key, "bad_type", f"{_show(value)} is not an object")
    return value


def _published(event: Mapping[str, Any]) -> Any:
    value = event.get("published")
    if value is None or (isinstance(value, str) and not value.strip()):
        raise FieldError("published", "missing_time", "is required but missing")
    if not isinstance(value, str):
        raise FieldError("published", "bad_timestamp", f"{_show(value)} is not an ISO 8601 timestamp")
    try:
        return parse_timestamp(value)
    except ValueError as exc:
        raise FieldError("published", "bad_timestamp", str(exc)) from None


def _app_instance(event: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The first target of type ``AppInstance`` (the application signed in to), if any."""
    targets = event.get("target")
    if targets is None:
        return None
    if not isinstance(targets, list):
        raise FieldError("target", "bad_type", f"{_show(targets)} is not a list")
    for index, target in enumerate(targets):
        if not isinstance(target, dict):
            raise FieldError(f"target[{index}]", "bad_type", f"{_show(target)} is not an object")
        if target.get("type") == APP_INSTANCE:
            return target
    return None


def event_values(event: Mapping[str, Any]) -> dict[str, Any]:
    """The raw-table row for one ``LogEvent``, or :class:`FieldError` for the first problem."""
    event_id = _required_text(event, "uuid", "missing_id")
    published_at = _published(event)
    event_type = _required_text(event, "eventType", "missing_event_type")
    outcome = _optional_object(event, "outcome")
    actor = _optional_object(event, "actor")
    client = _optional_object(event, "client")
    app = _app_instance(event)
    result = _optional_text(outcome, "result", "outcome.result")
    alternate_id = _optional_text(actor, "alternateId", "actor.alternateId")
    if event_type == SSO_EVENT_TYPE:
        if actor is None:
            raise FieldError("actor", "missing_actor", f"is required on a {SSO_EVENT_TYPE} event")
        if alternate_id is None:
            raise FieldError("actor.alternateId", "missing_actor", f"is required on a {SSO_EVENT_TYPE} event")
        if app is None:
            raise FieldError(
                "target",
                "missing_target",
                f"has no {APP_INSTANCE} target on a {SSO_EVENT_TYPE} event",
            )
    # Okta writes results upper-case (SUCCESS, FAILURE, SKIPPED, ALLOW, DENY, CHALLENGE, ...).
    result = result.upper() if result else None
    return {
        "event_id": event_id,
        "published_at": published_at,
        "event_type": event_type,
        "outcome_result": result,
        "outcome_reason": _optional_text(outcome, "reason", "outcome.reason"),
        "actor_id": _optional_text(actor, "id", "actor.id"),
        # For users the alternateId is the Okta login, matched against CRM e-mails.
        "actor_alternate_id": alternate_id.lower() if alternate_id else None,
        "actor_display_name": _optional_text(actor, "displayName", "actor.displayName"),
        "actor_type": _optional_text(actor, "type", "actor.type"),
        "app_instance_id": _optional_text(app, "id", "target.id"),
        "app_display_name": _optional_text(app, "displayName", "target.displayName"),
        "client_ip": _optional_text(client, "ipAddress", "client.ipAddress"),
        "is_sso_success": event_type == SSO_EVENT_TYPE and result == "SUCCESS",
    }


def read_okta(source: SourceFile) -> Iterator[Parsed | Reject]:
    """Stream one System Log file (JSON array, JSON Lines or one object) as rows and rejects."""
    for item in iter_json_records(source):
        yield item if isinstance(item, Reject) else event_row(*item)


def event_row(line: int, raw: str, event: Any) -> Parsed | Reject:
    """One parsed JSON value as a row, or the reject saying why it is not one."""
    if not isinstance(event, dict):
        return Reject(line, raw, "not_an_object", f"event: {_show(event)} is not a JSON object")
    try:
        values = event_values(event)
    except FieldError as exc:
        return Reject(line, raw, exc.rule, f"{exc.field_name}: {exc.message}")
    return Parsed(line, values)


_PATHS = (
    "$.uuid",
    "$.published",
    "$.eventType",
    "$.outcome",
    "$.actor",
    "$.client",
    "$.target",
    "$.outcome.result",
    "$.actor.alternateId",
    "$.outcome.reason",
    "$.actor.id",
    "$.actor.displayName",
    "$.actor.type",
    "$.client.ipAddress",
)
_APP_PATHS = ("$.id", "$.displayName")


def _native() -> native.NativeJson:
    """The fast path's reading of an event: the rules of :func:`event_values` in SQL."""
    at = {path: i for i, path in enumerate(_PATHS, start=1)}

    def text(path: str) -> str:
        return f"tt[{at[path]}]"

    app_paths = "[" + ", ".join(native.literal(p) for p in _APP_PATHS) + "]"
    # The target list's JSON text, parsed again (not the whole line), only where it is a list.
    target, is_list = f"tx[{at['$.target']}]", f"ty[{at['$.target']}] = 'ARRAY'"
    lets = {
        "app": (
            f"case when {is_list} then list_filter(cast({target} as json[]), "
            f"lambda t: json_type(t) = 'OBJECT' "
            f"and t ->> 'type' = {native.literal(APP_INSTANCE)})[1] end"
        ),
        "app_types": f"json_type(app, {app_paths})",
        "app_texts": (
            f"list_transform(json_extract_string(app, {app_paths}), lambda v: {native.trimmed('v')})"
        ),
        # ...and none with a key twice (DuckDB would read the first, Python reads the last)
        "targets_are_objects": (
            f"case when {is_list} then coalesce(list_bool_and(list_transform(json_type({target}, '$[*]'), "
            "lambda t: t = 'OBJECT')), true) "
            f"and coalesce(list_bool_and(list_transform(json_keys({target}, '$[*]'), "
            "lambda k: len(k) = list_unique(k))), true) else true end"
        ),
    }
    published, published_clean = native.field_sql(
        CsvField("published", parse_timestamp, required=True), text("$.published")
    )
    optional = {
        "outcome_reason": text("$.outcome.reason"),
        "actor_id": text("$.actor.id"),
        "actor_display_name": text("$.actor.displayName"),
        "actor_type": text("$.actor.type"),
        "client_ip": text("$.client.ipAddress"),
        "app_instance_id": "app_texts[1]",
        "app_display_name": "app_texts[2]",
    }
    sso = native.literal(SSO_EVENT_TYPE)
    result, alternate, event_type = text("$.outcome.result"), text("$.actor.alternateId"), text("$.eventType")
    clean = [
        native.keys_once(_PATHS),
        f"ty[1] = 'VARCHAR' and {text('$.uuid')} is not null",
        f"ty[2] = 'VARCHAR' and {published_clean}",
        f"ty[3] = 'VARCHAR' and {event_type} is not null",
        *(native.json_is(at[p], "OBJECT") for p in ("$.outcome", "$.actor", "$.client")),
        f"({native.json_is(at['$.target'])} or (ty[{at['$.target']}] = 'ARRAY' and targets_are_objects))",
        *(native.json_is(i, "VARCHAR") for i in range(at["$.outcome.result"], len(_PATHS) + 1)),
        "coalesce(list_bool_and(list_transform(app_types, "
        "lambda t: coalesce(t in ('VARCHAR', 'NULL'), true))), true)",
        native.ascii_only(f"tx[{at['$.outcome.result']}]"),
        native.ascii_only(f"tx[{at['$.actor.alternateId']}]"),
        f"({event_type} <> {sso} or (ty[{at['$.actor']}] = 'OBJECT' and {alternate} is not null "
        "and app is not null))",
    ]
    columns = {
        "event_id": text("$.uuid"),
        "published_at": published,
        "event_type": event_type,
        "outcome_result": f"upper({result})",
        "actor_alternate_id": f"lower({alternate})",
        **optional,
        "is_sso_success": f"coalesce({event_type} = {sso} and upper({result}) = 'SUCCESS', false)",
    }
    return native.NativeJson(
        paths=_PATHS,
        lets=lets,
        columns=columns,
        clean=" and ".join(f"({c})" for c in clean),
        row=event_row,
        types_only=frozenset(("$.outcome", "$.actor", "$.client")),
    )


OKTA = SourceSpec(
    name="okta",
    table="raw_okta_event",
    columns=COLUMNS,
    key=("event_id",),
    reader=read_okta,
    native_json=_native(),
    description=(
        "Okta System Log events (LogEvent, from GET /api/v1/logs): one row per event uuid; "
        "is_sso_success marks a successful user.authentication.sso sign-in to an app"
    ),
)

SPECS: tuple[SourceSpec, ...] = (OKTA,)
