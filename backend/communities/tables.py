from piccolo.columns import Boolean, Float, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.constraints import Unique
from piccolo.table import Table

from backend.auth.tables import User


COUNTRIES = {"FR": "France", "BE": "Belgique"}


class Commune(Table, tablename="communes"):
    """A French or Belgian commune (INSEE / NIS code); communities belong to one. Codes of the two
    countries collide (NIS 21004 is Bruxelles, INSEE 21004 a commune of Côte-d'Or): the key is
    (country, code)."""

    country = Varchar(length=2, default="FR")  # FR | BE
    insee_code = Varchar(length=10)  # INSEE code (FR) or NIS code (BE)
    name = Varchar(length=120, index=True)
    postal_codes = Varchar(length=200, default="")  # comma-separated
    police_email = Varchar(length=254, default="")
    departement = Varchar(length=3, default="", index=True)  # from the official list (« 45 », « 2A », « 974 »)
    population = Integer(default=0)  # INSEE legal population, from the official list
    sms_budget_monthly = Integer(default=0)  # 0 = no limit
    # When its mairie joined Vigie (« Mairie vigilante et solidaire »: an approved application);
    # None: the mairie does not take part. The public map reads it.
    mairie_joined_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    communes_country_code_uniq = Unique([country, insee_code])


class OfficialCommune(Table, tablename="official_communes"):
    """The official lists of communes, loaded by `vigie communes import`: French (INSEE COG) and
    Belgian (NIS codes, Statbel). A Vigie commune (`Commune`) is one of these opened on Vigie: its
    (country, code) must be here.
    """

    country = Varchar(length=2, default="FR")  # FR | BE
    insee_code = Varchar(length=5)  # INSEE code (FR) or NIS code (BE)
    name = Varchar(length=120)
    search_name = Varchar(length=120, index=True)  # folded: lower case, no accents, spaces for hyphens
    departement = Varchar(length=3, index=True)  # a French département, or a Belgian province (« NAM »)
    postal_codes = Varchar(length=200, default="")  # comma-separated
    population = Integer(default=0)
    official_communes_country_code_uniq = Unique([country, insee_code])


class Community(Table, tablename="communities"):
    """A neighbourhood: the unit whose members see each other's alerts and Gazette."""

    commune = ForeignKey(references=Commune, index=True)
    name = Varchar(length=120)
    center_lat = Float(default=0.0)
    center_lon = Float(default=0.0)
    radius_m = Integer(default=500)
    # The perimeter: the commune, narrowed to these streets and/or postal codes when listed
    # (a verified address inside any listed street or postal code is inside; no list: the whole commune).
    perimeter_streets = Text(default="")  # one street name per line, as written by staff/referents
    perimeter_postal_codes = Varchar(length=200, default="")  # comma-separated, among the commune's
    created_at = Timestamptz(default=TimestamptzNow())


class MembershipStatus:
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"


class Membership(Table, tablename="memberships"):
    """A user's place in a community; `active` only once the activation code is redeemed."""

    user = ForeignKey(references=User, index=True)
    community = ForeignKey(references=Community, index=True)
    status = Varchar(length=12, default=MembershipStatus.PENDING, index=True)
    role = Varchar(length=12, default="member")  # member | referent
    created_at = Timestamptz(default=TimestamptzNow())
    activated_at = Timestamptz(null=True, default=None)
    memberships_user_community_uniq = Unique([user, community])


class MairieStaff(Table, tablename="mairie_staff"):
    """A user appointed staff of a commune's town hall."""

    user = ForeignKey(references=User, index=True)
    commune = ForeignKey(references=Commune, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    mairie_staff_user_commune_uniq = Unique([user, commune])
