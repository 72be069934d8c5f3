"""node_modules, installed from package-lock.json: the Pyodide runtime dist/ ships, and the
dev tools (eslint, TF.js for the benchmark) that are never shipped."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from tools.project import PYODIDE_VERSION, ROOT, BuildError, log, run, sha256_file

# Copied from node_modules/pyodide/ to dist/pyodide/ (no .map files, no pyodide.js).
RUNTIME_FILES = (
    "pyodide.mjs",
    "pyodide.asm.js",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)


def locked_pyodide_version(root: Path = ROOT) -> str:
    lock = json.loads((root / "package-lock.json").read_text(encoding="utf-8"))
    return lock["packages"]["node_modules/pyodide"]["version"]


def installed_version(pkg_dir: Path) -> str | None:
    """The version in node_modules/<pkg>/package.json, or None if it is not installed."""
    try:
        return json.loads((pkg_dir / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return None


def ensure_node_modules(root: Path = ROOT) -> Path:
    """`npm ci` unless node_modules already matches package-lock.json. Returns the pyodide dir.

    The stamp is the hash of the whole lock, so a new (dev)dependency, such as a benchmark-only
    @tensorflow/tfjs, triggers one `npm ci`; only node_modules/pyodide is ever copied to dist/."""
    locked = locked_pyodide_version(root)
    if locked != PYODIDE_VERSION:
        raise BuildError(f"package-lock.json pins pyodide {locked}, tools/project.py expects "
                         f"{PYODIDE_VERSION}; update both together")
    node_modules = root / "node_modules"
    pyodide_dir = node_modules / "pyodide"
    stamp = node_modules / ".cnn-explorer-lock.sha256"
    lock_hash = sha256_file(root / "package-lock.json")
    if (installed_version(pyodide_dir) == locked
            and stamp.is_file() and stamp.read_text().strip() == lock_hash
            and all((pyodide_dir / f).is_file() for f in RUNTIME_FILES)):
        log(f"npm: node_modules matches package-lock.json (pyodide {locked}); skipping npm ci")
        return pyodide_dir
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError("npm is not on PATH; install Node.js 20 with npm (Debian: apt-get install nodejs npm)")
    log("npm: installing from package-lock.json")
    # --ignore-scripts: nothing we use needs an install script, and none should run at build.
    proc = run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=root)
    if proc.returncode != 0:
        raise BuildError("npm ci failed (see above)")
    installed = installed_version(pyodide_dir)
    if installed != PYODIDE_VERSION:
        raise BuildError(f"npm installed pyodide {installed}, expected {PYODIDE_VERSION}")
    stamp.write_text(lock_hash + "\n")
    return pyodide_dir
