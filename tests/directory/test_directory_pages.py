"""The directory by pages: every listed member once, in name order, whatever the page size; the
search runs on the server over the whole directory (accents and case aside); the same scope as
the whole directory (members, moderators, admins; not mairie staff, not other communities)."""

from __future__ import annotations

from typing import Any

import pytest

from backend.communities.tables import Membership
from tests.builders import World, build_world
from tests.directory.helpers import neighbour, set_profile

PAGE = "/api/v1/communities/{}/directory/page"
NAMES = [("Élodie", "Lefèvre"), ("Elodie", "Lefebvre"), ("Zoé", "Œuvray"), ("Ana", "Émery"), ("Luc", "Durand")]


@pytest.fixture
async def world(fx_password_hash: str, fx_settings: Any) -> World:
    w = await build_world(fx_password_hash)
    for i in range(60):
        first, last = NAMES[i] if i < len(NAMES) else (f"Prénom{i:02d}", f"Nom{(i * 7) % 60:02d}")
        await neighbour(w, fx_password_hash, f"n{i}", first, last, f"{i + 1} rue des Lilas", f"+3361200{i:04d}")
    await neighbour(w, fx_password_hash, "ailleurs", "Élodie", "Ailleurs", "3 place du Centre", "+33612999999",
                    community=w.sibling)
    return w


async def walk(client: Any, community: int, limit: int, q: str = "") -> tuple[list[dict[str, Any]], list[int]]:
    """Every page: (the entries, each page's total)."""
    items: list[dict[str, Any]] = []
    totals: list[int] = []
    after = None
    while True:
        params = {"limit": limit, "q": q, **({"after": after} if after else {})}
        r = await client.get(PAGE.format(community), params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["items"]) <= limit
        items += body["items"]
        totals.append(body["total"])
        after = body["next_after"]
        if after is None:
            return items, totals


async def test_pages_list_everyone_once_in_the_whole_directorys_order(api, world):
    member = await api.as_user(world.email("member"))
    whole = (await member.get(f"/api/v1/communities/{world.community}/directory")).json()
    assert len(whole) == 60 + 2  # the neighbours, « member » and the referent (not the pending, not the sibling's)
    for limit in (1, 7, 30, 100):
        items, totals = await walk(member, world.community, limit)
        assert [e["user_id"] for e in items] == [e["user_id"] for e in whole], limit
        assert set(totals) == {len(whole)}
    assert items == whole  # the same entries, contacts as the viewer may see them
    first = (await member.get(PAGE.format(world.community))).json()
    assert len(first["items"]) == 30 and first["next_after"]  # default page: 30


async def test_search_asks_the_whole_directory_without_accents_nor_case(api, world):
    member = await api.as_user(world.email("member"))
    await set_profile(api, world.email("n4"), skills=["jardinage"], interests=["Pétanque"])
    items, totals = await walk(member, world.community, 1, "LEFEVRE élodie")
    assert [e["name"] for e in items] == ["Élodie Lefèvre"] and totals == [1]
    items, totals = await walk(member, world.community, 1, "elodie")
    assert [e["name"] for e in items] == ["Elodie Lefebvre", "Élodie Lefèvre"] and set(totals) == {2}
    assert [e["name"] for e in (await walk(member, world.community, 5, "oeuvray"))[0]] == ["Zoé Œuvray"]
    assert [e["name"] for e in (await walk(member, world.community, 5, "jardin petanque"))[0]] == ["Luc Durand"]
    assert (await walk(member, world.community, 5, "personne"))[0] == []


async def test_a_page_after_someone_left_goes_on_where_it_stopped(api, world):
    member = await api.as_user(world.email("member"))
    r = (await member.get(PAGE.format(world.community), params={"limit": 10})).json()
    last = r["items"][-1]["user_id"]
    await Membership.update({Membership.status: "left"}).where(Membership.user == last)
    rest = (await member.get(PAGE.format(world.community), params={"limit": 100, "after": r["next_after"]})).json()
    whole = (await member.get(f"/api/v1/communities/{world.community}/directory")).json()
    assert [e["user_id"] for e in r["items"][:-1] + rest["items"]] == [e["user_id"] for e in whole]


async def test_scope_and_bad_requests(api, world):
    for role in ("other_member", "staff", "other_staff", "unverified"):
        client = await api.as_user(world.email(role))
        r = await client.get(PAGE.format(world.community))
        assert r.status_code == 403, (role, r.text)
    moderator = await api.as_user(world.email("moderator"))
    await set_profile(api, world.email("n0"), phone_visibility="community")
    entries = (await moderator.get(PAGE.format(world.community), params={"limit": 100})).json()["items"]
    assert entries and all(e["contacts"] == {"phone": None, "email": None, "other": None} for e in entries)
    member = await api.as_user(world.email("member"))
    mine = {e["user_id"]: e for e in (await member.get(PAGE.format(world.community), params={"limit": 100})).json()["items"]}
    assert mine[world.users["n0"]]["contacts"]["phone"] == "+33612000000"
    for params, code in (({"limit": 0}, "invalid_page_size"), ({"limit": 101}, "invalid_page_size"),
                         ({"after": "pas-un-curseur"}, "invalid_cursor"), ({"after": "WzFd"}, "invalid_cursor")):
        r = await member.get(PAGE.format(world.community), params=params)
        assert r.status_code == 400 and r.json()["code"] == code, r.text
        assert r.json()["detail"][0].isupper()


async def test_order_is_the_folded_name_stored_with_the_names_and_follows_a_rename(api, world):
    from backend.auth import service as accounts
    from backend.auth.tables import User
    from backend.lib.text import sort_name, unaccent

    users = await User.select(User.id, User.first_name, User.last_name, User.sort_name)
    assert all(u["sort_name"] == sort_name(u["first_name"], u["last_name"]) for u in users)
    member = await api.as_user(world.email("member"))
    items, _ = await walk(member, world.community, 7)
    assert [e["user_id"] for e in items] == [e["user_id"] for e in sorted(
        items, key=lambda e: (unaccent(e["last_name"]), unaccent(e["first_name"]), e["user_id"]))]
    assert [e["name"] for e in items[:3]] == ["Luc Durand", "Ana Émery", "Elodie Lefebvre"]
    # A rename moves the member at once: « Durand » becomes « Zèbre », last of the directory.
    await accounts.update_identity(None, world.users["n4"], "Luc", "Zèbre", "+33612000004")
    items, _ = await walk(member, world.community, 30)
    assert items[-1]["name"] == "Luc Zèbre" and items[0]["name"] == "Ana Émery"
    # A cursor handed out before the stored name, (last, first, id) folded, still goes on after that member.
    import base64
    import json

    lefebvre = next(e for e in items if e["name"] == "Elodie Lefebvre")
    old = base64.urlsafe_b64encode(json.dumps(["lefebvre", "elodie", lefebvre["user_id"]]).encode()).decode().rstrip("=")
    after = (await member.get(PAGE.format(world.community), params={"limit": 1, "after": old})).json()
    assert [e["name"] for e in after["items"]] == ["Élodie Lefèvre"]


async def test_the_migration_fills_the_sort_name_of_accounts_made_before_it(world, monkeypatch):
    import importlib

    from backend.auth.tables import User
    from backend.lib.text import sort_name

    await User.update({User.sort_name: ""}, force=True)
    migration = importlib.import_module("piccolo_migrations.vigie_2026_12_02t20_40_10_000000")
    monkeypatch.setattr(migration, "BATCH", 7)  # several batches over the world's ~70 accounts
    await (await migration.forwards()).run()
    users = await User.select(User.first_name, User.last_name, User.sort_name)
    assert len(users) > 14 and all(u["sort_name"] == sort_name(u["first_name"], u["last_name"]) for u in users)
