"""What `build.py test` runs: set-up, then ruff, eslint, `node --test tests/js/` and pytest.

Every check runs even when an earlier one failed, so one run reports everything; the command
fails if any of them failed, and its last lines name each failed check. (There is no switch to
skip the linters: ruff and eslint take seconds, and CI runs this very command.)
"""
from __future__ import annotations

import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tools.chromium import ensure_chromium
from tools.dist import build
from tools.project import NODE_MODULES, ROOT, log, run
from tools.python_deps import ensure_test_deps

# Set by `build.py test` so the e2e fixtures don't rebuild what was just built.
FRESH_DIST_ENV = "CNN_EXPLORER_DIST_FRESH"

JS_TEST_DIR = Path("tests") / "js"


@dataclass(frozen=True)
class Check:
    """One command of the test run: its name in the summary, argv, and where it runs."""

    name: str
    argv: list
    cwd: Path
    env: dict | None = None
    missing: str | None = None  # why it cannot run (then it fails with this message)


def ruff_check(root: Path = ROOT) -> Check:
    """`ruff check .` with the config in root's pyproject.toml."""
    return Check("ruff", [sys.executable, "-m", "ruff", "check", "."], root)


def eslint_check(root: Path = ROOT, node_modules: Path = NODE_MODULES) -> Check:
    """`eslint .` with root's eslint.config.mjs; eslint is an npm devDependency."""
    eslint = node_modules / ".bin" / "eslint"
    missing = None if eslint.is_file() else f"{eslint} is missing (npm ci installs it)"
    return Check("eslint", [eslint, "."], root, missing=missing)


def js_test_check(root: Path = ROOT) -> Check | None:
    """`node --test tests/js/`, or None when root has no tests/js/ with a JS file in it."""
    test_dir = root / JS_TEST_DIR
    if not any(p.suffix in (".js", ".mjs", ".cjs") for p in test_dir.rglob("*")):
        return None
    node = shutil.which("node")
    return Check("node --test", [node or "node", "--test", f"{JS_TEST_DIR.as_posix()}/"], root,
                 missing=None if node else "node is not on PATH")


def pytest_check(pytest_args: list[str], root: Path = ROOT) -> Check:
    env = {**os.environ, FRESH_DIST_ENV: "1"}
    return Check("pytest", [sys.executable, "-m", "pytest", *pytest_args], root, env=env)


def run_check(check: Check) -> int:
    """Run one check; its exit status (1 with a message if it cannot run at all)."""
    log(f"test: {check.name}")
    if check.missing:
        log(f"test: {check.name} cannot run: {check.missing}")
        return 1
    return run(check.argv, cwd=check.cwd, env=check.env).returncode


def run_checks(checks: list[Check]) -> int:
    """Run every check, whatever the earlier ones returned. 0 if all passed, else pytest's
    status if pytest failed, else 1; the failed ones are named at the end."""
    failed = [(c, status) for c in checks if (status := run_check(c)) != 0]
    if not failed:
        log(f"test: all passed ({', '.join(c.name for c in checks)})")
        return 0
    log("test: FAILED: " + ", ".join(f"{c.name} (exit status {s})" for c, s in failed))
    return next((s for c, s in failed if c.name == "pytest"), 1)


def checks_for(pytest_args: list[str], root: Path = ROOT) -> list[Check]:
    """The linters, the JS unit tests (if any) and pytest, in the order they run."""
    checks = [ruff_check(root), eslint_check(root)]
    js = js_test_check(root)
    if js is None:
        log(f"test: no JS tests in {JS_TEST_DIR.as_posix()}/; node --test skipped")
    else:
        checks.append(js)
    return [*checks, pytest_check(pytest_args, root)]


def run_tests(pytest_args: list[str]) -> int:
    """`build.py test [pytest args...]`: install what the tests need, build dist/, run the checks."""
    t0 = time.monotonic()
    ensure_test_deps()
    ensure_chromium()
    build()
    log(f"setup took {time.monotonic() - t0:.1f} s; running the checks")
    return run_checks(checks_for(pytest_args))
