"""The headless Chromium that the browser tests and the benchmark drive with Playwright."""
from __future__ import annotations

import os
import shutil
import subprocess

from tools.project import BuildError, log, run

SYSTEM_CHROMIUM = "/usr/bin/chromium"
# Launch flags for every headless run (e2e tests and benchmark alike).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # A fake camera (a moving test pattern) whose permission is granted without a prompt, for
    # the camera's tests; a page that asks for no camera is unaffected.
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]


def playwright_chromium_path(pw=None) -> str | None:
    """The browser Playwright itself would use, if it has been installed (`playwright install`)."""
    try:
        if pw is not None:
            path = pw.chromium.executable_path
        else:
            from playwright.sync_api import sync_playwright
            with sync_playwright() as p:
                path = p.chromium.executable_path
    except Exception:  # playwright missing, or no browser registered
        return None
    return path if path and os.path.isfile(path) else None


def find_chromium(pw=None) -> str | None:
    """$CHROMIUM_PATH, else Playwright's own browser, else Debian's /usr/bin/chromium."""
    env = os.environ.get("CHROMIUM_PATH")
    if env:
        if not os.path.isfile(env):
            raise BuildError(f"CHROMIUM_PATH={env} does not exist")
        return env
    own = playwright_chromium_path(pw)
    if own:
        return own
    if os.path.isfile(SYSTEM_CHROMIUM):
        return SYSTEM_CHROMIUM
    return shutil.which("chromium")


def ensure_chromium() -> str:
    """A Chromium path; as root on Debian, apt-get installs one if there is none."""
    path = find_chromium()
    if path:
        log(f"chromium: {path}")
        return path
    if os.name == "posix" and os.geteuid() == 0 and shutil.which("apt-get"):
        log("chromium: not found; installing Debian's chromium with apt-get")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (["apt-get", "update"],
                    ["apt-get", "install", "-y", "-o", "DPkg::Lock::Timeout=600", "chromium"]):
            if run(cmd, env=env, stdin=subprocess.DEVNULL).returncode != 0:
                raise BuildError(f"{' '.join(cmd)} failed (see above)")
        if os.path.isfile(SYSTEM_CHROMIUM):
            return SYSTEM_CHROMIUM
        raise BuildError(f"apt-get installed chromium but {SYSTEM_CHROMIUM} is missing")
    raise BuildError("no Chromium for the browser tests. Install Debian's as root:\n"
                     "    sudo apt-get update && sudo apt-get install -y chromium\n"
                     "or point CHROMIUM_PATH at a Chromium/Chrome binary. "
                     "(`playwright install` cannot download browsers on this network.)")
