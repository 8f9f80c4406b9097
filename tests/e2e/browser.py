"""The browser the journeys and the docs screenshots use: Debian's Chromium, headless, through Playwright.

No Django here, so ``tests/e2e/screenshots.py`` can use it outside pytest. Playwright's own browser
download (``playwright install``) is not used: county machines and CI install Chromium from Debian.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # tests/conftest.py reads CHROMIUM even where Playwright is not installed
    from playwright.sync_api import Browser, Playwright, ViewportSize

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # containers often give /dev/shm 64 MB, too little for Chromium
]
DESK: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 375, "height": 740}


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
