"""Audit log routes: admins only."""

MATRIX: dict[str, set[str]] = {
    "GET /api/v1/audit": {"admin"},
    "GET /api/v1/audit.csv": {"admin"},
}
