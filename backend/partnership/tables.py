"""Tables of the partnership domain. Ids of people who decide (admins) are plain integers, like
the mairie's audit actors; the rest are foreign keys."""

from piccolo.columns import Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.constraints import Unique
from piccolo.table import Table

from backend.alerts.tables import Alert
from backend.auth.tables import User
from backend.communities.tables import Commune, Community


class ApplicationStatus:
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class MairieApplication(Table, tablename="partnership_applications"):
    """A mairie's application to join (« Mairie vigilante et solidaire »), sent without an account.

    The commune is picked from the official list (`insee_code`); `commune` is the Vigie commune, set when it
    already exists or when the approval opens it (an anonymous applicant never creates a commune row)."""

    country = Varchar(length=2, default="FR")  # FR | BE: the official list the code is read in
    insee_code = Varchar(length=10, default="", index=True)  # INSEE (FR) or NIS (BE) code
    commune = ForeignKey(references=Commune, index=True, null=True, default=None)
    contact_name = Varchar(length=120)
    contact_role = Varchar(length=120)
    contact_email = Varchar(length=254)
    contact_phone = Varchar(length=20)  # E.164
    agents = Text(default="[]")  # JSON: [{"name": …, "email": …}], 1 to 10
    message = Text(default="")
    locale = Varchar(length=5, default="fr")  # the contact's language (the form's Accept-Language): their e-mails
    status = Varchar(length=10, default=ApplicationStatus.PENDING, index=True)
    reason = Text(default="")  # why it was refused (e-mailed to the contact)
    decided_by = Integer(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Convention(Table, tablename="partnership_conventions"):
    """The « Participation citoyenne » convention of a commune: mairie, police or gendarmerie, residents."""

    commune = ForeignKey(references=Commune, unique=True)
    signed_on = Date(null=True, default=None)
    mairie_signatory = Varchar(length=200, default="")  # e.g. « Mme Durand, maire »
    force = Varchar(length=12, default="gendarmerie")  # police | gendarmerie
    force_signatory = Varchar(length=200, default="")  # e.g. « Capitaine Martin, brigade de Bellerive »
    prefecture_signatory = Varchar(length=200, default="")  # the préfet, who signs too (may be empty)
    referent_name = Varchar(length=120, default="")  # the police/gendarmerie referent: a contact, no account
    referent_unit = Varchar(length=200, default="")
    # The referent's e-mail is the commune's police contact, `Commune.police_email`: one address, not two.
    referent_phone = Varchar(length=20, default="")
    updated_by = Integer(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())


class ConventionCommunity(Table, tablename="partnership_convention_communities"):
    """The perimeter of a convention: the communities it covers."""

    convention = ForeignKey(references=Convention, index=True)
    community = ForeignKey(references=Community, index=True)
    partnership_convention_communities_once = Unique([convention, community])


class CitizenReferent(Table, tablename="partnership_citizen_referents"):
    """A resident named by the mairie as a citizen referent of the partnership."""

    commune = ForeignKey(references=Commune, index=True)
    user = ForeignKey(references=User, index=True)
    named_by = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    partnership_citizen_referents_once = Unique([commune, user])


class PoliceAcknowledgement(Table, tablename="partnership_police_acks"):
    """The police/gendarmerie referent's acknowledgement of a forwarded alert, through the signed link."""

    alert = ForeignKey(references=Alert, unique=True)
    commune = ForeignKey(references=Commune, index=True)
    name = Varchar(length=120, default="")  # who acknowledged, as they wrote it
    note = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


TABLES = [MairieApplication, Convention, ConventionCommunity, CitizenReferent, PoliceAcknowledgement]
