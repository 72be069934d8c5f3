"""Regenerate pycore/data/digits.npz from scikit-learn's copy of the UCI optdigits set.

    pip install scikit-learn
    python3 tools/make_digits_data.py           # write the file, then check its sha256
    python3 tools/make_digits_data.py --check   # only check that a fresh build matches

scikit-learn ships the 1,797 8x8 digits (levels 0..16) as sklearn/datasets/data/digits.csv.gz:
64 pixel columns then the label, one image per row. This script reads that file directly (no
network), writes the arrays with pycore.datasets.write_digits_file (a zip with fixed
timestamps, so the same arrays always give the same bytes) and checks the result against
pycore.datasets.DIGITS_SHA256. Exit status 1 when the sha256 differs.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import sys
from importlib import resources
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pycore import datasets  # noqa: E402  (after the path set-up above)

OUT = ROOT / "pycore" / "data" / datasets.DIGITS_FILE


def read_sklearn_digits() -> tuple[np.ndarray, np.ndarray]:
    """(images (1797, 8, 8) uint8 levels 0..16, labels (1797,) uint8) from scikit-learn's file."""
    try:
        source = resources.files("sklearn.datasets") / "data" / "digits.csv.gz"
    except ModuleNotFoundError:
        raise SystemExit("scikit-learn is not installed: pip install scikit-learn") from None
    text = gzip.decompress(source.read_bytes()).decode("ascii")
    table = np.loadtxt(io.StringIO(text), delimiter=",", dtype=np.int64)
    if table.shape != (1797, 65):
        raise SystemExit(f"unexpected digits.csv.gz layout: shape {table.shape}, expected (1797, 65)")
    images, labels = table[:, :64], table[:, 64]
    if images.min() < 0 or images.max() > 16 or labels.min() < 0 or labels.max() > 9:
        raise SystemExit("digits.csv.gz holds values outside levels 0..16 / labels 0..9")
    return images.reshape(-1, 8, 8).astype(np.uint8), labels.astype(np.uint8)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="do not write; compare a fresh build")
    args = parser.parse_args(argv)
    images, labels = read_sklearn_digits()
    data = datasets.digits_file_bytes(images, labels)
    digest = hashlib.sha256(data).hexdigest()
    if not args.check:
        OUT.write_bytes(data)
        print(f"wrote {OUT.relative_to(ROOT)} ({len(data):,} bytes)")
    print(f"sha256 {digest}")
    if digest != datasets.DIGITS_SHA256:
        print(f"MISMATCH: pycore.datasets.DIGITS_SHA256 is {datasets.DIGITS_SHA256}", file=sys.stderr)
        return 1
    print("matches pycore.datasets.DIGITS_SHA256")
    return 0


if __name__ == "__main__":
    sys.exit(main())
