"""pycore: the numerical core of the CNN explorer (numpy only; CPython and Pyodide).

The core modules (ops, validate, kernels, presets, layers, network, image, windows,
codegen) know nothing of the web page; :mod:`pycore.page` holds the adapters the
page's worker calls, and nothing here imports it.
"""

# The one place the version is written: setuptools reads it from here
# (pyproject.toml's dynamic version) and the page reports it.
__version__ = "0.1.0"

from .datasets import DATASETS, Dataset, load_dataset, reduce_digit
from .kernels import KERNELS, describe_kernels, get_kernel, kernel_names
from .layers import AvgPool2d, Conv2d, Dense, Flatten, LeakyReLU, MaxPool2d, ReLU, Sigmoid, Softmax, Tanh
from .network import Sequential, build, normalize_spec, softmax_cross_entropy, trace, trace_totals, train_step
from .ops import (
    ACTIVATIONS,
    PADDING_MODES,
    ConvGeometry,
    TransposedGeometry,
    activate,
    as_float_array,
    avg_pool2d,
    conv2d,
    conv_output_geometry,
    conv_output_size,
    conv_transpose2d,
    conv_transpose_output_geometry,
    conv_transpose_output_size,
    finite_range,
    flip_kernel,
    leaky_relu,
    max_pool2d,
    pad,
    relu,
    sigmoid,
    softmax,
    tanh,
)
from .presets import PRESETS, get_preset, preset_names
from .train import Trainer, TrainSettings, evaluate, load_model, save_model
from .validate import pair

__all__ = [
    "__version__",
    "ACTIVATIONS",
    "PADDING_MODES",
    "ConvGeometry",
    "TransposedGeometry",
    "activate",
    "as_float_array",
    "avg_pool2d",
    "conv2d",
    "conv_output_geometry",
    "conv_output_size",
    "conv_transpose2d",
    "conv_transpose_output_geometry",
    "conv_transpose_output_size",
    "finite_range",
    "flip_kernel",
    "leaky_relu",
    "max_pool2d",
    "pad",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
    "pair",
    "KERNELS",
    "describe_kernels",
    "get_kernel",
    "kernel_names",
    "AvgPool2d",
    "Conv2d",
    "Dense",
    "Flatten",
    "LeakyReLU",
    "MaxPool2d",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "Sequential",
    "build",
    "normalize_spec",
    "softmax_cross_entropy",
    "trace",
    "trace_totals",
    "train_step",
    "PRESETS",
    "get_preset",
    "preset_names",
    "DATASETS",
    "Dataset",
    "load_dataset",
    "reduce_digit",
    "Trainer",
    "TrainSettings",
    "evaluate",
    "load_model",
    "save_model",
]
