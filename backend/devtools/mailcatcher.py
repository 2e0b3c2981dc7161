"""A real SMTP server for `vigie run` and the tests: aiosmtpd on 127.0.0.1, every message kept.

It keeps what it receives in memory and writes it as `.eml` files for `/dev/outbox`.
"""

from __future__ import annotations

import email
import email.policy
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from backend.devtools.loopback import LOOPBACK, LoopbackService, Recorder, Recording, StartupFailed


@dataclass(frozen=True)
class CaughtMail:
    """One message received by `MailCatcher`."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    message: EmailMessage
    received_at: datetime
    path: Path | None
    """The `.eml` file written for it (None when the catcher has no outbox_dir)."""
    peer: tuple[str, int] | None = None
    """The sending client's address and port: mails of one SMTP session share it."""


class MailCatcher(LoopbackService, Recording[CaughtMail]):
    """A real SMTP server (aiosmtpd, own thread) on 127.0.0.1 that accepts every message.

    Each message is kept in `messages` and, when `outbox_dir` is given, written atomically to
    `outbox_dir/mail/<UTC timestamp>-<uuid>.eml`. Setting `refuse_with` (e.g. 421, a
    temporary failure) makes it answer RCPT and DATA with that code until set back to None,
    so tests can simulate an SMTP relay that is down for a while.
    """

    def __init__(
        self,
        outbox_dir: Path | None = None,
        port: int | None = None,
        *,
        refuse_with: int | None = None,
        host: str = LOOPBACK,
    ) -> None:
        super().__init__(port)
        self.outbox_dir = Path(outbox_dir) if outbox_dir is not None else None
        self.host = host
        self.refuse_with = refuse_with
        self._controller: Any = None
        self._recorder: Recorder[CaughtMail] = Recorder("mails")

    @property
    def mail_dir(self) -> Path | None:
        return self.outbox_dir / "mail" if self.outbox_dir is not None else None

    @property
    def messages(self) -> list[CaughtMail]:
        """Snapshot of the caught messages, oldest first."""
        return self._recorder.items

    def clear(self) -> None:
        """Forget the caught messages (the .eml files stay)."""
        self._recorder.clear()

    def start(self) -> int:
        """Start listening; return the port."""
        if self._controller is not None:
            return self.port
        # lazy: aiosmtpd is loaded when the mail catcher starts
        from aiosmtpd.controller import Controller

        if self.mail_dir is not None:
            self.mail_dir.mkdir(parents=True, exist_ok=True)
        def launch() -> None:
            controller = Controller(
                _CatcherHandler(self),
                hostname=self.host,
                port=self.port,
                server_hostname="mailcatcher.vigie.local",
                ready_timeout=5.0,
                decode_data=False,
                enable_SMTPUTF8=True,
            )
            try:
                controller.start()
            except Exception as exc:  # aiosmtpd re-raises the server thread's error
                raise StartupFailed(f"SMTP catcher on port {self.port}: {exc!r}") from exc
            self._controller = controller

        self._start_on_free_port(launch)
        return self.port

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _refusal(self) -> str | None:
        code = self.refuse_with
        if code is None:
            return None
        enhanced = "4.3.2" if code < 500 else "5.3.0"
        return f"{code} {enhanced} Service not available (MailCatcher refuse_with)"

    def _catch(self, mail_from: str, rcpt_tos: list[str], raw: bytes, peer: tuple[str, int] | None = None) -> None:
        received_at = datetime.now(UTC)
        path = None
        if self.mail_dir is not None:
            name = f"{received_at:%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex}.eml"
            path = self.mail_dir / name
            tmp = self.mail_dir / f".{name}.tmp"
            tmp.write_bytes(raw)
            tmp.replace(path)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self._recorder.add(
            CaughtMail(mail_from, tuple(rcpt_tos), raw, message, received_at, path, peer)
        )


class _CatcherHandler:
    """aiosmtpd handler hooks; runs on the controller's thread."""

    def __init__(self, catcher: MailCatcher) -> None:
        self._catcher = catcher

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        refusal = self._catcher._refusal()
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        refusal = self._catcher._refusal()
        if refusal:
            return refusal
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        peer = tuple(session.peer[:2]) if isinstance(session.peer, tuple) else None
        self._catcher._catch(envelope.mail_from, list(envelope.rcpt_tos), raw, peer)
        return "250 Message accepted for delivery"
