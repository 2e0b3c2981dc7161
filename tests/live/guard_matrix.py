"""Live stream: any signed-in person (each hears only their own channels, see test_live_stream)."""

from tests.security.guard_matrix import SIGNED_IN

MATRIX: dict[str, set[str]] = {
    "GET /api/v1/live": SIGNED_IN,
}

# The matrix test reads whole bodies; a zero-length stream answers at once.
QUERY: dict[str, dict[str, str]] = {
    "GET /api/v1/live": {"max_seconds": "0"},
}
