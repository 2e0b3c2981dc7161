"""The daily privacy job: retention rules from the settings, exactly once a day with two workers."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from backend.alerts.privacy import BLURRED
from backend.alerts.tables import Alert
from backend.audit.tables import AuditEntry
from backend.delivery.tables import Delivery
from backend.domains import DOMAINS
from backend.gazette.photos import SUBFOLDER
from backend.gazette.tables import GazettePhoto, GazettePost
from backend.lib import clock
from backend.privacy.jobs import daily_privacy
from backend.privacy.tables import PrivacyRun
from tests.builders import build_world


async def test_retention_rules_run_once_a_day_whatever_the_number_of_workers(fx_settings, fx_password_hash):
    w = await build_world(fx_password_hash)
    now = clock.now()
    ago = lambda days: now - timedelta(days=days)  # noqa: E731
    member = w.users["member"]
    await Delivery.insert(
        Delivery(kind="alert", ref_id=1, user=member, channel="push", state="sent", created_at=ago(91)),
        Delivery(kind="alert", ref_id=2, user=member, channel="push", state="sent", created_at=ago(89)),
        Delivery(kind="alert", ref_id=3, user=member, channel="push", state="queued", created_at=ago(91)),
    )
    posts = {}
    for name, kind, expired_days in (("old", "classified", 31), ("recent", "classified", 29), ("news", "news", 99)):
        row = await GazettePost.insert(GazettePost(
            community=w.community, commune=w.commune, author=member, kind=kind, title=name, body=name,
            expires_at=ago(expired_days))).returning(GazettePost.id)
        posts[name] = row[0]["id"]
    media = fx_settings.media_path

    def folder(root):  # the local media storage's Gazette folder
        return root / SUBFOLDER

    folder(media).mkdir(parents=True, exist_ok=True)
    (folder(media) / "old-photo.jpg").write_bytes(b"jpeg")
    await GazettePhoto.insert(GazettePhoto(post=posts["old"], file_name="old-photo.jpg", media_type="image/jpeg",
                                           width=1, height=1, size_bytes=4))
    alerts = {}
    for name, category, days in (("old_person", "suspicious_person", 31), ("new_person", "suspicious_person", 29),
                                 ("old_vehicle", "suspicious_vehicle", 60)):
        row = await Alert.insert(Alert(community=w.community, author=member, category=category, title=name,
                                       body="Homme grand, blouson rouge", created_at=ago(days))).returning(Alert.id)
        alerts[name] = row[0]["id"]
    await AuditEntry.insert(AuditEntry(action="old", created_at=ago(366)), AuditEntry(action="kept", created_at=ago(364)))

    ctx = {"settings": fx_settings, "domains": DOMAINS}
    first, second = await asyncio.gather(daily_privacy(dict(ctx)), daily_privacy(dict(ctx)))
    assert [first, second].count(None) == 1
    counts = first or second
    assert counts == {"retention_delivery_days": 1, "retention_expired_classified_days": 1,
                      "retention_suspect_description_days": 1, "retention_audit_days": 1, "accounts_erased": 0}
    [run] = await PrivacyRun.select()
    assert json.loads(run["counts"]) == counts and run["finished_at"] is not None

    assert sorted(r["ref_id"] for r in await Delivery.select(Delivery.ref_id)) == [2, 3]  # queued: not settled yet
    left = {r["title"] for r in await GazettePost.select(GazettePost.title)}
    assert left == {"recent", "news"}
    assert not await GazettePhoto.exists().where(GazettePhoto.file_name == "old-photo.jpg")
    assert not (folder(media) / "old-photo.jpg").exists()
    bodies = {r["title"]: r["body"] for r in await Alert.select(Alert.title, Alert.body)}
    assert bodies["old_person"] == BLURRED
    assert bodies["new_person"] == bodies["old_vehicle"] == "Homme grand, blouson rouge"
    assert [r["action"] for r in await AuditEntry.select(AuditEntry.action).where(
        AuditEntry.action.is_in(["old", "kept"]))] == ["kept"]

    assert await daily_privacy(dict(ctx)) is None  # the same day: nothing
    clock.advance(timedelta(days=1))
    again = await daily_privacy(dict(ctx))  # the next day it runs, and the new person alert is now due
    assert again is not None and again["retention_suspect_description_days"] == 1
    assert again["retention_audit_days"] == 1 and again["retention_delivery_days"] == 1
