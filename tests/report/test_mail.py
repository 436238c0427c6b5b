"""The report sent as an HTML e-mail to a real SMTP server (aiosmtpd) the test starts."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from enablement_audit.report import send_report_email
from tests.conftest import write

HTML = (
    "<!doctype html><html><body><h1>Are the dogs eating the dog food?</h1><p>Yes: 62.5%</p></body></html>\n"
)


class Inbox:
    """Keeps every message the server accepts."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == b"reports"
            and auth_data.password == b"s3cret"
        )
        return AuthResult(success=ok, handled=False)  # the server answers 235 or 535

    controller = Controller(
        inbox, hostname="127.0.0.1", port=free_port(), authenticator=authenticate, auth_require_tls=False
    )
    controller.start()
    yield controller, inbox
    controller.stop()


def test_report_is_sent_as_html_email(smtp_server, tmp_path: Path) -> None:
    controller, inbox = smtp_server
    report = write(tmp_path / "enablement-audit-2026-W10.html", HTML)
    send_report_email(
        controller.hostname,
        controller.port,
        "audit@example.com",
        ["lead@example.com", "ops@example.com"],
        "Enablement Audit 2026-W10",
        report,
        username="reports",
        password="s3cret",
    )
    assert len(inbox.envelopes) == 1
    envelope = inbox.envelopes[0]
    assert envelope.mail_from == "audit@example.com"
    assert envelope.rcpt_tos == ["lead@example.com", "ops@example.com"]
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == "Enablement Audit 2026-W10"
    assert message["To"] == "lead@example.com, ops@example.com"
    assert message.get_content_type() == "multipart/alternative"
    html = message.get_body(preferencelist=("html",))
    assert html.get_content_type() == "text/html"
    assert html.get_content().replace("\r\n", "\n") == HTML  # SMTP lines end in CRLF
    plain = message.get_body(preferencelist=("plain",))
    assert "enablement-audit-2026-W10.html" in plain.get_content()


def test_wrong_password_is_refused(smtp_server, tmp_path: Path) -> None:
    import smtplib

    controller, inbox = smtp_server
    report = write(tmp_path / "r.html", HTML)
    with pytest.raises(smtplib.SMTPAuthenticationError):
        send_report_email(
            controller.hostname, controller.port, "a@example.com", ["b@example.com"], "s", report,
            username="reports", password="wrong",
        )  # fmt: skip
    assert inbox.envelopes == []


def test_needs_a_recipient(tmp_path: Path) -> None:
    report = write(tmp_path / "r.html", HTML)
    with pytest.raises(ValueError, match="at least one recipient"):
        send_report_email("127.0.0.1", 1, "a@example.com", [], "s", report)
