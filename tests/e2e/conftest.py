"""Browser journeys: pytest-playwright driving Debian's Chromium against `live_server`.

No browser is ever downloaded (no `playwright install`): the system package `chromium` is
used, with `fonts-noto-cjk` so Chinese renders. Every test in this directory is marked
`e2e`; without /usr/bin/chromium they skip locally and fail in CI.

`live_server` empties the database after each test: create the data in fixtures.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls of the tests
# and fixtures are still synchronous and safe there.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).resolve().parent
IN_CI = os.environ.get("CI") == "true"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE not in Path(item.path).parents:
            continue
        item.add_marker(pytest.mark.e2e)
        if not CHROMIUM.exists() and not IN_CI:
            item.add_marker(pytest.mark.skip(reason=f"needs Debian's Chromium at {CHROMIUM}"))


@pytest.fixture(scope="session", autouse=True)
def _chromium_is_required() -> None:
    """Fails every e2e test in CI when the browser is missing (locally they are skipped)."""
    if not CHROMIUM.exists():
        pytest.fail(f"CI must run the browser tests: {CHROMIUM} is missing (apt-get install chromium)")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--no-sandbox",
            "--disable-gpu",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A Chinese-speaking browser, as the bureaus' machines are."""
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def screenshot_dir(pytestconfig: pytest.Config) -> Path:
    """`test-results/` (pytest-playwright's --output), kept after the run for a human look."""
    path = Path(pytestconfig.getoption("--output")).absolute()
    path.mkdir(parents=True, exist_ok=True)
    return path
