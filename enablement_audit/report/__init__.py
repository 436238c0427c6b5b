"""Weekly HTML reports (SPEC section 7): the organisation report, one team report per manager,
an archive index, and a data-quality hold page when a blocking check failed.

Python builds plain data objects from the marts (:mod:`.data`), charts are inline SVG
(:mod:`.charts`), the Jinja2 templates in ``reports/templates`` only display them
(:mod:`.render`), and :mod:`.publish` writes the files atomically.
"""

from __future__ import annotations

from enablement_audit.report.data import iso_week_label, parse_iso_week
from enablement_audit.report.mail import send_report_email
from enablement_audit.report.publish import write_reports

__all__ = ["iso_week_label", "parse_iso_week", "send_report_email", "write_reports"]
