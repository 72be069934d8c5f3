"""pycore.codegen: the PyTorch and pycore source of a network spec."""

import ast

import numpy as np
import pytest

from pycore import codegen
from pycore.network import build

SPEC = [{"type": "conv2d", "filters": 3, "kernel_size": 3, "padding": 1},
        {"type": "maxpool", "kernel_size": 3, "stride": 2, "padding": 1},
        {"type": "flatten"}, {"type": "dense", "units": 4}]


def test_pool_padding_is_written_only_where_there_is_some():
    torch = codegen.torch_code(SPEC, (1, 9, 9))
    assert "torch.nn.MaxPool2d(kernel_size=3, stride=2, padding=1, ceil_mode=False)" in torch
    plain = codegen.torch_code([{"type": "avgpool"}], (1, 4, 4))
    assert "torch.nn.AvgPool2d(kernel_size=2, stride=2, ceil_mode=False)" in plain
    ast.parse(torch)


def test_pycore_code_builds_the_network_build_draws():
    code = codegen.pycore_code(SPEC, (1, 9, 9), seed=4, init="glorot")
    ns = {}
    exec(compile(code.replace("print(name, out.shape)", "pass"), "<export>", "exec"), ns)
    ref = build(SPEC, (1, 9, 9), seed=4, init="glorot")
    x = np.random.default_rng(0).random((1, 9, 9))
    assert ns["net"].names == ref.names
    np.testing.assert_array_equal(ns["net"].forward(x), ref.forward(x))


def test_an_invalid_stack_has_no_code_and_says_why():
    with pytest.raises(ValueError, match=r"no code for it: layer 0 \(dense1\): a dense layer needs a flat list"):
        codegen.torch_code([{"type": "dense", "units": 3}], (1, 4, 4))
    with pytest.raises(ValueError, match=r"no code for it: layer 0 \(conv1\): filters must be given"):
        codegen.pycore_code([{"type": "conv2d"}], (1, 4, 4), seed=0, init="he")


def test_shape_text():
    assert codegen.shape_text([10, 11, 15]) == "10×11×15"


def test_torch_code_says_whose_weights_the_model_holds():
    spec = [{"type": "conv2d", "filters": 2, "kernel_size": 3}, {"type": "flatten"}]
    assert "torch draws its own initial weights" in codegen.torch_code(spec, (1, 5, 5))
    loaded = codegen.torch_code(spec, (1, 5, 5), weights="loaded")
    assert "loaded into this model below" in loaded and "torch draws" not in loaded
    with pytest.raises(ValueError, match="weights must be 'random' or 'loaded', got 'trained'"):
        codegen.torch_code(spec, (1, 5, 5), weights="trained")
