"""Identity map (optional): e-mail addresses for ids that are not e-mails.

For example an xAPI ``account`` actor (``source`` = the account's home page or LRS name,
``external_id`` = the account name) or a tool's own user id.
"""

from __future__ import annotations

from typing import Any

from enablement_audit.sources.base import CsvField, SourceSpec, csv_columns, csv_reader, parse_email

IDENTITY_FIELDS = {
    "source": CsvField("source", required=True),
    "external_id": CsvField("external_id", required=True),
    "email": CsvField("email", parse_email, required=True),
}


def _derive_identity(values: dict[str, Any]) -> dict[str, Any]:
    # Source names are matched case-insensitively; external ids are kept exactly as given.
    return {"source": values["source"].lower()}


IDENTITY_MAP = SourceSpec(
    name="identity_map",
    table="raw_identity_map",
    columns=csv_columns(IDENTITY_FIELDS),
    key=("source", "external_id"),
    snapshot=True,
    reader=csv_reader(IDENTITY_FIELDS, derive=_derive_identity),
    description="Identity map: one row per (source, external id) with the person's e-mail",
)

SPECS: tuple[SourceSpec, ...] = (IDENTITY_MAP,)
