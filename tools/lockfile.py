"""The pyodide-lock.json dist/ ships: the official lock plus pycore, pruned to what is shipped."""
from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

from tools.project import BuildError, sha256_file

# Packages of the official lock that dist/ ships (their dependencies come along):
# those pycore needs, loaded at start (openblas: the shared library pycore.blas calls
# through ctypes for its matrix products; Pyodide's numpy has no BLAS of its own),
SHIPPED_PACKAGES = ("numpy", "openblas")
# and those the worker loads only when needed (Pillow: files the browser cannot decode).
ON_DEMAND_PACKAGES = ("pillow",)
DIST_PACKAGES = SHIPPED_PACKAGES + ON_DEMAND_PACKAGES
OWN_PACKAGE = "pycore"
# What pycore's lock entry must depend on; anything else would be a missing wheel.
OWN_PACKAGE_DEPENDS = ["numpy"]


def canonical_name(name: str) -> str:
    """A distribution name as the lock keys it (PEP 503): `Foo_Bar.baz` -> `foo-bar-baz`."""
    return re.sub(r"[-_.]+", "-", name).lower()


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
    from pyodide_lock import PyodideLockSpec  # installed by python_deps.ensure_build_deps()
    from pyodide_lock.utils import add_wheels_to_spec

    spec = PyodideLockSpec.from_json(Path(official_lock))
    spec = add_wheels_to_spec(spec, [Path(own_wheel)], base_path=Path(pyodide_dir))
    name = canonical_name(own_wheel.name.split("-")[0])
    entry = spec.packages[name]
    if sorted(entry.depends) != sorted(OWN_PACKAGE_DEPENDS):
        raise BuildError(f"{own_wheel.name} depends on {entry.depends} in Pyodide; expected "
                         f"exactly {OWN_PACKAGE_DEPENDS}. Pyodide would need wheels that dist/ "
                         "does not ship: keep pycore's runtime dependencies to numpy "
                         "(put the rest in an extra), or ship them in tools/lockfile.py.")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_json = Path(tmp) / "lock.json"
        spec.to_json(tmp_json)
        lock = json.loads(tmp_json.read_text(encoding="utf-8"))
    return prune_lock(lock, [name, *roots])


def replace_files(lock: dict, files: dict) -> dict:
    """A copy of `lock` whose packages named in `files` ({lock key: Path}) point at those
    files instead (file_name and sha256): the build's bytecode-compiled wheels."""
    packages = dict(lock["packages"])
    for key, path in files.items():
        if key not in packages:
            raise BuildError(f"cannot replace {key!r}: it is not in the lock")
        packages[key] = {**packages[key], "file_name": Path(path).name,
                         "sha256": sha256_file(path)}
    return {**lock, "packages": packages}
