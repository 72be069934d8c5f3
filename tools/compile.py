"""Bytecode ahead of time: the wheels and the stdlib the page imports, with .pyc files.

None of Pyodide's python_stdlib.zip, numpy's wheel or pycore's wheel holds bytecode, so every
page start compiled their modules in WebAssembly. pyodide-build's `pyodide py-compile`
replaces each .py of a wheel or zip by its .pyc (a wheel tagged py3-none-any becomes
cp312-none-any). It runs on CPython 3.12, Pyodide 0.27.7's Python: bytecode is specific to a
minor version, and the build checks that the two agree.

pyodide-build is pip-installed into a 3.12 virtual environment under .cache/ on first use;
the 3.12 interpreter is $PYTHON312, `python3.12` on PATH or one under pyenv. When none
exists (or the install fails) the build says so in one line and ships the files as they
are, exactly as it did before this step. The originals are always verified against the
official lock first (tools/wheels.py); a compiled file gets its own name and sha256 in the
shipped lock, and build-info.json names the original it was compiled from.

The compiled archives are written with ZIP_STORED (no deflate): Pyodide then unpacks them
without inflating in WebAssembly, and the build's brotli/gzip copies (tools/compress.py)
compress the stored archive better than per-file deflate does. Results are cached in
.cache/compiled/ under the sha256 of the input, so a rebuild only compiles pycore.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tools.project import CACHE_DIR, BuildError, log, run, sha256_file

PYTHON_MINOR = "3.12"  # Pyodide 0.27.7's Python is 3.12.7
PYODIDE_BUILD_REQUIREMENT = "pyodide-build==0.39.2"
VENV_DIR = CACHE_DIR / "pyodide-build-venv"
COMPILED_CACHE = CACHE_DIR / "compiled"
ZIP_COMPRESSION_LEVEL = 0  # stored; see the module's docstring
# Fixed timestamps make py_compile write hash-based .pyc files (no source mtime in them).
SOURCE_DATE_EPOCH = "315532800"  # 1980-01-01, the earliest date a zip entry can carry


def python_minor(exe: str | Path) -> str | None:
    """`3.12` for a Python 3.12 executable, None if it does not run."""
    try:
        proc = subprocess.run([str(exe), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def python_candidates(minor: str = PYTHON_MINOR) -> list[str]:
    """Where a CPython `minor` may be: $PYTHON312, python3.12 on PATH, pyenv's versions."""
    found = [os.environ.get("PYTHON" + minor.replace(".", ""), ""), shutil.which(f"python{minor}") or ""]
    pyenv_root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found += sorted(glob.glob(os.path.join(pyenv_root, "versions", f"{minor}.*", "bin", f"python{minor}")),
                    reverse=True)
    return [c for c in found if c]


def find_python(minor: str = PYTHON_MINOR) -> str | None:
    return next((c for c in python_candidates(minor) if python_minor(c) == minor), None)


def venv_cli(venv_dir: Path = VENV_DIR) -> Path:
    return venv_dir / "bin" / "pyodide"


def ensure_compiler(pyodide_python: str, venv_dir: Path = VENV_DIR) -> Path | None:
    """The `pyodide` command of pyodide-build in a Python 3.12 venv (made on first use), or
    None, with one log line saying why the build goes on without bytecode."""
    minor = ".".join(pyodide_python.split(".")[:2])
    if minor != PYTHON_MINOR:
        log(f"compile: skipped: Pyodide's Python is {pyodide_python}, this step compiles for "
            f"{PYTHON_MINOR}; shipping the wheels and the stdlib without bytecode")
        return None
    cli = venv_cli(venv_dir)
    if cli.is_file() and python_minor(venv_dir / "bin" / "python") == minor:
        return cli
    exe = find_python(minor)
    if exe is None:
        log(f"compile: skipped: no Python {minor} found ($PYTHON312, python{minor} on PATH, "
            f"pyenv); shipping the wheels and the stdlib without bytecode")
        return None
    log(f"compile: installing {PYODIDE_BUILD_REQUIREMENT} into {venv_dir.name} (Python {minor}, once)")
    shutil.rmtree(venv_dir, ignore_errors=True)
    ok = (run([exe, "-m", "venv", venv_dir]).returncode == 0
          and run([venv_dir / "bin" / "python", "-m", "pip", "install", "-q",
                   "--disable-pip-version-check", PYODIDE_BUILD_REQUIREMENT]).returncode == 0
          and cli.is_file())
    if not ok:
        shutil.rmtree(venv_dir, ignore_errors=True)
        log("compile: skipped: pyodide-build could not be installed (see above); shipping the "
            "wheels and the stdlib without bytecode")
        return None
    return cli


def compile_archive(cli: Path, src: Path, cache_dir: Path = COMPILED_CACHE) -> Path:
    """The bytecode-compiled copy of the wheel or zip `src` (cached by src's sha256)."""
    out_dir = cache_dir / sha256_file(src)
    done = sorted(out_dir.glob("*")) if out_dir.is_dir() else []
    if len(done) == 1:
        return done[0]
    with tempfile.TemporaryDirectory(prefix="py-compile-") as tmp:
        work = Path(tmp) / src.name
        shutil.copy2(src, work)
        env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
        proc = run([cli, "py-compile", "--silent", "--no-keep", "--compression-level",
                    str(ZIP_COMPRESSION_LEVEL), work], env=env, capture_output=True, text=True)
        made = [p for p in Path(tmp).iterdir() if p.suffix in (".whl", ".zip")]
        if proc.returncode != 0 or len(made) != 1:
            raise BuildError(f"pyodide py-compile {src.name} failed:\n{proc.stdout}{proc.stderr}")
        shutil.rmtree(out_dir, ignore_errors=True)
        out_dir.mkdir(parents=True)
        dest = out_dir / made[0].name
        shutil.move(str(made[0]), dest)
    return dest
