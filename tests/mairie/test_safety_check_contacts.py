"""The safety check's lists of people to call show a phone or an address only where the person
allows it: always after « j'ai besoin d'aide » (their own answer asks the mairie to reach them),
otherwise as their directory settings show them to referents (« personne » stays hidden)."""

from __future__ import annotations

from tests.mairie.helpers import town


async def test_lists_show_contacts_only_where_the_person_allows_it(api, fx_app, fx_settings, fx_password_hash,
                                                                   fx_push):
    t = await town(fx_settings, fx_password_hash, fx_push)
    w = t.world
    hidden, shared, helped = t.residents["bourg0"], t.residents["bourg1"], t.residents["bourg2"]
    clients = {uid: await api.as_user(t.emails[uid]) for uid in (hidden, shared, helped)}
    # bourg0 keeps the defaults (phone and address: « personne »); bourg1 shows them to referents
    # and the neighbourhood; bourg2 hides both too, but will ask for help.
    r = await clients[shared].patch("/api/v1/directory/me", {"phone_visibility": "referents",
                                                              "address_visibility": "community"})
    assert r.status_code == 200, r.text
    r = await clients[helped].patch("/api/v1/directory/me", {"phone_visibility": "nobody",
                                                              "address_visibility": "nobody"})
    assert r.status_code == 200, r.text

    staff = await api.as_user(w.email("staff"))
    r = await staff.post(f"/api/v1/communes/{w.commune}/safety-checks", {"community_ids": [w.sibling]})
    assert r.status_code == 201, r.text
    check_id = r.json()["id"]
    answered = await clients[helped].post(f"/api/v1/safety-checks/{check_id}/answer",
                                          {"answer": "help", "note": "Je ne peux pas sortir."})
    assert answered.status_code == 200, answered.text

    detail = await staff.get(f"/api/v1/communes/{w.commune}/safety-checks/{check_id}")
    assert detail.status_code == 200, detail.text
    body = detail.json()
    people = {p["user_id"]: p for p in body["not_answered"] + body["need_help"]}
    assert [p["user_id"] for p in body["need_help"]] == [helped]
    assert people[helped]["phone"] == t.phones[helped] and people[helped]["address"]
    assert people[hidden]["phone"] is None and people[hidden]["address"] is None
    assert people[shared]["phone"] == t.phones[shared] and people[shared]["address"]
    assert t.phones[hidden] not in detail.text
