"""The channels: narrow adapters that send to push services, SMTP relays and SMS providers (no database)."""
