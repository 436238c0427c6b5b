"""Enablement Audit: are the reps using the enablement they are given, and does it show?"""

__version__ = "0.1.0"
