"""Password reset: a new link voids the older ones, and one account gets a few links an hour at most
(the answer stays the same, so it tells nobody whether the account exists)."""

from __future__ import annotations

import asyncio
import re

import pytest

from backend.demo import make_user

OWNER = "odette@example.fr"


def token_of(mail) -> str:
    text = mail.message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"token=([\w-]+)", text).group(1)


def sent_to(mails, address: str) -> list:
    return [m for m in mails if address in m.message["To"]]


@pytest.fixture
async def owner(fx_engine, fx_password_hash):
    return await make_user(OWNER, "Odette", "Lambert", password_hash=fx_password_hash)


async def test_a_new_reset_link_voids_the_older_one(api, owner, fx_mail):
    client = api()
    assert (await client.post("/api/v1/auth/password-reset", {"email": OWNER})).status_code == 202
    first = token_of((await fx_mail.wait_for_async(1, timeout=10))[0])
    assert (await client.post("/api/v1/auth/password-reset", {"email": OWNER})).status_code == 202
    mails = await fx_mail.wait_for_async(2, timeout=10)
    second = token_of([m for m in mails if first not in m.message.get_body(preferencelist=("plain",)).get_content()][0])
    old = await client.post("/api/v1/auth/password-reset/confirm", {"token": first, "new_password": "nouveau-mot-de-passe"})
    assert old.status_code == 400 and old.json()["code"] == "invalid_reset_token"
    ok = await client.post("/api/v1/auth/password-reset/confirm", {"token": second, "new_password": "nouveau-mot-de-passe"})
    assert ok.status_code == 204
    await api.as_user(OWNER, "nouveau-mot-de-passe")


async def test_one_account_gets_a_few_reset_links_an_hour_and_the_answer_never_changes(
        api, owner, fx_settings, fx_mail, fx_password_hash):
    await make_user("voisin@example.fr", "Jean", "Voisin", password_hash=fx_password_hash)
    client = api()
    answers = []
    for _ in range(fx_settings.password_resets_per_hour + 2):
        r = await client.post("/api/v1/auth/password-reset", {"email": OWNER})
        answers.append((r.status_code, r.json()))
    nobody = await client.post("/api/v1/auth/password-reset", {"email": "personne@example.fr"})
    assert {(s, str(b)) for s, b in answers} == {(202, str(nobody.json()))} and nobody.status_code == 202
    assert (await client.post("/api/v1/auth/password-reset", {"email": "voisin@example.fr"})).status_code == 202
    await fx_mail.wait_for_async(fx_settings.password_resets_per_hour + 1, timeout=15)
    await asyncio.sleep(1)  # any extra mail to the owner, queued before the neighbour's, has come by now
    assert len(sent_to(fx_mail.messages, "voisin@example.fr")) == 1  # another account is not held back
    assert len(sent_to(fx_mail.messages, OWNER)) == fx_settings.password_resets_per_hour
