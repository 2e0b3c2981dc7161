"""Requests and answers of La Gazette (msgspec Structs; no table object leaves the service)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import msgspec
from litestar.datastructures import UploadFile

from backend.mairie.schemas import BroadcastOut


class PostIn(msgspec.Struct):
    """A member's post; the fields after `body` belong to some kinds only (see docs/api.md)."""

    kind: str
    title: str
    body: str
    price_cents: int | None = None  # classified
    free: bool = False  # classified
    expires_at: datetime | None = None  # classified (default: 30 days)
    starts_at: datetime | None = None  # event
    ends_at: datetime | None = None  # event
    place: str = ""  # event
    from_place: str = ""  # carpool
    to_place: str = ""  # carpool
    departs_at: datetime | None = None  # carpool
    seats: int | None = None  # carpool


class CommunicationIn(msgspec.Struct):
    """A mairie communication: pinned in the chosen communities (None: all) until `expires_at`."""

    title: str
    body: str
    expires_at: datetime
    community_ids: list[int] | None = None


class CommentIn(msgspec.Struct):
    body: str


class RsvpIn(msgspec.Struct):
    answer: str  # going | maybe | none


class RideRequestIn(msgspec.Struct):
    message: str = ""


class ReasonIn(msgspec.Struct):
    reason: str


class ReportIn(msgspec.Struct):
    reason: str


class ReportDecisionIn(msgspec.Struct):
    action: str  # dismiss | remove
    reason: str = ""


@dataclass
class PhotoUpload:
    """multipart/form-data: one to four files in the field `photos`."""

    photos: list[UploadFile] = field(default_factory=list)


class Person(msgspec.Struct):
    id: int
    name: str


class PhotoOut(msgspec.Struct):
    id: int
    url: str
    width: int
    height: int
    media_type: str


class Classified(msgspec.Struct):
    price_cents: int | None
    free: bool
    expires_at: str
    expired: bool


class EventInfo(msgspec.Struct):
    starts_at: str
    ends_at: str | None
    place: str
    going: int
    maybe: int
    my_answer: str  # going | maybe | none


class RideRequestOut(msgspec.Struct):
    id: int
    post_id: int
    user: Person
    status: str  # pending | accepted | refused
    message: str
    created_at: str
    answered_at: str | None


class MyRideRequest(msgspec.Struct):
    id: int
    status: str


class Carpool(msgspec.Struct):
    from_place: str
    to_place: str
    departs_at: str
    seats: int
    seats_taken: int
    seats_left: int
    full: bool
    departed: bool
    my_request: MyRideRequest | None
    requests: list[RideRequestOut] | None  # the author only


class Mairie(msgspec.Struct):
    commune_name: str
    expires_at: str
    community_ids: list[int] | None  # None: every community of the commune


class Permissions(msgspec.Struct):
    delete: bool
    pin: bool
    remove: bool
    report: bool
    comment: bool


class PostOut(msgspec.Struct):
    id: int
    kind: str
    kind_label: str
    title: str
    body: str
    community_id: int | None
    commune_id: int
    author: Person
    created_at: str
    pinned: bool
    status: str  # published | removed
    removed_reason: str | None
    photos: list[PhotoOut]
    comment_count: int
    classified: Classified | None = None
    event: EventInfo | None = None
    carpool: Carpool | None = None
    mairie: Mairie | None = None
    can: Permissions | None = None


class CommentOut(msgspec.Struct):
    id: int
    post_id: int
    author: Person
    body: str
    created_at: str
    can_delete: bool


class PostDetail(PostOut, kw_only=True):
    comments: list[CommentOut] = msgspec.field(default_factory=list)


class PostPage(msgspec.Struct):
    pinned: list[PostOut]
    items: list[PostOut]
    next_before: int | None
    generated_at: str
    broadcasts: list[BroadcastOut] = msgspec.field(default_factory=list)
    """The mairie's broadcasts sent with the Gazette channel to this community and still valid
    (first page, no filter): shown above the pinned posts."""


class RsvpOut(msgspec.Struct):
    going: int
    maybe: int
    my_answer: str


class ReportOut(msgspec.Struct):
    id: int
    reason: str
    reporter: Person
    created_at: str
    status: str


class ReportedPost(msgspec.Struct):
    post: PostOut
    community_name: str
    open_reports: int
    reports: list[ReportOut]


class ReportAck(msgspec.Struct):
    post_id: int
    reported: bool
