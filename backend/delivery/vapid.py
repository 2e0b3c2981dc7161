"""VAPID keys for Web Push: generated once (`vigie vapid`), kept outside the repo under var/."""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid01

from backend.settings import Settings


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


def public_key_b64(settings: Settings) -> str:
    """The application server key a browser passes to PushManager.subscribe (uncompressed point, base64url)."""
    raw = load_vapid(settings).public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
