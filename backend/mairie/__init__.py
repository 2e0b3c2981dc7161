"""The town-hall (mairie) service: broadcasts, safety checks, dashboard, liaison, open feed, signage, audit."""
