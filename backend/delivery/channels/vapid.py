"""VAPID keys for Web Push: generated once (`vigie vapid`), kept outside the repo under var/."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from py_vapid import Vapid01

from backend.settings import Settings

TOKEN_LIFETIME = 24 * 3600 - 600
"""`exp` of a VAPID token: under the 24 h push services accept, with 10 min for clock skew."""
TOKEN_REUSE = 12 * 3600
"""How long one signed token is reused for an origin (it then has ≥ 12 h of validity left)."""


def key_path(settings: Settings) -> Path:
    return settings.path(settings.vapid_private_key_file)


def ensure_vapid_keys(settings: Settings) -> tuple[Path, bool]:
    """Create the private key file if absent; return (path, created)."""
    path = key_path(settings)
    if path.exists():
        return path, False
    path.parent.mkdir(parents=True, exist_ok=True)
    vapid = Vapid01()
    vapid.generate_keys()
    vapid.save_key(str(path))
    path.chmod(0o600)
    return path, True


def load_vapid(settings: Settings) -> Vapid01:
    return Vapid01.from_file(str(key_path(settings)))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _raw_public_key(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def public_key_b64(settings: Settings) -> str:
    """The application server key a browser passes to PushManager.subscribe (uncompressed point, base64url)."""
    return _b64url(_raw_public_key(load_vapid(settings).public_key))


class VapidSigner:
    """Makes `Authorization: vapid t=<jwt>,k=<key>` headers, one signature per push-service origin.

    An ES256 signature costs ~125 µs, as much as a third of a push: a token is signed once per
    origin (`aud`) and reused for `reuse` seconds while it stays valid (`exp` = sign time +
    `lifetime`, ≤ 24 h as RFC 8292 asks).
    """

    def __init__(
        self,
        private_key: ec.EllipticCurvePrivateKey,
        subject: str,
        *,
        lifetime: int = TOKEN_LIFETIME,
        reuse: int = TOKEN_REUSE,
    ) -> None:
        if reuse >= lifetime:
            raise ValueError("a token must be reused for less than its lifetime")
        self._key = private_key
        self.subject = subject
        self.lifetime = lifetime
        self.reuse = reuse
        self.public_key_b64 = _b64url(_raw_public_key(private_key.public_key()))
        self.signed = 0
        """Tokens signed so far (each one reused for many pushes)."""
        self._cache: dict[str, tuple[str, float]] = {}
        self._header = _b64url(b'{"typ":"JWT","alg":"ES256"}')

    @classmethod
    def from_settings(cls, settings: Settings) -> VapidSigner:
        """The signer of the app's key file (`vigie vapid`) and `vapid_subject`."""
        return cls(load_vapid(settings).private_key, settings.vapid_subject)

    def authorization(self, origin: str, now: float | None = None) -> str:
        """The Authorization header value for pushes to `origin` (`scheme://host[:port]`)."""
        now = time.time() if now is None else now
        cached = self._cache.get(origin)
        if cached is not None and now < cached[1]:
            return cached[0]
        value = f"vapid t={self._sign(origin, int(now))},k={self.public_key_b64}"
        self._cache[origin] = (value, now + self.reuse)
        return value

    def _sign(self, origin: str, now: int) -> str:
        claims = {"aud": origin, "exp": now + self.lifetime, "sub": self.subject}
        body = _b64url(json.dumps(claims, separators=(",", ":")).encode())
        signing_input = f"{self._header}.{body}"
        der = self._key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        self.signed += 1
        return f"{signing_input}.{_b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"
