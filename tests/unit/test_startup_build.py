"""The start-up half of the build: precompressed files and how tools/serve.py negotiates
them, bytecode compilation (tools/compile.py), the lock's replaced files and the service
worker's manifest (tools/dist.py). Only 127.0.0.1 is used."""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tools import compile as bytecode
from tools import compress, dist, lockfile, project, serve

NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ----------------------------------------------------------------- Accept-Encoding


@pytest.mark.parametrize("header, available, chosen", [
    ("gzip, deflate, br, zstd", ["br", "gzip"], "br"),
    ("gzip, deflate", ["br", "gzip"], "gzip"),
    ("br;q=0.5, gzip", ["br", "gzip"], "gzip"),          # the higher q wins
    ("br;q=1.0, gzip;q=1.0", ["br", "gzip"], "br"),      # a tie goes to the preferred one
    ("br;q=0, gzip;q=0", ["br", "gzip"], None),          # q=0 refuses
    ("identity", ["br", "gzip"], None),
    ("", ["br", "gzip"], None),
    (None, ["br", "gzip"], None),
    ("*", ["br", "gzip"], "br"),
    ("gzip;q=0, *;q=0.3", ["br", "gzip"], "br"),         # * stands for the codings not named
    ("br", ["gzip"], None),                              # only what exists can be sent
    ("GZIP", ["gzip"], "gzip"),                          # codings are case-insensitive
    ("gzip;q=bogus, br", ["br", "gzip"], "br"),          # a bad q counts as 0
])
def test_choose_encoding(header, available, chosen):
    assert serve.choose_encoding(header, available) == chosen


def test_accepted_encodings_reads_q_values():
    assert serve.accepted_encodings("gzip, br;q=0.5 , *;q=0") == {"gzip": 1.0, "br": 0.5, "*": 0.0}


# ----------------------------------------------------------------- the server


@pytest.fixture
def site(tmp_path):
    """A folder with a .wasm that has .br and .gz beside it, and a .js that has neither."""
    wasm = b"\0asm" + bytes(range(256)) * 64
    (tmp_path / "pyodide").mkdir()
    (tmp_path / "pyodide" / "m.wasm").write_bytes(wasm)
    (tmp_path / "pyodide" / "m.wasm.br").write_bytes(b"brotli bytes")
    (tmp_path / "pyodide" / "m.wasm.gz").write_bytes(gzip.compress(wasm, mtime=0))
    (tmp_path / "plain.js").write_text("export const x = 1;\n")
    (tmp_path / "index.html").write_text("<!doctype html><title>x</title>\n")
    (tmp_path / "index.html.gz").write_bytes(gzip.compress(b"<!doctype html><title>x</title>\n"))
    log: list = []
    server, thread = serve.serve_in_thread(tmp_path, request_log=log)
    try:
        yield serve.server_url(server), log, wasm
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def get(url, method="GET", **headers):
    req = urllib.request.Request(url, method=method, headers=headers)
    try:
        with NO_PROXY.open(req, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def test_brotli_is_sent_when_accepted_with_the_originals_type(site):
    base, log, _ = site
    status, headers, body = get(base + "/pyodide/m.wasm", **{"Accept-Encoding": "gzip, br"})
    assert status == 200
    assert headers["Content-Encoding"] == "br"
    assert headers["Content-Type"] == "application/wasm"
    assert headers["Vary"] == "Accept-Encoding"
    assert headers["Content-Length"] == str(len(b"brotli bytes"))
    assert body == b"brotli bytes"
    assert headers["Cache-Control"] == "no-cache"
    assert log[-1] == ("GET", "/pyodide/m.wasm", 200, "br")


def test_gzip_when_brotli_is_not_accepted(site):
    base, _, wasm = site
    status, headers, body = get(base + "/pyodide/m.wasm", **{"Accept-Encoding": "gzip, deflate"})
    assert (status, headers["Content-Encoding"], headers["Content-Type"]) == (200, "gzip", "application/wasm")
    assert gzip.decompress(body) == wasm


def test_the_file_itself_when_no_coding_is_accepted(site):
    base, _, wasm = site
    status, headers, body = get(base + "/pyodide/m.wasm", **{"Accept-Encoding": "identity"})
    assert status == 200 and body == wasm
    assert "Content-Encoding" not in headers
    assert headers["Vary"] == "Accept-Encoding"  # a cache must still keep the codings apart


def test_a_file_without_variants_is_sent_as_it_is(site):
    base, _, _ = site
    status, headers, body = get(base + "/plain.js", **{"Accept-Encoding": "gzip, br"})
    assert status == 200 and body == b"export const x = 1;\n"
    assert "Content-Encoding" not in headers and "Vary" not in headers
    assert headers["Content-Type"] == "text/javascript; charset=utf-8"


def test_the_folder_index_is_negotiated_too(site):
    base, _, _ = site
    status, headers, body = get(base + "/", **{"Accept-Encoding": "gzip"})
    assert (status, headers["Content-Encoding"]) == (200, "gzip")
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert gzip.decompress(body).startswith(b"<!doctype html>")


def test_head_and_revalidation_follow_the_variant(site):
    base, _, _ = site
    status, headers, body = get(base + "/pyodide/m.wasm", method="HEAD", **{"Accept-Encoding": "br"})
    assert (status, headers["Content-Encoding"], body) == (200, "br", b"")
    assert headers["Content-Length"] == str(len(b"brotli bytes"))
    status, headers, _ = get(base + "/pyodide/m.wasm", **{"Accept-Encoding": "br",
                                                         "If-Modified-Since": headers["Last-Modified"]})
    assert status == 304
    assert "Content-Encoding" not in headers


def test_a_missing_file_is_404_without_a_coding(site):
    base, log, _ = site
    status, headers, _ = get(base + "/nope.wasm", **{"Accept-Encoding": "br"})
    assert status == 404 and "Content-Encoding" not in headers
    assert log[-1] == ("GET", "/nope.wasm", 404, None)


# ----------------------------------------------------------------- compress_tree


class CountingBrotli:
    """A stand-in for the brotli module: zlib under another name, counting its calls."""

    def __init__(self):
        self.calls = 0

    def compress(self, data, quality, lgwin):
        self.calls += 1
        return b"BR" + gzip.compress(data, mtime=0)


def test_compress_tree_writes_variants_that_decode_to_the_original(tmp_path):
    text = ("const a = 1;\n" * 400).encode()
    (tmp_path / "a.js").write_bytes(text)
    (tmp_path / "random.wasm").write_bytes(os.urandom(8000))    # incompressible
    (tmp_path / "tiny.css").write_bytes(b"body{}")              # below MIN_SIZE
    (tmp_path / "photo.jpg").write_bytes(text)                  # not a compressible type
    summary = compress.compress_tree(tmp_path, cache_dir=tmp_path / "cache", brotli=CountingBrotli())
    assert gzip.decompress((tmp_path / "a.js.gz").read_bytes()) == text
    assert (tmp_path / "a.js.br").read_bytes()[:2] == b"BR"
    assert not (tmp_path / "random.wasm.gz").exists() and not (tmp_path / "random.wasm.br").exists()
    assert not (tmp_path / "tiny.css.gz").exists() and not (tmp_path / "photo.jpg.gz").exists()
    assert set(summary) == {"a.js", "random.wasm"}
    assert summary["a.js"]["bytes"] == len(text)
    assert summary["a.js"]["gzip"] == (tmp_path / "a.js.gz").stat().st_size < len(text) * compress.MAX_RATIO
    assert summary["random.wasm"] == {"bytes": 8000, "br": None, "gzip": None}


def test_compress_tree_reuses_its_cache(tmp_path):
    site, cache = tmp_path / "site", tmp_path / "cache"
    site.mkdir()
    (site / "a.json").write_text(json.dumps(list(range(2000))))
    (site / "b.wasm").write_bytes(os.urandom(4000))
    first = CountingBrotli()
    compress.compress_tree(site, cache_dir=cache, brotli=first)
    assert first.calls == 2
    for p in site.glob("*.*.*"):
        p.unlink()
    again = CountingBrotli()
    summary = compress.compress_tree(site, cache_dir=cache, brotli=again)
    assert again.calls == 0                   # a kept result and a "not worth it" both cached
    assert (site / "a.json.br").is_file() and not (site / "b.wasm.br").exists()
    assert summary["a.json"]["br"] == (site / "a.json.br").stat().st_size


def test_without_brotli_only_gzip_is_written(tmp_path, capsys):
    (tmp_path / "a.js").write_bytes(b"let x = 0;\n" * 500)
    summary = compress.compress_tree(tmp_path, cache_dir=tmp_path / "cache", brotli=None)
    assert (tmp_path / "a.js.gz").is_file() and not (tmp_path / "a.js.br").exists()
    assert summary["a.js"]["br"] is None
    assert "brotli is not available" in capsys.readouterr().out


def test_transfer_size_follows_the_servers_choice():
    entry = {"bytes": 100, "br": 30, "gzip": 40}
    assert [compress.transfer_size(entry, c) for c in ("br", "gzip", None)] == [30, 40, 100]
    assert compress.transfer_size({"bytes": 100, "br": None, "gzip": 40}, "br") == 40
    assert compress.transfer_size({"bytes": 100, "br": None, "gzip": None}, "br") == 100


def test_the_real_brotli_round_trips(tmp_path):
    brotli = pytest.importorskip("brotli")
    data = b"".join(b"row %d of a table\n" % i for i in range(3000))
    (tmp_path / "t.txt").write_bytes(data)
    compress.compress_tree(tmp_path, cache_dir=tmp_path / "cache", brotli=brotli)
    assert brotli.decompress((tmp_path / "t.txt.br").read_bytes()) == data


# ----------------------------------------------------------------- bytecode


def make_wheel(path: Path, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return path


def test_no_python_312_means_no_bytecode_and_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(bytecode, "find_python", lambda minor="3.12": None)
    assert bytecode.ensure_compiler("3.12.7", venv_dir=tmp_path / "venv") is None
    out = capsys.readouterr().out
    assert "compile: skipped: no Python 3.12 found" in out and "without bytecode" in out
    assert not (tmp_path / "venv").exists()


def test_another_pyodide_python_is_not_compiled_for(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(bytecode, "find_python", lambda minor="3.12": pytest.fail("looked"))
    assert bytecode.ensure_compiler("3.13.2", venv_dir=tmp_path / "venv") is None
    assert "Pyodide's Python is 3.13.2" in capsys.readouterr().out


def test_python_candidates_reads_the_environment_first(monkeypatch, tmp_path):
    monkeypatch.setenv("PYTHON312", "/opt/py/bin/python3.12")
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    fake = tmp_path / "versions" / "3.12.4" / "bin" / "python3.12"
    fake.parent.mkdir(parents=True)
    fake.touch()
    cands = bytecode.python_candidates()
    assert cands[0] == "/opt/py/bin/python3.12"
    assert str(fake) in cands


def test_ship_without_a_compiler_copies_the_original(tmp_path):
    src = make_wheel(tmp_path / "demo-1.0-py3-none-any.whl", {"demo/__init__.py": "x = 1\n"})
    out = tmp_path / "out"
    out.mkdir()
    record = {}
    shipped = dist.ship_compiled(None, src, out, record)
    assert shipped.read_bytes() == src.read_bytes()
    assert record == {"file_name": src.name, "sha256": project.sha256_file(src),
                      "size": src.stat().st_size}


def compiler_or_skip():
    cli = bytecode.venv_cli()
    if not cli.is_file():
        pytest.skip("pyodide-build is not installed in .cache/ (the build installs it when a "
                    "Python 3.12 exists)")
    return cli


def test_compile_archive_replaces_sources_by_bytecode(tmp_path):
    cli = compiler_or_skip()
    src = make_wheel(tmp_path / "demo-1.0-py3-none-any.whl", {
        "demo/__init__.py": "VALUE = 6 * 7\n", "demo/data.txt": "kept\n",
        "demo-1.0.dist-info/METADATA": "Name: demo\nVersion: 1.0\n"})
    out = bytecode.compile_archive(cli, src, cache_dir=tmp_path / "cache")
    assert out.name == "demo-1.0-cp312-none-any.whl"
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        assert "demo/__init__.pyc" in names and "demo/__init__.py" not in names
        assert zf.read("demo/data.txt") == b"kept\n"
        assert {i.compress_type for i in zf.infolist()} == {zipfile.ZIP_STORED}
        pyc = zf.read("demo/__init__.pyc")
    assert pyc[:4] == (3531).to_bytes(2, "little") + b"\r\n"  # CPython 3.12's magic number
    # The bytecode runs in Python 3.12 and means what the source said.
    (tmp_path / "m.pyc").write_bytes(pyc)
    run = subprocess.run([str(bytecode.VENV_DIR / "bin" / "python"), "-c",
                          "import marshal, sys; ns = {}; "
                          "exec(marshal.loads(open(sys.argv[1], 'rb').read()[16:]), ns); "
                          "print(ns['VALUE'])", str(tmp_path / "m.pyc")],
                         capture_output=True, text=True, timeout=60)
    assert run.stdout.strip() == "42", run.stderr
    # cached by the input's sha256: the same file again without running anything
    again = bytecode.compile_archive(Path("/nonexistent/pyodide"), src, cache_dir=tmp_path / "cache")
    assert again == out


# ----------------------------------------------------------------- lock and manifest


def test_replace_files_points_the_lock_at_the_shipped_files(tmp_path):
    compiled = tmp_path / "demo-1.0-cp312-none-any.whl"
    compiled.write_bytes(b"compiled wheel")
    lock = {"info": {"version": "0.27.7"}, "packages": {
        "demo": {"name": "demo", "file_name": "demo-1.0-py3-none-any.whl", "sha256": "0" * 64,
                 "depends": ["numpy"]},
        "numpy": {"name": "numpy", "file_name": "numpy.whl", "sha256": "1" * 64, "depends": []}}}
    out = lockfile.replace_files(lock, {"demo": compiled})
    assert out["packages"]["demo"] == {"name": "demo", "file_name": compiled.name,
                                       "sha256": sha(b"compiled wheel"), "depends": ["numpy"]}
    assert out["packages"]["numpy"] == lock["packages"]["numpy"]
    assert lock["packages"]["demo"]["sha256"] == "0" * 64  # the input is not changed
    with pytest.raises(project.BuildError, match="'scipy'"):
        lockfile.replace_files(lock, {"scipy": compiled})


def test_offline_manifest_lists_what_is_shipped_and_versions_it(tmp_path):
    (tmp_path / "js").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html>")
    (tmp_path / "js" / "main.js").write_text("1")
    (tmp_path / "js" / "main.js.br").write_bytes(b"br")
    (tmp_path / "js" / "main.js.gz").write_bytes(b"gz")
    (tmp_path / "sw.js").write_text("// the worker")
    (tmp_path / "build-info.json").write_text("{}")
    first = dist.write_offline_manifest(tmp_path)
    assert first["files"] == {"index.html": sha(b"<!doctype html>"), "js/main.js": sha(b"1")}
    on_disk = json.loads((tmp_path / dist.MANIFEST_NAME).read_text())
    assert on_disk == first
    assert dist.write_offline_manifest(tmp_path)["version"] == first["version"]  # stable
    (tmp_path / "js" / "main.js").write_text("2")
    assert dist.write_offline_manifest(tmp_path)["version"] != first["version"]


# ----------------------------------------------------------------- the built site


def built_info() -> dict:
    path = project.DIST_DIR / "build-info.json"
    if not path.is_file():
        pytest.skip("dist/ is not built")
    return json.loads(path.read_text())


def test_built_lock_names_the_shipped_files_and_their_originals_were_official():
    info = built_info()
    lock = json.loads((project.DIST_DIR / "pyodide" / "pyodide-lock.json").read_text())
    official = json.loads((project.NODE_MODULES / "pyodide" / "pyodide-lock.json").read_text())
    by_file = {p["file_name"]: p for p in lock["packages"].values()}
    for wheel in info["wheels"]:
        entry = by_file[wheel["file_name"]]
        assert entry["sha256"] == wheel["sha256"] == project.sha256_file(
            project.DIST_DIR / "pyodide" / wheel["file_name"])
        original = wheel.get("compiled_from")
        if info["bytecode"] and dist.has_python_sources(project.DIST_DIR / "pyodide" / wheel["file_name"]):
            assert original, f"{wheel['file_name']} has Python sources but was not compiled"
        if original:
            assert not dist.has_python_sources(project.DIST_DIR / "pyodide" / wheel["file_name"])
        if original and wheel["source"] != "built":
            key = lockfile.canonical_name(wheel["name"])
            assert original["sha256"] == official["packages"][key]["sha256"]
            assert original["file_name"] == official["packages"][key]["file_name"]


def test_built_site_has_a_manifest_matching_its_files():
    built_info()
    manifest = json.loads((project.DIST_DIR / dist.MANIFEST_NAME).read_text())
    assert "pyodide/pyodide.asm.wasm" in manifest["files"] and "index.html" in manifest["files"]
    for rel, digest in manifest["files"].items():
        assert project.sha256_file(project.DIST_DIR / rel) == digest, rel
    assert (project.DIST_DIR / "sw.js").is_file()


# ----------------------------------------------------------------- the bench's start-up figures


def test_startup_stages_on_the_page_clock():
    from tools.bench.browser import startup_stages
    worker = {"timeOrigin": 1000.0 + 600.0, "measures": [  # the worker started 600 ms in
        {"name": "runtime", "start": 150.0, "duration": 1200.0},
        {"name": "packages", "start": 1400.0, "duration": 500.0},
        {"name": "import numpy", "start": 1900.0, "duration": 200.0},
        {"name": "import pycore.page", "start": 2100.0, "duration": 100.0}]}
    stages = startup_stages(1000.0, ready_ms=3100.0, worker=worker)
    assert stages == {"page": 600.0, "worker start": 150.0, "runtime": 1200.0, "packages": 500.0,
                      "import numpy": 200.0, "import pycore.page": 100.0,
                      "options and first draw": 3100.0 - (600.0 + 2200.0)}
    assert startup_stages(1000.0, 3100.0, None) == {}


def test_report_shows_stages_bytes_by_coding_and_the_speed_targets():
    from tools.bench import report
    startup = {"cold_ms": 4000.0, "warm_ms": 1500.0, "warm_over_cold": 0.375,
               "cold_bytes": 8_500_000, "cold_body_bytes_by_coding": {"br": 8_000_000, "none": 400_000},
               "cold_stages_ms": {"runtime": 2000.0, "packages": 600.0},
               "warm_stages_ms": {"runtime": 700.0, "packages": 300.0}}
    targets = report.evaluate_targets([], startup, {}) + report.speed_targets([], startup, {})
    by_fig = {t["figure"].removeprefix(report.SPEED): t for t in targets if t["figure"].startswith(report.SPEED)}
    assert by_fig["warm start / cold start"]["met"] is True           # 0.375 <= 0.5
    assert by_fig["bytes transferred, cold start"]["met"] is True     # 8.5 MB <= 9 MB
    rows = {r[0]: r for r in report.table_rows({"cases": [], "startup": startup, "targets": targets})}
    assert rows["start-up stage: runtime (cold; warm in peers)"][1:5] == ["2000", "-", "-", "warm 700"]
    assert rows["start-up stage: packages (cold; warm in peers)"][4] == "warm 300"
    assert rows["page warm start to ready (service worker cache)"][3] == "0.38 of cold"
    assert "br 8.0 MB" in rows["bytes transferred, cold start"][4]
    assert "none 0.4 MB" in rows["bytes transferred, cold start"][4]
    worse = {**startup, "warm_ms": 2800.0, "cold_bytes": 9_500_000}
    met = {t["figure"].removeprefix(report.SPEED): t["met"] for t in report.speed_targets([], worse, {})}
    assert met["warm start / cold start"] is False and met["bytes transferred, cold start"] is False
