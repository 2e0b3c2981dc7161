"""The directory's answer to other domains (check-ins, safety checks): each person's own choice of
who sees their phone, e-mail, other contact and full address, and whether a viewer passes it."""

from __future__ import annotations

from backend.directory.service import contact_visibilities, shown_to
from tests.builders import build_world
from tests.directory.helpers import neighbour, set_profile


async def test_choices_are_read_as_saved_and_defaults_apply_without_a_profile(api, fx_password_hash, fx_settings):
    w = await build_world(fx_password_hash)
    chose = await neighbour(w, fx_password_hash, "chose", "Claire", "Choix", "5 rue Basse", "+33611119001")
    never = await neighbour(w, fx_password_hash, "never", "Nadia", "Jamais", "7 rue Basse", "+33611119002")
    await set_profile(api, "chose@test.vigie.fr", phone_visibility="referents", email_visibility="community",
                      other_contact_visibility="nobody", address_visibility="community")
    found = await contact_visibilities([chose, never])
    assert found[chose] == {"phone": "referents", "email": "community", "other_contact": "nobody",
                            "address": "community"}
    assert found[never] == {"phone": "nobody", "email": "nobody", "other_contact": "community", "address": "nobody"}
    assert shown_to(found[chose], "phone", "referent") and not shown_to(found[chose], "phone", "member")
    assert shown_to(found[chose], "address", "member") and not shown_to(found[chose], "address", "outsider")
    assert not any(shown_to(found[never], field, "referent") for field in ("phone", "email", "address"))
