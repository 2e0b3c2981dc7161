"""One Web Push message: its target, its result, and its body encrypted as RFC 8291 aes128gcm.

`encrypt_payload` is the one hand-written piece of the encryption (docs/architecture.md): the
ECDH and AES-GCM are cryptography's (OpenSSL), the two HKDFs `hmac.digest` calls.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import struct
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

MAX_PAYLOAD = 3000
"""Bytes of clear payload we accept; encrypted it stays under the 4096 push services take."""
REASON_LIMIT = 200
"""Characters of a push service's answer kept as the reason of a result."""


@dataclass(frozen=True)
class PushTarget:
    """One browser subscription; `ref` is our delivery (or subscription) id."""

    ref: int
    endpoint: str
    p256dh: str
    auth: str


@dataclass(frozen=True)
class PushResult:
    ref: int
    outcome: str
    """sent, gone (delete the subscription), retry or failed."""
    status: int | None
    """HTTP status from the push service; None when no answer was had."""
    reason: str


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_CURVE = ec.SECP256R1()
_RECORD_SIZE = 4096
_CEK_INFO = b"Content-Encoding: aes128gcm\x00\x01"
_NONCE_INFO = b"Content-Encoding: nonce\x00\x01"


@lru_cache(maxsize=16384)
def _receiver_keys(p256dh: str, auth: str) -> tuple[ec.EllipticCurvePublicKey, bytes, bytes]:
    """A subscription's public key (parsed and checked on the curve), its raw bytes and its auth
    secret: decoded once per subscription, not once per push. Raises ValueError."""
    try:
        raw = _b64url_decode(p256dh)
        secret = _b64url_decode(auth)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"subscription keys are not base64url: {exc}") from None
    if len(raw) != 65 or raw[0] != 4 or len(secret) != 16:
        raise ValueError("subscription keys have the wrong size")
    return ec.EllipticCurvePublicKey.from_encoded_point(_CURVE, raw), raw, secret


def encrypt_payload(target: PushTarget, payload: bytes) -> bytes:
    """The aes128gcm body (RFC 8291, one record) of `payload` for `target`: a fresh ephemeral
    ECDH key and salt for every message. Raises ValueError on malformed subscription keys.

    The one hand-written piece of the encryption: the ECDH and AES-GCM are cryptography's
    (OpenSSL), the two HKDFs (RFC 5869, outputs ≤ 32 bytes: one HMAC-SHA256 each to extract and
    to expand) are hmac.digest. pywebpush's `WebPusher(...).encode()` does the same work with
    ~35 µs more CPU per message (a deep copy of the subscription, its keys decoded and parsed
    every time, http_ece's HKDF and Cipher objects); figures in docs/architecture.md. The
    loopback receiver decrypts a sample with http_ece (tests/fixtures/webpush_receiver.py).
    """
    public_key, raw, secret = _receiver_keys(target.p256dh, target.auth)
    ephemeral = ec.generate_private_key(_CURVE)
    sender = ephemeral.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    shared = ephemeral.exchange(ec.ECDH(), public_key)
    salt = os.urandom(16)
    ikm = hmac.digest(hmac.digest(secret, shared, "sha256"), b"WebPush: info\x00" + raw + sender + b"\x01", "sha256")
    prk = hmac.digest(salt, ikm, "sha256")
    key = hmac.digest(prk, _CEK_INFO, "sha256")[:16]
    nonce = hmac.digest(prk, _NONCE_INFO, "sha256")[:12]
    body = AESGCM(key).encrypt(nonce, payload + b"\x02", None)  # \x02: the last (only) record's delimiter
    return salt + struct.pack("!IB", _RECORD_SIZE, len(sender)) + sender + body


def classify_status(status: int) -> str:
    """The outcome of a push service's HTTP answer (the sorting in push.py's docstring)."""
    if 200 <= status < 300:
        return "sent"
    if status in (408, 429) or status >= 500:
        return "retry"
    if status in (401, 413, 415) or status < 400:
        return "failed"
    return "gone"


def answer_result(target: PushTarget, status: int, text: str, retry_after: str | None) -> PushResult:
    """The result of a push service's answer: its status sorted, its text (and Retry-After) as the reason."""
    if 200 <= status < 300:
        return PushResult(target.ref, "sent", status, "")
    reason = f"{status} {text}".strip()
    if retry_after:
        reason += f" (Retry-After: {retry_after})"
    return PushResult(target.ref, classify_status(status), status, reason[:REASON_LIMIT])

