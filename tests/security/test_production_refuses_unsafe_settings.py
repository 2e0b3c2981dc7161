"""Production cannot start unsafe: dev settings, placeholders and demo accounts refuse the start."""

from __future__ import annotations

import tomllib

import pytest

from backend.app import create_app
from backend.demo import DEMO_PASSWORD, make_user
from backend.settings import CONFIG_DIR, Settings, UnsafeProductionSettings, load_settings, production_problems
from tests.conftest import Api

REAL_SECRET = "k3J9-vQ2pX8wL5mN1rT7yU4iO6aS0dF2gH8jK3lZ5xC"


def filled_example() -> dict:
    """config/production.example.toml as an operator fills it in: every CHANGE-ME replaced."""
    with (CONFIG_DIR / "production.example.toml").open("rb") as fh:
        values = tomllib.load(fh)
    real = {"database_url": "postgresql://vigie:s3cret-db-pass@127.0.0.1:5432/vigie", "secret_key": REAL_SECRET,
            "smtp_password": "smtp-relay-pass", "sms_api_key": "sms-api-key-123", "sms_inbound_secret": "hmac-secret-456"}
    placeholders = [k for k, v in values.items() if isinstance(v, str) and "CHANGE-ME" in v]
    assert placeholders and set(placeholders) <= set(real), placeholders  # the example still has placeholders to fill
    values.update({k: real[k] for k in placeholders})
    return values


def production(fx_settings: Settings, **changes) -> Settings:
    """The test's database, Valkey and mail, with the example's production values (filled in)."""
    values = filled_example()
    keep = {k: getattr(fx_settings, k) for k in ("database_url", "valkey_url", "smtp_host", "smtp_port", "var_dir",
                                                  "outbox_dir", "vapid_private_key_file")}
    values.update(keep, smtp_starttls=False, smtp_username="", smtp_password="", push_allow_http_loopback=False)
    values.update(changes)
    return fx_settings.with_(**values)


def test_filled_in_production_example_passes_every_check():
    settings = Settings(**filled_example())
    assert settings.is_production
    assert production_problems(settings) == []


def test_production_without_a_production_file_refuses_and_names_every_problem():
    settings = load_settings(env={"VIGIE_ENV": "production"})  # no config/production.toml: the dev defaults
    assert settings.is_production
    with pytest.raises(UnsafeProductionSettings) as refused:
        create_app(settings)
    message = str(refused.value)
    for name in ("secure_cookies", "dev_outbox", "base_url", "secret_key"):
        assert name in message, message
    assert len(refused.value.problems) >= 4


@pytest.mark.parametrize("change,named", [
    ({"secure_cookies": False}, "secure_cookies"),
    ({"dev_outbox": True}, "dev_outbox"),
    ({"base_url": "http://vigie.example.fr"}, "base_url"),
    ({"secret_key": ""}, "secret_key is empty"),
    ({"secret_key": "CHANGE-ME-64-random-characters"}, "secret_key is still the example's placeholder"),
    ({"secret_key": "short-secret-1234"}, "secret_key is shorter than 32"),
    ({"push_allow_http_loopback": True}, "push_allow_http_loopback"),
    ({"sms_inbound_secret": "CHANGE-ME"}, "sms_inbound_secret"),
])
def test_each_unsafe_setting_refuses_the_production_start(fx_settings, change, named):
    settings = production(fx_settings, **change)
    with pytest.raises(UnsafeProductionSettings) as refused:
        create_app(settings)
    assert len(refused.value.problems) == 1 and named in refused.value.problems[0], refused.value.problems


def test_the_same_settings_outside_production_still_start(fx_settings):
    create_app(fx_settings.with_(secure_cookies=False, dev_outbox=True, base_url="http://127.0.0.1:8000"))


async def test_production_with_a_demo_account_refuses_to_start(fx_app_factory, fx_settings, fx_password_hash):
    await make_user("admin@demo.vigie.fr", "Claire", "Fontaine", password_hash=fx_password_hash, is_admin=True)
    with pytest.raises(BaseExceptionGroup) as refused:  # raised in the lifespan's task group
        await fx_app_factory(**{k: getattr(production(fx_settings), k) for k in [*filled_example(), "push_allow_http_loopback"]})
    assert refused.group_contains(UnsafeProductionSettings, match=r"demo accounts exist \(admin@demo\.vigie\.fr\)")


async def test_production_starts_and_sends_hsts_without_demo_accounts(fx_app_factory, fx_settings, fx_password_hash):
    await make_user("maire@bellerive.fr", "Anne", "Roux", password_hash=fx_password_hash)
    app = await fx_app_factory(**{k: getattr(production(fx_settings), k) for k in [*filled_example(), "push_allow_http_loopback"]})
    client = Api(app)
    r = await client.get("/api/v1/health")
    assert r.status_code == 200
    assert r.headers["strict-transport-security"] == "max-age=31536000"
    assert "Secure" in r.headers["set-cookie"]
    demo_login = await client.post("/api/v1/auth/login", {"email": "admin@demo.vigie.fr", "password": DEMO_PASSWORD})
    assert demo_login.status_code == 401
    await client.aclose()


async def test_no_hsts_over_plain_http_development(api):
    r = await api().get("/api/v1/health")
    assert r.status_code == 200 and "strict-transport-security" not in r.headers
