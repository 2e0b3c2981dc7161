from __future__ import annotations

import msgspec


class ConversationIn(msgspec.Struct):
    participant_ids: list[int]
    title: str = ""


class ParticipantsIn(msgspec.Struct):
    user_ids: list[int]


class MessageIn(msgspec.Struct):
    body: str


class ReadIn(msgspec.Struct):
    message_id: int | None = None  # default: everything up to the latest message


class ReportIn(msgspec.Struct):
    reason: str


class BlockIn(msgspec.Struct):
    user_id: int


class CloseReportIn(msgspec.Struct):
    note: str = ""


class Person(msgspec.Struct):
    id: int
    name: str


class ParticipantOut(msgspec.Struct):
    id: int
    name: str
    photo_url: str | None
    left: bool


class MessageOut(msgspec.Struct):
    id: int
    conversation_id: int
    author: Person
    kind: str  # text | added | left
    body: str
    created_at: str
    mine: bool


class ConversationOut(msgspec.Struct):
    id: int
    community_id: int
    community_name: str
    title: str
    participants: list[ParticipantOut]  # everyone but me, those who left included (left: true)
    last_message: MessageOut | None
    unread: int
    last_read: int
    can_post: bool
    created_at: str
    updated_at: str


class MessagePage(msgspec.Struct):
    items: list[MessageOut]  # oldest first
    next_before: int | None  # pass as ?before= for older messages
    last_read: int


class UnreadEntry(msgspec.Struct):
    conversation_id: int
    unread: int


class Unread(msgspec.Struct):
    total: int
    conversations: list[UnreadEntry]


class BlockOut(msgspec.Struct):
    user_id: int
    name: str
    created_at: str


class ReportOut(msgspec.Struct):
    id: int
    conversation_id: int
    community_id: int
    community_name: str
    reporter: Person
    reason: str
    state: str  # open | closed
    created_at: str
    participants: list[Person]
    closed_by: Person | None = None
    closed_at: str | None = None
    note: str = ""


class ModeratedConversation(msgspec.Struct):
    id: int
    community_id: int
    community_name: str
    title: str
    participants: list[ParticipantOut]
    reports: list[ReportOut]
    messages: list[MessageOut]  # oldest first (the latest 1000)
    read_logged_as: int  # id of the audit row this reading wrote


class ModeratorReadOut(msgspec.Struct):
    id: int
    conversation_id: int
    report_id: int
    moderator: Person
    created_at: str
