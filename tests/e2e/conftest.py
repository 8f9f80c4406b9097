"""Browser journeys: Playwright drives Debian's Chromium, headless, against pytest-django's live server.

The browser is shared by the package (started once, stopped after its last test); every test gets a
fresh context (no cookies), in Chinese (zh-CN), desk-sized unless it asks for a phone. Each journey
saves a screenshot to ``E2E_ARTIFACTS`` (default ``artifacts/e2e/``): ``<journey>.png`` at its end,
``<test>-failed.png`` when it fails.

Playwright's sync API keeps an asyncio loop running in this thread, which makes Django refuse ORM
calls here ("SynchronousOnlyOperation") although nothing is async: the tests build their data with
the ORM, so ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set while the browser runs, and only then.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from accounts.models import User
from tests.conftest import BASE_DIR
from tests.e2e.browser import CHROMIUM, DESK, PHONE, launch
from tests.factories import PASSWORD

ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", BASE_DIR / "artifacts" / "e2e"))
TIMEOUT_MS = 10_000

expect.set_options(timeout=TIMEOUT_MS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_failed] = report.failed
    return report


_failed = pytest.StashKey[bool]()


@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        try:
            browser = launch(playwright)
        except Exception as error:  # the browser is there (the marker checked) but does not start
            pytest.fail(f"Chromium at {CHROMIUM} did not start: {error}", pytrace=False)
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture(autouse=True)
def _e2e_settings(settings: Any, tasks_in_process: None) -> None:
    # Persona passwords are hashed for every test; the hasher is not under test here. Tasks run in
    # the live server's thread, on the test database (a CI worker would read another database).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def new_page(chromium: Browser, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Callable[..., Page]]:
    """``new_page(phone=False)``: a page in a fresh browser context (its own cookies) on the live server."""
    contexts: list[BrowserContext] = []
    pages: list[Page] = []

    def make(*, phone: bool = False, like: Page | None = None) -> Page:
        """``like``: the same signed-in person (that page's cookies) on another device."""
        context = chromium.new_context(
            base_url=live_server.url,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            viewport=PHONE if phone else DESK,
            is_mobile=phone,
            has_touch=phone,
            storage_state=like.context.storage_state() if like is not None else None,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        pages.append(page)
        return page

    yield make
    if request.node.stash.get(_failed, False):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for number, page in enumerate(pages, start=1):
            name = re.sub(r"[^\w-]+", "_", request.node.name)
            page.screenshot(path=ARTIFACTS / f"{name}-failed-{number}.png", full_page=True)
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page()


def sign_in(page: Page, user: User) -> None:
    """Sign in through the real sign-in page, as a person would."""
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=f"您好，{user.full_name}")).to_be_visible()


def fits(page: Page) -> None:
    """Nothing on the page runs off the side: no sideways scrolling on a 375 px phone (or a desk)."""
    width = page.viewport_size["width"] if page.viewport_size else PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def on_other_device(new_page: Callable[..., Page], page: Page, path: str, *, phone: bool = True) -> Page:
    """The page's person, signed in already, opens ``path`` on a 375 px phone (or, ``phone=False``,
    a 1280 px desk); the page fits the screen. Returns the new page for the journey's assertions."""
    other = new_page(phone=phone, like=page)
    other.goto(path)
    expect(other.get_by_role("main")).to_be_visible()
    fits(other)
    return other


def screenshot(page: Page, journey: str) -> Path:
    """The journey's picture as the person sees it at the end: artifacts/e2e/<journey>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{journey}.png"
    page.screenshot(path=path, full_page=True)
    return path
