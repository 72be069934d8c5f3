"""Issue 11, items 1, 2 and 8: overflow counted and reported, out of memory as a plain
message, `build.py serve` on a taken port, and Pillow shipped in dist/'s lock."""

import json
import socket
import warnings

import numpy as np
import pytest
from PIL import Image

from pycore import image as img
from pycore import page
from pycore.cli import main
from tools import cli as build_cli
from tools import dist, lockfile, project, serve

IMAGE = np.random.default_rng(1).random((3, 20, 24)).astype(np.float32)


def kernel(name, value, side):
    return {"name": name, "rows": side, "cols": side, "values": [value] * (side * side)}


def loop_nonfinite(a):
    """Counted cell by cell: the twin of pycore.image.nonfinite's numbers."""
    pos = neg = nan = 0
    for v in np.asarray(a, dtype=np.float64).ravel():
        if v != v:
            nan += 1
        elif v == float("inf"):
            pos += 1
        elif v == float("-inf"):
            neg += 1
    return pos, neg, nan


def loop_range(a):
    finite = [float(v) for v in np.asarray(a).ravel() if np.isfinite(v)]
    return [min(finite), max(finite)] if finite else [None, None]


def check_stats(entry, a):
    pos, neg, nan = loop_nonfinite(a)
    nf = entry["nonfinite"]
    assert (nf["posinf"], nf["neginf"], nf["nan"]) == (pos, neg, nan)
    assert nf["any"] is bool(pos + neg + nan)
    lo, hi = loop_range(a)  # of the float32 array sent; the meta's may come from float64
    assert (entry["vmin"] is None) == (lo is None) and (entry["vmax"] is None) == (hi is None)
    if lo is not None:
        assert entry["vmin"] == pytest.approx(lo, rel=1e-6) and entry["vmax"] == pytest.approx(hi, rel=1e-6)
    if nf["any"]:
        assert "overflowed" in nf["text"]
    else:
        assert nf["text"] is None


@pytest.mark.parametrize("activation", ["none", "relu", "tanh"])
def test_convolve_counts_overflow_in_maps_and_pooled_maps(activation):
    params = {"kernels": [kernel("huge cell", 1e308, 1), kernel("11x11 of 1e38", 1e38, 11),
                          kernel("negative", -1e38, 11), {"name": "edge", "rows": 3, "cols": 3,
                                                          "values": [0, 1, 0, 1, -4, 1, 0, 1, 0]}],
              "activation": activation, "pool": {"type": "max", "kernel_size": 2}}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy warning may escape the call
        res = page.call("convolve", IMAGE, params)
    maps, pooled = res["meta"]["maps"], res["meta"]["pooled"]
    for entry in maps + pooled:
        check_stats(entry, res["arrays"][entry["array"]])
    huge = maps[0]
    if activation == "tanh":  # tanh(inf) = 1: nothing overflows after the activation
        assert not huge["nonfinite"]["any"] and huge["vmax"] == 1.0
    else:
        assert huge["nonfinite"]["posinf"] == 20 * 24 and huge["vmin"] is None
        assert huge["nonfinite"]["text"].startswith("all 480 cells are +∞")
        assert pooled[0]["nonfinite"]["posinf"] == 10 * 12
    assert maps[1]["nonfinite"]["posinf"] > 0 or activation == "tanh"
    if activation == "none":
        assert maps[2]["nonfinite"]["neginf"] > 0 and maps[2]["vmin"] is None
    assert not maps[3]["nonfinite"]["any"] and maps[3]["vmin"] is not None
    json.dumps(res["meta"], allow_nan=False)  # the meta is plain JSON (no inf in it)


def test_nonfinite_counts_mixed_cells_and_says_how_many():
    a = np.array([[1.0, np.inf, -np.inf], [np.nan, 2.0, np.inf]], dtype=np.float32)
    stats = img.map_stats(a)
    assert stats["vmin"] == 1.0 and stats["vmax"] == 2.0
    assert stats["nonfinite"] == {"any": True, "posinf": 2, "neginf": 1, "nan": 1,
                                  "text": "4 of 6 cells are not finite (2 +∞, 1 −∞, 1 NaN): the values overflowed "
                                          "(too large for 32-bit floats)"}
    assert img.map_stats(np.arange(4))["nonfinite"]["any"] is False


def test_explorers_and_builder_carry_the_same_counts():
    rf = page.call("rgb_filter", IMAGE, {"source": "image", "preset": "notebook"})
    assert set(rf["meta"]["nonfinite"]) == set(rf["meta"]["ranges"]) == {"output", "partial", "filter"}
    for name, nf in rf["meta"]["nonfinite"].items():
        lo, hi = rf["meta"]["ranges"][name]
        check_stats({"nonfinite": nf, "vmin": lo, "vmax": hi}, rf["arrays"][name])
    spec = {"spec": [{"type": "conv2d", "filters": 2}, {"type": "flatten"}, {"type": "dense", "units": 3}],
            "input": {"color": "gray", "height": 8, "width": 8}}
    run = page.call("network_run", IMAGE, spec)["meta"]
    assert run["input"]["nonfinite"] == {"any": False, "posinf": 0, "neginf": 0, "nan": 0, "text": None}
    for layer in run["layers"]:
        assert {"vmin", "vmax", "nonfinite"} <= set(layer)


def test_cli_apply_says_nothing_of_overflow_for_finite_maps(tmp_path, capsys):
    path = tmp_path / "photo.png"
    Image.fromarray(np.random.default_rng(0).integers(1, 256, (12, 14, 3), dtype=np.uint8)).save(path)
    assert main(["apply", str(path), "-k", "laplacian", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "overflowed" not in out and "range " in out and "range none" not in out


def test_cli_reports_overflow_per_map(tmp_path, capsys, monkeypatch):
    """A kernel cell of 1e308 (as typed on the page) through pycore apply: every cell +inf."""
    from pycore import cli

    path = tmp_path / "photo.png"
    Image.fromarray(np.random.default_rng(0).integers(1, 256, (12, 14, 3), dtype=np.uint8)).save(path)
    real = cli.get_kernel

    def huge(name, size=None, seed=0):
        if name == "identity":
            return np.full((1, 1), 1e308)
        if name == "box":
            return np.full((11, 11), 1e38)
        return real(name, size, seed=seed)

    monkeypatch.setattr(cli, "get_kernel", huge)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert main(["apply", str(path), "-k", "identity", "-k", "box", "--activation", "none",
                     "--out", str(tmp_path / "o")]) == 0
    lines = capsys.readouterr().out.splitlines()
    ident = next(line for line in lines if line.startswith("01_identity.png"))
    assert "range none (no finite value); all 168 cells are +∞: the values overflowed" in ident
    box = next(line for line in lines if line.startswith("02_box.png"))
    assert "shape (2, 4)" in box and "+∞" in box and "overflowed" in box
    with Image.open(tmp_path / "o" / "01_identity.png") as png:
        assert np.all(np.asarray(png) == 255)  # +inf drawn white


def test_a_memory_error_becomes_a_plain_message_naming_what_to_shrink(monkeypatch):
    def out_of_memory(image, params):
        np.empty((1 << 62,), dtype=np.uint8)  # numpy's _ArrayMemoryError, a MemoryError

    for fn, words in [("convolve", "fewer filters"), ("network_run", "smaller network"),
                      ("decode_file", "smaller image file")]:
        monkeypatch.setitem(page.CALLS, fn, out_of_memory)
        with pytest.raises(ValueError) as e:
            page.call(fn, IMAGE, {})
        message = str(e.value)
        assert message.startswith(f"Out of memory in {fn}:") and words in message
        assert "working size" in message and "Traceback" not in message and "MiB" not in message


def test_prepare_image_out_of_memory_is_a_plain_message(monkeypatch):
    def boom(*args, **kw):
        raise MemoryError

    monkeypatch.setattr(img, "from_rgba", boom)
    with pytest.raises(ValueError, match="Out of memory in prepare_image: .*smaller working size"):
        page.prepare_image(bytes(16), 2, 2)


# ------------------------------------------------------------------ build.py serve


@pytest.fixture
def taken_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    yield s.getsockname()[1]
    s.close()


def test_serve_on_a_taken_port_is_a_build_error_naming_port(tmp_path, taken_port):
    with pytest.raises(project.BuildError, match=rf"port {taken_port} on 127.0.0.1 is already in use; .*--port"):
        serve.serve_forever(tmp_path, "127.0.0.1", taken_port)


def test_build_py_serve_on_a_taken_port_prints_one_line_and_fails(tmp_path, taken_port, capsys, monkeypatch):
    monkeypatch.setattr(dist, "build", lambda: {})
    monkeypatch.setattr(build_cli, "DIST_DIR", tmp_path)
    status = build_cli.main(["serve", "--port", str(taken_port)])
    captured = capsys.readouterr()
    assert status != 0
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "--port" in lines[0] and str(taken_port) in lines[0]
    assert "Traceback" not in captured.err + captured.out


# ------------------------------------------------------------------ Pillow in dist/


def test_pillow_is_shipped_on_demand_with_its_dependencies_in_the_lock():
    lock_path = project.NODE_MODULES / "pyodide" / "pyodide-lock.json"
    if not lock_path.is_file():
        pytest.skip("node_modules/pyodide is not installed (run python3 build.py)")
    official = json.loads(lock_path.read_text())
    closure = lockfile.dependency_closure(official["packages"], lockfile.DIST_PACKAGES)
    assert closure[:3] == ["numpy", "openblas", "pillow"]
    pillow = official["packages"]["pillow"]
    assert pillow["file_name"] == "pillow-10.2.0-cp312-cp312-pyodide_2024_0_wasm32.whl"
    pruned = lockfile.prune_lock(official, [*lockfile.SHIPPED_PACKAGES, *lockfile.ON_DEMAND_PACKAGES])
    assert set(closure) == set(pruned["packages"])
    for pkg in pruned["packages"].values():
        assert set(pkg["depends"]) <= set(pruned["packages"])
