"""REFERENCE ONLY, for the benchmark (tools/bench/). Not part of the product.

The seed notebook's own per-pixel loop code, re-typed from
shared/seed/cnn-module-notebook.txt ("Feature Extraction": ``ConvLayer``;
"Down Sampling": ``PoolLayer``; "Let's Build The Damn Thing": ``NDPooler``), so the
benchmark can say how much faster pycore is than the code the learner started from.

The loops are kept exactly as the notebook wrote them (plotting removed). Only two
things differ, both outside the loops: the module header, and ``mean`` is imported
here from ``statistics`` as the notebook did in the cell that defines ``PoolLayer``.

Semantics, for comparing against pycore:
- ``ConvLayer`` works on one 2-D (H, W) image, "valid" (no padding), stride 1, no
  kernel flip (a cross-correlation, as ``pycore.ops.conv2d``), then applies
  ``activation`` to every output value. Its default activation is the notebook's
  ``relu`` (``max(0, z)``); pass ``activation=identity`` to time the convolution alone.
- ``PoolLayer`` pools one 2-D image with non-overlapping windows (stride = window),
  dropping the ragged edge (``int(H / rf)``), as ``max_pool2d``/``avg_pool2d`` with
  ``ceil_mode=False``.
- ``NDPooler`` is the same over a channels-last (H, W, C) array.
"""

from __future__ import annotations

from statistics import mean  # noqa: F401  (the notebook's average pooler)

import numpy as np

__all__ = ["relu", "identity", "mean", "ConvLayer", "PoolLayer", "NDPooler"]


def relu(z):
    return max(0, z)


def identity(z):
    """Not in the notebook: lets the benchmark time ConvLayer's convolution alone."""
    return z


class ConvLayer:
    def __init__(self, filters, activation=relu):
        self.filters = filters
        self.activation = activation

    def predict(self, image):
        # create one feature map for each type of filter
        feature_maps = []

        for f in self.filters:
            x = image.shape[0] - f.shape[0] + 1
            y = image.shape[1] - f.shape[1] + 1

            feature_map = np.ones(shape=(x, y))

            # slide the edge detection filter over the image
            # to create a feature map for each filter
            for i in range(x):
                for j in range(y):
                    # convolution operation
                    conv = np.sum(image[i:(i + f.shape[0]), j:(j + f.shape[1])] * f)
                    # activation function
                    feature_map[i, j] = self.activation(conv)

            feature_maps.append(feature_map)

        return np.array(feature_maps)


class PoolLayer:
    def __init__(self, pooler, dim):
        # a pooler is a function that takes in multiple values and returns one
        self.pooler = pooler
        # the dimensions of the receptive field to pool
        self.rec_field = dim
        self.da_dz = None  # well save this for later

    def predict(self, data):
        # the predict function is used by the network for pass input through the layer
        rf_x = self.rec_field[0]
        rf_y = self.rec_field[1]

        x = int(data.shape[0] / rf_x)
        y = int(data.shape[1] / rf_y)

        output = np.zeros(shape=(x, y))

        for i in range(x):
            for j in range(y):
                field = data[i * rf_x:(i + 1) * rf_x, j * rf_y:(j + 1) * rf_y]
                output[i, j] = self.pooler(field.flatten())

        return output


class NDPooler:
    def __init__(self, pooler, dims, channels=1):
        # NDPooler = N-Dimensional pooler
        # pool across multiple dimensions
        # used for multiple input channels / feature maps
        self.pool = pooler

        # rf = receptive field
        self.rf = dims

        # d = depth
        self.d = channels

        self.da_dz = None  # save this for later

    def predict(self, data):
        rf, d, pool = self.rf, self.d, self.pool

        x = int(data.shape[0] / rf[0])
        y = int(data.shape[1] / rf[1])

        output = np.zeros(shape=(x, y, d))

        for i in range(x):
            for j in range(y):
                for k in range(d):
                    field = data[i * rf[0]:(i + 1) * rf[0], j * rf[1]:(j + 1) * rf[1], k]
                    output[i, j, k] = pool(field.flatten())

        return output
