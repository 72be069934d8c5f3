"""How many times each case is timed: `--quick` or the full run."""
from __future__ import annotations

MODES = {
    # repeats per case (after warm-up runs); "big" cases are the slow ones
    # (CPython runs take milliseconds, so it gets cpython_factor times more repeats)
    "quick": {"repeats": 9, "big_repeats": 5, "warmup": 1, "cpython_factor": 3,
              "tfjs_repeats": 5, "notebook_repeats": 1, "startup_runs": 1, "edits": 30},
    "full": {"repeats": 21, "big_repeats": 11, "warmup": 2, "cpython_factor": 3,
             "tfjs_repeats": 15, "notebook_repeats": 3, "startup_runs": 3, "edits": 30},
}
BIG_CASES = {"conv_rgb_1024_8x3x3", "seed_forward", "digits_train_epoch", "digits_train_to_95"}


def case_repeats(case_id: str, mode: dict) -> int:
    """Timed repeats of one case in the browser (CPython multiplies by cpython_factor)."""
    return mode["big_repeats"] if case_id in BIG_CASES else mode["repeats"]
