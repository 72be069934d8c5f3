"""The Python packages the build and the tests need, pip-installed into this interpreter."""
from __future__ import annotations

import importlib
import json
import re
import sys
from pathlib import Path

from tools.lockfile import OWN_PACKAGE, canonical_name
from tools.project import CACHE_DIR, ROOT, BuildError, log, run, sha256_file

# Same pin as pyproject's test extra; [wheel] brings pkginfo + packaging, which
# pyodide_lock.utils.add_wheels_to_spec needs to read a wheel's metadata.
PYODIDE_LOCK_REQUIREMENT = "pyodide-lock[wheel]>=0.1.2,<0.2"


def check_pip_allowed() -> None:
    """Raise BuildError if pip may not install into this interpreter (PEP 668, no venv)."""
    import sysconfig
    marker = Path(sysconfig.get_path("stdlib")) / "EXTERNALLY-MANAGED"
    if marker.exists() and sys.prefix == sys.base_prefix:
        raise BuildError(f"{sys.executable} is externally managed (PEP 668), so pip may not "
                         "install into it. Use a virtual environment:\n"
                         "    python3 -m venv .venv && . .venv/bin/activate && python build.py ...")


def pip_install(*args: str) -> None:
    check_pip_allowed()
    proc = run([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", *args],
               cwd=ROOT)
    if proc.returncode != 0:
        raise BuildError("pip install failed (see above)")
    importlib.invalidate_caches()


def ensure_build_deps() -> None:
    """pyodide_lock (with pkginfo and packaging) is the only non-stdlib need of the build."""
    try:
        import packaging  # noqa: F401
        import pkginfo  # noqa: F401
        import pyodide_lock.utils  # noqa: F401
    except ImportError:
        log(f"python: installing {PYODIDE_LOCK_REQUIREMENT}")
        pip_install(PYODIDE_LOCK_REQUIREMENT)


def requirement_name(req: str) -> str:
    """The canonical distribution name of a requirement string (`Foo[x]>=1` -> `foo`)."""
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", req)
    return canonical_name(m.group(1)) if m else req


def dist_installed(name: str) -> bool:
    import importlib.metadata as md
    try:
        md.distribution(name)
        return True
    except md.PackageNotFoundError:
        return False


def pycore_editable_here() -> bool:
    """pycore is pip-installed in editable mode from this checkout. (The search skips the
    checkout itself, whose in-tree pycore.egg-info would otherwise be found first.)"""
    import importlib.metadata as md
    path = [p for p in sys.path if Path(p or ".").resolve() != ROOT]
    dist = next(iter(md.distributions(name=OWN_PACKAGE, path=path)), None)
    if dist is None:
        return False
    text = dist.read_text("direct_url.json")
    try:
        info = json.loads(text or "{}")
    except ValueError:
        return False
    return (info.get("dir_info", {}).get("editable") is True
            and info.get("url", "").rstrip("/") == ROOT.as_uri())


def ensure_test_deps() -> None:
    """`pip install -e '.[test]'` unless it was done for this pyproject.toml and still holds."""
    import tomllib
    pyproject = ROOT / "pyproject.toml"
    meta = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    reqs = list(meta.get("dependencies", [])) + list(meta.get("optional-dependencies", {}).get("test", []))
    stamp = CACHE_DIR / "test-deps.stamp"
    want = f"{sys.executable}\n{sha256_file(pyproject)}\n"
    missing = [r for r in reqs if not dist_installed(requirement_name(r))]
    if not missing and pycore_editable_here() and stamp.is_file() and stamp.read_text() == want:
        log("python: test dependencies already installed")
        return
    log("python: installing the project with its test extra"
        + (f" (missing: {', '.join(missing)})" if missing else ""))
    pip_install("-e", ".[test]")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    stamp.write_text(want)
