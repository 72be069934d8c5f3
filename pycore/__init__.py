"""pycore: the numerical core of the CNN explorer (numpy only; CPython and Pyodide).

Each engineer's module adds its public names below with one import line.
"""

__version__ = "0.1.0"

from .ops import (
    ConvGeometry,
    as_float_array,
    avg_pool2d,
    conv2d,
    conv_output_geometry,
    conv_output_size,
    flip_kernel,
    leaky_relu,
    max_pool2d,
    pad,
    pair,
    relu,
    sigmoid,
    softmax,
    tanh,
)
from .kernels import KERNELS, describe_kernels, get_kernel, kernel_names
from .layers import AvgPool2d, Conv2d, Dense, Flatten, LeakyReLU, MaxPool2d, ReLU, Sigmoid, Softmax, Tanh
from .network import Sequential, build, normalize_spec, softmax_cross_entropy, trace, trace_totals, train_step
from .presets import PRESETS, get_preset, preset_names
from .datasets import DATASETS, Dataset, load_dataset, reduce_digit
from .train import Trainer, TrainSettings, evaluate, load_model, save_model
