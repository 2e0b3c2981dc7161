"""Shared steps of the partnership tests: mail waiting, links read from mails, an old signed link."""

from __future__ import annotations

import asyncio
import re
import time
from contextlib import contextmanager
from typing import Any, Iterator

from itsdangerous.timed import TimestampSigner


async def mail_to(fx_mail: Any, address: str, contains: str = "", timeout: float = 15.0) -> str:
    """The plain text of the first caught mail to `address` (containing `contains`), waiting for it."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        for m in fx_mail.messages:
            if address in m.rcpt_tos:
                text = m.message.get_body(preferencelist=("plain",)).get_content()
                if contains in text or contains in str(m.message["Subject"]):
                    return text
        assert asyncio.get_running_loop().time() < deadline, f"no mail to {address} ({contains!r})"
        await asyncio.sleep(0.1)


def token_in(text: str, path: str) -> str:
    """The `jeton` of the link to `path` in a mail."""
    found = re.search(re.escape(path) + r"\?jeton=([A-Za-z0-9_.\-]+)", text)
    assert found, f"no link to {path} in:\n{text}"
    return found.group(1)


@contextmanager
def signed_days_ago(days: int) -> Iterator[None]:
    """Tokens signed inside this block carry a timestamp `days` days old."""
    original = TimestampSigner.get_timestamp
    TimestampSigner.get_timestamp = lambda self: int(time.time()) - days * 86400  # type: ignore[method-assign]
    try:
        yield
    finally:
        TimestampSigner.get_timestamp = original  # type: ignore[method-assign]


def tampered(token: str) -> str:
    """The token with one character of its signed part changed (not the signature's last
    character: in base64 its low bits are padding, and changing it may decode to the same bytes)."""
    return token[0] + ("A" if token[1] != "A" else "B") + token[2:]
