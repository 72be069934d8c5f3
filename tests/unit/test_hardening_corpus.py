"""The corpus (tests/corpus/): every file through pycore's decode, the page's adapters
and the command line; a result where Pillow reads it, else a message naming the problem."""

import json
from pathlib import Path

import numpy as np
import pytest

from pycore import image as img
from pycore import page
from pycore.cli import main

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))


def test_the_committed_corpus_is_what_the_generator_makes(tmp_path, monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    monkeypatch.setattr(gen, "HERE", tmp_path)
    monkeypatch.setattr(gen, "FILES", tmp_path / "files")
    assert gen.make() == EXPECTED
    for name in EXPECTED:
        assert (tmp_path / "files" / name).read_bytes() == (CORPUS / "files" / name).read_bytes(), name
    kinds = {"truncated.png", "truncated.jpg", "cmyk.jpg", "gray16.png", "gray16.pgm", "palette_transparent.png",
             "la.tga", "rgb32rle.tga", "rgb.sgi", "animated.gif", "bomb_30000.png", "empty.png", "text.png",
             *(f"exif_{o}.jpg" for o in range(1, 9))}
    assert kinds <= set(EXPECTED)
    assert any("<" in name and ">" in name for name in EXPECTED)  # a name with HTML in it


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_file_decodes_or_names_its_problem(name, tmp_path, capsys):
    data = (CORPUS / "files" / name).read_bytes()
    expect = EXPECTED[name]
    out = tmp_path / "maps"
    status = main(["apply", str(CORPUS / "files" / name), "-k", "edge", "--out", str(out)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    if "error" in expect:
        words = expect["error"]
        with pytest.raises(ValueError) as e:
            header = page.call("image_header", None, {"bytes": data, "name": name})
            page.call("decode_file", None, {"bytes": data, "name": name})
        assert words in str(e.value) and f'"{name}"' in str(e.value)
        assert status == 1
        line = captured.err.strip()
        assert len(line.splitlines()) == 1 and words in line and name in line
        return
    result = expect["result"]
    header = page.call("image_header", None, {"bytes": data, "name": name})["meta"]
    assert header["decoder"] == result["decoder"] and header["format"] == result["format"]
    res = page.call("decode_file", None, {"bytes": data, "name": name, "max_side": 512})
    meta, image = res["meta"], res["arrays"]["image"]
    assert meta["format"] == result["format"] and meta["source"] == result["source"]
    assert image.shape == (3, result["source"][1], result["source"][0])
    assert image.dtype == np.float32 and 0 <= image.min() and image.max() <= 1
    assert status == 0
    m = page.call("convolve", image, {"kernels": [{"name": "edge", "rows": 3, "cols": 3,
                                                   "values": [2, 4, -2, 4, 0, -4, 2, -4, -2]}]})["meta"]["maps"][0]
    assert f"range {m['vmin']:.4g} .. {m['vmax']:.4g}" in captured.out
    decoded, _ = img.decode_image_bytes(data, name=name, max_side=512)
    np.testing.assert_array_equal(decoded, image)
