"""The mairie part of the guard matrix, on its own: every mairie route as every role (staff of
another commune included), so this domain's guards are checked even while other domains'
routes are being added to the shared matrix."""

from __future__ import annotations

from backend.auth import sessions
from tests.builders import ROLES, build_world
from tests.conftest import Api
from tests.mairie.guard_matrix import MATRIX, QUERY
from tests.security.test_guard_matrix import api_routes, concrete, load_matrix


async def test_mairie_routes_answer_only_the_roles_of_the_matrix(fx_app, fx_password_hash):
    load_matrix()  # fills the shared TARGET/QUERY/BODY tables used by concrete()
    world = await build_world(fx_password_hash)
    routes = [(m, p) for m, p, _ in api_routes(fx_app) if f"{m} {p}" in MATRIX]
    assert {f"{m} {p}" for m, p in routes} == set(MATRIX), "matrix lists routes that do not exist"
    tokens = {role: await sessions.create_session(world.users[role], 3600) for role in ROLES}
    wrong = []
    for method, path in routes:
        key = f"{method} {path}"
        for role in ["anonymous", *ROLES]:
            client = Api(fx_app, role)
            if role != "anonymous":
                client.http.cookies.set(sessions.COOKIE_NAME, tokens[role], domain="testserver.local")
            kwargs = {"params": QUERY.get(key, {})}
            if method in ("POST", "PUT", "PATCH"):
                kwargs["json"] = {}
            response = await client.request(method, concrete(path, world, key), **kwargs)
            await client.aclose()
            denied = response.status_code in (401, 403)
            if (role in MATRIX[key]) == denied:
                wrong.append(f"{key} as {role}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
