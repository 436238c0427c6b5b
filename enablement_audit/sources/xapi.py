"""xAPI statements (1.0.3 and 2.0) from files: a JSON array, JSON Lines, one statement object,
or an LRS ``StatementResult`` (``{"statements": [...], "more": "..."}``) saved to a file.

One row per statement. The learner is the actor's inverse functional identifier: ``mbox``
(``mailto:`` e-mail), ``mbox_sha1sum`` (SHA-1 of the ``mailto:`` IRI) or ``account``
(``homePage`` + ``name``, resolved later through the identity map). A statement's time is its
``timestamp``, else the LRS's ``stored``; one with neither cannot be placed in a window and is
quarantined. A statement without ``id`` (one written before it reached an LRS) gets a UUID5 of
its canonical JSON, so loading it again finds the same row. A ``voided`` statement marks its
target ``is_voided`` after each load, whichever of the two arrived first.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from enablement_audit.sources import native
from enablement_audit.sources.base import (
    MAX_EMAIL_LENGTH,
    Column,
    CsvField,
    FieldError,
    Parsed,
    Reject,
    SourceFile,
    SourceSpec,
    iter_json_records,
    mbox_sha1sum,
    parse_email,
    parse_timestamp,
    shown,
)

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
# Namespace of the ids given to statements that arrive without one (fixed: changing it would
# give every such statement a new id and load it twice).
GENERATED_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://enablement-audit/xapi/statement")

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_SHA1 = re.compile(r"^[0-9a-f]{40}$")
# An absolute IRI: a scheme, a colon, then no blanks (RFC 3987).
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+$")
# ISO 8601 duration as xAPI uses it (PT1M30.5S, P1DT2H, P2W); a fraction on any part.
_DURATION = re.compile(
    r"^P(?!$)(?:(?P<years>\d+(?:[.,]\d+)?)Y)?(?:(?P<months>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<weeks>\d+(?:[.,]\d+)?)W)?(?:(?P<days>\d+(?:[.,]\d+)?)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+(?:[.,]\d+)?)H)?(?:(?P<minutes>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?$"
)
_DURATION_SECONDS = {"weeks": 604_800, "days": 86_400, "hours": 3_600, "minutes": 60, "seconds": 1}

COLUMNS: tuple[Column, ...] = (
    Column("statement_id", "text"),
    Column("is_id_generated", "bool"),
    Column("actor_mbox", "text"),
    Column("actor_mbox_sha1sum", "text"),
    Column("actor_account_home_page", "text"),
    Column("actor_account_name", "text"),
    Column("actor_name", "text"),
    Column("verb_id", "text"),
    Column("verb_display", "text"),
    Column("object_id", "text"),
    Column("object_type", "text"),
    Column("object_name", "text"),
    Column("result_success", "bool"),
    Column("result_completion", "bool"),
    Column("result_score_scaled", "float"),
    Column("result_score_raw", "float"),
    Column("result_duration_seconds", "float"),
    Column("registration", "text"),
    Column("occurred_at", "timestamp"),
    Column("stored_at", "timestamp"),
    Column("is_time_from_stored", "bool"),
    Column("xapi_version", "text"),
    Column("voided_statement_id", "text"),
    Column("is_voided", "bool"),
)


def read_statements(source: SourceFile) -> Iterator[Parsed | Reject]:
    """Every statement of the file, in order; a ``StatementResult`` record yields each of its
    statements under the record's own line (or element) number."""
    for item in iter_json_records(source):
        if isinstance(item, Reject):
            yield item
        else:
            yield from record_rows(*item)


def record_rows(line: int, raw: str, record: Any) -> list[Parsed | Reject]:
    """The rows of one JSON record: a statement, or each statement of a ``StatementResult``."""
    if _is_statement_result(record):
        return [
            parse_statement(line, json.dumps(statement, ensure_ascii=False), statement)
            for statement in record["statements"]
        ]
    return [parse_statement(line, raw, record)]


def _is_statement_result(record: Any) -> bool:
    return (
        isinstance(record, dict)
        and isinstance(record.get("statements"), list)
        and not {"actor", "verb", "object"} & record.keys()
    )


def parse_statement(line: int, raw: str, statement: Any) -> Parsed | Reject:
    """One statement as a row of ``raw_xapi_statement``, or the first rule it breaks."""
    try:
        return Parsed(line, statement_values(statement))
    except FieldError as exc:
        return Reject(line, raw, exc.rule, f"{exc.field_name}: {exc.message}")


def statement_values(statement: Any) -> dict[str, Any]:
    """The typed columns of one statement; :class:`FieldError` for the first rule it breaks.

    Checked in this order: an object at all, its time, actor, verb, object, result, voiding.
    """
    if not isinstance(statement, dict):
        raise FieldError(
            "statement", "not_an_object", f"expected a JSON object, found {_json_type(statement)}"
        )
    values: dict[str, Any] = {}
    values.update(_time(statement))
    values.update(_actor(statement.get("actor")))
    values.update(_verb(statement.get("verb")))
    values.update(_object(statement.get("object")))
    values.update(_result(statement.get("result")))
    values.update(_voiding(values))
    values.update(_statement_id(statement))
    values["registration"] = _registration(statement.get("context"))
    version = statement.get("version")
    values["xapi_version"] = version.strip() if isinstance(version, str) and version.strip() else None
    values["is_voided"] = False
    return {column.name: values[column.name] for column in COLUMNS}


def _time(statement: Mapping[str, Any]) -> dict[str, Any]:
    timestamp = _timestamp(statement, "timestamp")
    stored = _timestamp(statement, "stored")
    if timestamp is None and stored is None:
        raise FieldError(
            "timestamp",
            "missing_time",
            "the statement has no timestamp and no stored time, so it cannot be placed in time",
        )
    return {
        "occurred_at": timestamp if timestamp is not None else stored,
        "stored_at": stored,
        "is_time_from_stored": timestamp is None,
    }


def _timestamp(statement: Mapping[str, Any], name: str) -> Any:
    value = statement.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise FieldError(name, "bad_timestamp", f"{shown(value)} is not an ISO 8601 timestamp")
    try:
        return parse_timestamp(value)
    except ValueError as exc:
        raise FieldError(name, "bad_timestamp", str(exc)) from None


def _actor(actor: Any) -> dict[str, Any]:
    if not isinstance(actor, dict):
        raise FieldError("actor", "missing_actor", "is required: an Agent or identified Group")
    email = None
    mbox = actor.get("mbox")
    if mbox is not None:
        try:
            if not isinstance(mbox, str):
                raise ValueError(f"{shown(mbox)} is not a mailto: e-mail address")
            email = parse_email(mbox)
        except ValueError as exc:
            raise FieldError("actor.mbox", "bad_email", str(exc)) from None
    sha1 = actor.get("mbox_sha1sum")
    if sha1 is not None:
        if not isinstance(sha1, str) or not _SHA1.match(sha1.strip().lower()):
            raise FieldError(
                "actor.mbox_sha1sum", "bad_sha1sum", f"{shown(sha1)} is not a 40-digit hex SHA-1"
            )
        sha1 = sha1.strip().lower()
    elif email is not None:
        sha1 = mbox_sha1sum(email)  # one column to match every actor against the roster
    account = actor.get("account")
    home_page = name = None
    if isinstance(account, dict):
        home_page = _text(account.get("homePage"))
        name = _text(account.get("name"))
    has_account = home_page is not None and name is not None
    if email is None and sha1 is None and not has_account:
        kind = actor.get("objectType") or "Agent"
        if isinstance(account, dict):
            found = "an account without both homePage and name"
        else:
            found = f"an anonymous {kind}" if kind == "Group" else f"an {kind} with no identifier"
        raise FieldError(
            "actor",
            "missing_actor",
            f"{found}: needs mbox, mbox_sha1sum or account {{homePage, name}}",
        )
    return {
        "actor_mbox": email,
        "actor_mbox_sha1sum": sha1,
        "actor_account_home_page": home_page if has_account else None,
        "actor_account_name": name if has_account else None,
        "actor_name": _text(actor.get("name")),
    }


def _verb(verb: Any) -> dict[str, Any]:
    verb_id = _text(verb.get("id")) if isinstance(verb, dict) else None
    if verb_id is None:
        field = "verb.id" if isinstance(verb, dict) else "verb"
        raise FieldError(field, "missing_verb", "is required")
    # Any IRI is a valid verb (profiles define their own); a bare word is not an IRI.
    if not _IRI.match(verb_id):
        raise FieldError(
            "verb.id",
            "bad_verb",
            f"{shown(verb_id)} is not an IRI such as http://adlnet.gov/expapi/verbs/completed",
        )
    return {"verb_id": verb_id, "verb_display": _language_map(verb.get("display"))}


def _object(target: Any) -> dict[str, Any]:
    if not isinstance(target, dict):
        raise FieldError("object", "missing_object", "is required")
    object_type = _text(target.get("objectType")) or "Activity"
    object_id = _text(target.get("id"))
    if object_id is None:
        raise FieldError("object.id", "missing_object", f"is required (objectType {object_type})")
    definition = target.get("definition")
    name = _language_map(definition.get("name")) if isinstance(definition, dict) else None
    return {"object_id": object_id, "object_type": object_type, "object_name": name}


def _result(result: Any) -> dict[str, Any]:
    if not isinstance(result, dict):
        result = {}
    score = result.get("score")
    if not isinstance(score, dict):
        score = {}
    scaled = _number(score.get("scaled"), "result.score.scaled")
    if scaled is not None and not -1 <= scaled <= 1:
        raise FieldError("result.score.scaled", "bad_score", f"{shown(scaled)} is outside -1..1")
    return {
        "result_success": _flag(result.get("success"), "result.success"),
        "result_completion": _flag(result.get("completion"), "result.completion"),
        "result_score_scaled": scaled,
        "result_score_raw": _number(score.get("raw"), "result.score.raw"),
        "result_duration_seconds": _duration(result.get("duration")),
    }


def _voiding(values: Mapping[str, Any]) -> dict[str, Any]:
    if values["verb_id"] != VOIDED_VERB:
        return {"voided_statement_id": None}
    if values["object_type"] != "StatementRef":
        raise FieldError(
            "object.objectType",
            "bad_voiding",
            f"a voided statement must target a StatementRef, found {values['object_type']}",
        )
    target = values["object_id"].lower()
    if not _UUID.match(target):
        raise FieldError("object.id", "bad_voiding", f"{shown(target)} is not a statement id (UUID)")
    return {"voided_statement_id": target, "object_id": target}


def _statement_id(statement: Mapping[str, Any]) -> dict[str, Any]:
    given = statement.get("id")
    if given is None:
        canonical = json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        generated = uuid.uuid5(GENERATED_ID_NAMESPACE, canonical)
        return {"statement_id": str(generated), "is_id_generated": True}
    text = given.strip().lower() if isinstance(given, str) else ""
    if not _UUID.match(text):
        raise FieldError("id", "bad_id", f"{shown(given)} is not a UUID")
    return {"statement_id": text, "is_id_generated": False}


def _registration(context: Any) -> str | None:
    if not isinstance(context, dict):
        return None
    registration = _text(context.get("registration"))
    return registration.lower() if registration else None


def parse_duration(value: str) -> float:
    """Seconds in an ISO 8601 duration (``PT1M30.5S`` -> 90.5). Years and months have no fixed
    length, so only zero ones are accepted."""
    match = _DURATION.match(value.strip().upper())
    if not match:
        raise ValueError(f"{shown(value)} is not an ISO 8601 duration such as PT1M30.5S")
    parts = {k: float(v.replace(",", ".")) for k, v in match.groupdict().items() if v}
    if parts.get("years") or parts.get("months"):
        raise ValueError(f"{shown(value)} has years or months, which have no fixed length in seconds")
    return sum(parts.get(name, 0.0) * factor for name, factor in _DURATION_SECONDS.items())


def _duration(value: Any) -> float | None:
    if value is None:
        return None
    try:
        if not isinstance(value, str):
            raise ValueError(f"{shown(value)} is not an ISO 8601 duration such as PT1M30.5S")
        return parse_duration(value)
    except ValueError as exc:
        raise FieldError("result.duration", "bad_duration", str(exc)) from None


def _number(value: Any, field: str) -> float | None:
    if value is None:
        return None
    number = math.nan
    if isinstance(value, int | float) and not isinstance(value, bool):
        with contextlib.suppress(OverflowError):  # a whole number beyond a double's range
            number = float(value)
    if not math.isfinite(number):
        raise FieldError(field, "bad_score", f"{shown(value)} is not a number")
    return number


def _flag(value: Any, field: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise FieldError(field, "bad_bool", f"{shown(value)} is not true or false")


def _language_map(value: Any) -> str | None:
    """The ``en-US`` entry of an xAPI language map, else its first one."""
    if not isinstance(value, dict) or not value:
        return None
    chosen = value.get("en-US")
    if chosen is None:
        chosen = next(iter(value.values()))
    return _text(chosen)


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    return None


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"


_PATHS = (
    "$.id",
    "$.timestamp",
    "$.stored",
    "$.actor",
    "$.actor.mbox",
    "$.actor.mbox_sha1sum",
    "$.actor.account",
    "$.actor.account.homePage",
    "$.actor.account.name",
    "$.actor.name",
    "$.verb",
    "$.verb.id",
    "$.verb.display",
    '$.verb.display."en-US"',
    "$.object",
    "$.object.objectType",
    "$.object.id",
    "$.object.definition",
    "$.object.definition.name",
    '$.object.definition.name."en-US"',
    "$.result",
    "$.result.score",
    "$.result.score.scaled",
    "$.result.score.raw",
    "$.result.success",
    "$.result.completion",
    "$.result.duration",
    "$.context",
    "$.context.registration",
    "$.version",
    "$.statements",
)
_UUID_SQL = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_NUMBER_TYPES = ("UBIGINT", "BIGINT", "DOUBLE")


def _native() -> native.NativeJson:
    """The fast path's reading of a statement: the rules of :func:`statement_values` in SQL for
    the usual shapes. A statement without ``id``, a voiding one, a ``StatementResult``, a
    language map without ``en-US``, a duration beyond ``PTnHnMnS`` is left to Python."""
    at = {path: i for i, path in enumerate(_PATHS, start=1)}

    def ty(path: str) -> str:
        return f"ty[{at[path]}]"

    def text(path: str) -> str:
        """:func:`_text`: a string, stripped, or NULL."""
        return f"case when ty[{at[path]}] = 'VARCHAR' then tt[{at[path]}] end"

    def absent(path: str) -> str:
        return native.json_is(at[path])

    def language_map(path: str) -> tuple[str, str]:
        """:func:`_language_map` where the map has an ``en-US`` entry (else left to Python)."""
        entry = f'{path}."en-US"'
        value = f"case when {ty(path)} = 'OBJECT' then {text(entry)} end"
        return value, f"({ty(path)} is distinct from 'OBJECT' or coalesce({ty(entry)} <> 'NULL', false))"

    def number(path: str) -> tuple[str, str]:
        value = f"try_cast(tx[{at[path]}] as double)"
        numeric = f"{ty(path)} in {native.sql_list(_NUMBER_TYPES)}"
        return value, f"({absent(path)} or ({numeric} and isfinite({value})))"

    def flag(path: str) -> tuple[str, str]:
        value = f"case when {ty(path)} = 'BOOLEAN' then tx[{at[path]}] = 'true' end"
        return value, native.json_is(at[path], "BOOLEAN")

    timestamp, timestamp_clean = native.field_sql(CsvField("t", parse_timestamp, required=True), "tt[2]")
    stored, stored_clean = native.field_sql(CsvField("s", parse_timestamp, required=True), "tt[3]")
    mbox = f"lower({text('$.actor.mbox')})"
    email = f"case when starts_with({mbox}, 'mailto:') then {mbox}[8:] else {mbox} end"
    email_clean = (
        f"{native.ascii_only(text('$.actor.mbox'))} and length({email}) <= {MAX_EMAIL_LENGTH} "
        f"and regexp_full_match({email}, '{native.EMAIL_TEXT}')"
    )
    sha1_given = f"lower({text('$.actor.mbox_sha1sum')})"
    home_page = f"case when {ty('$.actor.account')} = 'OBJECT' then {text('$.actor.account.homePage')} end"
    account_name = f"case when {ty('$.actor.account')} = 'OBJECT' then {text('$.actor.account.name')} end"
    has_account = f"({home_page} is not null and {account_name} is not null)"
    verb_display, verb_display_clean = language_map("$.verb.display")
    object_name, object_name_clean = language_map("$.object.definition.name")
    in_result = f"{ty('$.result')} = 'OBJECT'"
    in_score = f"{in_result} and {ty('$.result.score')} = 'OBJECT'"
    scaled, scaled_clean = number("$.result.score.scaled")
    raw, raw_clean = number("$.result.score.raw")
    success, success_clean = flag("$.result.success")
    completion, completion_clean = flag("$.result.completion")
    duration = f"upper({text('$.result.duration')})"
    parts = [
        rf"coalesce(cast(nullif(regexp_extract({duration}, '^PT(?:(\d+)H)?', 1), '') as double), 0)",
        rf"coalesce(cast(nullif(regexp_extract({duration}, '^PT(?:\d+H)?(?:(\d+)M)?', 1), '') as double), 0)",
        r"coalesce(cast(nullif(regexp_extract("
        rf"{duration}, '^PT(?:\d+H)?(?:\d+M)?(?:(\d+(?:\.\d+)?)S)?', 1), '') as double), 0)",
    ]
    # The same additions in the same order as parse_duration's sum.
    seconds = f"(((cast(0 as double) + {parts[0]} * 3600) + {parts[1]} * 60) + {parts[2]})"
    duration_clean = (
        f"({absent('$.result.duration')} or ({ty('$.result.duration')} = 'VARCHAR' "
        f"and length({duration}) > 2 "
        rf"and regexp_full_match({duration}, 'PT(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?')))"
    )
    registration_ascii = native.ascii_only(text("$.context.registration"))  # it is lower-cased
    clean = [
        native.keys_once(_PATHS),
        f"{ty('$.statements')} is null",
        f"{ty('$.id')} = 'VARCHAR' and regexp_full_match(lower(tt[1]), '{_UUID_SQL}')",
        f"({ty('$.timestamp')} = 'VARCHAR' or {ty('$.stored')} = 'VARCHAR')",
        f"({absent('$.timestamp')} or ({ty('$.timestamp')} = 'VARCHAR' and {timestamp_clean}))",
        f"({absent('$.stored')} or ({ty('$.stored')} = 'VARCHAR' and {stored_clean}))",
        f"{ty('$.actor')} = 'OBJECT'",
        f"({absent('$.actor.mbox')} or ({ty('$.actor.mbox')} = 'VARCHAR' and {email_clean}))",
        f"({absent('$.actor.mbox_sha1sum')} or ({ty('$.actor.mbox_sha1sum')} = 'VARCHAR' "
        f"and regexp_full_match({sha1_given}, '[0-9a-f]{{40}}')))",
        f"({ty('$.actor.mbox')} = 'VARCHAR' or {ty('$.actor.mbox_sha1sum')} = 'VARCHAR' or {has_account})",
        f"{ty('$.verb')} = 'OBJECT'",
        rf"regexp_full_match({text('$.verb.id')}, '[A-Za-z][A-Za-z0-9+.\-]*:[!-~]+')",
        f"{text('$.verb.id')} <> {native.literal(VOIDED_VERB)}",
        verb_display_clean,
        f"{ty('$.object')} = 'OBJECT' and {text('$.object.id')} is not null",
        f"({ty('$.object.definition')} is distinct from 'OBJECT' or {object_name_clean})",
        f"(not ({in_score}) or ({scaled_clean} and {raw_clean} "
        f"and coalesce({scaled} between -1 and 1, true)))",
        f"(not ({in_result}) or ({success_clean} and {completion_clean} and {duration_clean}))",
        f"({ty('$.context')} is distinct from 'OBJECT' or {registration_ascii})",
    ]
    email_value = f"case when {ty('$.actor.mbox')} = 'VARCHAR' then {email} end"
    columns = {
        "statement_id": "lower(tt[1])",
        "is_id_generated": "false",
        "actor_mbox": email_value,
        "actor_mbox_sha1sum": (
            f"case when {ty('$.actor.mbox_sha1sum')} = 'VARCHAR' then {sha1_given} "
            f"when {ty('$.actor.mbox')} = 'VARCHAR' then sha1('mailto:' || {email}) end"
        ),
        "actor_account_home_page": f"case when {has_account} then {home_page} end",
        "actor_account_name": f"case when {has_account} then {account_name} end",
        "actor_name": text("$.actor.name"),
        "verb_id": text("$.verb.id"),
        "verb_display": verb_display,
        "object_id": text("$.object.id"),
        "object_type": f"coalesce({text('$.object.objectType')}, 'Activity')",
        "object_name": f"case when {ty('$.object.definition')} = 'OBJECT' then {object_name} end",
        "result_success": f"case when {in_result} then {success} end",
        "result_completion": f"case when {in_result} then {completion} end",
        "result_score_scaled": f"case when {in_score} then {scaled} end",
        "result_score_raw": f"case when {in_score} then {raw} end",
        "result_duration_seconds": f"case when {in_result} and {duration} is not null then {seconds} end",
        "registration": (
            f"case when {ty('$.context')} = 'OBJECT' then lower({text('$.context.registration')}) end"
        ),
        "occurred_at": f"case when {ty('$.timestamp')} = 'VARCHAR' then {timestamp} else {stored} end",
        "stored_at": f"case when {ty('$.stored')} = 'VARCHAR' then {stored} end",
        "is_time_from_stored": f"{ty('$.timestamp')} is distinct from 'VARCHAR'",
        "xapi_version": text("$.version"),
        "voided_statement_id": "cast(null as varchar)",
        "is_voided": "false",
    }
    assert list(columns) == [c.name for c in COLUMNS]
    return native.NativeJson(
        paths=_PATHS,
        columns=columns,
        clean=" and ".join(f"({c})" for c in clean),
        row=record_rows,
        types_only=frozenset(
            (
                "$.actor",
                "$.actor.account",
                "$.verb",
                "$.verb.display",
                "$.object",
                "$.object.definition",
                "$.object.definition.name",
                "$.result",
                "$.result.score",
                "$.context",
                "$.statements",
            )
        ),
    )


XAPI = SourceSpec(
    name="xapi",
    table="raw_xapi_statement",
    columns=COLUMNS,
    key=("statement_id",),
    reader=read_statements,
    native_json=_native(),
    description=(
        "xAPI statements (1.0.3, 2.0): JSON array, JSON Lines, one statement or a saved "
        "StatementResult; one row per statement id"
    ),
    # A voiding statement may land before or after its target: mark targets after every load.
    post_load_sql=(
        "update {table} set is_voided = true where statement_id in "
        "(select voided_statement_id from {table} where voided_statement_id is not null) "
        "and not is_voided"
    ),
)

SPECS: tuple[SourceSpec, ...] = (XAPI,)
