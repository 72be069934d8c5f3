"""Session fixtures for the browser (end-to-end) tests.

    dist_dir       Path of the built dist/ (built once per session; incremental)
    server         base URL, e.g. "http://127.0.0.1:43123" (no trailing slash), serving dist/
    browser        Playwright Browser: headless Chromium ($CHROMIUM_PATH, Playwright's own,
                   or /usr/bin/chromium)
    app            App: one page at the server URL, state "ready", shared by the whole session
    new_app_page   factory: new_app_page(path="/", wait_ready=True, init_script=None) -> App in a
                   fresh context (empty cache; init_script runs before the page's own), closed
                   after the test
    artifacts      Path of artifacts/ at the repo root (git-ignored)
    shot           shot(page, name) -> Path, saves artifacts/<name>.png

An App has .page, .context, .base_url, .requests (every request URL, including the worker's),
.console_errors, .page_errors, .failed_responses ("<status> <url>"), .load_seconds, .state()
and .wait_state(state).

Every test in tests/e2e/ is marked `e2e` (`pytest -m "not e2e"` skips them). A failing test
that used `app` or `new_app_page` leaves artifacts/FAILED-<test>.png.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tools.chromium import CHROMIUM_ARGS, find_chromium
from tools.dist import build
from tools.project import ARTIFACTS_DIR, DIST_DIR
from tools.serve import serve_in_thread, server_url
from tools.testing import FRESH_DIST_ENV

STATUS = "[data-testid=status]"
READY_TIMEOUT_MS = 60_000
VIEWPORT = {"width": 1280, "height": 900}


def shot(page, name: str) -> Path:
    """Save a full-page screenshot as artifacts/<name>.png and return its path."""
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    path = ARTIFACTS_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@dataclass
class App:
    page: object
    context: object
    base_url: str
    requests: list = field(default_factory=list)
    console_errors: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)
    failed_responses: list = field(default_factory=list)
    load_seconds: float | None = None

    def state(self) -> str | None:
        return self.page.get_attribute(STATUS, "data-state")

    def wait_state(self, state: str = "ready", timeout_ms: int = READY_TIMEOUT_MS) -> None:
        """Wait until the status has data-state=`state`; fail at once if it turns "error"."""
        sel = f"{STATUS}[data-state={state}]"
        if state != "error":
            sel += f", {STATUS}[data-state=error]"
        self.page.wait_for_selector(sel, timeout=timeout_ms)
        if self.state() != state:
            raise AssertionError(f"status is {self.state()!r}, waiting for {state!r}: "
                                 f"{self.page.inner_text(STATUS)!r}")

    def foreign_requests(self) -> list[str]:
        """Request URLs that are neither on this server's origin nor data:/blob:."""
        origin = self.base_url + "/"
        return [u for u in self.requests
                if not (u.startswith(origin) or u.startswith(("data:", "blob:")))]


def open_app(browser, base_url: str, path: str = "/", wait_ready: bool = True, init_script: str | None = None) -> App:
    context = browser.new_context(viewport=VIEWPORT)
    # The page opens with no image, as the tests that load their own expect (a learner's
    # arrival loads the sample photo); a hook, not ?image=none, so the tests' addresses stay theirs.
    context.add_init_script("window.__cnnNoSample = true;")
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    app = App(page=page, context=context, base_url=base_url)
    # Context-level: also sees requests made by the page's Web Worker.
    context.on("request", lambda req: app.requests.append(req.url))
    context.on("response", lambda resp: resp.status >= 400
               and app.failed_responses.append(f"{resp.status} {resp.url}"))
    page.on("console", lambda msg: msg.type == "error" and app.console_errors.append(msg.text))
    page.on("pageerror", lambda exc: app.page_errors.append(str(exc)))
    t0 = time.monotonic()
    page.goto(base_url + path)
    if wait_ready:
        try:
            app.wait_state("ready")
        except Exception as exc:
            shot(page, "app-not-ready")
            state = app.state()
            context.close()
            raise AssertionError(
                f"page did not reach {STATUS}[data-state=ready] (timeout "
                f"{READY_TIMEOUT_MS / 1000:.0f} s): {exc}; state={state!r}; "
                f"page errors={app.page_errors}; console errors={app.console_errors}; "
                f"failed responses={app.failed_responses} (artifacts/app-not-ready.png)"
            ) from exc
        app.load_seconds = time.monotonic() - t0
    return app


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call" and rep.failed:
        pages = []
        app = item.funcargs.get("app")
        if isinstance(app, App):
            pages.append(app.page)
        factory = item.funcargs.get("new_app_page")
        pages += [a.page for a in getattr(factory, "opened", [])]
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.name)
        for i, page in enumerate(pages):
            try:
                shot(page, f"FAILED-{name}" + (f"-{i}" if i else ""))
            except Exception:
                pass


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    return ARTIFACTS_DIR


@pytest.fixture(scope="session", name="shot")
def shot_fixture(artifacts):
    return shot


@pytest.fixture(scope="session")
def dist_dir() -> Path:
    fresh = os.environ.get(FRESH_DIST_ENV) == "1"
    if not (fresh and (DIST_DIR / "build-info.json").is_file()):
        build()  # incremental: seconds when cached
    return DIST_DIR


@pytest.fixture(scope="session")
def server(dist_dir) -> str:
    srv, thread = serve_in_thread(dist_dir, host="127.0.0.1", port=0, quiet=True)
    try:
        yield server_url(srv)
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        exe = find_chromium(pw)
        if exe is None:
            pytest.fail("no Chromium found: run `python3 build.py test` (installs Debian's "
                        "chromium as root) or set CHROMIUM_PATH")
        b = pw.chromium.launch(headless=True, executable_path=exe, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def app(browser, server) -> App:
    a = open_app(browser, server)
    try:
        yield a
    finally:
        a.context.close()


@pytest.fixture
def new_app_page(browser, server):
    opened: list[App] = []

    def factory(path: str = "/", wait_ready: bool = True, init_script: str | None = None) -> App:
        a = open_app(browser, server, path=path, wait_ready=wait_ready, init_script=init_script)
        opened.append(a)
        return a

    factory.opened = opened
    try:
        yield factory
    finally:
        for a in opened:
            a.context.close()
