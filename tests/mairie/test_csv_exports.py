"""CSV exports are safe to double-click: a text cell that a spreadsheet would run as a formula
(`=`, `+`, `-`, `@`, tab, carriage return first) comes out with a leading `'` in every export,
numbers stay numbers, and the Content-Type names its charset once."""

from __future__ import annotations

import csv
import re
import io
from zoneinfo import ZoneInfo

from backend.alerts.tables import Alert
from backend.audit import service as audit
from backend.auth.tables import User
from backend.lib.csvout import csv_bytes, spreadsheet_safe
from backend.mairie.notify import BROADCAST_KIND
from tests.alerts.helpers import ALERT, idem, wait_settled
from tests.mairie.helpers import BROADCAST, town

HYPERLINK = '=HYPERLINK("http://x","y")'
# What each dangerous start looks like in a title; tab and CR are stripped by the API's
# validation, so those two are written into the rows directly (an older row, an import…).
FORMULAS = [HYPERLINK, "+33 6 12 34 56 78", "-1+2", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]


def read_rows(body: bytes) -> list[dict[str, str]]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:], newline=""), delimiter=";"))


def assert_one_charset(response) -> None:
    assert response.headers["content-type"] == "text/csv; charset=utf-8", response.headers["content-type"]


def test_formula_cells_are_prefixed_and_numbers_are_kept():
    assert [spreadsheet_safe(v) for v in FORMULAS] == ["'" + v for v in FORMULAS]
    assert [spreadsheet_safe(v) for v in (-3, 2.5, 0, None, "Crue de la Loire", "2026-12-02", " =1")] == [
        -3, 2.5, 0, "", "Crue de la Loire", "2026-12-02", " =1"]
    assert spreadsheet_safe("-3") == "'-3"  # text that looks like a number is still text
    rows = list(csv.reader(io.StringIO(csv_bytes(["=titre", "n"], [[HYPERLINK, -7]]).decode()[1:], newline=""),
                           delimiter=";"))
    assert rows == [["'=titre", "n"], ["'" + HYPERLINK, "-7"]]


async def test_dashboard_exports_neutralise_formula_titles(api, fx_app, fx_settings, fx_password_hash, fx_push):
    t = await town(fx_settings, fx_password_hash, fx_push)
    w = t.world
    member = await api.as_user(w.email("member"))
    ids = []
    for title in FORMULAS:
        r = await member.post(f"/api/v1/communities/{w.community}/alerts",
                              {**ALERT, "title": title if title.strip() == title else "Provisoire",
                               "notify_mairie": True}, headers=idem())
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
        if r.json()["title"] != title:
            await Alert.update({Alert.title: title}).where(Alert.id == ids[-1])
    staff = await api.as_user(w.email("staff"))
    b = await staff.post(f"/api/v1/communes/{w.commune}/broadcasts", {**BROADCAST, "title": HYPERLINK})
    assert b.status_code == 201, b.text
    await wait_settled(b.json()["id"], kind=BROADCAST_KIND)

    export = await staff.get(f"/api/v1/communes/{w.commune}/dashboard.csv", params={"table": "forwarded_awaiting"})
    assert export.status_code == 200
    assert_one_charset(export)
    titles = {int(r["n° de l'alerte"]): r["titre"] for r in read_rows(export.content)}
    assert [titles[i] for i in ids] == ["'" + f for f in FORMULAS]

    reach = await staff.get(f"/api/v1/communes/{w.commune}/dashboard.csv", params={"table": "broadcast_reach"})
    assert_one_charset(reach)
    rows = read_rows(reach.content)
    assert rows and {r["titre"] for r in rows} == {"'" + HYPERLINK}
    assert all(r["en attente"].isdigit() for r in rows)  # counts are numbers, not prefixed


async def test_audit_export_neutralises_formula_cells(api, fx_app, fx_settings, fx_password_hash, fx_push):
    t = await town(fx_settings, fx_password_hash, fx_push)
    w = t.world
    await User.update({User.first_name: HYPERLINK, User.last_name: ""}).where(User.id == w.users["staff"])
    staff = await api.as_user(w.email("staff"))
    b = await staff.post(f"/api/v1/communes/{w.commune}/broadcasts", {**BROADCAST, "title": HYPERLINK})
    assert b.status_code == 201, b.text
    await wait_settled(b.json()["id"], kind=BROADCAST_KIND)
    for target in FORMULAS[1:]:
        await audit.record(None, "test.export", target)

    admin = await api.as_user(w.email("admin"))
    export = await admin.get("/api/v1/audit.csv")
    assert export.status_code == 200
    assert_one_charset(export)
    rows = read_rows(export.content)
    by_staff = [r for r in rows if r["acteur_id"] == str(w.users["staff"])]
    assert by_staff and {r["acteur"] for r in by_staff} == {"'" + HYPERLINK}
    assert any(HYPERLINK.replace('"', '\\"') in r["details"] for r in by_staff)  # the title, inside its JSON
    assert [r["cible"] for r in rows if r["action"] == "test.export"] == ["'" + f for f in reversed(FORMULAS[1:])]


async def test_dashboard_exports_speak_french_in_paris_time(api, fx_app, fx_settings, fx_password_hash, fx_push):
    """Issue 14: a mairie agent opening the export reads French headers, categories and channels in words, oui/non,
    and dates in Paris time — not `created_at`, `suspicious_vehicle`, `True` and UTC ISO timestamps."""
    t = await town(fx_settings, fx_password_hash, fx_push)
    w = t.world
    member = await api.as_user(w.email("member"))
    r = await member.post(f"/api/v1/communities/{w.community}/alerts",
                          {**ALERT, "category": "suspicious_vehicle", "notify_mairie": True}, headers=idem())
    assert r.status_code == 201, r.text
    staff = await api.as_user(w.email("staff"))
    b = await staff.post(f"/api/v1/communes/{w.commune}/broadcasts", {**BROADCAST, "severity": "vigilance"})
    assert b.status_code == 201, b.text
    await wait_settled(b.json()["id"], kind=BROADCAST_KIND)

    export = await staff.get(f"/api/v1/communes/{w.commune}/dashboard.csv", params={"table": "forwarded_awaiting"})
    assert export.status_code == 200, export.text
    header = export.content.decode("utf-8")[1:].split("\r\n")[0]
    assert header == ("n° de l'alerte;quartier;titre;catégorie;transmise à la mairie;transmise à la police;"
                      "reçue le (heure de Paris)")
    row = next(x for x in read_rows(export.content) if x["n° de l'alerte"] == str(r.json()["id"]))
    created = (await Alert.select(Alert.created_at).where(Alert.id == r.json()["id"]).first())["created_at"]
    assert row["catégorie"] == "Véhicule suspect"
    assert (row["transmise à la mairie"], row["transmise à la police"]) == ("oui", "non")
    assert row["reçue le (heure de Paris)"] == created.astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y %H:%M")

    reach = read_rows((await staff.get(f"/api/v1/communes/{w.commune}/dashboard.csv",
                                       params={"table": "broadcast_reach"})).content)
    assert reach and {x["gravité"] for x in reach} == {"vigilance"}
    assert {x["canal"] for x in reach} <= {"notification", "e-mail", "SMS"} and reach[0]["canal"]
    assert all(re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", x["envoyé le (heure de Paris)"]) for x in reach)

    per_day = await staff.get(f"/api/v1/communes/{w.commune}/dashboard.csv", params={"table": "alerts_per_day"})
    days = read_rows(per_day.content)
    assert any(x["catégorie"] == "Véhicule suspect" and re.fullmatch(r"\d{2}/\d{2}/\d{4}", x["jour"]) for x in days)
    for table in ("communities", "safety_checks"):
        got = await staff.get(f"/api/v1/communes/{w.commune}/dashboard.csv", params={"table": table})
        assert got.status_code == 200 and "_" not in got.content.decode("utf-8").split("\r\n")[0], got.text
