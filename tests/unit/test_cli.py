"""Tests of the command line (pycore.cli), mostly through main([...]) with capsys."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pycore.cli import main
from pycore.kernels import kernel_names

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def photo(tmp_path):
    """A 6x5 RGB PNG with distinct pixels; returns (path, gray (6, 5) float)."""
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, size=(6, 5, 3), dtype=np.uint8)
    path = tmp_path / "photo.png"
    Image.fromarray(rgb).save(path)
    return path, rgb.astype(np.float64).mean(axis=2)


def scaled(a):
    """The documented PNG scaling: min-max to 0..255, rounded."""
    return np.rint((a - a.min()) * 255.0 / (a.max() - a.min())).astype(np.uint8)


def read_png(path):
    with Image.open(path) as img:
        assert img.mode == "L"
        return np.asarray(img)


def one_error_line(capsys):
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("pycore: error: ")
    assert "Traceback" not in captured.err + captured.out
    return lines[0]


# ------------------------------------------------------------------------- apply

def test_apply_writes_one_png_per_kernel_with_expected_values(photo, tmp_path, capsys):
    path, gray = photo
    out = tmp_path / "maps"
    assert main(["apply", str(path), "-k", "identity", "-k", "box", "--activation", "none",
                 "--pixel-scale", "255", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["01_identity.png", "02_box.png"]
    ident = read_png(out / "01_identity.png")
    assert ident.shape == (4, 3)                                   # valid 3x3: 6-2, 5-2
    np.testing.assert_array_equal(ident, scaled(gray[1:-1, 1:-1]))
    box = np.array([[gray[i:i + 3, j:j + 3].mean() for j in range(3)] for i in range(4)])
    # float rounding may move a value sitting on .5 by one level
    assert np.abs(read_png(out / "02_box.png").astype(int) - scaled(box)).max() <= 1
    stdout = capsys.readouterr().out
    assert "01_identity.png" in stdout and "(4, 3)" in stdout
    c = gray[1:-1, 1:-1]
    assert f"{c.min():.4g} .. {c.max():.4g}" in stdout               # the range before scaling


def test_apply_defaults_are_the_notebook_filters_with_relu(photo, tmp_path, capsys):
    path, gray = photo
    assert main(["apply", str(path), "--pixel-scale", "255", "--out", str(tmp_path / "o")]) == 0
    names = sorted(p.name for p in (tmp_path / "o").iterdir())
    assert names == ["01_edge.png", "02_sharpen.png", "03_blur.png"]
    edge = np.array([[2, 4, -2], [4, 0, -4], [2, -4, -2]], dtype=float)
    expected = np.maximum(np.array([[np.sum(gray[i:i + 3, j:j + 3] * edge) for j in range(3)]
                                    for i in range(4)]), 0)
    stdout = capsys.readouterr().out
    assert f"edge shape (4, 3) range {expected.min():.4g} .. {expected.max():.4g}" in stdout


def test_apply_padding_stride_pool_and_rgb(photo, tmp_path, capsys):
    path, gray = photo
    out = tmp_path / "o"
    assert main(["apply", str(path), "-k", "identity", "--padding", "same", "--activation",
                 "none", "--pool", "max:2", "--out", str(out)]) == 0
    pooled = gray[:6, :4].reshape(3, 2, 2, 2).max(axis=(1, 3))    # 6x5 -> 3x2 (floor)
    np.testing.assert_array_equal(read_png(out / "01_identity.png"), scaled(pooled))
    assert main(["apply", str(path), "-k", "identity", "--stride", "2", "--padding", "1",
                 "--padding-mode", "replicate", "--out", str(out)]) == 0
    assert read_png(out / "01_identity.png").shape == (3, 3)
    capsys.readouterr()
    assert main(["apply", str(path), "-k", "identity", "--rgb", "--padding", "same",
                 "--activation", "none", "--pixel-scale", "255", "--out", str(out)]) == 0
    stdout = capsys.readouterr().out
    # the same kernel on each channel, summed: three times the gray value
    assert "rgb (3, 6, 5)" in stdout
    assert f"range {3 * gray.min():.4g} .. {3 * gray.max():.4g}" in stdout


def test_apply_by_default_prints_the_ranges_the_page_shows(photo, tmp_path, capsys):
    """Default pixel scale 0..1: the same numbers as pycore.page, which the page runs."""
    from PIL import Image

    from pycore import page

    path, _ = photo
    assert main(["apply", str(path), "-k", "edge", "--out", str(tmp_path / "o")]) == 0
    rgb = np.asarray(Image.open(path).convert("RGB"))
    rgba = np.concatenate([rgb, np.full(rgb.shape[:2] + (1,), 255, np.uint8)], axis=-1)
    image = page.prepare_image(rgba.tobytes(), *rgb.shape[:2])
    k = np.array([[2, 4, -2], [4, 0, -4], [2, -4, -2]], dtype=float)
    m = page.call("convolve", image, {"kernels": [{"name": "edge", "rows": 3, "cols": 3, "values": k.ravel()}],
                                      "pool": {"type": "none"}})["meta"]["maps"][0]
    assert f"range {m['vmin']:.4g} .. {m['vmax']:.4g}" in capsys.readouterr().out


def test_apply_constant_map_is_mid_gray(tmp_path):
    path = tmp_path / "flat.png"
    Image.fromarray(np.full((5, 5, 3), 90, dtype=np.uint8)).save(path)
    assert main(["apply", str(path), "-k", "identity", "--out", str(tmp_path)]) == 0
    assert np.all(read_png(tmp_path / "01_identity.png") == 128)


def test_apply_honours_exif_orientation(tmp_path):
    path = tmp_path / "rotated.png"
    exif = Image.Exif()
    exif[0x0112] = 6                          # "rotate 90 CW to display"
    Image.fromarray(np.zeros((2, 3, 3), dtype=np.uint8)).save(path, exif=exif)
    assert main(["apply", str(path), "-k", "identity", "--padding", "same",
                 "--out", str(tmp_path / "o")]) == 0
    assert read_png(tmp_path / "o" / "01_identity.png").shape == (3, 2)


def test_apply_random_kernel_is_reproducible(photo, tmp_path):
    path, _ = photo
    for out in ("a", "b"):
        assert main(["apply", str(path), "-k", "random:2", "--activation", "none",
                     "--seed", "5", "--out", str(tmp_path / out)]) == 0
    a, b = (read_png(tmp_path / d / "01_random2.png") for d in ("a", "b"))
    assert a.shape == (5, 4)
    np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------------ errors

def test_missing_file(tmp_path, capsys):
    assert main(["apply", str(tmp_path / "nope.png"), "--out", str(tmp_path)]) == 1
    line = one_error_line(capsys)
    assert "nope.png" in line and "No such file" in line


def test_corrupt_file(tmp_path, capsys):
    path = tmp_path / "bad.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    assert main(["apply", str(path), "--out", str(tmp_path)]) == 1
    assert "bad.png" in one_error_line(capsys)
    text = tmp_path / "notes.jpg"
    text.write_text("hello")
    assert main(["apply", str(text), "--out", str(tmp_path)]) == 1
    assert "not an image" in one_error_line(capsys)


@pytest.mark.parametrize("argv,needle", [
    (["--stride", "0"], "--stride"),
    (["--dilation", "-1"], "--dilation"),
    (["-k", "nope"], "unknown kernel 'nope'"),
    (["-k", "gaussian:4"], "odd size"),
    (["--padding", "full"], "--padding"),
    (["--pool", "min:2"], "--pool"),
    (["--padding", "same", "--stride", "2"], "stride 1"),
    (["--activation", "gelu"], "--activation"),
])
def test_bad_arguments_are_usage_errors(photo, tmp_path, capsys, argv, needle):
    path, _ = photo
    assert main(["apply", str(path), "--out", str(tmp_path / "o"), *argv]) == 2
    assert needle in one_error_line(capsys)
    assert not (tmp_path / "o").exists()                 # nothing written


def test_kernel_larger_than_image(photo, tmp_path, capsys):
    path, _ = photo
    assert main(["apply", str(path), "-k", "box:9", "--out", str(tmp_path)]) == 1
    assert "box9" in one_error_line(capsys)


def test_missing_pillow_suggests_the_extra(photo, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)          # makes `import PIL` fail
    path, _ = photo
    assert main(["apply", str(path), "--out", str(tmp_path)]) == 1
    assert "pip install 'pycore[cli]'" in one_error_line(capsys)


def test_no_command_and_unknown_command(capsys):
    assert main([]) == 2
    one_error_line(capsys)
    assert main(["frobnicate"]) == 2
    assert "frobnicate" in one_error_line(capsys)


# ------------------------------------------------------------------ trace, kernels

def test_trace_json_has_seed_shapes_and_totals(capsys):
    assert main(["trace", "--preset", "seed", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["input_shape"] == [3, 352, 480]
    shapes = [r["output_shape"] for r in data["rows"]]
    assert shapes[1] == [10, 352, 480] and shapes[10] == [10, 11, 15]
    assert shapes[11:] == [[1650], [512], [10], [10]]
    assert data["totals"]["params"] == 854_362


def test_trace_table_and_input_shape(capsys):
    assert main(["trace", "--preset", "tiny", "--input-shape", "1,10,10"]) == 0
    out = capsys.readouterr().out
    assert "4x8x8" in out and "4x4x4" in out and "total" in out
    assert "650" in out                                          # 40 + 610 params


def test_trace_invalid_stack_exits_1_with_reason(capsys, tmp_path):
    assert main(["trace", "--preset", "seed", "--input-shape", "3,16,16"]) == 1
    out = capsys.readouterr().out
    assert "invalid network: layer 9 (avgpool5)" in out
    spec = tmp_path / "net.json"
    spec.write_text(json.dumps([{"type": "conv2d", "filters": 2, "stride": 0}]))
    assert main(["trace", "--spec", str(spec), "--input-shape", "1,8,8", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert "stride must be" in data["rows"][1]["error"] and data["totals"]["valid"] is False


def test_trace_errors(capsys, tmp_path):
    assert main(["trace", "--input-shape", "3,0,4"]) == 2
    assert "--input-shape" in one_error_line(capsys)
    assert main(["trace", "--spec", str(tmp_path / "none.json"), "--input-shape", "1,8,8"]) == 1
    assert "cannot read spec" in one_error_line(capsys)
    (tmp_path / "bad.json").write_text("[{")
    assert main(["trace", "--spec", str(tmp_path / "bad.json"), "--input-shape", "1,8,8"]) == 1
    assert "not valid JSON" in one_error_line(capsys)
    assert main(["trace", "--spec", str(tmp_path / "bad.json")]) == 2
    assert "--input-shape" in one_error_line(capsys)
    assert main(["trace", "--preset", "vgg"]) == 2
    assert "vgg" in one_error_line(capsys)


def test_kernels_lists_the_library(capsys):
    assert main(["kernels", "--values"]) == 0
    out = capsys.readouterr().out
    for name in kernel_names():
        assert name in out
    assert "-4." in out                                          # edge/laplacian values


def test_python_dash_m_runs_without_traceback(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ok = subprocess.run([sys.executable, "-m", "pycore", "trace", "--preset", "digits"],
                        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert ok.returncode == 0 and "conv1" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "pycore", "apply", "missing.png", "--out", "o"],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert bad.stderr.startswith("pycore: error: ") and bad.stderr.count("\n") == 1
