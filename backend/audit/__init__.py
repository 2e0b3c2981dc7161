"""The audit log: every staff, moderator and admin action, readable and exportable by admins.

Any domain may call `backend.audit.service.record`; the audit domain itself reads only `lib` and
the users table (to keep the actor's name), so it sits below everyone (docs/architecture.md).
"""
