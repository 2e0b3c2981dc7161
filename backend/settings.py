"""Typed settings, read once from config/*.toml and overridden by VIGIE_* variables.

Order: config/default.toml, then config/<env>.toml (env from VIGIE_ENV, default "dev"),
then config/local.toml if present, then VIGIE_<FIELD> environment variables. Tests build
Settings explicitly with `Settings(...)` or `load_settings(overrides=...)`.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, get_origin, get_type_hints

import msgspec

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "config"


@dataclass(frozen=True)
class Settings:
    env: str = "dev"
    """dev, test or production; dev enables the local outbox pages."""
    base_url: str = "http://127.0.0.1:8000"
    """Public URL of the app, used in links in mail, SMS and push payloads."""
    host: str = "127.0.0.1"
    """Address the API binds to."""
    port: int = 8000
    """Port the API binds to."""
    var_dir: str = "var"
    """Runtime state folder (databases, keys, outbox), relative to the project root."""
    database_url: str = "sqlite:///var/vigie.db"
    """sqlite:///path or postgresql://user:pass@host:port/db."""
    valkey_url: str = ""
    """Valkey URL; empty means `vigie run` starts an embedded server under var/."""
    secret_key: str = ""
    """Secret for CSRF and signed tokens; generated into var/ when empty."""
    secure_cookies: bool = True
    """Mark cookies Secure; only switched off for plain-HTTP loopback development."""
    session_ttl_seconds: int = 30 * 24 * 3600
    """Lifetime of a login session, renewed on use."""
    dev_outbox: bool = False
    """Serve /dev/outbox and write letters and SMS to var/outbox (never in production)."""
    outbox_dir: str = "var/outbox"
    """Where caught mail, SMS and letters are written in dev."""
    media_dir: str = ""
    """Where uploaded photos (Gazette) are kept with `media_storage = "local"`; empty means `<var_dir>/media`."""
    media_storage: str = "local"
    """local (the `media_dir` folder: one host, or a folder every host mounts) or s3 (an S3-compatible
    bucket every host reaches; the app still serves every photo itself, after its access checks)."""
    s3_endpoint_url: str = ""
    """The S3-compatible service's URL (e.g. https://s3.fr-par.scw.cloud); empty: AWS's own for `s3_region`."""
    s3_region: str = ""
    """The bucket's region (e.g. fr-par); needed by AWS, usually any value elsewhere."""
    s3_bucket: str = ""
    """The bucket holding the photos (private: never give it a public policy)."""
    s3_prefix: str = ""
    """Key prefix inside the bucket, ending with "/" (e.g. "vigie/"), when the bucket holds other things too."""
    s3_access_key_id: str = ""
    """Access key of an account that may get, put, delete and list in the bucket."""
    s3_secret_access_key: str = ""
    """Its secret (VIGIE_S3_SECRET_ACCESS_KEY, not in a file under version control)."""
    s3_addressing_style: str = "path"
    """path (bucket in the URL's path: MinIO, Garage, most S3-compatible services) or virtual (bucket as host name)."""
    run_workers_in_process: bool = False
    """Run the SAQ workers inside the API process (tests, single-process dev)."""
    worker_concurrency: int = 20
    """Concurrent jobs per queue in one worker process (the push queue's: `push_jobs_per_worker`)."""
    push_jobs_per_worker: int = 6
    """Concurrent push jobs in one worker process, each with `push_concurrency` requests in flight.
    A push job is CPU-bound (one encryption a message): more of them at once send no faster, but
    one worker takes a whole slice's jobs while the others wait (bench/fanout.py: 20 → 6, last of
    10,000 pushes 2.3-2.4 s → 1.8-2.3 s with 2 workers, 3 Dec 2026)."""
    smtp_host: str = "127.0.0.1"
    """SMTP relay host."""
    smtp_port: int = 8025
    """SMTP relay port."""
    smtp_tls: bool = False
    """Implicit TLS (SMTPS, port 465)."""
    smtp_starttls: bool = False
    """Upgrade with STARTTLS after connecting."""
    smtp_username: str = ""
    """SMTP login, if the relay needs one."""
    smtp_password: str = ""
    """SMTP password, if the relay needs one."""
    mail_from: str = "Vigie <ne-pas-repondre@vigie.local>"
    """From header of every mail."""
    sms_provider: str = "outbox"
    """outbox (write to var/outbox/sms) or http (JSON provider API)."""
    sms_http_url: str = ""
    """URL of the HTTP JSON SMS provider."""
    sms_api_key: str = ""
    """API key for the SMS provider."""
    sms_sender: str = "VIGIE"
    """Sender name or number for SMS."""
    sms_inbound_secret: str = ""
    """HMAC secret the provider signs inbound SMS webhooks with."""
    sms_rate_per_second: int = 50
    """Per-provider SMS rate limit, held in Valkey."""
    sms_price_cents: int = 6
    """Price of one SMS segment in euro cents, for the cost the mairie reads before sending a broadcast."""
    sms_fallback_minutes: float = 3.0
    """An urgent push not `received` this many minutes after the alert goes by SMS (« SMS de secours »)."""
    receipt_check_seconds: float = 15.0
    """How often workers look for pushes past the receipt delay (SMS de secours, silent devices)."""
    vapid_private_key_file: str = "var/vapid_private.pem"
    """VAPID private key (PEM), generated by `vigie vapid`."""
    vapid_subject: str = "mailto:contact@vigie.local"
    """VAPID `sub` claim: a contact for push services."""
    push_allowed_hosts: tuple[str, ...] = (
        "fcm.googleapis.com",
        "*.push.services.mozilla.com",
        "*.notify.windows.com",
        "web.push.apple.com",
        "*.push.apple.com",
    )
    """Push services a subscription endpoint may point to (SSRF guard)."""
    push_allow_http_loopback: bool = False
    """Also accept http://127.0.0.1 endpoints (tests' loopback push receiver only)."""
    login_attempts_per_15min: int = 10
    """Failed logins allowed per (email, client address) in 15 minutes; the right password from another address still works."""
    login_failures_per_ip_15min: int = 50
    """Failed logins allowed per client address in 15 minutes, whatever the email (successful logins never count)."""
    password_resets_per_hour: int = 3
    """Password-reset e-mails one account may receive per hour (beyond, the answer is the same but nothing is sent)."""
    signups_per_hour_per_ip: int = 10
    """Sign-ups allowed per client address per hour."""
    open_requests_per_minute: int = 60
    """Requests to the public pages' data (/api/v1/open/...) allowed per client address per minute."""
    open_cache_seconds: int = 300
    """How long the public map and figures are kept (Valkey, and the browsers' Cache-Control max-age)."""
    code_tries_per_hour: int = 20
    """Activation-code attempts per account per hour (on top of the per-letter lock)."""
    gazette_posts_per_hour: int = 10
    """Gazette posts one member may publish per window (mairie communications are not limited)."""
    gazette_comments_per_hour: int = 30
    """Gazette comments one person may write per window."""
    gazette_limit_window_seconds: int = 3600
    """Length of the Gazette's rate-limit window (one hour; tests shorten it)."""
    alerts_per_hour: int = 10
    """Alerts one member may post per hour."""
    messages_per_hour: int = 60
    """Private messages one member may send per hour (a replayed Idempotency-Key is not counted)."""
    conversations_per_hour: int = 10
    """New private conversations one member may open per hour (reusing an existing one is not counted)."""
    photos_per_hour: int = 30
    """Photos one member may upload per hour, profile and Gazette photos together (refused uploads not counted)."""
    register_no_answer_minutes: int = 120
    """Default delay of an episode (heatwave…): minutes after the daily « Tout va bien ? » before a silent
    registered person's contacts and volunteers are alerted (staff may set another per episode)."""
    letter_validity_days: int = 60
    """Days an activation code stays valid."""
    letter_max_tries: int = 5
    """Wrong codes before a letter locks."""
    letter_lock_minutes: int = 60
    """Minutes a letter stays locked after too many wrong codes."""
    max_communities_per_person: int = 3
    """Communities one person may belong to at once (active, or pending their letter)."""
    letters_pending_per_account: int = 1
    """Activation letters one account may have on their way at once (not yet redeemed, voided or expired)."""
    letters_pending_per_address: int = 3
    """Activation letters on their way at once to one postal address (street, number, postal code)."""
    letters_per_account_per_month: int = 3
    """Activation letters one account may ask for in 30 days (sign-up, joins, re-issues, address changes)."""
    retry_backoff_scale: float = 1.0
    """Multiplies the delays between delivery retries (5 s, 30 s, 2 min, 10 min); tests shrink it."""
    maintenance_interval_seconds: float = 5.0
    """How often workers re-dispatch the outbox and re-send deliveries whose worker died."""
    claim_timeout_seconds: float = 120.0
    """A queued delivery that no job took for this long (its job was lost) gets a job again."""
    delivery_lease_seconds: float = 6.0
    """Lease of a worker's claim on the deliveries it sends, renewed every third of it while the
    worker lives; rows whose lease lapsed (worker killed) are taken over by any live worker."""
    worker_heartbeat_seconds: float = 2.0
    """How often a worker renews its leases, publishes its heartbeat and looks for lapsed leases."""
    health_max_job_age_seconds: float = 60.0
    """`/api/v1/health` is `degraded` when the oldest waiting job is older than this."""
    push_concurrency: int = 64
    """Requests to push services in flight per push job (a worker runs `push_jobs_per_worker` of them)."""
    email_connections: int = 4
    """SMTP connections per e-mail job, each sending one message at a time."""
    fanout_slice: int = 2000
    """People a fan-out reads, writes and enqueues at a time (one query, one insert per channel):
    the first sends leave after one slice, and a fan-out's memory is one slice's."""
    delivery_unrecorded_limit: int = 10
    """At most this many sends accepted by the far side wait to be written (beyond the requests
    in flight); new sends of that channel pause until they are. What a killed worker may resend."""
    metrics_token: str = ""
    """Bearer token for `GET /api/v1/metrics`; empty means only loopback clients may read it."""
    worker_metrics_port: int = 0
    """Port of a worker's Prometheus endpoint on 127.0.0.1 (0: none; `vigie run` sets API port + 1)."""
    police_email: str = ""
    """Default police/gendarmerie referent address when a commune has none."""
    police_ack_link_days: int = 30
    """Days during which the signed link in a forwarded alert's e-mail lets the police/gendarmerie
    referent acknowledge it (no account needed)."""
    mairie_invitation_days: int = 14
    """Days during which an approved mairie agent's invitation link lets them choose a password."""
    mairie_applications_per_hour: int = 5
    """« Mairie vigilante et solidaire » applications accepted per hour from one connection."""
    log_level: str = "INFO"
    """Python logging level."""
    access_log: bool = False
    """Log every request (uvicorn's access log); off by default, the reverse proxy logs them (~10 % of the API's CPU)."""
    forwarded_allow_ips: tuple[str, ...] = ("127.0.0.1",)
    """Addresses of the reverse proxies whose X-Forwarded-For / X-Forwarded-Proto `vigie serve`
    believes (the client address of the rate limits, the logs); "*" believes anyone. A peer not
    listed is taken at its own address, whatever header it writes."""
    serve_workers: int = 1
    """Processes of `vigie serve` (uvicorn workers on one port); `vigie serve --workers N` overrides it."""
    shutdown_timeout_seconds: float = 10.0
    """After SIGTERM, how long `vigie serve` lets requests in flight finish before cancelling
    them (open live streams end at once: the browsers reconnect to another instance)."""
    worker_shutdown_grace_seconds: float = 20.0
    """After SIGTERM, how long `vigie worker` lets running jobs finish (taking no new one); the
    deliveries still claimed then are handed back to the queue at once (their lease is not waited for)."""
    live_ping_seconds: float = 15.0
    """Seconds of silence before a live stream sends a keep-alive comment (proxies cut idle connections)."""
    live_max_stream_seconds: float = 300.0
    """A live stream ends after this long and the browser reconnects, so its channels follow role
    changes as fast as the cached principal does."""
    live_retry_ms: int = 5000
    """Reconnection delay sent to the browser on a live stream (`retry:`)."""
    live_backlog: int = 256
    """Live events kept for a slow client; beyond that the oldest are dropped."""
    account_erase_grace_days: int = 14
    """Days between « Supprimer mon compte » and the erasure: the account is disabled at once and
    comes back if its owner logs in meanwhile (RGPD, backend/privacy)."""
    retention_delivery_days: int = 90
    """Days a notification's delivery row (sent, received, opened: its receipts) is kept."""
    retention_expired_classified_days: int = 30
    """Days an expired Gazette classified is kept (with its photos) before it is removed."""
    retention_suspect_description_days: int = 30
    """Days after which the description of a « personne suspecte » alert is blurred."""
    retention_audit_days: int = 365
    """Days an entry of the staff and moderators' audit log is kept."""
    retention_pause_ratio: float = 1.0
    """After each batch of 1,000 rows a retention purge waits this many times as long as the batch
    took (at most 5 s; 0: no wait), so a purge of a large backlog leaves the database to the sends."""
    privacy_check_seconds: float = 600.0
    """How often each worker looks whether today's privacy run (retention, erasures) is due; one worker runs it."""

    # Derived paths -------------------------------------------------------
    def path(self, value: str) -> Path:
        p = Path(value)
        return p if p.is_absolute() else ROOT / p

    @property
    def var_path(self) -> Path:
        return self.path(self.var_dir)

    @property
    def outbox_path(self) -> Path:
        return self.path(self.outbox_dir)

    @property
    def media_path(self) -> Path:
        return self.path(self.media_dir) if self.media_dir else self.var_path / "media"

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def with_(self, **changes: Any) -> "Settings":
        return replace(self, **changes)


MIN_SECRET_KEY_LENGTH = 32
PLACEHOLDER = "CHANGE-ME"


def production_problems(settings: Settings) -> list[str]:
    """Every setting that makes a production start unsafe (empty when it may start), in English for the log.

    The database-backed check (demo accounts present) runs at startup, in `backend.app`.
    """
    problems: list[str] = []
    if not settings.secure_cookies:
        problems.append("secure_cookies is false: session cookies would travel without the Secure flag")
    if settings.dev_outbox:
        problems.append("dev_outbox is true: /dev/outbox would show every letter, e-mail and SMS")
    if not settings.base_url.lower().startswith("https://"):
        problems.append(f"base_url {settings.base_url!r} is not https://: links in mail, SMS and push would be plain HTTP")
    if not settings.secret_key:
        problems.append("secret_key is empty (set VIGIE_SECRET_KEY)")
    elif PLACEHOLDER.lower() in settings.secret_key.lower():
        problems.append("secret_key is still the example's placeholder")
    elif len(settings.secret_key) < MIN_SECRET_KEY_LENGTH:
        problems.append(f"secret_key is shorter than {MIN_SECRET_KEY_LENGTH} characters")
    if settings.push_allow_http_loopback:
        problems.append("push_allow_http_loopback is true: push subscriptions could point at http://127.0.0.1")
    problems += media_storage_problems(settings)
    for f in fields(Settings):
        value = getattr(settings, f.name)
        if f.name != "secret_key" and isinstance(value, str) and PLACEHOLDER.lower() in value.lower():
            problems.append(f"{f.name} still holds the example's {PLACEHOLDER} placeholder")
    return problems


def media_storage_problems(settings: Settings) -> list[str]:
    """What makes the photo storage settings unusable (empty when complete); backend.lib.storage
    refuses them in every environment, production refuses to start with them."""
    if settings.media_storage not in ("local", "s3"):
        return [f"media_storage {settings.media_storage!r} is neither 'local' nor 's3'"]
    if settings.media_storage == "local":
        return []
    problems = [f"media_storage is 's3' but {name} is empty"
                for name in ("s3_bucket", "s3_access_key_id", "s3_secret_access_key") if not getattr(settings, name)]
    if not settings.s3_endpoint_url and not settings.s3_region:
        problems.append("media_storage is 's3' but neither s3_endpoint_url nor s3_region is set")
    if settings.s3_addressing_style not in ("path", "virtual"):
        problems.append(f"s3_addressing_style {settings.s3_addressing_style!r} is neither 'path' nor 'virtual'")
    if settings.s3_prefix and not settings.s3_prefix.endswith("/"):
        problems.append(f"s3_prefix {settings.s3_prefix!r} must end with '/'")
    if settings.is_production and settings.s3_endpoint_url.lower().startswith("http://") and not \
            settings.s3_endpoint_url.lower().startswith(("http://127.0.0.1", "http://localhost", "http://[::1]")):
        problems.append(f"s3_endpoint_url {settings.s3_endpoint_url!r} is not https://: photos and the key's "
                        "signatures would travel in clear")
    return problems


class UnsafeProductionSettings(RuntimeError):
    """Production refused to start; the message lists every problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("refusing to start in production:\n  - " + "\n  - ".join(problems))


def check_production(settings: Settings) -> None:
    """Raise UnsafeProductionSettings when production settings are unsafe; nothing outside production."""
    if settings.is_production and (problems := production_problems(settings)):
        raise UnsafeProductionSettings(problems)


class InvalidSetting(ValueError):
    """A setting's value cannot be read as its type; the message names the setting."""


def _list_fields() -> set[str]:
    """Settings holding a list, written in a VIGIE_* variable as comma-separated items."""
    return {name for name, hint in get_type_hints(Settings).items() if get_origin(hint) in (tuple, list)}


SCRIPT_VARIABLES = frozenset({"VIGIE_TEST_PROCESSES", "VIGIE_E2E_ON_POSTGRES", "VIGIE_SWEEP_DATES"})
"""VIGIE_* variables of the project's own scripts (scripts/test.sh, scripts/calendar_sweep.sh), not settings."""


def load_settings(env: dict[str, str] | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """Build settings from the TOML files, the environment and explicit overrides.

    msgspec converts every value to its field's type, leniently (`strict=False`): the text of
    a VIGIE_* variable becomes a bool ("true"/"false"/"1"/"0"), an int or a float; a TOML or
    comma-separated list becomes a tuple. A value that is not of its type raises InvalidSetting;
    so does a TOML key or a VIGIE_* variable that names no setting (a typo would otherwise be
    silently ignored), naming the key and where it was found.
    """
    environ = os.environ if env is None else env
    names = {f.name for f in fields(Settings)}
    values: dict[str, Any] = {}
    which = environ.get("VIGIE_ENV", (overrides or {}).get("env", "dev"))
    for file in (CONFIG_DIR / "default.toml", CONFIG_DIR / f"{which}.toml", CONFIG_DIR / "local.toml"):
        if file.exists():
            with file.open("rb") as fh:
                for key, value in tomllib.load(fh).items():
                    if key not in names:
                        raise InvalidSetting(f"unknown setting {key!r} in {file}: no setting has that name")
                    values[key] = value
    for variable in environ:
        if variable.startswith("VIGIE_") and variable not in SCRIPT_VARIABLES \
                and variable[len("VIGIE_"):].lower() not in names:
            raise InvalidSetting(f"unknown setting in the environment: {variable} names no setting")
    lists = _list_fields()
    for name in names:
        raw = environ.get(f"VIGIE_{name.upper()}")
        if raw is not None:
            values[name] = [item.strip() for item in raw.split(",") if item.strip()] if name in lists else raw
    values.update(overrides or {})
    try:
        return msgspec.convert(values, Settings, strict=False)
    except msgspec.ValidationError as exc:
        field_name = str(exc).rpartition("$.")[2].split("[")[0]
        raise InvalidSetting(f"setting {field_name} (VIGIE_{field_name.upper()}): {exc}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return load_settings()
