"""``pycore train`` and ``pycore predict`` from the command line."""

import io
import json
import math
import subprocess
import sys

import numpy as np
import pytest

from pycore import datasets as D
from pycore import train as T
from pycore.cli import main

PIL_Image = pytest.importorskip("PIL.Image")

HISTORY_KEYS = {"epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "seconds"}


def _json_run(capsys, *args):
    assert main(["train", "--json", *args]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""                       # no progress bar off a terminal
    return json.loads(captured.out)


def test_train_json_structure_on_a_short_run(capsys):
    out = _json_run(capsys, "--epochs", "2", "--batch-size", "128", "--seed", "5")
    assert set(out) == {"history", "test_accuracy", "step_losses"}
    assert [set(h) for h in out["history"]] == [HISTORY_KEYS, HISTORY_KEYS]
    assert [h["epoch"] for h in out["history"]] == [1, 2]
    assert len(out["step_losses"]) == 2 * math.ceil(1437 / 128)
    assert out["test_accuracy"] == out["history"][-1]["test_accuracy"]
    for h in out["history"]:
        assert 0 <= h["train_accuracy"] <= 1 and 0 <= h["test_accuracy"] <= 1
        assert h["train_loss"] > 0 and h["test_loss"] > 0 and h["seconds"] > 0
    assert out["step_losses"][-1] < out["step_losses"][0]
    # the same seed gives identical step losses (a shorter run is the same run cut short);
    # another seed others
    per_epoch = math.ceil(1437 / 128)
    assert _json_run(capsys, "--epochs", "1", "--batch-size", "128", "--seed", "5")["step_losses"] \
        == out["step_losses"][:per_epoch]
    other = _json_run(capsys, "--epochs", "1", "--batch-size", "128", "--seed", "6")
    assert other["step_losses"][0] != out["step_losses"][0]



def test_train_float32_is_float64_up_to_rounding(capsys):
    args = ("--epochs", "1", "--batch-size", "128")
    f64 = np.array(_json_run(capsys, *args)["step_losses"])
    f32 = np.array(_json_run(capsys, *args, "--dtype", "float32")["step_losses"])
    assert not np.array_equal(f32, f64)
    np.testing.assert_allclose(f32, f64, rtol=1e-4)


def test_train_sgd_on_shapes_table(capsys):
    assert main(["train", "--data", "shapes", "--optimizer", "sgd", "--lr", "0.05",
                 "--epochs", "1", "--batch-size", "64"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    assert "shapes" in lines[0] and "sgd" in lines[0]
    assert lines[1].split() == ["epoch", "train", "loss", "train", "acc", "test", "acc", "seconds"]
    assert len(lines) == 4 and lines[2].split()[0] == "1"
    assert lines[-1].startswith("test accuracy ")
    assert captured.err == ""


def test_progress_bar_only_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    settings = T.TrainSettings(epochs=1, batch_size=256)
    out, err = io.StringIO(), Terminal()
    T.train_command("digits", "digits", settings, out=out, err=err)
    assert "epoch 1/1" in err.getvalue() and "\r" in err.getvalue()
    assert "\r" not in out.getvalue()
    out, err = io.StringIO(), io.StringIO()
    T.train_command("digits", "digits", settings, out=out, err=err)
    assert err.getvalue() == ""


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The defaults' run, saved: (its JSON, the model path)."""
    path = tmp_path_factory.mktemp("model") / "digits.npz"
    proc = subprocess.run([sys.executable, "-m", "pycore", "train", "--json", "--save", str(path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), path


def test_defaults_reach_97_percent(trained):
    out, path = trained
    assert len(out["history"]) == T.DEFAULTS.epochs
    assert out["test_accuracy"] >= 0.97
    net, meta = T.load_model(path)
    d = D.load_digits()
    assert T.evaluate(net, d.x_test, d.y_test)["accuracy"] == out["test_accuracy"]


def _digit_png(path, levels, ink):
    """An 8x8 digit drawn 6x larger with a margin, as a grayscale PNG."""
    strength = np.pad(np.kron(levels / 16.0, np.ones((6, 6))), 10)
    dark = np.rint(255 * (1 - strength)).astype(np.uint8)
    # the light page is the exact negative, so both read to the same ink strengths
    PIL_Image.fromarray(dark if ink == "dark" else 255 - dark).save(path)


def test_predict_reads_both_ink_styles(trained, tmp_path, capsys):
    _, model = trained
    d = D.load_digits()
    picks = [int(np.flatnonzero(d.y_test == k)[j]) for k in range(10) for j in range(3)]
    levels = np.rint(d.x_test[picks, 0] * 16)
    files = {}
    for ink in ("dark", "light"):
        files[ink] = [str(tmp_path / f"{ink}{i}.png") for i in range(len(picks))]
        for f, lv in zip(files[ink], levels):
            _digit_png(f, lv, ink)
    results = {}
    for ink in ("dark", "light"):
        assert main(["predict", "--model", str(model), "--json", *files[ink]]) == 0
        results[ink] = json.loads(capsys.readouterr().out)
        assert [r["file"] for r in results[ink]] == files[ink]
        assert all(set(r) == {"file", "class", "probabilities", "ink"} for r in results[ink])
        assert all(r["ink"] == ink for r in results[ink])
    net, _ = T.load_model(model)
    for dark, light, f in zip(results["dark"], results["light"], files["dark"]):
        assert dark["class"] == light["class"] and len(dark["probabilities"]) == 10
        assert dark["probabilities"] == light["probabilities"]
        assert math.isclose(sum(dark["probabilities"]), 1.0, rel_tol=1e-9)
        assert dark["class"] == int(np.argmax(dark["probabilities"]))
        # the same numbers as the library's own path from the decoded file
        gray = np.asarray(PIL_Image.open(f).convert("RGB"), dtype=np.float64).mean(axis=2)
        expected = T.predict_proba(net, D.levels_to_input(D.reduce_digit(gray)[0]))[0]
        np.testing.assert_allclose(dark["probabilities"], expected, rtol=1e-12)
    # redrawn digits are not the originals, but most must still be read right
    correct = sum(r["class"] == d.y_test[i] for r, i in zip(results["dark"], picks))
    assert correct >= 0.75 * len(picks)
    # --ink overrides the detection: read as light ink, a dark-ink page is its paper
    assert main(["predict", "--model", str(model), "--ink", "light", files["dark"][0]]) == 0
    text = capsys.readouterr().out
    assert "light ink (as given)" in text


def _one_line_error(capsys, argv):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("pycore: error: ") and err.count("\n") == 1
    return err


def test_predict_errors_are_one_line(trained, tmp_path, capsys):
    _, model = trained
    image = tmp_path / "digit.png"
    _digit_png(image, np.eye(8) * 16, "dark")
    assert "No such file" in _one_line_error(capsys, ["predict", "--model", str(tmp_path / "no.npz"),
                                                      str(image)])
    text = tmp_path / "model.npz"
    text.write_text("not a model")
    assert "not an .npz" in _one_line_error(capsys, ["predict", "--model", str(text), str(image)])
    bad_image = tmp_path / "bad.png"
    bad_image.write_bytes(b"\x89PNG not really")
    _one_line_error(capsys, ["predict", "--model", str(model), str(bad_image)])
    _one_line_error(capsys, ["predict", "--model", str(model), str(tmp_path / "missing.png")])
    shapes_model = tmp_path / "shapes.npz"
    assert main(["train", "--data", "shapes", "--epochs", "1", "--save", str(shapes_model)]) == 0
    capsys.readouterr()
    assert "1x16x16" in _one_line_error(capsys, ["predict", "--model", str(shapes_model), str(image)])


def test_train_errors(tmp_path, capsys):
    assert main(["train", "--lr", "-1"]) == 2
    assert "--lr" in capsys.readouterr().err
    _one_line_error(capsys, ["train", "--epochs", "1", "--save", str(tmp_path / "no" / "dir" / "m.npz")])
