"""No password, activation code or session token is ever logged or returned."""

from __future__ import annotations

import logging
import re

from backend.demo import make_commune, make_community
from tests.auth.test_signup_and_login import signup_body

CODE = re.compile(r"CODE : ([A-Z0-9]{4})-([A-Z0-9]{4})")


async def test_secrets_stay_out_of_logs_and_answers(api, fx_password_hash, caplog, fx_settings):
    caplog.set_level(logging.DEBUG)
    commune = await make_commune()
    community = await make_community(commune, "Les Tilleuls")
    client = api()
    password = "un-mot-de-passe-tres-secret"
    r = await client.post("/api/v1/auth/signup", signup_body(community, password=password))
    token = client.http.cookies.get("vigie_session")
    box = (await client.get("/api/v1/dev/outbox")).json()
    code = "".join(CODE.search(box["letters"][0]["text"]).groups())
    answers = [r.text]
    answers.append((await client.post("/api/v1/auth/login", {"email": "odette.lambert@example.fr",
                                                              "password": password})).text)
    answers.append((await client.post("/api/v1/verification/redeem", {"code": "ZZZZ-ZZZZ"})).text)
    answers.append((await client.post("/api/v1/verification/redeem", {"code": code})).text)
    answers.append((await client.get("/api/v1/auth/me")).text)
    token = client.http.cookies.get("vigie_session") or token
    assert token and len(token) > 20
    logs = "\n".join(rec.getMessage() for rec in caplog.records)
    for secret in (password, code, token):
        assert secret not in logs
        assert all(secret not in answer for answer in answers)
    assert all("password_hash" not in a and "code_hash" not in a and "token_hash" not in a for a in answers)


async def test_health_reports_database_valkey_and_queues(api, fx_valkey):
    r = await api().get("/api/v1/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["valkey"] == "ok"
    assert set(body["queues"]) == {"fanout", "push", "email", "sms", "maintenance"}
    fx_valkey.stop()
    try:
        degraded = (await api().get("/api/v1/health")).json()
        assert degraded["status"] == "degraded" and degraded["valkey"].startswith("error")
        assert degraded["database"] == "ok"
    finally:
        fx_valkey.restart()
