"""Precompressed copies of dist/'s files, for servers that send them as they are.

For every file of a type that compresses (COMPRESSIBLE_SUFFIXES) and is at least MIN_SIZE
bytes, `NAME.gz` (gzip -9) and `NAME.br` (brotli, quality 11) are written beside it, each
kept only when it is at most MAX_RATIO of the original (already-deflated wheels and zips
gain nothing and get none). tools/serve.py sends them with `Content-Encoding`; so do nginx
(`gzip_static`, `brotli_static`) and other static hosts. Brotli needs the `brotli` package
from PyPI (installed on first use); without it only the .gz files are written, with a log
line. Compressing Pyodide's 10 MB wasm with brotli 11 takes about half a minute, so every
result is kept in .cache/compressed/ under the sha256 of its input: later builds reuse it.
"""
from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

from tools.project import CACHE_DIR, BuildError, log

COMPRESSIBLE_SUFFIXES = (".wasm", ".js", ".mjs", ".json", ".html", ".css", ".svg", ".txt",
                         ".md", ".map", ".zip", ".whl")
MIN_SIZE = 1024          # bytes; below this the headers outweigh the saving
MAX_RATIO = 0.9          # a variant larger than this fraction of the original is not kept
GZIP_LEVEL = 9
BROTLI_QUALITY = 11
BROTLI_WINDOW = 24      # the largest window: the 10 MB wasm and the stored wheels gain from it
BROTLI_REQUIREMENT = "brotli>=1.1"
COMPRESSED_CACHE = CACHE_DIR / "compressed"
# Codings, their file suffixes (tools/serve.py's ENCODING_SUFFIXES match these).
SUFFIXES = {"br": ".br", "gzip": ".gz"}


def brotli_module(install: bool = True):
    """The `brotli` module, pip-installed if missing (and install is True), or None."""
    try:
        import brotli
        return brotli
    except ImportError:
        pass
    if install:
        from tools.python_deps import pip_install
        log(f"compress: installing {BROTLI_REQUIREMENT}")
        try:
            pip_install(BROTLI_REQUIREMENT)
            import brotli
            return brotli
        except (BuildError, ImportError) as exc:
            log(f"compress: brotli is unavailable ({exc})")
    return None


def compressors(brotli=None) -> dict:
    """{coding: bytes -> bytes} for the codings available here."""
    out = {}
    if brotli is not None:
        out["br"] = lambda data: brotli.compress(data, quality=BROTLI_QUALITY, lgwin=BROTLI_WINDOW)
    out["gzip"] = lambda data: gzip.compress(data, GZIP_LEVEL, mtime=0)
    return out


def wants_compression(path: Path) -> bool:
    return (path.suffix.lower() in COMPRESSIBLE_SUFFIXES and path.is_file()
            and path.stat().st_size >= MIN_SIZE)


def compressed(data: bytes, coding: str, compress, cache_dir: Path) -> bytes | None:
    """compress(data), or None when it saves too little; cached by the input's sha256."""
    key = hashlib.sha256(data).hexdigest()
    hit, skip = cache_dir / f"{key}.{coding}", cache_dir / f"{key}.{coding}.skip"
    if hit.is_file():
        return hit.read_bytes()
    if skip.is_file():
        return None
    out = compress(data)
    cache_dir.mkdir(parents=True, exist_ok=True)
    if len(out) > MAX_RATIO * len(data):
        skip.touch()
        return None
    tmp = hit.with_name(hit.name + f".{os.getpid()}.part")
    tmp.write_bytes(out)
    tmp.replace(hit)
    return out


def compress_tree(root: Path, cache_dir: Path = COMPRESSED_CACHE, brotli="install") -> dict:
    """Write the .br and .gz variants beside every file under root that gains from them.

    brotli: the module, None (gzip only) or "install" (import it, pip-installing if missing).
    Returns {relative path: {"bytes": n, "br": n or None, "gzip": n or None}} for the files
    considered."""
    if brotli == "install":
        brotli = brotli_module()
    if brotli is None:
        log("compress: brotli is not available: writing .gz files only (pip install brotli "
            "for .br)")
    codings = compressors(brotli)
    summary = {}
    for path in sorted(p for p in Path(root).rglob("*") if wants_compression(p)):
        data = path.read_bytes()
        entry = {"bytes": len(data), "br": None, "gzip": None}
        for coding, compress in codings.items():
            out = compressed(data, coding, compress, cache_dir)
            if out is not None:
                path.with_name(path.name + SUFFIXES[coding]).write_bytes(out)
                entry[coding] = len(out)
        summary[path.relative_to(root).as_posix()] = entry
    kept = {c: sum(1 for e in summary.values() if e[c]) for c in codings}
    log("compress: " + ", ".join(f"{n} .{SUFFIXES[c][1:]} files" for c, n in kept.items())
        + f" beside {len(summary)} compressible files")
    return summary


def transfer_size(entry: dict, coding: str | None) -> int:
    """Bytes sent for one file of compress_tree's summary when the client accepts `coding`
    (br falls back to gzip, gzip to the file itself, as tools/serve.py chooses)."""
    order = {"br": ("br", "gzip"), "gzip": ("gzip",), None: ()}[coding]
    return next((entry[c] for c in order if entry.get(c)), entry["bytes"])
