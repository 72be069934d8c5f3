"""pycore.page.code: the code behind every view gives the view's own numbers.

For every view, with its defaults and non-default settings (seeded), the generated code is
run in CPython on a seeded image and every array it shows is compared with the array the
page's adapter returns for the same settings: they must be equal, bit for bit (the adapters
and the code both end in float32, and the code calls the same public pycore functions).
The script runs as a subprocess on a PNG and its .npy files are compared the same way;
the notebook is validated and its cells are run. run_code is checked for print capture,
shows, tracebacks, syntax errors and isolation between runs.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import pycore
from pycore import codegen, kernels, page
from pycore import image as img
from pycore.page import code as C
from pycore.page import training

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def image():
    return np.random.default_rng(12).random((3, 48, 64), dtype=np.float32)


def library_kernel(name, label=None, size=None):
    k = kernels.get_kernel(name, size=size, seed=3)
    return {"name": label or name, "rows": k.shape[0], "cols": k.shape[1], "values": k.ravel().tolist()}


RNG = np.random.default_rng(2024)
TUTORIAL = [library_kernel("edge"), library_kernel("sharpen"), library_kernel("blur")]
ODD = [library_kernel("gaussian", "wide blur", 5),
       {"name": "thirds", "rows": 2, "cols": 3, "values": [1 / 3, -1 / 9, 0.1, 2.5, -7, 1e-3]},
       {"name": "random 4x4", "rows": 4, "cols": 4, "values": RNG.uniform(-1, 1, 16).tolist()}]

CASES = {
    "convolution": [
        {"kernels": TUTORIAL, "activation": "relu", "pool": {"type": "max", "kernel_size": 2}},
        {"kernels": TUTORIAL + ODD, "channel": "red", "stride": 2, "padding": 2, "padding_mode": "reflect",
         "dilation": 2, "activation": "leaky_relu", "negative_slope": 0.2,
         "pool": {"type": "avg", "kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}},
        {"kernels": ODD, "channel": "blue", "padding": 3, "padding_mode": "circular", "activation": "sigmoid"},
        {"kernels": ODD, "padding": "same", "padding_mode": "replicate", "dilation": 3, "activation": "none",
         "pool": {"type": "avg", "kernel_size": 2, "stride": 3}},
        {"kernels": TUTORIAL[:1], "channel": "green", "stride": 3, "padding": "valid", "activation": "tanh",
         "pool": {"type": "max", "kernel_size": 3, "stride": 1, "ceil_mode": True}},
        # pooling that cannot work: the maps are still shown, the pooling is left out
        {"kernels": TUTORIAL, "stride": 8, "pool": {"type": "max", "kernel_size": 32}},
        # each map before the activation too (and seeded random draws, as "Add random" makes them)
        {"kernels": TUTORIAL + ODD[:1] + [
            {"name": f"random {seed}", "rows": 3, "cols": 3,
             "values": kernels.get_kernel("random", 3, seed=seed).ravel().tolist()} for seed in (1, 2)],
         "activation": "leaky_relu", "negative_slope": 0.1, "pre_activation": True, "padding": 1,
         "pool": {"type": "max", "kernel_size": 2}},
        {"kernels": ODD, "activation": "tanh", "pre_activation": True, "pool": {"type": "none"}},
        # no activation: nothing separate to show before it
        {"kernels": TUTORIAL[:2], "activation": "none", "pre_activation": True},
    ],
    "multiply_sum": [
        {},
        {"a": {"rows": 2, "cols": 4, "values": RNG.normal(size=8).tolist()},
         "b": {"rows": 2, "cols": 4, "values": RNG.normal(size=8).tolist()}},
    ],
    "window_steps": [
        {},
        {"source": "digit", "digit": 7, "kernel": {"preset": "sobel_y"}, "bias": 0.5, "stride": 2, "padding": 1,
         "padding_mode": "reflect", "activation": "relu"},
        {"source": "image", "size": 12, "scale": 2, "row": 5, "col": 7, "channel": "gray",
         "kernel": {"rows": 2, "cols": 3, "values": RNG.uniform(-1, 1, 6).tolist()}, "padding": "same",
         "dilation": 2, "activation": "tanh"},
        {"source": "image", "size": 20, "row": 40, "col": 60, "channel": "red", "kernel": {"preset": "gaussian",
         "size": 5}, "stride": 3, "padding": 2, "padding_mode": "circular", "activation": "leaky_relu",
         "negative_slope": 0.3},
        {"source": "random", "size": 17, "seed": 99, "kernel": {"preset": "random", "size": 4, "seed": 5},
         "padding_mode": "replicate", "padding": 2, "activation": "sigmoid", "bias": -0.25},
    ],
    "pool_steps": [
        {},
        {"source": "digit", "digit": 2, "prefilter": "edge", "type": "avg", "window": 3, "stride": 2,
         "ceil_mode": True},
        {"source": "image", "size": 16, "scale": 2, "channel": "green", "type": "max", "window": 2, "stride": 1},
        {"source": "random", "size": 13, "seed": 4, "prefilter": "laplacian", "type": "avg", "window": 4,
         "stride": 3},
    ],
    "padded_view": [
        {},
        {"source": "image", "channel": "rgb", "size": 8, "scale": 4, "padding": 3},
        {"source": "random", "size": 5, "padding": 8, "kernel_size": 5, "dilation": 2},  # reflect cannot pad 8
        {"source": "digit", "digit": 0, "padding": 1},
        {"source": "image", "channel": "blue", "size": 10, "padding": 4},
    ],
    "receptive_field": [
        {},
        {"source": "digit", "digit": 5, "padding_mode": "reflect", "layers": [
            {"type": "conv2d", "kernel_size": 5, "padding": "same", "activation": "relu"},
            {"type": "avgpool", "kernel_size": 3, "stride": 2, "ceil_mode": True},
            {"type": "conv2d", "kernel_size": [2, 3], "stride": 1, "padding": 1, "dilation": 1},
            {"type": "maxpool", "kernel_size": 2, "stride": 1, "padding": 1},
            {"type": "conv2d", "kernel_size": 3, "dilation": 2, "padding": 2, "activation": "tanh"}]},
        {"source": "full", "channel": "blue", "layers": [
            {"type": "conv2d", "kernel_size": 3, "stride": 2, "padding": 1, "activation": "leaky_relu"},
            {"type": "maxpool", "kernel_size": 2}]},
    ],
    "flip_compare": [
        {},
        {"source": "image", "size": 24, "row": 3, "col": 30, "kernel": {"preset": "emboss"}, "flip": True},
        {"source": "random", "size": 9, "seed": 7, "kernel": {"rows": 3, "cols": 3,
                                                                "values": RNG.normal(size=9).tolist()}},
    ],
    "rgb_filter": [
        {},
        {"source": "image", "channel": "rgb", "size": 16, "scale": 2, "row": 4, "col": 9,
         "kernel": {"preset": "red_minus_blue", "size": 5}, "bias": 0.3, "padding": 0, "activation": "relu"},
        {"source": "image", "channel": "gray", "size": 12, "kernel": {"preset": "gray_edge"}, "activation": "tanh"},
        {"source": "random", "size": 11, "seed": 8, "kernel": {"size": 3, "values": RNG.uniform(-1, 1, 27).tolist()},
         "padding": 2, "bias": -0.1, "activation": "sigmoid"},
        {"kernel": {"preset": "notebook", "seed": 17, "size": 5}},
    ],
    "param_counts": [{}, {"height": 352, "width": 480, "channels": 3, "filters": 10, "kernel_size": 3,
                          "neurons": 512}],
    "builder": [
        {"spec": pycore.get_preset("tiny")["spec"], "input": {"color": "rgb", "height": 40, "width": 36}},
        {"spec": pycore.get_preset("lenet")["spec"], "input": {"color": "gray", "height": 32, "width": 32,
                                                                 "fit": "resize"}, "seed": 7, "init": "glorot"},
        # the tutorial's network at its size: the page averages its maps for drawing
        {"spec": pycore.get_preset("seed")["spec"], "input": {"color": "rgb", "height": 352, "width": 480}},
        {"spec": [{"type": "conv2d", "filters": 3, "kernel_size": [3, 5], "stride": [1, 2], "padding": [1, 2],
                   "activation": "sigmoid"},
                  {"type": "avgpool", "kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
                  {"type": "flatten"}, {"type": "dense", "units": 5, "activation": "tanh"}],
         "input": {"color": "rgb", "height": 20, "width": 30, "fit": "resize"}, "seed": 3, "init": "uniform"},
        # a layer too big to draw at full size: the page averages 2×2 blocks
        {"spec": [{"type": "conv2d", "filters": 10, "kernel_size": 3, "padding": 1, "activation": "relu"},
                  {"type": "maxpool", "kernel_size": 2}], "input": {"color": "rgb", "height": 600, "width": 600}},
        # a flatten too long to draw value by value (the page bins it): left out of the shows
        {"spec": [{"type": "conv2d", "filters": 4, "kernel_size": 3, "padding": 1}, {"type": "flatten"},
                  {"type": "dense", "units": 3}],
         "input": {"color": "gray", "height": 40, "width": 40}},
    ],
}


def run_generated(code: str, image) -> tuple[list, str]:
    """exec the code in a plain CPython namespace: [(title, float32 array, rgb)], printed text."""
    shown = []

    def show(array, title=None, rgb=False):
        shown.append((title, np.array(array, dtype=np.float32), rgb))

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<generated>", "exec"), {"image": image.copy(), "show": show, "__name__": "__main__"})
    return shown, out.getvalue()


def page_array(entry, image, settings, cache):
    call = entry["call"]
    if call not in cache:
        cache[call] = page.call(call, image, settings)
    a = cache[call]["arrays"][entry["array"]]
    return a.reshape(entry["shape"])


def assert_shows_equal_page(shown, names, image, settings):
    assert len(shown) == len(names)
    cache = {}
    for (title, a, rgb), entry in zip(shown, names):
        assert title == entry["label"]
        assert rgb == entry["rgb"]
        expected = page_array(entry, image, settings, cache)
        assert a.shape == expected.shape, entry
        # the same functions on the same numbers: equal exactly (NaN where the page has NaN)
        assert np.array_equal(a, expected, equal_nan=True), (entry, np.nanmax(np.abs(a - expected)))


VIEW_CASES = [(view, i) for view, cases in CASES.items() for i in range(len(cases))]


@pytest.mark.parametrize(("view", "i"), VIEW_CASES, ids=[f"{v}-{i}" for v, i in VIEW_CASES])
def test_code_gives_the_views_arrays(view, i, image):
    settings = CASES[view][i]
    meta = page.call("view_code", image, {"view": view, "settings": settings})["meta"]
    assert meta["view"] == view and meta["call"] == C.VIEWS[view][1]
    shown, printed = run_generated(meta["code"], image)
    assert_shows_equal_page(shown, meta["names"], image, settings)
    assert [n["file"] for n in meta["names"]] == codegen.file_stems(n["label"] for n in meta["names"])
    if view != "param_counts":
        assert shown, "every view but the parameter count shows something"


def test_the_cases_reach_every_branch(image):
    """The cases above cover the code paths they are meant to (else a test would prove less)."""
    def code(view, i):
        return page.call("view_code", image, {"view": view, "settings": CASES[view][i]})["meta"]

    assert "# no pooling:" in code("convolution", 5)["code"]
    assert "shapes as listed above" in code("convolution", 1)["code"]
    assert "block_mean" in code("builder", 4)["code"]
    assert "drawn as the means" in code("builder", 5)["code"]
    assert "the maps above in one row" in code("builder", 0)["code"]
    assert "# reflect:" in code("padded_view", 2)["code"]
    assert any(n["rgb"] for n in code("rgb_filter", 1)["names"])
    assert "reshape(3, 8, 4, 8, 4)" in code("padded_view", 1)["code"]
    assert [n["array"] for n in code("convolution", 0)["names"]] == ["map0", "pooled0", "map1", "pooled1", "map2",
                                                                      "pooled2"]
    assert [n["array"] for n in code("convolution", 7)["names"]] == ["pre0", "map0", "pre1", "map1", "pre2",
                                                                      "map2"]
    assert "before" not in code("convolution", 8)["code"]


def test_param_counts_code_prints_the_pages_numbers(image):
    for settings in CASES["param_counts"]:
        meta = page.call("view_code", image, {"view": "param_counts", "settings": settings})["meta"]
        counts = page.call("param_counts", image, settings)["meta"]
        _, printed = run_generated(meta["code"], image)
        assert f"fully connected: {counts['fc']['total']}\n" in printed
        assert f"convolution: {counts['conv']['total']}\n" in printed
        assert f"ratio of weights: {counts['ratio']}\n" in printed


def test_multiply_sum_prints_165(image):
    meta = page.call("view_code", image, {"view": "multiply_sum", "settings": {}})["meta"]
    assert run_generated(meta["code"], image)[1] == "sum of products: 165\n"


@pytest.mark.parametrize("settings", [
    {"data": "shapes", "epochs": 1, "optimizer": "sgd", "lr": 0.05, "batch_size": 64, "momentum": 0.5,
     "seed": 3, "dtype": "float32"},
    {"epochs": 2, "seed": 5, "weight_decay": 0.001},
], ids=["shapes-sgd-float32", "digits-adam"])
def test_training_code_gives_the_train_tabs_filters(settings, image):
    meta = page.call("view_code", image, {"view": "training", "settings": settings})["meta"]
    assert [n["call"] for n in meta["names"]] == ["train_setup", "train_setup", "train_step"]
    shown, printed = run_generated(meta["code"], image)
    try:
        # copied now: a float32 network's weights come back as views of the live parameters
        setup = {k: v.copy() for k, v in page.call("train_setup", image, settings)["arrays"].items()}
        step = None
        while step is None or step["meta"]["state"] != "done":
            step = page.call("train_step", image, {"max_ms": 60_000})
        after = step["arrays"]
    finally:
        page.call("train_reset", image, {})
    assert len(shown) == 3
    for (title, a, _), entry, source in zip(shown, meta["names"], (setup, setup, after)):
        assert title == entry["label"]
        assert np.array_equal(a, source[entry["array"]].reshape(entry["shape"]))
    assert not np.array_equal(shown[1][1], shown[2][1]), "training changed the filters"
    assert printed.count("epoch ") == settings["epochs"]


def test_training_defaults_are_the_train_tabs():
    meta = page.call("view_code", None, {"view": "training", "settings": {}})["meta"]
    d = pycore.train.DEFAULTS
    assert (f"pycore.TrainSettings(optimizer={d.optimizer!r}, lr={d.lr!r}, batch_size={d.batch_size}, "
            f"epochs={d.epochs},") in meta["code"]
    assert "pycore.load_dataset('digits')" in meta["code"]
    assert not training.SESSION.active, "generating code does not set up training"


def test_unknown_view_is_named(image):
    with pytest.raises(ValueError, match="unknown view 'conv'.*convolution"):
        page.call("view_code", image, {"view": "conv", "settings": {}})
    with pytest.raises(ValueError, match="unknown view None"):
        page.call("view_script", image, {})


def test_bad_settings_give_the_views_own_message(image):
    with pytest.raises(ValueError) as ours:
        page.call("view_code", image, {"view": "window_steps", "settings": {"stride": 99}})
    with pytest.raises(ValueError) as theirs:
        page.call("window_steps", image, {"stride": 99})
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError, match="no image yet"):
        page.call("view_code", None, {"view": "convolution", "settings": {"kernels": TUTORIAL}})
    with pytest.raises(ValueError, match="trained weights"):
        page.call("view_code", image, {"view": "builder", "settings": {**CASES["builder"][0], "weights": {}}})


def test_names_in_the_code_are_quoted_not_run(image):
    evil = {"name": "x'); import os; os.system('false'); ('", "rows": 1, "cols": 1, "values": [2]}
    meta = page.call("view_code", image, {"view": "convolution", "settings": {"kernels": [evil]}})["meta"]
    shown, _ = run_generated(meta["code"], image)
    assert shown[0][0] == evil["name"]
    assert meta["names"][0]["file"] == codegen.file_stem(1, evil["name"])
    assert "/" not in meta["names"][0]["file"] and "'" not in meta["names"][0]["file"]


# --------------------------------------------------------------------------- the script


def write_png(path: Path, seed: int = 5, size=(70, 90)) -> None:
    from PIL import Image
    pixels = np.random.default_rng(seed).integers(0, 256, size=(*size, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)


SCRIPT_CASES = [("convolution", CASES["convolution"][1]), ("window_steps", CASES["window_steps"][3]),
                ("rgb_filter", CASES["rgb_filter"][1]), ("builder", CASES["builder"][3]),
                ("receptive_field", CASES["receptive_field"][2])]


@pytest.mark.parametrize(("view", "settings"), SCRIPT_CASES, ids=[v for v, _ in SCRIPT_CASES])
def test_script_writes_the_pages_arrays(view, settings, tmp_path):
    png = tmp_path / "photo.png"
    write_png(png)
    page_image, _ = img.decode_image_bytes(png.read_bytes(), max_side=img.DEFAULT_MAX_SIDE)
    meta = page.call("view_script", page_image, {"view": view, "settings": settings})["meta"]
    assert meta["filename"] == f"{view}.py"
    script = tmp_path / meta["filename"]
    script.write_text(meta["script"], encoding="utf-8")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(script), str(png), "--out", str(out)], capture_output=True,
                          text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    cache = {}
    for entry in meta["names"]:
        saved = np.load(out / f"{entry['file']}.npy")
        assert saved.dtype == np.float32
        assert np.array_equal(saved, page_array(entry, page_image, settings, cache), equal_nan=True), entry
        assert (out / f"{entry['file']}.png").stat().st_size > 0
        assert f"{entry['file']}.npy" in proc.stdout
    assert len(list(out.glob("*.npy"))) == len(meta["names"])


def test_script_max_side_scales_as_the_page(tmp_path):
    png = tmp_path / "photo.png"
    write_png(png, size=(120, 200))
    settings = {"kernels": TUTORIAL[:1]}
    page_image, _ = img.decode_image_bytes(png.read_bytes(), max_side=50)
    assert page_image.shape == (3, 30, 50)
    script = tmp_path / "s.py"
    script.write_text(page.call("view_script", page_image, {"view": "convolution", "settings": settings})["meta"]
                      ["script"], encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(script), str(png), "--out", str(tmp_path / "o"), "--max-side", "50"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    expected = page.call("convolve", page_image, settings)["arrays"]["map0"]
    assert np.array_equal(np.load(tmp_path / "o" / "01_edge.npy"), expected)


def test_script_reports_an_unreadable_image(tmp_path):
    script = tmp_path / "s.py"
    script.write_text(page.call("view_script", None, {"view": "multiply_sum", "settings": {}})["meta"]["script"],
                      encoding="utf-8")
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(script), str(bad), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 1
    assert "bad.png" in proc.stderr and "not an image" in proc.stderr


def test_shown_image_pixels():
    a = np.array([[0.0, 1.0], [np.inf, np.nan]])
    assert codegen.shown_image(a).tolist() == [[0, 255], [255, 0]]
    assert codegen.shown_image(np.full((2, 2), 3.0)).tolist() == [[128, 128], [128, 128]]
    three = codegen.shown_image(np.arange(12.0).reshape(3, 2, 2))
    assert three.shape == (2, 8) and three[:, 2].tolist() == [0, 0]  # maps one pixel apart
    rgb = codegen.shown_image(np.stack([np.ones((2, 2)), np.zeros((2, 2)), np.full((2, 2), 0.5)]), rgb=True)
    assert rgb.shape == (2, 2, 3) and rgb[0, 0].tolist() == [255, 0, 128]
    assert codegen.file_stem(3, "edge, max pool 2×2") == "03_edge_max_pool_2x2"
    assert codegen.file_stem(1, None) == "01_show" and codegen.file_stem(12, "../..") == "12_show"


# --------------------------------------------------------------------------- the notebook


def test_notebook_is_valid_and_its_cells_give_the_pages_arrays(tmp_path, monkeypatch):
    png = tmp_path / "image.png"
    write_png(png)
    page_image, _ = img.decode_image_bytes(png.read_bytes(), max_side=img.DEFAULT_MAX_SIDE)
    settings = CASES["convolution"][0]
    meta = page.call("view_notebook", page_image, {"view": "convolution", "settings": settings})["meta"]
    assert meta["filename"] == "convolution.ipynb"
    nb = json.loads(meta["notebook"])
    assert nb["nbformat"] == 4 and isinstance(nb["metadata"], dict)
    kinds = [c["cell_type"] for c in nb["cells"]]
    assert kinds[0] == "markdown" and kinds[1:] == ["code"] * (len(kinds) - 1)
    for cell in nb["cells"]:
        assert isinstance(cell["source"], list) and set(cell) >= {"cell_type", "metadata", "source"}
    try:
        import nbformat
    except ImportError:
        pass
    else:
        nbformat.validate(nbformat.reads(meta["notebook"], as_version=4))
    # run the cells in order, as Jupyter would, with show collecting instead of drawing
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__main__"}
    sources = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    shown = []
    with contextlib.redirect_stdout(io.StringIO()):
        for i, src in enumerate(sources):
            exec(compile(src, f"<cell {i}>", "exec"), namespace)
            if "def show" in src:
                namespace["show"] = lambda a, title=None, rgb=False: shown.append((title, np.float32(a), rgb))
    assert np.array_equal(namespace["image"], page_image)
    assert_shows_equal_page(shown, meta["names"], page_image, settings)


# --------------------------------------------------------------------------- run_code


def run(code, image=None):
    return page.call("run_code", image, {"code": code})


def test_run_code_collects_print_and_shows(image):
    r = run("print('hello', image.shape)\nimport sys\nprint('to stderr', file=sys.stderr)\n"
            "show(image[0], title='red')\nshow(image, rgb=True)\nshow(np.arange(5))\n"
            "show(np.array([[1.0, np.inf], [np.nan, -2]]), title='odd')\nprint('done')\n", image)
    m, a = r["meta"], r["arrays"]
    assert m["error"] is None
    assert m["stdout"] == "hello (3, 48, 64)\nto stderr\ndone\n"
    assert [s["title"] for s in m["shows"]] == ["red", None, None, "odd"]
    assert [s["shape"] for s in m["shows"]] == [[48, 64], [3, 48, 64], [5], [2, 2]]
    assert [s["array"] for s in m["shows"]] == ["show0", "show1", "show2", "show3"]
    assert [s["rgb"] for s in m["shows"]] == [False, True, False, False]
    assert np.array_equal(a["show0"], image[0]) and a["show1"].dtype == np.float32
    assert m["shows"][1]["channel_ranges"][2] == img.value_range(image[2])
    odd = m["shows"][3]
    assert (odd["vmin"], odd["vmax"]) == (-2.0, 1.0)
    assert odd["nonfinite"]["posinf"] == 1 and odd["nonfinite"]["nan"] == 1


def test_run_code_runs_the_views_code_in_the_worker(image):
    settings = CASES["convolution"][1]
    meta = page.call("view_code", image, {"view": "convolution", "settings": settings})["meta"]
    r = run(meta["code"], image)
    assert r["meta"]["error"] is None
    expected = page.call("convolve", image, settings)["arrays"]
    assert [s["title"] for s in r["meta"]["shows"]] == [n["label"] for n in meta["names"]]
    for s, n in zip(r["meta"]["shows"], meta["names"]):
        assert np.array_equal(r["arrays"][s["array"]], expected[n["array"]])


def test_an_exception_reports_the_users_line_only(image):
    code = "x = 1\ny = np.zeros((4, 4))\nz = pycore.conv2d(y, np.ones((9, 9)))\nprint('never')\n"
    err = run(code, image)["meta"]["error"]
    assert err["type"] == "ValueError" and err["line"] == 3
    assert 'File "<python panel>", line 3, in <module>' in err["traceback"]
    assert "z = pycore.conv2d(y, np.ones((9, 9)))" in err["traceback"]
    assert "ops.py" not in err["traceback"] and "code.py" not in err["traceback"]
    assert err["traceback"].rstrip().endswith(f"ValueError: {err['message']}")


def test_an_exception_in_a_users_function_lists_its_frames():
    err = run("def f(n):\n    return 1 / n\n\nf(0)\n")["meta"]["error"]
    assert err["type"] == "ZeroDivisionError" and err["line"] == 2
    assert "line 4, in <module>" in err["traceback"] and "line 2, in f" in err["traceback"]


def test_show_errors_point_at_the_show_line():
    err = run("a = np.zeros((2, 2, 2, 2))\nshow(a)\n")["meta"]["error"]
    assert err["line"] == 2 and "1-D, 2-D or 3-D" in err["message"]
    err = run("show(np.zeros((2, 3, 3)), rgb=True)\n")["meta"]["error"]
    assert "(3, H, W)" in err["message"]
    err = run("show(np.array(['a']))\n")["meta"]["error"]
    assert err["type"] == "TypeError"
    r = run("for i in range(70):\n    show(np.zeros(2))\n")
    assert "at most 64" in r["meta"]["error"]["message"] and len(r["meta"]["shows"]) == 64


def test_a_syntax_error_is_reported_with_its_line():
    r = run("x = 1\ny = (2 +\nprint(x)\n")
    err = r["meta"]["error"]
    assert err["type"] == "SyntaxError" and err["line"] in (2, 3)
    assert "<python panel>" in err["traceback"] and r["meta"]["shows"] == []
    err = run("if True:\nprint(1)\n")["meta"]["error"]
    assert err["type"] == "IndentationError" and err["line"] == 2


def test_runs_do_not_share_a_namespace_or_change_the_image_or_pycore(image):
    before = image.copy()
    conv2d = pycore.conv2d
    assert run("secret = 42\nimage[:] = 0\npycore.conv2d = None\npycore.extra = 1\n", image)["meta"]["error"] is None
    assert pycore.conv2d is conv2d and not hasattr(pycore, "extra")
    assert np.array_equal(image, before)
    err = run("print(secret)\n", image)["meta"]["error"]
    assert err["type"] == "NameError" and "secret" in err["message"]
    # a submodule imported by one run is still there for the next
    for _ in range(2):
        r = run("import pycore.cli\nprint(pycore.cli.__name__)\n")["meta"]
        assert r["error"] is None and r["stdout"] == "pycore.cli\n"


def test_exit_input_and_long_output():
    assert run("import sys\nprint(1)\nsys.exit()\nprint(2)\n")["meta"] == {"stdout": "1\n", "error": None,
                                                                          "shows": []}
    assert run("import sys\nsys.exit(3)\n")["meta"]["error"]["type"] == "SystemExit"
    assert run("input('name? ')\n")["meta"]["error"]["type"] == "EOFError"
    out = run("print('x' * 300_000)\n")["meta"]["stdout"]
    assert len(out) < C.MAX_OUTPUT_CHARS + 100 and "more characters" in out


def test_warnings_are_printed_under_the_code():
    out = run("a = np.array([1.0]) / 0\nprint(a)\n")["meta"]["stdout"]
    assert "line 1: RuntimeWarning: divide by zero" in out and out.endswith("[inf]\n")


def test_run_code_without_an_image_and_bad_params():
    assert run("print(image)\n")["meta"]["stdout"] == "None\n"
    with pytest.raises(TypeError, match="code must be text"):
        page.call("run_code", None, {"code": 3})


def test_the_worker_may_call_them():
    for fn in ("view_code", "view_script", "view_notebook", "run_code"):
        assert fn in page.CALLS
