"""Placeholder: the reader for this source is being written."""

from enablement_audit.sources.base import SourceSpec

SPECS: tuple[SourceSpec, ...] = ()
