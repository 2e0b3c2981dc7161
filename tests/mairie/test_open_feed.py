"""The open alerts feed: CAP 1.2 documents (checked with an independent validator of the OASIS
schema) and an Atom feed, public, with the mairie's broadcasts only."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from capvalidator import check_schema

from backend.mairie.notify import BROADCAST_KIND
from tests.alerts.helpers import ALERT, idem, wait_settled
from tests.mairie.helpers import BROADCAST

CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
ATOM = "{http://www.w3.org/2005/Atom}"


async def test_broadcasts_are_published_as_valid_cap_documents_and_an_atom_feed(api, fx_app, fx_password_hash):
    from tests.builders import build_world

    w = await build_world(fx_password_hash)
    staff = await api.as_user(w.email("staff"))
    member = await api.as_user(w.email("member"))
    await member.post(f"/api/v1/communities/{w.community}/alerts", ALERT, headers=idem())  # never published
    base = f"/api/v1/communes/{w.commune}/broadcasts"
    first = (await staff.post(base, {**BROADCAST, "severity": "urgence", "link": "https://www.vigicrues.gouv.fr/",
                                     "valid_until": "2099-12-31T18:00:00+01:00", "community_ids": [w.community]})).json()
    end = (await staff.post(f"{base}/{first['id']}/followups", {"kind": "end", "body": "Décrue & retour à la normale <ok>"})).json()
    scheduled = (await staff.post(base, {**BROADCAST, "scheduled_at": "2099-01-01T08:00:00+01:00"})).json()
    await wait_settled(first["id"], kind=BROADCAST_KIND)

    anonymous = api()
    docs = {}
    for b in (first, end):
        r = await anonymous.get(f"/api/v1/open/communes/{w.commune}/cap/{b['id']}")
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/cap+xml")
        result = check_schema(r.content)
        assert result.passed, result.message
        docs[b["id"]] = ET.fromstring(r.content)
    alert = docs[first["id"]]
    assert alert.findtext(f"{CAP}msgType") == "Alert" and alert.findtext(f"{CAP}scope") == "Public"
    info = alert.find(f"{CAP}info")
    assert info.findtext(f"{CAP}severity") == "Severe" and info.findtext(f"{CAP}urgency") == "Immediate"
    assert [c.text for c in info.findall(f"{CAP}category")] == ["Met"]
    assert info.findtext(f"{CAP}headline") == "Crue de la Loire" and info.findtext(f"{CAP}web") == "https://www.vigicrues.gouv.fr/"
    assert info.findtext(f"{CAP}expires") == "2099-12-31T18:00:00+01:00"
    area = info.find(f"{CAP}area")
    assert area.findtext(f"{CAP}areaDesc") == "Bellerive-sur-Loire (Les Tilleuls)" and len(area.findall(f"{CAP}circle")) == 1
    update = docs[end["id"]]
    assert update.findtext(f"{CAP}msgType") == "Update"
    assert alert.findtext(f"{CAP}identifier") in update.findtext(f"{CAP}references")
    assert update.find(f"{CAP}info").findtext(f"{CAP}responseType") == "AllClear"
    assert update.find(f"{CAP}info").findtext(f"{CAP}description") == "Décrue & retour à la normale <ok>"
    assert (await anonymous.get(f"/api/v1/open/communes/{w.commune}/cap/{scheduled['id']}")).status_code == 404
    assert (await anonymous.get(f"/api/v1/open/communes/{w.other_commune}/cap/{first['id']}")).status_code == 404

    feed = await anonymous.get(f"/api/v1/open/communes/{w.commune}/feed.atom")
    assert feed.headers["content-type"].startswith("application/atom+xml"), feed.text
    root = ET.fromstring(feed.content)
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Fin d'alerte : Crue de la Loire", "Crue de la Loire"]
    links = [l.get("href") for e in entries for l in e.findall(f"{ATOM}link") if l.get("type") == "application/cap+xml"]
    assert links[1].endswith(f"/api/v1/open/communes/{w.commune}/cap/{first['id']}")
    assert b"Camionnette" not in feed.content  # member alerts never leave the platform this way
    empty = ET.fromstring((await anonymous.get(f"/api/v1/open/communes/{w.other_commune}/feed.atom")).content)
    assert empty.findall(f"{ATOM}entry") == []
