"""Throughput of the delivery channels against the real loopback servers.

    .venv/bin/python bench/channels.py [--pushes 10000] [--mails 10000] [--connections 10]

Measures, and compares with the targets of "Alerts, from tap to phone":

1. a bare loop encrypting N payloads with pywebpush (`WebPusher(sub).encode`): the floor;
2. `PushSender.send_many` over N subscriptions of one push-service origin, received by the
   loopback `WebPushReceiver` (verify_sample 0.05: 1 push in 20 is VAPID-checked and
   decrypted, all are counted): seconds, pushes/s, ratio to the bare loop
   (targets: ≤ 5 s and ≤ 2×);
3. rendering N alert emails from one `MailTemplate` and sending them with `send_rendered`
   over M reused connections to aiosmtpd: seconds, msg/s (target: ≤ 10 s). Twice: to a
   plain aiosmtpd server that counts what it accepts (what a relay does before queueing),
   then to `MailCatcher`, which also parses every message with `email.policy.default`:
   ~1.1 ms per multipart message in its own process, so that run measures the catcher.

The receiver and the catcher run in a child process, as a push service or an SMTP relay
would run elsewhere: in-process they would share this process's GIL and the figures would
measure the servers as much as the senders.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import sys
import tempfile
import time
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAYLOAD = json.dumps({
    "title": "Alerte · Les Tilleuls",
    "body": "Voiture suspecte garée rue des Lilas depuis ce matin, deux personnes à bord.",
    "url": "/alerts/4242", "tag": "alert-4242", "kind": "suspicious_vehicle",
}).encode()  # fmt: skip


class CountingHandler:
    """aiosmtpd handler that accepts every message and only counts it."""

    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 OK"


def serve(conn: Connection) -> None:
    """Child process: a push receiver and two SMTP servers, driven through `conn`."""
    from aiosmtpd.controller import Controller

    from backend.devtools.loopback import free_port
    from backend.devtools.mailcatcher import MailCatcher
    from tests.fixtures.webpush_receiver import WebPushReceiver

    sink = CountingHandler()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port(), decode_data=False)
    controller.start()
    with WebPushReceiver(verify_sample=0.05) as receiver, MailCatcher() as catcher:
        conn.send((controller.port, catcher.port))
        while True:
            command, arg = conn.recv()
            if command == "subscriptions":
                conn.send([receiver.new_subscription() for _ in range(arg)])
            elif command == "counts":
                refused = sum(1 for a in receiver.attempts if a.status != 201)
                conn.send({"pushes": receiver.count, "verified": len(receiver.received), "refused": refused,
                           "sink": sink.count, "catcher": len(catcher.messages)})  # fmt: skip
            else:
                controller.stop()
                conn.send(None)
                return


def bare_encrypt(subscriptions: list[dict[str, Any]], payload: bytes = PAYLOAD) -> float:
    """Seconds to encrypt `payload` for every subscription with pywebpush, one after the other."""
    import pywebpush

    started = time.perf_counter()
    for sub in subscriptions:
        pywebpush.WebPusher(sub).encode(payload, content_encoding="aes128gcm")
    return time.perf_counter() - started


def webpush_loop(subscriptions: list[dict[str, Any]], payload: bytes, vapid_key_file: str,
                 subject: str) -> float:
    """Seconds to send `payload` to every subscription with pywebpush's own `webpush()`, one call
    after the other, as its README shows (how most Python servers send): each call signs its
    VAPID claims, encrypts, and POSTs with `requests` on a new connection. Raises on a refusal."""
    import pywebpush
    from py_vapid import Vapid02

    key = Vapid02.from_file(vapid_key_file)  # RFC 8292's "vapid t=…,k=…" (Vapid01 signs the older draft)
    data = payload.decode()
    started = time.perf_counter()
    for sub in subscriptions:
        pywebpush.webpush(sub, data=data, vapid_private_key=key, vapid_claims={"sub": subject}, ttl=3600,
                          timeout=10)
    return time.perf_counter() - started


async def push_run(settings: Any, subscriptions: list[dict[str, Any]]) -> tuple[float, float, dict[str, int]]:
    from backend.delivery.channels.push import PushSender, PushTarget

    targets = [PushTarget(i, s["endpoint"], s["keys"]["p256dh"], s["keys"]["auth"]) for i, s in enumerate(subscriptions)]
    async with PushSender(settings) as sender:
        started, cpu = time.perf_counter(), time.process_time()
        results = await sender.send_many(targets, PAYLOAD, ttl=3600, urgency="high", topic="alert-4242")
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        signed = sender.signer.signed
    return elapsed, cpu, {"signatures": signed, **Counter(r.outcome for r in results)}


async def mail_run(settings: Any, count: int, connections: int) -> tuple[float, float, dict[str, int]]:
    from backend.delivery.channels.email import MailTemplate, render_template_bytes, send_rendered

    template = MailTemplate(
        subject="Alerte à $community : $title",
        text="Bonjour $name,\n\n$body\n\nVoir l'alerte : $url\n\n-- \nVigie, $community\n"
        "Ne plus recevoir ces messages : $unsubscribe_url\n",
        html="<p>Bonjour $name,</p><p>$body</p><p><a href=\"$url\">Voir l'alerte</a></p>"
        "<hr><p>Vigie, $community · <a href=\"$unsubscribe_url\">Se désabonner</a></p>",
    )
    common = {"community": "Les Tilleuls", "title": "Voiture suspecte", "url": "https://vigie.example/alerts/4242",
              "body": "Voiture suspecte garée rue des Lilas depuis ce matin, deux personnes à bord. Soyez vigilants."}
    started = time.perf_counter()
    items = []
    for i in range(count):
        to = f"membre{i}@example.org"
        values = {**common, "name": f"Membre n°{i}", "unsubscribe_url": f"https://vigie.example/u/{i:08x}"}
        items.append((f"d-{i}", to, render_template_bytes(settings, template, to, values)))
    rendered = time.perf_counter() - started
    results = await send_rendered(settings, items, connections=connections)
    elapsed = time.perf_counter() - started
    return elapsed, rendered, dict(Counter(r.outcome for r in results))


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pushes", type=int, default=10_000)
    parser.add_argument("--mails", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=10)
    args = parser.parse_args()

    from backend.delivery.channels.vapid import ensure_vapid_keys
    from backend.settings import Settings

    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    server = context.Process(target=serve, args=(child,), daemon=True)
    server.start()
    sink_port, catcher_port = parent.recv()

    def ask(command: str, arg: Any = None) -> Any:
        parent.send((command, arg))
        return parent.recv()

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            env="test", push_allow_http_loopback=True, vapid_private_key_file=f"{tmp}/vapid.pem",
            smtp_host="127.0.0.1", smtp_port=sink_port, outbox_dir=f"{tmp}/outbox",
        )  # fmt: skip
        ensure_vapid_keys(settings)
        try:
            n = args.pushes
            subscriptions = ask("subscriptions", n)
            print(f"push payload: {len(PAYLOAD)} bytes, {n} subscriptions on one origin; sender in this "
                  f"process, receiver and SMTP servers in a child process")  # fmt: skip
            bare = bare_encrypt(subscriptions)
            print(f"bare pywebpush encrypt loop : {bare:6.2f} s  {n / bare:8.0f} msg/s")
            elapsed, cpu, outcomes = asyncio.run(push_run(settings, subscriptions))
            counts = ask("counts")
            ratio = elapsed / bare
            print(f"PushSender.send_many        : {elapsed:6.2f} s  {n / elapsed:8.0f} pushes/s  "
                  f"(sender CPU {cpu:.2f} s)")  # fmt: skip
            print(f"  ratio to the bare loop    : {ratio:6.2f} x")
            print(f"  outcomes {outcomes}; receiver accepted {counts['pushes']}, verified+decrypted "
                  f"{counts['verified']}, refused {counts['refused']}")  # fmt: skip
            push_ok = counts["pushes"] == n and outcomes.get("sent") == n
            print(f"  target ≤ 5 s: {verdict(elapsed <= 5 and push_ok)}; target ≤ 2x: {verdict(ratio <= 2 and push_ok)}")

            m = args.mails
            mail_servers = [("aiosmtpd (counting)", sink_port, "sink"), ("MailCatcher (parses)", catcher_port, "catcher")]
            for label, port, counter in mail_servers if m > 0 else []:
                elapsed, rendered, outcomes = asyncio.run(
                    mail_run(settings.with_(smtp_port=port), m, args.connections)
                )
                accepted = ask("counts")[counter]
                print(f"emails to {label:<20}: {elapsed:6.2f} s  {m / elapsed:8.0f} msg/s over "
                      f"{args.connections} connections (rendering {rendered:.2f} s, "
                      f"{rendered / m * 1e6:.0f} µs each)")  # fmt: skip
                print(f"  outcomes {outcomes}; server accepted {accepted}; "
                      f"target ≤ 10 s: {verdict(elapsed <= 10 and accepted == m)}")  # fmt: skip
        finally:
            ask("stop")
            server.join(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
