"""The Train tab (#train): a CNN learns the 8x8 digits in the page's worker.

- trained with the defaults it reaches >= 95% test accuracy, and its step losses are the
  command line's (`python -m pycore train --json`, same seed) within 1e-6 relative over the
  first epoch;
- Pause stops it (data-step stays put), the pad answers while it trains;
- the downloaded .npz gives, through `python -m pycore predict`, the probabilities the page
  shows for the same drawing (the pad saved as a PNG reduces to the same 8x8 levels);
- Step, Reset, drawing with the keyboard, Open in the Build tab, and a 375 px screen.

Hooks: [data-testid=train-status] (data-state, data-epoch, data-step, data-loss,
data-test-accuracy), [data-testid=train-history] data-step-losses (every step's loss, JSON),
[data-testid=prediction] (data-class, data-probabilities, data-step: the batches the network
had when asked, data-levels: the 8x8 it was given).
"""
from __future__ import annotations

import base64
import json
import subprocess
import sys
import time

import numpy as np

STATUS = "[data-testid=train-status]"
PAD = "canvas[data-testid=draw-pad]"
PREDICTION = "[data-testid=prediction]"


def status(page) -> dict:
    return page.evaluate(f"() => ({{...document.querySelector('{STATUS}').dataset}})")


def wait_status(page, condition: str, timeout=60_000):
    """Wait until `condition` (JS over `s`, the status's dataset) holds."""
    page.wait_for_function(f"() => {{ const s = document.querySelector('{STATUS}').dataset; return {condition}; }}",
                           timeout=timeout)


def open_train(new_app_page, width=1280):
    app = new_app_page("/#train")
    page = app.page
    if width != 1280:
        page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_selector("[data-testid=train-start]:not([disabled])", timeout=30_000)
    return app, page


def draw_digit(page, strokes):
    """Draw strokes (lists of (x, y) in 0..1 of the pad) with the mouse."""
    box = page.locator(PAD).bounding_box()
    for stroke in strokes:
        x, y = stroke[0]
        page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"])
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"], steps=6)
        page.mouse.up()


SEVEN = [[(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)]]


def cli_json(*args) -> object:
    out = subprocess.run([sys.executable, "-m", "pycore", *args], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_train_with_the_defaults_matches_the_cli_pauses_and_predicts_like_the_cli(new_app_page, tmp_path, shot):
    app, page = open_train(new_app_page)
    assert status(page)["state"] == "idle"
    cli = cli_json("train", "--preset", "digits", "--json", "--seed", "0")

    page.click("[data-testid=train-start]")
    wait_status(page, "s.state === 'running'")
    # the pad answers while the network trains
    draw_digit(page, SEVEN)
    page.wait_for_function(f"() => document.querySelector('{PREDICTION}').dataset.class !== ''", timeout=20_000)
    assert status(page)["state"] == "running", "the prediction came while training ran"
    probs = json.loads(page.get_attribute(PREDICTION, "data-probabilities"))
    assert len(probs) == 10 and abs(sum(probs) - 1) < 1e-9

    # one epoch in: the page's step losses are the command line's
    wait_status(page, "Number(s.epoch) >= 1")
    per_epoch = int(np.ceil(1437 / 32))
    # (read together: the run goes on meanwhile)
    latest, losses_json = page.evaluate(f"""() => [document.querySelector('{STATUS}').dataset.loss,
        document.querySelector('[data-testid=train-history]').dataset.stepLosses]""")
    page_losses = json.loads(losses_json)
    assert len(page_losses) >= per_epoch
    first, expected = np.array(page_losses[:per_epoch]), np.array(cli["step_losses"][:per_epoch])
    rel = np.max(np.abs(first - expected) / np.abs(expected))
    assert rel < 1e-6, f"step losses differ from the CLI's by {rel:.2e} relative"
    assert float(latest) == page_losses[-1], "data-loss is the latest step's loss"

    # another tab does not stop it
    page.click("[data-testid=tab-build]")
    step = int(status(page)["step"])
    wait_status(page, f"Number(s.step) > {step + 3}", timeout=10_000)
    assert status(page)["state"] == "running"
    page.click("[data-testid=tab-train]")

    # Pause: the slice in flight lands, then nothing changes
    page.click("[data-testid=train-pause]")
    wait_status(page, "s.state === 'paused'", timeout=5_000)
    before = status(page)
    time.sleep(1.2)
    after = status(page)
    assert after["step"] == before["step"] and after.get("loss") == before.get("loss"), (before, after)
    assert page.is_enabled("[data-testid=train-start]") and page.text_content("[data-testid=train-start]") == "Resume"
    shot(page, "train-paused-1280")

    # Resume to the end: >= 95% test accuracy; every step the CLI's within float rounding
    page.click("[data-testid=train-start]")
    wait_status(page, "s.state === 'done'", timeout=120_000)
    final = status(page)
    assert float(final["testAccuracy"]) >= 0.95, final
    assert int(final["step"]) == 10 * per_epoch and final["epoch"] == "10"
    page_losses = np.array(json.loads(page.get_attribute("[data-testid=train-history]", "data-step-losses")))
    assert len(page_losses) == len(cli["step_losses"])
    np.testing.assert_allclose(page_losses[:per_epoch], cli["step_losses"][:per_epoch], rtol=1e-6)
    assert page.locator("[data-testid=confusion] td[data-count]").count() == 100
    confusion_total = int(page.get_attribute("[data-testid=confusion]", "data-total"))
    assert confusion_total == 360
    wrong = page.locator("[data-testid=misclassified]").count()
    correct = int(page.get_attribute("[data-testid=confusion]", "data-correct"))
    assert wrong == min(24, 360 - correct)
    assert abs(correct / 360 - float(final["testAccuracy"])) < 1e-9
    assert page.locator("canvas[data-testid=train-filter]").count() == 16

    # the prediction of the final network, and the CLI's for the same drawing and model
    page.wait_for_function(f"() => document.querySelector('{PREDICTION}').dataset.step === '{final['step']}'",
                           timeout=10_000)
    page_probs = json.loads(page.get_attribute(PREDICTION, "data-probabilities"))
    page_class = int(page.get_attribute(PREDICTION, "data-class"))
    with page.expect_download() as dl:
        page.click("[data-testid=train-download-npz]")
    model = tmp_path / "model.npz"
    dl.value.save_as(model)
    png = page.evaluate(f"() => document.querySelector('{PAD}').toDataURL('image/png')")
    drawing = tmp_path / "pad.png"
    drawing.write_bytes(base64.b64decode(png.split(",", 1)[1]))
    (cli_pred,) = cli_json("predict", "--model", str(model), str(drawing), "--json")
    assert cli_pred["class"] == page_class
    np.testing.assert_allclose(cli_pred["probabilities"], page_probs, rtol=1e-6, atol=1e-12)
    # the maps of every layer for the drawing, input to scores
    names = page.eval_on_selector_all("[data-testid=pad-layer]", "els => els.map(e => e.dataset.name)")
    assert names == ["input", "conv1", "maxpool1", "conv2", "maxpool2", "flatten", "dense1", "softmax"]
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 1280, f"the Train tab scrolls sideways at 1280 px ({width} px wide)"
    shot(page, "train-done-1280")

    # Reset, then load the model back: the same network gives the same answer
    page.click("[data-testid=train-reset]")
    wait_status(page, "s.state === 'idle'", timeout=10_000)
    page.wait_for_function(f"() => document.querySelector('{PREDICTION}').dataset.class === ''", timeout=10_000)
    page.set_input_files("input[type=file][data-testid=train-load]", str(model))
    wait_status(page, "s.state === 'paused' && s.step === '0'", timeout=20_000)
    page.wait_for_function(f"() => document.querySelector('{PREDICTION}').dataset.class !== ''", timeout=10_000)
    assert json.loads(page.get_attribute(PREDICTION, "data-probabilities")) == page_probs
    assert page.text_content("[data-testid=train-start]") == "Resume", "a loaded digits model trains on"
    assert not app.page_errors, app.page_errors


def test_step_reset_keyboard_pad_open_in_build_on_a_phone(new_app_page, shot):
    app, page = open_train(new_app_page, width=375)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 375, f"the Train tab scrolls sideways at 375 px ({width} px wide)"

    page.click("[data-testid=train-step]")
    wait_status(page, "s.state === 'paused' && s.step === '1'", timeout=30_000)
    loss = float(status(page)["loss"])
    assert 0 < loss < 10
    assert page.is_disabled("[data-testid=train-lr]"), "settings are fixed once a network exists"

    # draw with the keyboard: arrows move the cursor over the 8x8 grid, Space inks a cell
    page.focus(PAD)
    for key in ["ArrowUp", "ArrowUp", " ", "ArrowRight", " ", "ArrowDown", " ", "ArrowDown", " ", "ArrowDown", " "]:
        page.keyboard.press(key)
    page.wait_for_function(f"() => document.querySelector('{PREDICTION}').dataset.class !== ''", timeout=10_000)
    levels = json.loads(page.get_attribute(PREDICTION, "data-levels"))
    assert len(levels) == 64 and sum(v > 0 for v in levels) >= 4
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 375, f"the Train tab scrolls sideways at 375 px after training ({width} px wide)"
    shot(page, "train-step-375")

    # any conv layer's filters on request: conv2 has 32 filters of 16 channels (4 shown)
    page.select_option("[data-testid=train-filter-layer]", "conv2")
    page.wait_for_selector("[data-testid=train-filters][data-layer=conv2]", timeout=10_000)
    assert page.locator("canvas[data-testid=train-filter]").count() == 32 * 4

    # Clear empties the pad and the prediction
    page.click("[data-testid=draw-clear]")
    page.wait_for_function(f"() => document.querySelector('{PREDICTION}').dataset.class === ''", timeout=5_000)

    # Open in the Build tab: the builder shows the trained network with its weights
    page.click("[data-testid=train-open-build]")
    page.wait_for_selector("#build:not([hidden]) [data-testid=builder-trained]:not([hidden])", timeout=10_000)
    assert page.get_attribute("[data-testid=tab-build]", "aria-selected") == "true"
    page.click("[data-testid=builder-sample]")
    page.wait_for_selector("#build [data-testid=scores]", timeout=30_000)
    assert "trained in the Train tab" in page.text_content("#build .b-scores-wrap")
    assert page.get_attribute("#build [data-testid=input-row]", "data-shape") == "1,8,8"

    # Reset: back to idle, the settings free again
    page.click("[data-testid=tab-train]")
    page.click("[data-testid=train-reset]")
    wait_status(page, "s.state === 'idle' && s.step === '0'", timeout=10_000)
    assert page.is_enabled("[data-testid=train-lr]")
    assert not app.page_errors, app.page_errors
