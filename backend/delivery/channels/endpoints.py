"""Where a push may go: the allow-list of push services (the SSRF guard) and the egress proxy.

A subscription's endpoint is a URL the browser gave; the server POSTs to it. Only HTTPS origins
of `settings.push_allowed_hosts` (the browsers' push services) pass, checked when a
subscription is saved (subscriptions.py) and again before each send (push.py); `proxy_for`
reads the environment's proxy for an origin.
"""

from __future__ import annotations

import ipaddress
import os
import re
import urllib.request
from functools import lru_cache

from backend.settings import Settings

_HOST_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$")
_UNSAFE_CHARS = re.compile(r"[\s\\\x00-\x1f\x7f]")
_PORT_RE = re.compile(r"^[1-9][0-9]{0,4}$")


def is_allowed_endpoint(settings: Settings, url: str) -> bool:
    """True when `url` may receive a push: HTTPS, on the default port, to a host of
    `settings.push_allowed_hosts` (`*.` for any subdomain), no credentials, no IP literal;
    or `http://127.0.0.1:<port>/…` when `push_allow_http_loopback` (tests' receiver)."""
    return endpoint_origin(settings, url) is not None


def endpoint_origin(settings: Settings, url: str) -> str | None:
    """The origin (VAPID `aud`) of an allowed endpoint, None when it is not allowed.

    Stricter than a URL parser on purpose: the authority is everything between `//` and the
    next `/`, and must be a bare host name (and port), so `?`, `#`, `@` or `\\` tricks that
    parsers read differently are refused rather than interpreted.
    """
    if not url.isascii() or _UNSAFE_CHARS.search(url):
        return None
    scheme, sep, rest = url.partition("://")
    if not sep:
        return None
    authority = rest.split("/", 1)[0]
    return _allowed_origin(
        scheme.lower(), authority.lower(), settings.push_allowed_hosts, settings.push_allow_http_loopback
    )


@lru_cache(maxsize=1024)
def _allowed_origin(scheme: str, authority: str, allowed: tuple[str, ...], http_loopback: bool) -> str | None:
    host, colon, port = authority.partition(":")
    if scheme == "http":
        ok = http_loopback and host == "127.0.0.1" and _PORT_RE.match(port) is not None
        return f"http://{authority}" if ok else None
    if scheme != "https" or (colon and port != "443") or not _HOST_RE.match(host):
        return None
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    for pattern in allowed:
        pattern = pattern.lower()
        if pattern.startswith("*.") and host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
            return f"https://{host}"
        if host == pattern:
            return f"https://{host}"
    return None


_PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy",
                    "NO_PROXY", "no_proxy", "REQUEST_METHOD")


def proxy_for(origin: str) -> str | None:
    """The proxy URL the environment gives for `origin` (`scheme://host[:port]`), or None
    (no proxy set, or the host is in `NO_PROXY`). Read again only when one of the proxy
    variables changed: reading them all (`getproxies_environment` walks the whole environment)
    once per send job was ~1 % of a worker's CPU during a fan-out (bench/fanout.py, py-spy)."""
    return _proxy_for(origin, tuple(os.environ.get(name) for name in _PROXY_VARIABLES))


@lru_cache(maxsize=256)
def _proxy_for(origin: str, _variables: tuple[str | None, ...]) -> str | None:
    proxies = urllib.request.getproxies_environment()
    scheme, _, authority = origin.partition("://")
    if urllib.request.proxy_bypass_environment(authority.partition(":")[0], proxies):
        return None
    return proxies.get(scheme)
