"""Conv1d/2d and ConvTranspose1d/2d: PyTorch's parameters (names, shapes, default initialisation) over F.conv2d /
F.conv_transpose2d, so weights exported from torch.nn load with load_state_dict and give the same outputs."""
from .. import dtypes
from ..ops.conv import _pair
from ..tensor import _check_device, empty
from . import functional as F
from .linear import Linear
from .module import Module
from .parameter import Parameter

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """Shared by the 1-D and 2-D convolutions: checks, parameters (PyTorch's: weight (out, in/groups, *k), or
    (in, out/groups, *k) transposed), reset_parameters and repr. _dims: 1 or 2."""

    _dims = 2

    def __init__(self, name, in_channels, out_channels, kernel_size, stride, padding, dilation, transposed,
                 output_padding, groups, bias, padding_mode, device, dtype):
        super().__init__()
        _check_device(device)
        dtype = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
        if groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups}")
        if in_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) must be divisible by groups ({groups})")
        if out_channels % groups:
            raise ValueError(f"{name}: out_channels ({out_channels}) must be divisible by groups ({groups})")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        sizes = _single if self._dims == 1 else _pair  # an int or a _dims-tuple of them
        self.kernel_size = sizes(name, "kernel_size", kernel_size, 1)
        self.stride = sizes(name, "stride", stride, 1)
        self.dilation = sizes(name, "dilation", dilation, 1)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{name}: invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and self.stride != (1,) * self._dims:
                raise ValueError(f"{name}: padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = sizes(name, "padding", padding, 0)
        self.output_padding = sizes(name, "output_padding", output_padding, 0)
        self.transposed, self.groups, self.padding_mode = transposed, groups, padding_mode
        shape = (in_channels, out_channels // groups) if transposed else (out_channels, in_channels // groups)
        self.weight = Parameter(empty(shape + self.kernel_size, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    # PyTorch's rule, the same as Linear's: kaiming_uniform_(a=sqrt(5)) and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    # with fan_in = weight.shape[1] * kH * kW (so out_channels/groups * kH * kW for the transposed convolution)
    reset_parameters = Linear.reset_parameters

    def _explicit_padding(self):
        """F.pad's (left, right[, top, bottom]) for a padding_mode other than 'zeros' (PyTorch's split for 'same')."""
        if self.padding == "valid":
            return (0, 0) * self._dims
        if self.padding == "same":
            totals = [d * (k - 1) for d, k in zip(self.dilation, self.kernel_size)]
            pads = [(t // 2, t - t // 2) for t in totals]
        else:
            pads = [(p, p) for p in self.padding]
        return tuple(x for pair in reversed(pads) for x in pair)  # the last dim first, as F.pad takes them

    def extra_repr(self):
        zeros, ones = (0,) * self._dims, (1,) * self._dims
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != zeros:
            s += f", padding={self.padding}"  # PyTorch prints padding=same, unquoted
        if self.dilation != ones:
            s += f", dilation={self.dilation}"
        if self.output_padding != zeros:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv2d(_ConvNd):
    """2-D convolution over (N, C_in, H, W) or (C_in, H, W): weight (out_channels, in_channels/groups, kH, kW),
    bias (out_channels,). padding: int, pair, 'valid' or 'same'; padding_mode: zeros, reflect, replicate, circular.

    H_out = floor((H + 2 padding - dilation (kH - 1) - 1) / stride) + 1 (likewise W).
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__("Conv2d", in_channels, out_channels, kernel_size, stride, padding, dilation, False, 0,
                         groups, bias, padding_mode, device, dtype)

    def forward(self, input):
        if self.padding_mode != "zeros":
            input = F.pad(input, self._explicit_padding(), mode=self.padding_mode)
            return F.conv2d(input, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class ConvTranspose2d(_ConvNd):
    """The adjoint of Conv2d (a "deconvolution", used to up-sample): weight (in_channels, out_channels/groups, kH,
    kW), bias (out_channels,). H_out = (H - 1) stride - 2 padding + dilation (kH - 1) + output_padding + 1.

    forward(input, output_size=None): output_size (the last two entries are used) picks the output_padding that
    gives that size, as in PyTorch.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for ConvTranspose2d, got {padding_mode!r}')
        if isinstance(padding, str):
            raise ValueError(f"ConvTranspose2d: padding must be an int or a pair, got {padding!r}")
        super().__init__("ConvTranspose2d", in_channels, out_channels, kernel_size, stride, padding, dilation, True,
                         output_padding, groups, bias, padding_mode, device, dtype)

    def _output_padding(self, input, output_size):
        if output_size is None:
            return self.output_padding
        output_size = tuple(output_size)[-2:]
        result = []
        for i, n in enumerate(input.shape[-2:]):
            smallest = ((n - 1) * self.stride[i] - 2 * self.padding[i] + self.dilation[i] * (self.kernel_size[i] - 1)
                        + 1)
            largest = smallest + self.stride[i] - 1
            if not smallest <= output_size[i] <= largest:
                raise ValueError(
                    f"ConvTranspose2d: requested an output size of {output_size}, but valid sizes range from "
                    f"({smallest}..{largest}) in dimension {i} (for an input of {tuple(input.shape)})"
                )
            result.append(output_size[i] - smallest)
        return tuple(result)

    def forward(self, input, output_size=None):
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                  self._output_padding(input, output_size), self.groups, self.dilation)


def _single(name, what, value, minimum):
    v = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if len(v) != 1 or not isinstance(v[0], int) or isinstance(v[0], bool) or v[0] < minimum:
        raise ValueError(f"{name}: {what} must be an int >= {minimum} or a 1-tuple of one, got {value!r}")
    return v


class _Conv1dNd(_ConvNd):
    """The 1-D convolutions' base: the forward goes through F.conv1d / F.conv_transpose1d."""

    _dims = 1


class Conv1d(_Conv1dNd):
    """1-D convolution over (N, C_in, L) or (C_in, L): weight (out_channels, in_channels/groups, k), bias
    (out_channels,); L_out = floor((L + 2 padding - dilation (k - 1) - 1) / stride) + 1."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__("Conv1d", in_channels, out_channels, kernel_size, stride, padding, dilation, False, 0,
                         groups, bias, padding_mode, device, dtype)

    def forward(self, input):
        if self.padding_mode != "zeros":
            input = F.pad(input, self._explicit_padding(), mode=self.padding_mode)
            return F.conv1d(input, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return F.conv1d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class ConvTranspose1d(_Conv1dNd):
    """The adjoint of Conv1d: weight (in_channels, out_channels/groups, k), bias (out_channels,);
    L_out = (L - 1) stride - 2 padding + dilation (k - 1) + output_padding + 1."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for ConvTranspose1d, got {padding_mode!r}')
        if isinstance(padding, str):
            raise ValueError(f"ConvTranspose1d: padding must be an int, got {padding!r}")
        super().__init__("ConvTranspose1d", in_channels, out_channels, kernel_size, stride, padding, dilation, True,
                         output_padding, groups, bias, padding_mode, device, dtype)

    def forward(self, input, output_size=None):
        output_padding = self.output_padding
        if output_size is not None:
            smallest = ((input.shape[-1] - 1) * self.stride[0] - 2 * self.padding[0]
                        + self.dilation[0] * (self.kernel_size[0] - 1) + 1)
            target = tuple(output_size)[-1]
            if not smallest <= target <= smallest + self.stride[0] - 1:
                raise ValueError(f"ConvTranspose1d: requested an output size of {output_size}, but valid sizes range "
                                 f"from {smallest} to {smallest + self.stride[0] - 1}")
            output_padding = (target - smallest,)
        return F.conv_transpose1d(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                                  self.groups, self.dilation)
