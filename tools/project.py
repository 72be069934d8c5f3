"""Facts about the checkout every build step shares, and the small helpers they all use.

Only the standard library: build.py imports this before anything else is installed.
"""
from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB_DIR = ROOT / "web"
DIST_DIR = ROOT / "dist"
CACHE_DIR = ROOT / ".cache"
NODE_MODULES = ROOT / "node_modules"
ARTIFACTS_DIR = ROOT / "artifacts"

PYODIDE_VERSION = "0.27.7"


class BuildError(Exception):
    """A failure with a message meant for the person running the build."""


def log(msg: str) -> None:
    print(msg, flush=True)


def run(cmd: list, **kw) -> subprocess.CompletedProcess:
    """Run cmd (logged first, as `$ cmd`)."""
    log("  $ " + " ".join(str(c) for c in cmd))
    return subprocess.run([str(c) for c in cmd], **kw)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def git(*args: str) -> str | None:
    """`git args` in the checkout: its stripped output, or None if git failed."""
    try:
        proc = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def relative(p: Path) -> str:
    """p for a log line: `dist/` inside the checkout, the full path outside it."""
    try:
        return str(Path(p).relative_to(ROOT)) + "/"
    except ValueError:
        return str(p)
