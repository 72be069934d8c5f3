"""Assemble dist/, the static site: a plain folder with relative URLs only.

    dist/                  the front end, copied as is from web/
    dist/pyodide/          the Pyodide runtime (from npm), numpy's and Pillow's wheels (Pillow
                           is loaded on demand), pycore's wheel and a pyodide-lock.json
                           pruned to exactly what is shipped
    dist/js/vendor/        CodeMirror 6, bundled from node_modules by esbuild (tools/vendor.py)
    dist/build-info.json   versions, wheel hashes, git commit, build time, compressed sizes
    dist/offline-manifest.json  every shipped file's sha256, for the service worker (web/sw.js)
    NAME.br, NAME.gz       precompressed copies beside the files that gain from them

With a Python 3.12 on the machine, the wheels and the stdlib ship with bytecode
(tools/compile.py); without one, as they come.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

from tools import compile as bytecode
from tools.compress import SUFFIXES, compress_tree
from tools.lockfile import (
    DIST_PACKAGES,
    ON_DEMAND_PACKAGES,
    OWN_PACKAGE,
    canonical_name,
    check_lock_files,
    dependency_closure,
    make_lock,
    replace_files,
)
from tools.npm import RUNTIME_FILES, ensure_node_modules
from tools.project import (
    CACHE_DIR,
    DIST_DIR,
    PYODIDE_VERSION,
    ROOT,
    WEB_DIR,
    BuildError,
    git,
    log,
    relative,
    sha256_file,
)
from tools.python_deps import ensure_build_deps
from tools.vendor import bundle_codemirror
from tools.wheels import build_own_wheel, fetch_wheel


def build_time() -> str:
    """Now (or $SOURCE_DATE_EPOCH), as an ISO 8601 UTC string: `2025-01-01T00:00:00Z`."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    t = (dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch
         else dt.datetime.now(dt.UTC))
    return t.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def copy_web(web_dir: Path, dest: Path) -> None:
    if not web_dir.is_dir():
        log(f"web: {web_dir} does not exist; dist/ will have no front end")
        return
    reserved = {"pyodide", "build-info.json"} & {p.name for p in web_dir.iterdir()}
    if reserved:
        raise BuildError(f"web/ must not contain {sorted(reserved)}: the build generates them")
    shutil.copytree(web_dir, dest, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".DS_Store"))
    if not (web_dir / "index.html").is_file():
        log("web: WARNING: web/index.html is missing; the page will not load")


def has_python_sources(archive: Path) -> bool:
    with zipfile.ZipFile(archive) as zf:
        return any(n.endswith(".py") for n in zf.namelist())


def ship_compiled(cli, src: Path, dest_dir: Path, record: dict) -> Path:
    """Copy src (or, with a compiler, its bytecode-compiled copy) into dest_dir; return the
    shipped path. A compiled file's record gains `compiled_from` (the original's name,
    sha256 and size) and gets the shipped file's name, sha256 and size."""
    shipped = src
    if cli is not None and src.suffix in (".whl", ".zip") and has_python_sources(src):
        shipped = bytecode.compile_archive(cli, src)
        record["compiled_from"] = {"file_name": src.name, "sha256": sha256_file(src),
                                   "size": src.stat().st_size}
    dest = dest_dir / shipped.name
    shutil.copy2(shipped, dest)
    record.update(file_name=dest.name, sha256=sha256_file(dest), size=dest.stat().st_size)
    return dest


MANIFEST_NAME = "offline-manifest.json"
# Served but never cached by the service worker: itself (the browser checks it for updates)
# and the manifest (fetched at each navigation).
NOT_PRECACHED = {"sw.js", MANIFEST_NAME, "build-info.json"}


def write_offline_manifest(root: Path) -> dict:
    """offline-manifest.json: {version, files: {path: sha256}} for web/sw.js. `version` is a
    hash of the file list, so it changes exactly when a shipped file does."""
    files = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and rel not in NOT_PRECACHED and path.suffix not in SUFFIXES.values():
            files[rel] = sha256_file(path)
    listing = json.dumps(files, sort_keys=True).encode()
    manifest = {"version": hashlib.sha256(listing).hexdigest()[:16], "files": files}
    (root / MANIFEST_NAME).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    for suffix in SUFFIXES.values():  # compressed copies of an older manifest would be served
        (root / (MANIFEST_NAME + suffix)).unlink(missing_ok=True)
    return manifest


def swap_into_place(staging: Path, dist_dir: Path) -> None:
    """Replace dist_dir by staging with two renames (a server never sees half a dist)."""
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
        copy_web(Path(web_dir), staging)
        vendor = {"codemirror": bundle_codemirror(staging)}
        pyo = staging / "pyodide"
        pyo.mkdir()
        cli = bytecode.ensure_compiler(official["info"]["python"])
        runtime = {}
        for f in RUNTIME_FILES:
            runtime[f] = {}
            ship_compiled(cli, npm_pyodide / f, pyo, runtime[f])
            runtime[f].pop("file_name")
        log(f"runtime: Pyodide {PYODIDE_VERSION} from node_modules/pyodide "
            f"({len(RUNTIME_FILES)} files)")

        wheels = []
        shipped = {}  # lock key -> the file shipped in place of the official one
        on_demand = set(dependency_closure(official["packages"], ON_DEMAND_PACKAGES))
        for key in dependency_closure(official["packages"], DIST_PACKAGES):
            entry = official["packages"][key]
            path, source = fetch_wheel(entry["file_name"], entry["sha256"])
            log(f"wheel: {entry['file_name']}  <- {source}  (sha256 ok)")
            record = {"name": entry["name"], "version": entry["version"], "source": source,
                      "on_demand": key in on_demand}
            shipped[key] = ship_compiled(cli, path, pyo, record)
            wheels.append(record)

        own = build_own_wheel(pyo)
        own_version = own.name.split("-")[1]
        log(f"wheel: {own.name}  <- built from this repository")
        lock = make_lock(official_lock_path, pyo, own, DIST_PACKAGES)
        own_record = {}
        with tempfile.TemporaryDirectory(prefix="pycore-wheel-") as tmp:
            own = Path(shutil.move(str(own), Path(tmp) / own.name))
            shipped[canonical_name(OWN_PACKAGE)] = ship_compiled(cli, own, pyo, own_record)
        lock = replace_files(lock, {k: p for k, p in shipped.items() if k in lock["packages"]})
        check_lock_files(lock, pyo)
        if cli is not None:
            compiled = [r["file_name"] for r in [*wheels, own_record] if "compiled_from" in r]
            compiled += [f for f, r in runtime.items() if "compiled_from" in r]
            log(f"compile: shipped with bytecode: {', '.join(sorted(compiled))}")
        (pyo / "pyodide-lock.json").write_text(json.dumps(lock, indent=2, sort_keys=True) + "\n",
                                               encoding="utf-8")
        own_entry = lock["packages"][canonical_name(OWN_PACKAGE)]
        wheels.append({"name": OWN_PACKAGE, "version": own_version, **own_record,
                       "source": "built", "depends": own_entry["depends"]})
        log(f"lock: pyodide/pyodide-lock.json lists {sorted(lock['packages'])}; "
            f"{OWN_PACKAGE} depends on {own_entry['depends']}")

        commit = git("rev-parse", "HEAD")
        status = git("status", "--porcelain", "--untracked-files=no")
        info = {
            "pyodide_version": PYODIDE_VERSION,
            "python_version": official["info"]["python"],
            "pycore_version": own_version,
            "git_commit": commit,
            "git_dirty": bool(status) if status is not None and commit else None,
            "build_time": build_time(),
            "wheels": wheels,
            "runtime": runtime,
            "vendor": vendor,
            "bytecode": cli is not None,
        }
        info["offline_manifest_version"] = write_offline_manifest(staging)["version"]
        info["compressed"] = compress_tree(staging)
        (staging / "build-info.json").write_text(json.dumps(info, indent=2) + "\n",
                                                 encoding="utf-8")
        swap_into_place(staging, dist_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    log(f"built {relative(dist_dir)} in {time.monotonic() - t0:.1f} s")
    return info
