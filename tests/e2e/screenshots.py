"""``make screenshots``: docs/screenshots/, each role's main page on a desk (1280 px) and a phone (375 px).

Loads the demo county (``seed_demo``) into a throw-away SQLite database in a temporary directory,
serves it with ``runserver`` on a free local port, signs in through the sign-in page as each demo
account (password demo12345), in Chinese, and saves ``<role>-desk.png`` and ``<role>-phone.png``
(and the county dashboard as ``dashboard.png``, the evaluation page, the ledger of the household
helped twice for the same thing, 复核审批 for ``caseworker2`` and the station's follow-up visits). Nothing touches your own database or Redis.
Needs Chromium (``E2E_CHROMIUM``, default /usr/bin/chromium) and the CJK font fonts-wqy-zenhei.

    .venv/bin/python -m tests.e2e.screenshots [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import NoReturn

from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

from tests.e2e.browser import DESK, PHONE, launch

BASE_DIR = Path(__file__).resolve().parents[2]
PASSWORD = "demo12345"
# file name, demo account (None: the public, not signed in), the role's main page, sizes
PAGES: list[tuple[str, str | None, str, tuple[str, ...]]] = [
    ("caseworker", "caseworker", "/cases/", ("desk", "phone")),  # referrals in and out
    ("station-worker", "station", "/register/needs/", ("desk", "phone")),  # the need list, on a phone in the village
    ("supervisor", "supervisor", "/supervision/complaints/", ("desk", "phone")),
    ("charity-staff", "charity", "/cases/", ("desk", "phone")),  # new referrals, in progress, overdue
    ("admin", "admin", "/admin/", ("desk", "phone")),
    ("public-transparency", None, "/supply/public/", ("desk", "phone")),  # 阳光慈善, no sign-in
    ("public-apply", None, "/apply/", ("phone",)),  # 在线申请 (issue #16), on the applicant's phone
    ("dashboard", "caseworker", "/dashboards/", ("full",)),  # README's dashboard picture, the whole page
    ("evaluation", "caseworker", "/dashboards/evaluation/", ("full",)),  # response times, follow-up satisfaction
    # The household helped twice for the same thing (a possible duplicate) and its gaps.
    ("ledger", "caseworker", "/cases/ledger/?person={duplicate_person}", ("desk", "phone")),
    ("approvals", "caseworker2", "/supervision/approvals/", ("desk", "phone")),  # 复核审批: grant or refuse
    ("follow-ups", "station", "/cases/follow-ups/", ("phone",)),  # the visit still due
]
# What the demo's addresses need from its database (printed by ``manage.py shell -c``).
LOOKUPS = {
    "duplicate_person": "from cases.demo_stories import DUPLICATE_NOTE; from cases.models import Referral; "
    "print(Referral.objects.get(note=DUPLICATE_NOTE).person_id)",
}
SIZES: dict[str, ViewportSize] = {"desk": DESK, "phone": PHONE, "full": DESK}
# A longer page is cut: its first screens are what people see (and what a reader of the README needs).
MAX_HEIGHT = {"desk": 2000, "phone": 1500, "full": 5000}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fail(message: str, log_file: Path) -> NoReturn:
    tail = log_file.read_text(errors="replace").splitlines()[-30:]
    raise SystemExit("\n".join([message + ":", *tail]))


def demo_env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    return env | {"REFERRAL_HUB_VAR_DIR": str(var_dir), "DJANGO_DEBUG": "1", "TWO_FACTOR_REQUIRED": "0"}


MANAGE = [sys.executable, str(BASE_DIR / "manage.py")]


def demo_server(var_dir: Path, port: int) -> subprocess.Popen[bytes]:
    """Migrate, seed the demo county and serve it, all on SQLite under ``var_dir``."""
    env, manage = demo_env(var_dir), MANAGE
    log_file = var_dir / "server.log"
    log = log_file.open("wb")
    for command in (["migrate", "--noinput"], ["seed_demo", "--password", PASSWORD]):
        if subprocess.run([*manage, *command], env=env, cwd=BASE_DIR, stdout=log, stderr=log).returncode:  # noqa: S603 - our manage.py
            fail(f"manage.py {command[0]} failed", log_file)
    server = subprocess.Popen(  # noqa: S603 - our manage.py
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"], env=env, cwd=BASE_DIR, stdout=log, stderr=log
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2):
                return server
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                fail("The demo server did not start", log_file)
            time.sleep(0.3)


def sign_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def lookups(var_dir: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, code in LOOKUPS.items():
        answer = subprocess.run(  # noqa: S603 - our manage.py
            [*MANAGE, "shell", "-c", code], env=demo_env(var_dir), cwd=BASE_DIR, capture_output=True, text=True
        )
        if answer.returncode:
            raise SystemExit(f"Looking up {key} in the demo data failed:\n{answer.stderr}")
        found[key] = answer.stdout.strip().splitlines()[-1]
    return found


def shoot(browser: Browser, base_url: str, out: Path, found: dict[str, str]) -> list[Path]:
    saved: list[Path] = []
    for name, username, template, sizes in PAGES:
        path = template.format(**found)
        for size in sizes:
            phone = size == "phone"
            context = browser.new_context(
                base_url=base_url,
                locale="zh-CN",
                timezone_id="Asia/Shanghai",
                viewport=SIZES[size],
                is_mobile=phone,
                has_touch=phone,
            )
            page = context.new_page()
            if username:
                sign_in(page, username)
            response = page.goto(path)
            if response is None or not response.ok:
                raise SystemExit(f"{path} as {username or 'the public'} answered {response and response.status}")
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(1200)  # charts finish their animation
            height = min(int(page.evaluate("document.documentElement.scrollHeight")), MAX_HEIGHT[size])
            file = out / (f"{name}.png" if len(sizes) == 1 else f"{name}-{size}.png")
            page.screenshot(
                path=file, full_page=True, clip={"x": 0, "y": 0, "width": SIZES[size]["width"], "height": height}
            )
            saved.append(file)
            context.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=BASE_DIR / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="referral-hub-screenshots-") as tmp:
        port = free_port()
        server = demo_server(Path(tmp), port)
        found = lookups(Path(tmp))
        try:
            with sync_playwright() as playwright:
                browser = launch(playwright)
                try:
                    saved = shoot(browser, f"http://127.0.0.1:{port}", args.out, found)
                finally:
                    browser.close()
        finally:
            server.terminate()
            server.wait(timeout=20)
    for file in saved:
        print(file.relative_to(BASE_DIR) if file.is_relative_to(BASE_DIR) else file)


if __name__ == "__main__":
    main()
