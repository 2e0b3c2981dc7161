"""Dev-only outbox: the mail, SMS and letters caught on this machine (404 unless dev_outbox)."""

from __future__ import annotations

import email
import email.policy
import html
import json
from pathlib import Path

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException

from backend.auth.guards import public
from backend.lib.deps import settings_of
from backend.settings import Settings
from backend.verification.service import outbox_letters


def _mail(settings: Settings) -> list[dict]:
    folder: Path = settings.outbox_path / "mail"
    out = []
    for path in sorted(folder.glob("*.eml"), reverse=True)[:200] if folder.exists() else []:
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain",))
        out.append({"file": path.name, "to": str(msg["To"]), "subject": str(msg["Subject"]),
                    "date": str(msg["Date"]), "text": body.get_content() if body else ""})
    return out


def _sms(settings: Settings) -> list[dict]:
    folder: Path = settings.outbox_path / "sms"
    out = []
    for path in sorted(folder.glob("*.json"), reverse=True)[:200] if folder.exists() else []:
        out.append(json.loads(path.read_text(encoding="utf-8")))
    return out


def outbox(settings: Settings) -> dict:
    return {"mail": _mail(settings), "letters": outbox_letters(settings), "sms": _sms(settings)}


def _require_dev(request: Request) -> Settings:
    settings = settings_of(request)
    if not settings.dev_outbox or settings.is_production:
        raise NotFoundException()
    return settings


@get("/api/v1/dev/outbox", guards=[public], tags=["dev"])
async def outbox_json(request: Request) -> dict:
    return outbox(_require_dev(request))


@get("/dev/outbox", guards=[public], tags=["dev"], media_type="text/html")
async def outbox_page(request: Request) -> Response[str]:
    box = outbox(_require_dev(request))
    esc = html.escape
    parts = ["<!doctype html><html lang='fr'><head><meta charset='utf-8'>",
             "<meta name='viewport' content='width=device-width, initial-scale=1'>",
             "<title>Boîte d'envoi locale — Vigie</title><link rel='stylesheet' href='/css/app.css'></head>",
             "<body class='dev-outbox'><main><h1>Boîte d'envoi locale (développement)</h1>",
             "<p>Les courriers, e-mails et SMS ne partent pas : ils sont recueillis ici.</p>"]
    for title, items, fields in (
        ("Courriers d'activation", box["letters"], ("file",)),
        ("E-mails", box["mail"], ("to", "subject", "date")),
        ("SMS", box["sms"], ("to", "date")),
    ):
        parts.append(f"<h2>{esc(title)} ({len(items)})</h2>")
        if not items:
            parts.append("<p>Rien pour l'instant.</p>")
        for item in items:
            head = " — ".join(esc(str(item.get(f, ""))) for f in fields)
            link = (f" <a href='/dev/outbox/letters/{esc(item['pdf'])}'>PDF</a>" if item.get("pdf") else "")
            parts.append(f"<article class='card'><h3>{head}{link}</h3><pre>{esc(str(item.get('text', '')))}</pre></article>")
    parts.append("</main></body></html>")
    return Response("".join(parts), media_type="text/html")


@get("/dev/outbox/letters/{name:str}", guards=[public], tags=["dev"], media_type="application/pdf")
async def outbox_letter_pdf(request: Request, name: str) -> Response[bytes]:
    settings = _require_dev(request)
    path = settings.outbox_path / "letters" / Path(name).name
    if path.suffix != ".pdf" or not path.exists():
        raise NotFoundException()
    return Response(path.read_bytes(), media_type="application/pdf")


ROUTES = [outbox_json, outbox_page, outbox_letter_pdf]
