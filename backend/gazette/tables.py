"""Tables of La Gazette. A post belongs to one community, except a mairie communication, which
belongs to a commune and is shown in all its communities or in the ones chosen."""

from piccolo.columns import Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.constraints import Unique
from piccolo.table import Table

from backend.auth.tables import User
from backend.communities.tables import Commune, Community


class GazettePost(Table, tablename="gazette_posts"):
    """One post; the kind decides which of the optional columns mean something."""

    community = ForeignKey(references=Community, null=True, default=None, index=True)  # None: mairie
    commune = ForeignKey(references=Commune, index=True)
    author = ForeignKey(references=User, index=True)
    kind = Varchar(length=12, index=True)  # classified | news | minutes | event | carpool | mairie
    title = Varchar(length=120)
    body = Text()
    search_text = Text(default="")  # accent-folded, lower-case title + body + places (search)
    price_cents = Integer(null=True, default=None)  # classified: None when free
    is_free = Boolean(default=False)  # classified
    expires_at = Timestamptz(null=True, default=None)  # classified: leaves the list; mairie: unpinned
    starts_at = Timestamptz(null=True, default=None)  # event start, carpool departure
    ends_at = Timestamptz(null=True, default=None)  # event end (optional)
    place = Varchar(length=200, default="")  # event place
    from_place = Varchar(length=200, default="")  # carpool
    to_place = Varchar(length=200, default="")  # carpool
    seats = Integer(default=0)  # carpool: seats offered
    seats_taken = Integer(default=0)  # carpool: accepted requests (kept in step in the same transaction)
    all_communities = Boolean(default=False)  # mairie: every community of the commune
    pinned_at = Timestamptz(null=True, default=None)  # pinned by a referent
    pinned_by = ForeignKey(references=User, null=True, default=None)
    status = Varchar(length=10, default="published", index=True)  # published | removed
    removed_reason = Varchar(length=500, default="")
    removed_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class GazettePostCommunity(Table, tablename="gazette_post_communities"):
    """The communities a mairie communication was addressed to (when not all of them)."""

    post = ForeignKey(references=GazettePost, index=True)
    community = ForeignKey(references=Community, index=True)
    gazette_post_communities_once = Unique([post, community])


class GazettePhoto(Table, tablename="gazette_photos"):
    """A re-encoded photo of a post, stored under the media folder with a random name."""

    post = ForeignKey(references=GazettePost, index=True)
    file_name = Varchar(length=64, unique=True)
    media_type = Varchar(length=20)  # image/jpeg | image/webp
    width = Integer()
    height = Integer()
    size_bytes = Integer()
    position = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())


class GazetteComment(Table, tablename="gazette_comments"):
    """A comment under a post."""

    post = ForeignKey(references=GazettePost, index=True)
    author = ForeignKey(references=User, index=True)
    body = Text()
    created_at = Timestamptz(default=TimestamptzNow())
    idempotency_key = Varchar(length=100, null=True, default=None)  # unique per author (the Unique below)
    gazette_comments_idempotency = Unique([author, idempotency_key])


class GazetteRsvp(Table, tablename="gazette_rsvps"):
    """A member's answer to an event: going or maybe (no row: no answer)."""

    post = ForeignKey(references=GazettePost, index=True)
    user = ForeignKey(references=User, index=True)
    answer = Varchar(length=8)  # going | maybe
    updated_at = Timestamptz(default=TimestamptzNow())
    gazette_rsvps_once = Unique([post, user])


class GazetteRideRequest(Table, tablename="gazette_ride_requests"):
    """A member asking for a seat in a carpool; the author accepts or refuses."""

    post = ForeignKey(references=GazettePost, index=True)
    user = ForeignKey(references=User, index=True)
    status = Varchar(length=10, default="pending")  # pending | accepted | refused
    message = Varchar(length=500, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    answered_at = Timestamptz(null=True, default=None)
    gazette_ride_requests_once = Unique([post, user])


class GazetteRideCancellation(Table, tablename="gazette_ride_cancellations"):
    """A carpool its driver deleted before departure: the post and its requests are gone, so the
    notice to the passengers keeps its own copy of the trip (purged a week later)."""

    post_id = Integer()  # the deleted post's id (no foreign key: the post is gone)
    title = Varchar(length=120)
    from_place = Varchar(length=200)
    to_place = Varchar(length=200)
    departs_at = Timestamptz()
    passengers = Text(default="[]")  # JSON array of user ids: accepted and pending requesters
    created_at = Timestamptz(default=TimestamptzNow(), index=True)


class GazetteReport(Table, tablename="gazette_reports"):
    """A member reporting a post to the moderators."""

    post = ForeignKey(references=GazettePost, index=True)
    reporter = ForeignKey(references=User, index=True)
    reason = Varchar(length=500)
    status = Varchar(length=10, default="open", index=True)  # open | dismissed | actioned
    created_at = Timestamptz(default=TimestamptzNow())
    handled_at = Timestamptz(null=True, default=None)
    handled_by = ForeignKey(references=User, null=True, default=None)
    gazette_reports_once = Unique([post, reporter])


TABLES = [GazettePost, GazettePostCommunity, GazettePhoto, GazetteComment, GazetteRsvp, GazetteRideRequest,
          GazetteReport, GazetteRideCancellation]
