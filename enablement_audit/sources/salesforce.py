"""Salesforce: User, Opportunity, ForecastingQuota and LoginHistory exports.

Both forms are read: the API field names of a Data Loader or Bulk API export (``ManagerId``)
and the snake_case columns a replication tool lands in a warehouse (``manager_id``); header
matching ignores case and underscores, so one field list serves both.
"""

from __future__ import annotations

from enablement_audit.sources.base import (
    CsvField,
    SourceSpec,
    csv_columns,
    csv_reader,
    mbox_sha1sum,
    parse_bool,
    parse_email,
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


USERS = SourceSpec(
    name="users",
    table="raw_crm_user",
    columns=(*csv_columns(USER_FIELDS), *csv_columns({"email_sha1": CsvField("email_sha1")})),
    key=("user_id",),
    snapshot=True,
    reader=csv_reader(USER_FIELDS, derive=_user_derived),
    description="Salesforce User export: one row per CRM user (the rep key is Id)",
)

SPECS: tuple[SourceSpec, ...] = (USERS,)
