"""The audit log's table. It stays registered in the `mairie` piccolo app (backend/mairie/piccolo_app.py
lists it through mairie's TABLES), where its migrations have always been: existing SQLite and
PostgreSQL databases keep their history, and the table keeps its name."""

from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class AuditEntry(Table, tablename="audit_log"):
    """What a staff member, moderator or admin did: kept for the admin (RGPD accountability)."""

    actor = Integer(null=True, default=None, index=True)  # user id (kept after the account is gone)
    actor_name = Varchar(length=201, default="")
    action = Varchar(length=40, index=True)
    target = Varchar(length=60, default="")  # e.g. broadcast:12, alert:3, user:8
    commune = Integer(null=True, default=None, index=True)
    details = Text(default="{}")  # JSON object
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
