"""Smoke: the page loads Pyodide + pycore from its own origin and becomes usable."""
import json
import urllib.request


def test_page_reaches_ready(app, shot):
    assert app.state() == "ready"
    shot(app.page, "smoke-ready")
    print(f"page ready in {app.load_seconds:.2f} s")


def test_runtime_and_wheels_come_from_the_local_origin(app, server):
    # Also proves that app.requests sees the worker's requests (else the next test is vacuous).
    paths = [u[len(server):] for u in app.requests if u.startswith(server + "/")]
    for needed in ("/pyodide/pyodide.asm.wasm", "/pyodide/pyodide-lock.json"):
        assert needed in paths, f"{needed} was never requested; requests: {paths}"
    assert any(p.startswith("/pyodide/pycore-") and p.endswith(".whl") for p in paths), paths
    assert any(p.startswith("/pyodide/numpy-") and p.endswith(".whl") for p in paths), paths


def test_no_request_leaves_the_local_origin(app):
    assert app.foreign_requests() == []


def test_no_page_errors(app):
    assert app.page_errors == []


def test_no_failed_responses(app):
    # A browser asks for /favicon.ico by itself; a missing one is not the page's fault.
    failed = [r for r in app.failed_responses if not r.endswith("/favicon.ico")]
    assert failed == [], f"console errors: {app.console_errors}"


def test_build_info_is_served(server):
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with no_proxy.open(server + "/build-info.json", timeout=10) as resp:
        assert resp.headers["Content-Type"] == "application/json"
        info = json.load(resp)
    assert info["pyodide_version"] == "0.27.7"
    assert {w["name"] for w in info["wheels"]} == {"numpy", "openblas", "pycore", "Pillow"}
    # Pillow is shipped for the files the browser cannot decode and loaded only then
    assert {w["name"] for w in info["wheels"] if w.get("on_demand")} == {"Pillow"}
