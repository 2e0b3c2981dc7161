"""Health, readiness and metrics endpoints as the wiring sees them (backend/domains.py)."""

from backend.health.routes import health, ping, prometheus_metrics
from backend.lib.domain import Domain

DOMAIN = Domain(name="health", routes=[health, ping, prometheus_metrics])
