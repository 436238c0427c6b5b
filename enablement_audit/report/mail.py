"""Send a written report as an HTML e-mail through an SMTP server (used by the Airflow DAG)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from pathlib import Path

PLAIN_TEXT = (
    "This message holds the weekly Enablement Audit report as HTML. "
    "If you see this text, open the message in a mail program that shows HTML, "
    "or open the report file: {name}\n"
)


def build_report_email(sender: str, recipients: Sequence[str], subject: str, html_path: Path) -> EmailMessage:
    """A multipart/alternative message: a short plain-text part and the report as HTML."""
    if not recipients:
        raise ValueError("the report e-mail needs at least one recipient")
    html = Path(html_path).read_text(encoding="utf-8")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message.set_content(PLAIN_TEXT.format(name=Path(html_path).name))
    message.add_alternative(html, subtype="html")
    return message


def send_report_email(
    host: str,
    port: int,
    sender: str,
    recipients: Sequence[str],
    subject: str,
    html_path: Path,
    *,
    username: str | None = None,
    password: str | None = None,
    starttls: bool = False,
    timeout: float = 30.0,
) -> None:
    """Send ``html_path`` as an HTML e-mail. With ``starttls`` the connection is upgraded (with
    certificate checks) before logging in; credentials are only used when both are given."""
    message = build_report_email(sender, recipients, subject, html_path)
    with smtplib.SMTP(host, port, timeout=timeout) as smtp:
        if starttls:
            smtp.starttls(context=ssl.create_default_context())
        if username is not None and password is not None:
            smtp.login(username, password)
        smtp.send_message(message, from_addr=sender, to_addrs=list(recipients))
