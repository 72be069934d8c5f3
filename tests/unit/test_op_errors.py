"""Every error branch of pycore.ops: the exception type and a message that
names the argument and its value."""

import numpy as np
import pytest

from pycore import ops, validate

X = np.zeros((2, 6, 6))
W = np.zeros((4, 2, 3, 3))


# ---------------------------------------------------------------- helpers


@pytest.mark.parametrize("bad", [1.5, True, (1, 2, 3), "2", (1, 2.0), None])
def test_pair_rejects_non_int(bad):
    with pytest.raises(TypeError, match="stride must be an int or a pair of ints, got"):
        validate.pair(bad, "stride")


@pytest.mark.parametrize("bad", [np.zeros(2, complex), np.array(["a"]), np.array([object()]), None])
def test_as_float_array_rejects_non_real(bad):
    with pytest.raises(TypeError, match="x must be a real-valued .* array, got dtype"):
        ops.as_float_array(bad, "x")


# ---------------------------------------------------------------- conv2d


def test_conv2d_x_ndim():
    with pytest.raises(ValueError, match=r"x must have 2, 3 or 4 dimensions .* got shape \(6,\)"):
        ops.conv2d(np.zeros(6), W)
    with pytest.raises(ValueError, match=r"got shape \(1, 1, 2, 6, 6\)"):
        ops.conv2d(np.zeros((1, 1, 2, 6, 6)), W)


def test_conv2d_x_dtype():
    with pytest.raises(TypeError, match="x must be a real-valued"):
        ops.conv2d(X.astype(complex), W)


def test_conv2d_weight_dtype():
    with pytest.raises(TypeError, match="weight must be a real-valued"):
        ops.conv2d(X, W.astype(complex))


def test_conv2d_weight_ndim():
    with pytest.raises(ValueError, match=r"weight must have shape .* got shape \(2, 3, 3\)"):
        ops.conv2d(X, np.zeros((2, 3, 3)))


def test_conv2d_groups_type():
    with pytest.raises(TypeError, match="groups must be an int, got 1.5"):
        ops.conv2d(X, W, groups=1.5)


def test_conv2d_groups_range():
    with pytest.raises(ValueError, match="groups must be >= 1, got 0"):
        ops.conv2d(X, W, groups=0)


def test_conv2d_out_channels_not_divisible_by_groups():
    with pytest.raises(ValueError, match=r"out channels \(weight.shape\[0\] = 3\) must be divisible by groups = 2"):
        ops.conv2d(X, np.zeros((3, 1, 3, 3)), groups=2)


def test_conv2d_in_channels_mismatch():
    with pytest.raises(ValueError,
                       match=r"x has 2 channels but weight expects weight.shape\[1\] \* groups = 3 \* 1 = 3"):
        ops.conv2d(X, np.zeros((4, 3, 3, 3)))


def test_conv2d_bias_shape():
    with pytest.raises(ValueError, match=r"bias must have shape \(4,\) to match weight, got shape \(3,\)"):
        ops.conv2d(X, W, bias=np.zeros(3))


def test_conv2d_bias_dtype():
    with pytest.raises(TypeError, match="bias must be a real-valued"):
        ops.conv2d(X, W, bias=np.array(["a"] * 4))


def test_conv2d_stride_zero():
    with pytest.raises(ValueError, match="stride must be >= 1, got 0"):
        ops.conv2d(X, W, stride=0)


def test_conv2d_stride_pair_with_zero():
    with pytest.raises(ValueError, match=r"stride must be >= 1, got \(1, 0\)"):
        ops.conv2d(X, W, stride=(1, 0))


def test_conv2d_stride_float():
    with pytest.raises(TypeError, match="stride must be an int or a pair of ints, got 1.5"):
        ops.conv2d(X, W, stride=1.5)


def test_conv2d_stride_bool():
    with pytest.raises(TypeError, match="stride must be an int or a pair of ints, got True"):
        ops.conv2d(X, W, stride=True)


def test_conv2d_dilation_zero():
    with pytest.raises(ValueError, match="dilation must be >= 1, got 0"):
        ops.conv2d(X, W, dilation=0)


def test_conv2d_dilation_float():
    with pytest.raises(TypeError, match="dilation must be an int or a pair of ints, got 2.0"):
        ops.conv2d(X, W, dilation=2.0)


def test_conv2d_negative_padding():
    with pytest.raises(ValueError, match="padding must be >= 0, got -1"):
        ops.conv2d(X, W, padding=-1)


def test_conv2d_padding_float():
    with pytest.raises(TypeError, match="padding must be an int or a pair of ints, got 0.5"):
        ops.conv2d(X, W, padding=0.5)


def test_conv2d_unknown_padding_string():
    with pytest.raises(ValueError, match="padding must be an int, a pair of ints, 'valid' or 'same', got 'full'"):
        ops.conv2d(X, W, padding="full")


def test_conv2d_same_with_stride():
    with pytest.raises(ValueError, match=r'padding "same" needs stride 1, got stride 2$'):
        ops.conv2d(X, W, padding="same", stride=2)


def test_conv2d_unknown_padding_mode():
    with pytest.raises(ValueError,
                       match="padding_mode must be one of 'zeros', 'reflect', 'replicate', 'circular', got 'mirror'"):
        ops.conv2d(X, W, padding=1, padding_mode="mirror")


def test_conv2d_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match=r"kernel size 7 \(spanning 7 with its dilation\) "
                                             r"is larger than the padded input 6"):
        ops.conv2d(X, np.zeros((1, 2, 7, 3)))


def test_conv2d_dilated_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match=r"kernel size 3 \(spanning 7 with its dilation\) "
                                             r"is larger than the padded input 6"):
        ops.conv2d(X, W, dilation=3)


def test_conv2d_reflect_padding_too_large():
    with pytest.raises(ValueError, match="reflect padding must be smaller than the input width: left pad 6 >= width 6"):
        ops.conv2d(X, W, padding=6, padding_mode="reflect")


def test_conv2d_circular_padding_too_large():
    with pytest.raises(ValueError, match="circular padding must not exceed the input width: left pad 7 > width 6"):
        ops.conv2d(X, W, padding=7, padding_mode="circular")


# ---------------------------------------------------------------- pad


def test_pad_x_ndim():
    with pytest.raises(ValueError, match=r"x must have 2, 3 or 4 dimensions .* got shape \(5,\)"):
        ops.pad(np.zeros(5), 1)


def test_pad_unknown_mode():
    with pytest.raises(ValueError,
                       match="mode must be one of 'constant', 'reflect', 'replicate', 'circular', got 'edge'"):
        ops.pad(X, 1, mode="edge")


def test_pad_mode_not_a_string():
    with pytest.raises(ValueError, match="mode must be one of .* got None"):
        ops.pad(X, 1, mode=None)


@pytest.mark.parametrize("bad", [1.5, (1, 2, 3), (1, 2, 3, 4.0), "1", True])
def test_pad_bad_pad_type(bad):
    with pytest.raises(TypeError, match=r"pad must be an int or a tuple \(left, right, top, bottom\) of ints, got"):
        ops.pad(X, bad)


def test_pad_negative():
    with pytest.raises(ValueError, match=r"pad must be >= 0, got \(1, -1, 0, 0\)"):
        ops.pad(X, (1, -1, 0, 0))


def test_pad_value_type():
    with pytest.raises(TypeError, match="value must be a real number, got 'x'"):
        ops.pad(X, 1, value="x")


def test_pad_reflect_too_large():
    with pytest.raises(ValueError,
                       match="reflect padding must be smaller than the input height: bottom pad 6 >= height 6"):
        ops.pad(X, (0, 0, 0, 6), mode="reflect")


def test_pad_circular_too_large():
    with pytest.raises(ValueError, match="circular padding must not exceed the input height: top pad 7 > height 6"):
        ops.pad(X, (0, 0, 7, 0), mode="circular")


def test_pad_internal_mode_switch_has_an_error_branch():
    with pytest.raises(ValueError, match="mode must be one of .* got 'edge'"):
        ops._pad_into(X, np.zeros((2, 8, 8)), (1, 1, 1, 1), "edge")


def test_pad_replicate_empty():
    with pytest.raises(ValueError, match="replicate padding needs a non-empty input, got width 0"):
        ops.pad(np.zeros((3, 0)), 1, mode="replicate")


# ---------------------------------------------------------------- pooling


@pytest.mark.parametrize("pool", [ops.max_pool2d, ops.avg_pool2d])
def test_pool_x_ndim(pool):
    with pytest.raises(ValueError, match=r"x must have 2, 3 or 4 dimensions .* got shape \(4,\)"):
        pool(np.zeros(4), 2)


@pytest.mark.parametrize("pool", [ops.max_pool2d, ops.avg_pool2d])
def test_pool_kernel_size_zero(pool):
    with pytest.raises(ValueError, match="kernel_size must be >= 1, got 0"):
        pool(X, 0)


@pytest.mark.parametrize("pool", [ops.max_pool2d, ops.avg_pool2d])
def test_pool_kernel_size_float(pool):
    with pytest.raises(TypeError, match="kernel_size must be an int or a pair of ints, got 2.5"):
        pool(X, 2.5)


@pytest.mark.parametrize("pool", [ops.max_pool2d, ops.avg_pool2d])
def test_pool_stride_zero(pool):
    with pytest.raises(ValueError, match=r"stride must be >= 1, got \(0, 1\)"):
        pool(X, 2, stride=(0, 1))


@pytest.mark.parametrize("pool", [ops.max_pool2d, ops.avg_pool2d])
def test_pool_negative_padding(pool):
    with pytest.raises(ValueError, match="padding must be >= 0, got -1"):
        pool(X, 2, padding=-1)


@pytest.mark.parametrize("pool", [ops.max_pool2d, ops.avg_pool2d])
def test_pool_padding_more_than_half_kernel(pool):
    with pytest.raises(ValueError, match=r"padding must be at most half the window: the window is 3 and the "
                                         r"padding 2$"):
        pool(X, 3, padding=2)


def test_max_pool_dilation_zero():
    with pytest.raises(ValueError, match="dilation must be >= 1, got 0"):
        ops.max_pool2d(X, 2, dilation=0)


@pytest.mark.parametrize("pool", [ops.max_pool2d, ops.avg_pool2d])
def test_pool_ceil_mode_not_bool(pool):
    with pytest.raises(TypeError, match="ceil_mode must be a bool, got 'yes'"):
        pool(X, 2, ceil_mode="yes")


def test_avg_pool_count_include_pad_not_bool():
    with pytest.raises(TypeError, match="count_include_pad must be a bool, got None"):
        ops.avg_pool2d(X, 2, count_include_pad=None)


@pytest.mark.parametrize("pool", [ops.max_pool2d, ops.avg_pool2d])
def test_pool_kernel_larger_than_input(pool):
    with pytest.raises(ValueError, match=r"kernel size 7 \(spanning 7 with its dilation\) "
                                             r"is larger than the padded input 6"):
        pool(X, 7)


@pytest.mark.parametrize("pool", [ops.max_pool2d, ops.avg_pool2d])
def test_pool_dtype(pool):
    with pytest.raises(TypeError, match="x must be a real-valued"):
        pool(X.astype(complex), 2)


# ---------------------------------------------------------------- output geometry


def test_geometry_input_size_zero():
    with pytest.raises(ValueError, match="input size must be >= 1, got 0"):
        ops.conv_output_size(0, 1)


def test_geometry_input_size_not_int():
    with pytest.raises(TypeError, match="input size must be an int, got 5.0"):
        ops.conv_output_size(5.0, 1)


def test_geometry_kernel_size_not_int():
    with pytest.raises(TypeError, match="kernel_size must be an int, got True"):
        ops.conv_output_size(5, True)


def test_geometry_kernel_size_zero():
    with pytest.raises(ValueError, match="kernel_size must be >= 1, got 0"):
        ops.conv_output_size(5, 0)


def test_geometry_stride_zero():
    with pytest.raises(ValueError, match="stride must be >= 1, got 0"):
        ops.conv_output_size(5, 1, stride=0)


def test_geometry_stride_float():
    with pytest.raises(TypeError, match="stride must be an int, got 1.5"):
        ops.conv_output_size(5, 1, stride=1.5)


def test_geometry_dilation_zero():
    with pytest.raises(ValueError, match="dilation must be >= 1, got 0"):
        ops.conv_output_size(5, 1, dilation=0)


def test_geometry_negative_padding():
    with pytest.raises(ValueError, match=r"padding must be >= 0, got \(0, -2\)"):
        ops.conv_output_geometry(5, 1, padding=(0, -2))


def test_geometry_padding_float():
    with pytest.raises(TypeError, match="padding must be an int or a pair of ints, got 1.0"):
        ops.conv_output_geometry(5, 1, padding=1.0)


def test_geometry_ceil_mode_not_bool():
    with pytest.raises(TypeError, match="ceil_mode must be a bool, got 1"):
        ops.conv_output_geometry(5, 1, ceil_mode=1)


def test_geometry_kernel_too_large():
    with pytest.raises(ValueError, match=r"kernel size 5 \(spanning 5 with its dilation\) "
                                             r"is larger than the padded input 3"):
        ops.conv_output_size(3, 5)


def test_geometry_dilated_kernel_too_large_with_padding():
    with pytest.raises(ValueError, match=r"kernel size 3 \(spanning 9 with its dilation\) "
                                             r"is larger than the padded input 7"):
        ops.conv_output_size(3, 3, padding=2, dilation=4)


# ---------------------------------------------------------------- others


def test_flip_kernel_ndim():
    with pytest.raises(ValueError, match=r"w must have at least 2 dimensions \(kH, kW\), got shape \(3,\)"):
        ops.flip_kernel(np.zeros(3))


def test_flip_kernel_dtype():
    with pytest.raises(TypeError, match="w must be a real-valued"):
        ops.flip_kernel(np.zeros((2, 2), complex))


@pytest.mark.parametrize("fn", [ops.relu, ops.sigmoid, ops.tanh, ops.leaky_relu, ops.softmax])
def test_activation_dtype(fn):
    with pytest.raises(TypeError, match="x must be a real-valued"):
        fn(np.zeros(3, complex))


def test_leaky_relu_slope_type():
    with pytest.raises(TypeError, match="negative_slope must be a real number, got '0.1'"):
        ops.leaky_relu(np.zeros(3), "0.1")


def test_softmax_axis_type():
    with pytest.raises(TypeError, match="axis must be an int, got 0.0"):
        ops.softmax(np.zeros(3), axis=0.0)


def test_softmax_axis_out_of_range():
    with pytest.raises(ValueError, match=r"axis 2 is out of range for an array of shape \(2, 3\)"):
        ops.softmax(np.zeros((2, 3)), axis=2)


def test_softmax_scalar_input():
    with pytest.raises(ValueError, match=r"axis -1 is out of range for an array of shape \(\)"):
        ops.softmax(np.float64(1.0))
