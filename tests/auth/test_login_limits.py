"""Login limits count failures per (e-mail, address) and per address: nobody locks the owner out,
and a shared address (town-hall office, mobile NAT) is never limited for right passwords."""

from __future__ import annotations

import httpx
import pytest

from backend.demo import make_user
from tests.conftest import TEST_PASSWORD, Api

OWNER = "odette@example.fr"


def from_address(app, ip: str) -> Api:
    """A client whose requests come from `ip` (the address the limits see)."""
    client = Api(app, ip)
    client.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 40000)),
                                    base_url="https://testserver.local")
    return client


async def login(client: Api, email: str, password: str) -> httpx.Response:
    return await client.post("/api/v1/auth/login", {"email": email, "password": password})


@pytest.fixture
async def owner(fx_engine, fx_password_hash):
    return await make_user(OWNER, "Odette", "Lambert", password_hash=fx_password_hash)


async def test_a_stranger_failing_many_times_does_not_lock_the_owner_out(fx_app, fx_settings, owner):
    stranger, home = from_address(fx_app, "203.0.113.7"), from_address(fx_app, "198.51.100.20")
    for _ in range(fx_settings.login_attempts_per_15min):
        assert (await login(stranger, OWNER, "pas-le-bon-mot")).status_code == 401
    locked = await login(stranger, OWNER, TEST_PASSWORD)  # the stranger's address is out, even with the password
    assert locked.status_code == 429 and locked.json()["detail"].startswith("Trop de tentatives")
    assert int(locked.headers["retry-after"]) > 0
    ok = await login(home, OWNER, TEST_PASSWORD)  # the owner, from an address that has not failed
    assert ok.status_code == 200, ok.text
    await stranger.aclose(), await home.aclose()


async def test_successful_logins_from_one_shared_address_never_count(fx_app_factory, fx_settings, fx_password_hash):
    app = await fx_app_factory(login_failures_per_ip_15min=4)
    emails = [f"agent{i}@mairie.example.fr" for i in range(4)]
    for email in emails:
        await make_user(email, "Agent", "Mairie", password_hash=fx_password_hash)
    office = from_address(app, "192.0.2.50")
    # past both the address's failure limit and the old ceiling every login counted against (3 × 5 here)
    for i in range(3 * fx_settings.login_attempts_per_15min + 1):
        r = await login(office, emails[i % len(emails)], TEST_PASSWORD)
        assert r.status_code == 200, (i, r.text)
    assert (await login(office, emails[0], "faute-de-frappe")).status_code == 401
    assert (await login(office, emails[0], TEST_PASSWORD)).status_code == 200
    await office.aclose()


async def test_failures_per_address_across_emails_are_limited_for_that_address_only(fx_app_factory, owner):
    app = await fx_app_factory(login_failures_per_ip_15min=6, login_attempts_per_15min=3)
    sprayer, neighbour = from_address(app, "203.0.113.66"), from_address(app, "198.51.100.9")
    for i in range(6):  # six e-mails, one wrong password each: under the per-(e-mail, address) limit
        assert (await login(sprayer, f"cible{i}@example.fr", "devine-devine")).status_code == 401
    refused = await login(sprayer, OWNER, TEST_PASSWORD)
    assert refused.status_code == 429
    assert (await login(neighbour, OWNER, TEST_PASSWORD)).status_code == 200
    await sprayer.aclose(), await neighbour.aclose()


async def test_a_success_clears_the_owners_own_typos(fx_app, fx_settings, owner):
    phone = from_address(fx_app, "198.51.100.77")
    for _ in range(fx_settings.login_attempts_per_15min - 1):
        assert (await login(phone, OWNER, "faute-de-frappe")).status_code == 401
    assert (await login(phone, OWNER, TEST_PASSWORD)).status_code == 200
    for _ in range(fx_settings.login_attempts_per_15min - 1):  # a fresh count after the success
        assert (await login(phone, OWNER, "faute-de-frappe")).status_code == 401
    assert (await login(phone, OWNER, TEST_PASSWORD)).status_code == 200
    await phone.aclose()
