"""SMS adapter: GSM-7-aware text fitting, the outbox and HTTP providers, a shared rate limit,
and the inbound webhook's signature check (contract in docs/sms-provider.md).

The alert fan-out hands a sender a batch of plain `SmsOut`s and gets one `SmsResult` per
message, in order; nothing here touches the database. Before each batch it calls
`acquire_sms_quota` and sleeps as told, so every worker process shares one provider rate.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import aiohttp
import valkey.asyncio as avalkey
from valkey.exceptions import ValkeyError

from backend.settings import Settings

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- GSM-7

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
    "ç"  # 0x09 is printed Ç or ç depending on the phone; encoders map ç to it
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
"""Characters sent as ESC + code: they count for two."""

_TRANSLITERATION = {
    **dict.fromkeys("’‘‚‛′`´", "'"),
    **dict.fromkeys("“”„‟«»″", '"'),
    **dict.fromkeys("‐‑‒–—―−•", "-"),
    **dict.fromkeys("\u00a0\u202f\u2007\u2009\u200a\t", " "),
    "…": "...", "œ": "oe", "Œ": "OE", "·": ".",
}  # fmt: skip

_FRENCH_QUOTES = re.compile(r"«\s*|\s*»")  # \s includes the no-break spaces French puts inside

SINGLE = {"gsm7": 160, "ucs2": 70}
PART = {"gsm7": 153, "ucs2": 67}


def sms_encoding(text: str) -> str:
    """"gsm7" when every character is in the GSM 03.38 alphabet (or its extension), else "ucs2"."""
    for char in text:
        if char not in GSM7_BASIC and char not in GSM7_EXTENSION:
            return "ucs2"
    return "gsm7"


def _units(text: str, encoding: str) -> list[int]:
    """Size of each character in its encoding's units (septets or UTF-16 code units)."""
    if encoding == "gsm7":
        return [2 if char in GSM7_EXTENSION else 1 for char in text]
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def sms_segments(text: str) -> int:
    """How many SMS segments `text` takes: GSM-7 160 alone or 153 per part (extension
    characters count 2), UCS-2 70 alone or 67 per part. An escape pair or a surrogate pair is
    never split across two parts, as phones and providers do not split them either."""
    if not text:
        return 0
    encoding = sms_encoding(text)
    units = _units(text, encoding)
    if sum(units) <= SINGLE[encoding]:
        return 1
    part, segments, used = PART[encoding], 1, 0
    for size in units:
        if used + size > part:
            segments += 1
            used = 0
        used += size
    return segments


def transliterate_gsm7(text: str) -> str:
    """`text` with typographic quotes, dashes, spaces, œ and accents outside GSM-7 (â ê î ô û
    ë ï À È…) replaced by GSM-7 look-alikes, so French text is sent in cheap GSM-7. é è à ù ç
    É stay; characters with no look-alike (emoji, other scripts) are kept."""
    text = _FRENCH_QUOTES.sub('"', text)  # « texte » → "texte"
    out: list[str] = []
    for char in text:
        if char in GSM7_BASIC or char in GSM7_EXTENSION:
            out.append(char)
        elif char in _TRANSLITERATION:
            out.append(_TRANSLITERATION[char])
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            out.append(base if base and sms_encoding(base) == "gsm7" else char)
    return "".join(out)


def fit_sms(text: str, link: str, max_segments: int = 2) -> str:
    """`text`, shortened with an ellipsis if needed, so that `text + " " + link` fits in
    `max_segments` segments. The link is never cut. French typography is transliterated to
    GSM-7 when that makes the whole message GSM-7 (a UCS-2 part holds 67 characters instead
    of 153). Returns "" when the link alone leaves no room."""
    text = text.strip()
    suffix = " " + link
    friendly = transliterate_gsm7(text)
    if sms_encoding(friendly + suffix) == "gsm7":
        text = friendly
    if sms_segments(text + suffix) <= max_segments:
        return text

    def shortened(length: int) -> str:
        head = text[:length].rstrip(" ,;:.-\n")
        if not head:
            return ""
        # The cut may have dropped the only character that kept the whole text in UCS-2 (« n°14 »):
        # the head then goes in GSM-7 too, « août » as « aout », with twice the room.
        plain = transliterate_gsm7(head)
        return plain + "..." if sms_encoding(plain + suffix) == "gsm7" else head + "…"

    def fits(length: int) -> bool:
        return sms_segments(shortened(length) + suffix) <= max_segments

    low, high = 0, len(text)  # fits(low) holds, fits(high) does not
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    space = text.rfind(" ", 0, low + 1)
    if space > low * 3 // 4 and fits(space):
        low = space  # cut between words when it costs at most a quarter of the room
    return shortened(low)


# --------------------------------------------------------------------------- senders


@dataclass(frozen=True)
class SmsOut:
    ref: str
    """Our id for the message (the delivery id): the provider's idempotency key."""
    to: str
    """E.164 number, e.g. +33612345678."""
    text: str


@dataclass(frozen=True)
class SmsResult:
    ref: str
    outcome: str
    """sent, retry or failed."""
    provider_id: str | None
    reason: str


class SmsSender(Protocol):
    async def send_many(self, messages: Sequence[SmsOut]) -> list[SmsResult]:
        """Send every message; one result per message, in order."""
        ...


class OutboxSms:
    """Development provider: each message is a JSON file in `outbox_path/sms` (/dev/outbox)."""

    def __init__(self, settings: Settings) -> None:
        self.folder = settings.outbox_path / "sms"

    async def send_many(self, messages: Sequence[SmsOut]) -> list[SmsResult]:
        """Write each message as `<UTC timestamp>-<ref>.json`; always "sent"."""
        return await asyncio.to_thread(self._write, list(messages))

    def _write(self, messages: list[SmsOut]) -> list[SmsResult]:
        self.folder.mkdir(parents=True, exist_ok=True)
        results = []
        for message in messages:
            date = datetime.now(UTC)
            name = f"{date:%Y%m%dT%H%M%S%fZ}-{re.sub(r'[^A-Za-z0-9_-]', '_', message.ref)[:64]}.json"
            record = {
                "ref": message.ref, "to": message.to, "text": message.text,
                "date": date.isoformat(), "segments": sms_segments(message.text),
            }  # fmt: skip
            tmp = self.folder / f".{name}.tmp"
            tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
            tmp.replace(self.folder / name)
            results.append(SmsResult(message.ref, "sent", name, ""))
        return results


MAX_BATCH = 100


class HttpSms:
    """The provider's HTTP JSON API (docs/sms-provider.md), batches of ≤ 100 messages."""

    def __init__(self, settings: Settings, session: aiohttp.ClientSession, *, timeout: float = 15.0) -> None:
        if not settings.sms_http_url or not settings.sms_api_key:
            raise ValueError("sms_provider = 'http' needs sms_http_url and sms_api_key")
        self.url = settings.sms_http_url
        self.sender = settings.sms_sender
        self.session = session
        self._headers = {"Authorization": f"Bearer {settings.sms_api_key}"}
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def send_many(self, messages: Sequence[SmsOut]) -> list[SmsResult]:
        """Send in batches of 100. Per message: accepted → sent, rejected → failed. Per batch:
        429/5xx/timeout → retry, 401 → failed. A 400 names the first bad message: it fails
        and the rest of its batch is sent again without it."""
        results: list[SmsResult] = []
        for start in range(0, len(messages), MAX_BATCH):
            results.extend(await self._send_batch(list(messages[start : start + MAX_BATCH])))
        return results

    async def _send_batch(self, batch: list[SmsOut]) -> list[SmsResult]:
        done: dict[str, SmsResult] = {}
        pending = batch
        while pending:
            status, body, retry_after = await self._post(pending)
            if status == 400 and isinstance(body.get("index"), int) and 0 <= body["index"] < len(pending):
                bad = pending[body["index"]]
                done[bad.ref] = SmsResult(bad.ref, "failed", None, f"invalid_request: {body.get('detail', '')}")
                pending = pending[: body["index"]] + pending[body["index"] + 1 :]
                continue
            if status == 200:
                done.update(_per_message(pending, body))
            else:
                outcome, reason = _batch_failure(status, body, retry_after)
                done.update((m.ref, SmsResult(m.ref, outcome, None, reason)) for m in pending)
            break
        return [done[m.ref] for m in batch]

    async def _post(self, batch: list[SmsOut]) -> tuple[int | None, dict[str, Any], str | None]:
        """(status, JSON body, Retry-After); status None when no answer came."""
        payload = {"sender": self.sender, "messages": [{"to": m.to, "text": m.text, "ref": m.ref} for m in batch]}
        try:
            async with self.session.post(
                self.url, json=payload, headers=self._headers, timeout=self._timeout, allow_redirects=False
            ) as response:
                try:
                    body = await response.json(content_type=None)
                except ValueError:
                    body = None
                return response.status, body if isinstance(body, dict) else {}, response.headers.get("Retry-After")
        except TimeoutError:
            return None, {"error": "timeout"}, None
        except aiohttp.ClientError as exc:
            return None, {"error": f"connection error: {exc!r}"[:200]}, None


def _per_message(batch: list[SmsOut], body: dict[str, Any]) -> dict[str, SmsResult]:
    answers = {r.get("ref"): r for r in body.get("results", []) if isinstance(r, dict)}
    results = {}
    for message in batch:
        answer = answers.get(message.ref)
        if answer is None:  # refs are idempotency keys: resending is safe
            results[message.ref] = SmsResult(message.ref, "retry", None, "no result for this message")
        elif answer.get("status") == "accepted":
            reason = "duplicate" if answer.get("duplicate") else ""
            results[message.ref] = SmsResult(message.ref, "sent", answer.get("id"), reason)
        else:
            reason = f"{answer.get('status')}: {answer.get('error', '')}"
            results[message.ref] = SmsResult(message.ref, "failed", None, reason)
    return results


def _batch_failure(status: int | None, body: dict[str, Any], retry_after: str | None) -> tuple[str, str]:
    """Outcome and reason for every message of a batch the provider did not take."""
    reason = " ".join(str(body[k]) for k in ("error", "detail") if body.get(k)) or "no details"
    reason = f"{status} {reason}" if status is not None else reason
    if retry_after:
        reason += f" (Retry-After: {retry_after})"
    if status is None or status == 429 or status >= 500:
        return "retry", reason
    return "failed", reason


def make_sms_sender(settings: Settings, session: aiohttp.ClientSession) -> SmsSender:
    """The sender `settings.sms_provider` names: "outbox" or "http"."""
    if settings.sms_provider == "outbox":
        return OutboxSms(settings)
    if settings.sms_provider == "http":
        return HttpSms(settings, session)
    raise ValueError(f"unknown sms_provider {settings.sms_provider!r} (outbox or http)")


# --------------------------------------------------------------------------- rate limit

# GCRA (a leaky bucket held as one "theoretical arrival time", in ms of the server's clock):
# each message costs 1000/per_second ms; up to one second's worth may go at once. A batch
# bigger than that goes when the bucket is empty and pushes later callers back accordingly,
# so the long-run rate holds whatever the batch size.
_QUOTA_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local cost = tonumber(ARGV[1]) * 1000 / tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local new_tat = tat + cost
local allow_at = math.min(new_tat - 1000, tat)
if allow_at > now then
  return math.ceil(allow_at - now)
end
redis.call('SET', KEYS[1], string.format('%.3f', new_tat), 'PX', math.ceil(new_tat - now) + 1000)
return 0
"""


async def acquire_sms_quota(valkey_client: avalkey.Valkey, provider: str, count: int, per_second: int) -> float:
    """Reserve `count` messages of `provider`'s rate (`per_second`, shared by every worker
    through Valkey). Returns 0 when they may be sent now (and counts them), else the seconds
    to wait before asking again. Fails open (0) when Valkey is unreachable: an alert must
    not wait on the cache, and the provider's own 429 still protects us."""
    if count <= 0:
        return 0.0
    try:
        wait_ms = await valkey_client.eval(_QUOTA_SCRIPT, 1, f"sms:quota:{provider}", count, max(per_second, 1))
    except (ValkeyError, OSError) as exc:
        log.warning("SMS rate limit of %s not enforced, Valkey unavailable: %s", provider, exc)
        return 0.0
    return int(wait_ms) / 1000


# --------------------------------------------------------------------------- inbound

INBOUND_MAX_SKEW = 300
"""Seconds an inbound webhook's timestamp may be behind or ahead of our clock."""
_TIMESTAMP_RE = re.compile(r"[0-9]{1,12}")


def verify_inbound_signature(
    secret: str, body: bytes, timestamp_header: str | None, signature_header: str | None, now: float
) -> bool:
    """True when an inbound webhook is signed with `secret` (docs/sms-provider.md): both headers
    present, the timestamp within 5 minutes of `now` (Unix seconds), and `X-Vigie-Signature`
    equal to `sha256=` + hex HMAC-SHA256 of `"<timestamp>." + body` (constant-time compare)."""
    if not secret or not timestamp_header or not signature_header:
        return False
    if not _TIMESTAMP_RE.fullmatch(timestamp_header) or abs(now - int(timestamp_header)) > INBOUND_MAX_SKEW:
        return False
    digest = hmac.new(secret.encode("utf-8"), timestamp_header.encode("ascii") + b"." + body, hashlib.sha256)
    expected = f"sha256={digest.hexdigest()}".encode("ascii")
    return hmac.compare_digest(expected, signature_header.encode("utf-8", "replace"))
