"""The source registry: one reader per real format, by the name the CLI and landing folders use.

Order matters: it is the order a run loads sources in (identities before the events that
refer to them).
"""

from __future__ import annotations

from enablement_audit.sources import content, hr, identity_map, licences, okta, salesforce, training, xapi
from enablement_audit.sources.base import SourceSpec

SOURCES: dict[str, SourceSpec] = {
    spec.name: spec
    for module in (salesforce, hr, identity_map, content, training, xapi, okta, licences)
    for spec in module.SPECS
}
