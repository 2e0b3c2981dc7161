"""axe-core (shipped inside the axe-playwright-python wheel, no Node needed) on the current page:
`await assert_accessible(page, "home")` fails on any critical or serious violation."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.async_playwright import Axe

BLOCKING = {"critical", "serious"}
_axe = Axe()


async def serious_violations(page: Any) -> list[str]:
    """Critical and serious axe violations of the page as it is now, one line per rule."""
    results = await _axe.run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
            for v in results.response["violations"] if v.get("impact") in BLOCKING]


async def assert_accessible(page: Any, screen: str) -> None:
    found = await serious_violations(page)
    assert not found, f"{screen}: " + "\n".join(found)
