"""A synthetic sales organisation, written as landing files in the real source formats.

``generate(out, scale, seed, end)`` writes a year of files for every source (SPEC section 3)
at the volumes of SPEC section 9, with behaviours the report must find planted and listed in
``<out>/manifest.json``.
"""

from enablement_audit.synthetic.generator import SNAPSHOT_SOURCES, SOURCE_NAMES, generate
from enablement_audit.synthetic.scales import DEFAULT_END, SCALES

__all__ = ["DEFAULT_END", "SCALES", "SNAPSHOT_SOURCES", "SOURCE_NAMES", "generate"]
