"""What a new message says by push, what a digest e-mail says, and who gets them.

- `message`: one push per other participant (one Delivery row each), except those who left,
  blocked the author, or are no longer active members of the community. Quiet hours hold it.
- `message_digest`: one e-mail to one member who chose `email_messages`, listing the messages
  still unread when it is sent (see jobs.py for when a digest is made).
"""

from __future__ import annotations

from typing import Any

from backend.delivery import service as delivery
from backend.delivery.kinds import Notice
from backend.delivery.service import FanoutPlan, Recipient
from backend.lib.i18n import moment_in_figures, supported
from backend.lib.templates import render_notice
from backend.messages.service import MESSAGE_KIND
from backend.messages.tables import Message, MessageDigest
from backend.settings import Settings

DIGEST_KIND = "message_digest"
DIGEST_SHOWN = 20  # messages quoted in one e-mail; the rest are counted
EXCERPT = 500


def hears_sql(joins: str = "") -> str:
    """FROM/WHERE of the (message m, seat p) pairs where the member of seat p may be told about m:
    a text by someone else, written since they joined, they have not left, no block either way,
    and they are still an active member of the conversation's community (c)."""
    return (
        "FROM messages m JOIN conversation_participants p ON p.conversation = m.conversation "
        f"JOIN conversations c ON c.id = m.conversation {joins}"
        "WHERE m.kind = 'text' AND m.author != p.\"user\" AND p.left_at IS NULL AND m.id > p.joined_after "
        "AND NOT EXISTS (SELECT 1 FROM message_blocks b WHERE (b.blocker = p.\"user\" AND b.blocked = m.author) "
        "OR (b.blocker = m.author AND b.blocked = p.\"user\")) "
        "AND EXISTS (SELECT 1 FROM memberships ms WHERE ms.\"user\" = p.\"user\" AND ms.community = c.community "
        "AND ms.status = 'active') "
    )


async def _message(message_id: int) -> dict[str, Any] | None:
    rows = await Message.raw(
        "SELECT m.id, m.conversation, m.author, m.kind, m.body, c.title, co.name AS community_name, "
        "u.first_name, u.last_name FROM messages m JOIN conversations c ON c.id = m.conversation "
        "JOIN communities co ON co.id = c.community JOIN users u ON u.id = m.author WHERE m.id = {}", message_id)
    return rows[0] if rows and rows[0]["kind"] == "text" else None


class MessageNotice:
    async def audience(self, ref_id: int) -> tuple[list[Recipient], FanoutPlan] | None:
        rows = await Message.raw(
            'SELECT p."user" AS user_id ' + hears_sql() + "AND m.id = {}", ref_id)
        if not rows:
            return None
        return await delivery.user_recipients([r["user_id"] for r in rows]), FanoutPlan(channels=("push",))

    async def notice(self, settings: Settings, ref_id: int, locale: str = "fr") -> Notice | None:
        row = await _message(ref_id)
        if row is None:
            return None
        author = f"{row['first_name']} {row['last_name']}".strip()
        return Notice(
            title=f"{author} · {row['title']}" if row["title"] else author, body=row["body"],
            url=f"/#/messages/{row['conversation']}", tag=f"conversation-{row['conversation']}", event="message",
            ref_id=ref_id, community=row["community_name"], ttl=24 * 3600, urgency="normal",
        )


async def digest_messages(user_id: int, after_id: int, up_to_id: int) -> list[dict[str, Any]]:
    """The messages of a digest still worth mailing (unread, visible), oldest first."""
    return await Message.raw(
        "SELECT m.id, m.conversation, m.body, m.created_at, c.title, u.first_name, u.last_name "
        + hears_sql("JOIN users u ON u.id = m.author ")
        + 'AND m.id > p.last_read AND p."user" = {} AND m.id > {} AND m.id <= {} ORDER BY m.id',
        user_id, after_id, up_to_id)


def _digest_mail(rows: list[dict[str, Any]], locale: str = "fr") -> tuple[str, str, str]:
    """(subject, text, html) listing the messages, rendered from email/message_digest.* in `locale`."""
    count = len(rows)
    if locale == "en":
        subject = f"[Vigie] {count} new message" if count == 1 else f"[Vigie] {count} new messages"
    else:
        subject = f"[Vigie] {count} nouveau message" if count == 1 else f"[Vigie] {count} nouveaux messages"
    messages = [
        {"who": f"{r['first_name']} {r['last_name']}".strip() + (f" ({r['title']})" if r["title"] else ""),
         "body": r["body"] if len(r["body"]) <= EXCERPT else r["body"][:EXCERPT - 1] + "…",
         "when": moment_in_figures(r["created_at"], locale)}
        for r in rows[:DIGEST_SHOWN]
    ]
    values = {"messages": messages, "more": count - DIGEST_SHOWN}
    return (subject, render_notice("email/message_digest.txt", locale, **values),
            render_notice("email/message_digest.html", locale, **values))


class DigestNotice:
    async def audience(self, ref_id: int) -> tuple[list[Recipient], FanoutPlan] | None:
        digest = await MessageDigest.select(MessageDigest.user).where(MessageDigest.id == ref_id).first()
        if digest is None:
            return None
        # they asked for message e-mails; the digest was made outside quiet hours
        recipients = [r._replace(email=True, quiet_start="", quiet_end="")
                      for r in await delivery.user_recipients([digest["user"]])]
        return recipients, FanoutPlan(channels=("email",))

    async def notice(self, settings: Settings, ref_id: int, locale: str = "fr") -> Notice | None:
        digest = await MessageDigest.select().where(MessageDigest.id == ref_id).first()
        if digest is None:
            return None
        rows = await digest_messages(digest["user"], digest["after_id"], digest["up_to_id"])
        if not rows:
            return None  # all read in the meantime: the delivery is recorded as skipped
        locale = supported(locale)
        subject, text, page = _digest_mail(rows, locale)
        unread = f"{len(rows)} unread message(s)" if locale == "en" else f"{len(rows)} message(s) non lu(s)"
        return Notice(title=subject, body=unread, url="/#/messages",
                      tag=f"message-digest-{ref_id}", event="message_digest", ref_id=ref_id,
                      email_subject=subject, email_text=text, email_html=page)
