"""The open alerts feed: each sent broadcast as an OASIS CAP 1.2 document, and an Atom feed of
the commune's broadcasts that links to them. Public by design (sirens, displays, other apps);
member alerts are never published here."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from backend.communities.tables import Community
from backend.delivery.service import LOCAL_TZ
from backend.lib import clock
from backend.lib.french import de
from backend.lib.errors import NotFound
from backend.mairie import broadcasts
from backend.mairie.area import areas_of, commune_row
from backend.mairie.notify import BROADCAST_KIND
from backend.mairie.tables import Broadcast
from backend.settings import Settings

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_MEDIA_TYPE = "application/cap+xml"
ATOM_MEDIA_TYPE = "application/atom+xml"

CAP_CATEGORIES = {
    "meteo": ["Met"], "inondation": ["Met"], "canicule": ["Met", "Health"], "voirie": ["Transport", "Infra"],
    "coupure": ["Infra"], "greve": ["Transport"], "evenement": ["Other"], "securite": ["Safety", "Security"],
    "autre": ["Other"],
}
CAP_SEVERITY = {"information": "Minor", "vigilance": "Moderate", "urgence": "Severe"}
CAP_URGENCY = {"information": "Future", "vigilance": "Expected", "urgence": "Immediate"}


def cap_time(when: datetime) -> str:
    """CAP date-times: seconds precision with an explicit offset (no "Z"), here Paris time."""
    return when.astimezone(LOCAL_TZ).replace(microsecond=0).isoformat()


def _host(settings: Settings) -> str:
    return urlsplit(settings.base_url).hostname or "vigie.local"


def identifier(settings: Settings, insee: str, broadcast_id: int) -> str:
    return f"{_host(settings)}.mairie.{insee}.{broadcast_id}"


def sender(settings: Settings, insee: str) -> str:
    return f"mairie-{insee}@{_host(settings)}"


def cap_url(settings: Settings, commune_id: int, broadcast_id: int) -> str:
    return f"{settings.base_url}/api/v1/open/communes/{commune_id}/cap/{broadcast_id}"


def feed_url(settings: Settings, commune_id: int) -> str:
    return f"{settings.base_url}/api/v1/open/communes/{commune_id}/feed.atom"


def _sub(parent: ET.Element, tag: str, text: str | None = None, ns: str | None = CAP_NS, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ns}}}{tag}" if ns else tag, attrs)
    if text is not None:
        element.text = text
    return element


async def _sent(commune_id: int, broadcast_id: int) -> dict[str, Any]:
    row = await Broadcast.select().where((Broadcast.id == broadcast_id) & (Broadcast.commune == commune_id)
                                         & (Broadcast.status == "sent")).first()
    if row is None:
        raise NotFound("Cette annonce de la mairie n'existe pas.", "broadcast_not_found")
    return row


async def cap_document(settings: Settings, commune_id: int, broadcast_id: int) -> bytes:
    """The CAP 1.2 XML of one sent broadcast (a follow-up is an Update referencing the original)."""
    row = await _sent(commune_id, broadcast_id)
    commune = await commune_row(commune_id)
    ids = (await areas_of(BROADCAST_KIND, [broadcast_id]))[broadcast_id]
    communities = await Community.select(Community.name, Community.center_lat, Community.center_lon,
                                         Community.radius_m).where(Community.id.is_in(ids)).order_by(Community.name)
    alert = ET.Element(f"{{{CAP_NS}}}alert")
    _sub(alert, "identifier", identifier(settings, commune["insee_code"], broadcast_id))
    _sub(alert, "sender", sender(settings, commune["insee_code"]))
    _sub(alert, "sent", cap_time(row["sent_at"]))
    _sub(alert, "status", "Actual")
    _sub(alert, "msgType", "Update" if row["parent"] else "Alert")
    _sub(alert, "scope", "Public")
    if row["parent"]:
        parent = await _sent(commune_id, row["parent"])
        _sub(alert, "references", ",".join([sender(settings, commune["insee_code"]),
                                            identifier(settings, commune["insee_code"], parent["id"]),
                                            cap_time(parent["sent_at"])]))
    info = _sub(alert, "info")
    _sub(info, "language", "fr-FR")
    for category in CAP_CATEGORIES.get(row["category"], ["Other"]):
        _sub(info, "category", category)
    _sub(info, "event", broadcasts.CATEGORIES.get(row["category"], row["category"]))
    ended = row["followup"] == "end"
    if ended:
        _sub(info, "responseType", "AllClear")
    _sub(info, "urgency", "Past" if ended else CAP_URGENCY[row["severity"]])
    _sub(info, "severity", "Minor" if ended else CAP_SEVERITY[row["severity"]])
    _sub(info, "certainty", "Observed" if row["severity"] == "urgence" or ended else "Likely")
    _sub(info, "effective", cap_time(row["sent_at"]))
    if row["valid_until"]:
        _sub(info, "expires", cap_time(row["valid_until"]))
    _sub(info, "senderName", f"Mairie {de(commune['name'], proper=True)}")
    _sub(info, "headline", row["title"])
    _sub(info, "description", row["body"])
    _sub(info, "web", row["link"] or f"{settings.base_url}/#/mairie/{broadcast_id}")
    area = _sub(info, "area")
    names = ", ".join(c["name"] for c in communities)
    _sub(area, "areaDesc", f"{commune['name']} ({names})" if not row["all_communities"] else
         f"{commune['name']} (toute la commune)")
    for c in communities:
        _sub(area, "circle", f"{c['center_lat']:.5f},{c['center_lon']:.5f} {c['radius_m'] / 1000:.3f}")
    geocode = _sub(area, "geocode")
    _sub(geocode, "valueName", "INSEE")
    _sub(geocode, "value", commune["insee_code"])
    return ET.tostring(alert, encoding="utf-8", xml_declaration=True, default_namespace=CAP_NS)


async def atom_feed(settings: Settings, commune_id: int, limit: int = 50) -> bytes:
    """An Atom feed of the commune's sent broadcasts, newest first, each linking to its CAP document."""
    commune = await commune_row(commune_id)
    rows = await broadcasts.sent_in_commune(commune_id, limit)
    # Plain tag names under an explicit xmlns: ElementTree's default_namespace refuses the
    # unqualified attributes Atom uses (rel, href…).
    feed = ET.Element("feed", {"xmlns": ATOM_NS, "xml:lang": "fr"})
    _sub(feed, "id", feed_url(settings, commune_id), ns=None)
    _sub(feed, "title", f"Mairie {de(commune['name'], proper=True)} — alertes et informations", ns=None)
    _sub(feed, "updated", cap_time(rows[0]["sent_at"] if rows else clock.now()), ns=None)
    author = _sub(feed, "author", ns=None)
    _sub(author, "name", f"Mairie {de(commune['name'], proper=True)}", ns=None)
    _sub(feed, "link", ns=None, rel="self", type=ATOM_MEDIA_TYPE, href=feed_url(settings, commune_id))
    for r in rows:
        entry = _sub(feed, "entry", ns=None)
        _sub(entry, "id", cap_url(settings, commune_id, r["id"]), ns=None)
        _sub(entry, "title", r["title"], ns=None)
        _sub(entry, "updated", cap_time(r["updated_at"] if r["updated_at"] > r["sent_at"] else r["sent_at"]),
             ns=None)
        _sub(entry, "published", cap_time(r["sent_at"]), ns=None)
        _sub(entry, "summary", r["body"], ns=None)
        _sub(entry, "category", ns=None, term=r["category"], label=broadcasts.CATEGORIES.get(r["category"], ""))
        _sub(entry, "link", ns=None, rel="alternate", type=CAP_MEDIA_TYPE, href=cap_url(settings, commune_id, r["id"]))
        _sub(entry, "link", ns=None, rel="related", type="text/html", href=f"{settings.base_url}/#/mairie/{r['id']}")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
