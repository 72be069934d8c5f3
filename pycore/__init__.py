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
