"""The start-up path in a real browser: precompressed files on the wire, the service worker
(web/sw.js) serving a second visit from the cache, the page opening with the network cut,
and a new build replacing the cached files. Each test uses a fresh browser context and its
own server, whose request log shows what actually reached the network."""
from __future__ import annotations

import hashlib
import shutil

import pytest
from page_helpers import renders, wait_render

from tools import dist
from tools.serve import serve_in_thread, server_url

READY = "[data-testid=status][data-state=ready]"
OFFLINE_READY_MS = 120_000  # installing fetches every shipped file once


class LoggedServer:
    def __init__(self, directory):
        self.log: list = []
        self.server, self.thread = serve_in_thread(directory, request_log=self.log)
        self.url = server_url(self.server)

    def paths(self) -> list[str]:
        return [path for _, path, _, _ in self.log]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def logged_server(dist_dir):
    srv = LoggedServer(dist_dir)
    try:
        yield srv
    finally:
        srv.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield ctx
    finally:
        ctx.close()


def open_ready(context, url: str):
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    page.wait_for_selector(f"{READY}, [data-testid=status][data-state=error]", timeout=90_000)
    assert page.get_attribute("[data-testid=status]", "data-state") == "ready", (
        page.inner_text("[data-testid=status]"), errors)
    return page


def wait_offline_ready(page):
    page.wait_for_selector("html[data-offline=ready], html[data-offline=failed]",
                           timeout=OFFLINE_READY_MS)
    assert page.get_attribute("html", "data-offline") == "ready"


def computes(page) -> None:
    """The sample photo goes through the worker and its feature maps are drawn."""
    before = renders(page)
    page.click("[data-testid=sample]")
    wait_render(page, before)
    assert page.locator("canvas[data-testid=fmap]").count() >= 3


def test_the_browser_gets_the_compressed_files(context, logged_server):
    responses = {}
    context.on("response", lambda r: responses.setdefault(r.url.rsplit("/", 1)[-1], r))
    page = open_ready(context, logged_server.url + "/")
    served = {path: coding for _, path, status, coding in logged_server.log if status == 200}
    # Chromium accepts gzip everywhere and brotli on secure origins (127.0.0.1 is one).
    assert served["/pyodide/pyodide.asm.wasm"] in ("br", "gzip"), served
    assert served["/pyodide/pyodide.asm.js"] in ("br", "gzip"), served
    wasm = responses["pyodide.asm.wasm"]
    assert wasm.headers["content-type"] == "application/wasm"
    assert wasm.headers["content-encoding"] == served["/pyodide/pyodide.asm.wasm"]
    assert wasm.headers["vary"] == "Accept-Encoding"
    computes(page)  # the decoded files work


def test_second_visit_comes_from_the_cache_and_the_page_opens_offline(context, logged_server):
    first = open_ready(context, logged_server.url + "/")
    first_paths = logged_server.paths()
    assert "/pyodide/pyodide.asm.wasm" in first_paths  # the log sees the worker's requests
    wait_offline_ready(first)
    first.close()

    logged_server.log.clear()
    second = open_ready(context, logged_server.url + "/")
    assert second.evaluate("!!navigator.serviceWorker.controller")
    computes(second)
    paths = logged_server.paths()
    assert [p for p in paths if p.startswith("/pyodide/")] == [], paths
    # What did reach the server: the manifest, which tells the worker whether a build is new,
    # and sw.js, which the browser checks for a new service worker.
    assert "/offline-manifest.json" in paths
    assert set(paths) <= {"/offline-manifest.json", "/sw.js"}, paths

    logged_server.log.clear()
    context.set_offline(True)
    try:
        second.reload()
        second.wait_for_selector(f"{READY}, [data-testid=status][data-state=error]", timeout=90_000)
        assert second.get_attribute("[data-testid=status]", "data-state") == "ready"
        computes(second)
        second.click("[data-testid=tab-build]")  # another view, its files from the cache too
        second.wait_for_selector("[data-testid=layer-row]", timeout=30_000)
        reached = list(logged_server.log)
    finally:
        context.set_offline(False)
    # Nothing the page asked for reached the network. (The browser's own update check of
    # sw.js is not covered by Playwright's offline emulation; truly offline it fails, and the
    # worker already installed keeps serving.)
    assert [r for r in reached if r[1] != "/sw.js"] == []


def test_a_new_build_replaces_the_cached_files(context, dist_dir, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(dist_dir, site)
    srv = LoggedServer(site)
    try:
        page = open_ready(context, srv.url + "/")
        wait_offline_ready(page)
        old_css = (site / "styles.css").read_bytes()

        # "Rebuild" with one changed file, as `build.py serve` does after an edit.
        new_css = old_css + b"\n/* rebuilt */\n"
        (site / "styles.css").write_bytes(new_css)
        for suffix in (".br", ".gz"):
            (site / f"styles.css{suffix}").unlink(missing_ok=True)
        dist.write_offline_manifest(site)

        srv.log.clear()
        page.reload()
        page.wait_for_selector(READY, timeout=90_000)
        paths = srv.paths()
        assert "/styles.css" in paths, paths
        assert [p for p in paths if p.startswith("/pyodide/")] == [], paths  # unchanged: cached
        served = page.evaluate("fetch('styles.css').then((r) => r.text())")
        assert served.endswith("/* rebuilt */\n")
        old_key = f"styles.css?sha256={hashlib.sha256(old_css).hexdigest()}"
        new_key = f"styles.css?sha256={hashlib.sha256(new_css).hexdigest()}"
        page.wait_for_function(
            """(k) => caches.open('cnn-explorer-v1').then((c) => c.keys())
                 .then((ks) => ks.some((r) => r.url.endsWith(k)))""", arg=new_key, timeout=30_000)
        keys = page.evaluate("""async () => {
            const cache = await caches.open('cnn-explorer-v1');
            return (await cache.keys()).map((r) => r.url); }""")
        assert not any(k.endswith(old_key) for k in keys), "the old build's file is still cached"
    finally:
        srv.close()
