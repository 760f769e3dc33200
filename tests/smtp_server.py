"""A real SMTP server on 127.0.0.1 for tests: it collects what it accepts, or refuses everything.

Import the fixture where it is used (`from tests.smtp_server import smtp_server  # noqa: F401`) or
once in tests/conftest.py. Point the app at it with `app.config.update(server.config)`.
"""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

HOST = "127.0.0.1"


@dataclass
class ReceivedMessage:
    """One accepted message: the envelope as the server saw it and the parsed e-mail."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=default_policy)  # type: ignore[return-value]


class _Handler:
    def __init__(self) -> None:
        self.messages: list[ReceivedMessage] = []
        self.refusal: str | None = None

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        # Refusing at DATA is what a full mailbox or a greylisting server does after taking the envelope.
        if self.refusal:
            return self.refusal
        self.messages.append(
            ReceivedMessage(str(envelope.mail_from), list(envelope.rcpt_tos), envelope.content)
        )
        return "250 2.0.0 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class SmtpServer:
    """An aiosmtpd server in a background thread, listening on a free port of 127.0.0.1."""

    def __init__(self) -> None:
        self._handler = _Handler()
        self._controller: Controller | None = None

    def start(self) -> None:
        # The controller needs a concrete port (it connects to it to know it is up); another process
        # may take the free port between our probe and its bind, so try a few.
        for _ in range(5):
            controller = Controller(self._handler, hostname=HOST, port=free_port())
            try:
                controller.start()
            except (OSError, RuntimeError):
                continue
            self._controller = controller
            return
        raise RuntimeError("could not start the test SMTP server")

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def port(self) -> int:
        assert self._controller is not None, "the server is not running"
        return self._controller.port

    @property
    def config(self) -> dict[str, Any]:
        """The app settings that send through this server."""
        return {"SMTP_HOST": HOST, "SMTP_PORT": self.port, "SMTP_STARTTLS": False, "SMTP_TIMEOUT": 5}

    @property
    def messages(self) -> list[ReceivedMessage]:
        return self._handler.messages

    def to(self, address: str) -> list[EmailMessage]:
        """The accepted messages addressed to `address`, parsed."""
        return [m.message for m in self.messages if address in m.rcpt_tos]

    def refuse(self, reply: str = "451 4.3.0 Mailbox temporarily unavailable") -> None:
        """From now on answer every message with this SMTP reply (a 4xx or 5xx) instead of accepting it."""
        self._handler.refusal = reply

    def accept(self) -> None:
        self._handler.refusal = None


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A running SMTP server that accepts everything until told to `refuse()`."""
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
