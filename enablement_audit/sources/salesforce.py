"""Salesforce: User, Opportunity, ForecastingQuota and LoginHistory exports.

Both forms are read: the API field names of a Data Loader or Bulk API export (``ManagerId``)
and the snake_case columns a replication tool lands in a warehouse (``manager_id``); header
matching ignores case and underscores, so one field list serves both.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from enablement_audit.sources import native
from enablement_audit.sources.base import (
    Column,
    CsvField,
    FieldError,
    SourceSpec,
    csv_columns,
    csv_reader,
    mbox_sha1sum,
    parse_bool,
    parse_date,
    parse_email,
    parse_float,
    parse_timestamp,
)

USER_FIELDS = {
    "user_id": CsvField("Id", required=True),
    "name": CsvField("Name"),
    "email": CsvField("Email", parse_email, required=True),
    "manager_id": CsvField("ManagerId"),
    "title": CsvField("Title"),
    "department": CsvField("Department"),
    "is_active": CsvField("IsActive", parse_bool, required=True),
    "created_at": CsvField("CreatedDate", parse_timestamp, required=True),
    "region": CsvField("Region__c"),
}


def _user_derived(values: dict) -> dict:
    return {"email_sha1": mbox_sha1sum(values["email"])}


_USER_READER = csv_reader(USER_FIELDS, derive=_user_derived)

USERS = SourceSpec(
    name="users",
    table="raw_crm_user",
    columns=(*csv_columns(USER_FIELDS), *csv_columns({"email_sha1": CsvField("email_sha1")})),
    key=("user_id",),
    snapshot=True,
    reader=_USER_READER,
    native_csv=native.NativeCsv(_USER_READER, derived={"email_sha1": "sha1('mailto:' || email)"}),
    description="Salesforce User export: one row per CRM user (the rep key is Id)",
)


def _check_not_negative(header: str, amount: float | None) -> None:
    """Money fields are never below zero; a refund or credit is not an opportunity or quota."""
    if amount is not None and amount < 0:
        shown = str(int(amount)) if amount.is_integer() else repr(amount)
        raise FieldError(header, "negative_amount", f"{shown} must be at least 0")


OPPORTUNITY_FIELDS = {
    "opportunity_id": CsvField("Id", required=True),
    "owner_id": CsvField("OwnerId", required=True),
    "account_id": CsvField("AccountId"),
    "name": CsvField("Name"),
    "stage_name": CsvField("StageName", required=True),
    "amount": CsvField("Amount", parse_float, header_required=True),
    "close_date": CsvField("CloseDate", parse_date, required=True),
    "created_at": CsvField("CreatedDate", parse_timestamp, required=True),
    "is_closed": CsvField("IsClosed", parse_bool, required=True),
    "is_won": CsvField("IsWon", parse_bool, required=True),
    "type": CsvField("Type"),
    # The label (``Best Case``, ``Commit``), not the ``ForecastCategory`` API value (``BestCase``,
    # ``Forecast``); replication tools land both, as forecast_category_name and forecast_category.
    "forecast_category": CsvField("ForecastCategoryName"),
    "system_modstamp": CsvField("SystemModstamp", parse_timestamp),
    # Exports made with queryAll (and replication tools) keep deleted deals; staging drops them.
    "is_deleted": CsvField("IsDeleted", parse_bool),
}


def _check_opportunity(values: dict[str, Any]) -> None:
    _check_not_negative("Amount", values["amount"])
    created_day = values["created_at"].date()
    # CloseDate is the org's local date, CreatedDate a UTC time: a day of slack keeps a deal
    # created and closed on the same US evening.
    if values["close_date"] < created_day - timedelta(days=1):
        raise FieldError(
            "CloseDate",
            "close_before_create",
            f"{values['close_date'].isoformat()} is before CreatedDate {created_day.isoformat()}",
        )
    if values["is_won"] and not values["is_closed"]:
        raise FieldError("IsWon", "inconsistent_flags", "is true while IsClosed is false")


_OPPORTUNITY_READER = csv_reader(OPPORTUNITY_FIELDS, check=_check_opportunity)

OPPORTUNITIES = SourceSpec(
    name="opportunities",
    table="raw_crm_opportunity",
    columns=csv_columns(OPPORTUNITY_FIELDS),
    key=("opportunity_id",),
    version="system_modstamp",
    reader=_OPPORTUNITY_READER,
    native_csv=native.NativeCsv(
        _OPPORTUNITY_READER,
        checks=(
            "amount is null or amount >= 0",
            "close_date >= cast(created_at as date) - 1",
            "not (is_won and not is_closed)",
        ),
    ),
    description="Salesforce Opportunity export: one row per deal, the newest SystemModstamp wins",
)


QUOTA_FIELDS = {
    "quota_id": CsvField("Id", required=True),
    "owner_id": CsvField("QuotaOwnerId", required=True),
    "start_date": CsvField("StartDate", parse_date, required=True),
    "quota_amount": CsvField("QuotaAmount", parse_float, required=True),
    "period_id": CsvField("PeriodId"),
}


def _check_quota(values: dict[str, Any]) -> None:
    _check_not_negative("QuotaAmount", values["quota_amount"])


_QUOTA_READER = csv_reader(QUOTA_FIELDS, check=_check_quota)

QUOTAS = SourceSpec(
    name="quotas",
    table="raw_crm_quota",
    columns=csv_columns(QUOTA_FIELDS),
    key=("quota_id",),
    snapshot=True,
    reader=_QUOTA_READER,
    native_csv=native.NativeCsv(_QUOTA_READER, checks=("quota_amount >= 0",)),
    description="Salesforce ForecastingQuota export: one row per owner and period start",
)


LOGIN_FIELDS = {
    "login_id": CsvField("Id", required=True),
    "user_id": CsvField("UserId", required=True),
    "login_at": CsvField("LoginTime", parse_timestamp, required=True),
    # Kept as Salesforce writes it: ``Success``, ``Invalid Password``, ``Failed: ...``.
    "status": CsvField("Status", required=True),
    "application": CsvField("Application"),
    "login_type": CsvField("LoginType"),
}


def _login_derived(values: dict[str, Any]) -> dict[str, Any]:
    return {"is_success": values["status"].lower() == "success"}


_LOGIN_READER = csv_reader(LOGIN_FIELDS, derive=_login_derived)

LOGIN_HISTORY = SourceSpec(
    name="sf_login_history",
    table="raw_sf_login",
    columns=(*csv_columns(LOGIN_FIELDS), Column("is_success", "bool")),
    key=("login_id",),
    reader=_LOGIN_READER,
    native_csv=native.NativeCsv(_LOGIN_READER, derived={"is_success": "lower(status) = 'success'"}),
    description="Salesforce LoginHistory export: one row per login attempt; Success is a sign-in",
)

SPECS: tuple[SourceSpec, ...] = (USERS, OPPORTUNITIES, QUOTAS, LOGIN_HISTORY)
