"""A small U-Net: a fully convolutional encoder-decoder with skip connections for per-pixel classification."""
from .. import nn
from ..ops.shape import cat


def conv_block(in_channels, out_channels, batchnorm=True):
    """Two (Conv2d 3x3 'same' [-> BatchNorm2d] -> ReLU) layers."""
    layers = []
    for c in (in_channels, out_channels):
        layers.append(nn.Conv2d(c, out_channels, 3, padding=1, bias=not batchnorm))
        if batchnorm:
            layers.append(nn.BatchNorm2d(out_channels))
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class UNet(nn.Module):
    """(N, in_channels, H, W) -> per-pixel logits (N, num_classes, H, W); H and W must be divisible by 2**depth.

    Encoder: `depth` conv blocks (base, 2 base, ... channels), each followed by 2x2 max pooling; a bottleneck block;
    decoder: per level, up-sample x2 (ConvTranspose2d 2x2 stride 2 with up='transpose', or Upsample bilinear +
    Conv2d 3x3 with up='bilinear'), concatenate the encoder's output of the same size (the skip connection), and a
    conv block. A final 1x1 convolution gives the class scores.
    """

    def __init__(self, in_channels=3, num_classes=4, base=16, depth=2, up="transpose", batchnorm=True):
        super().__init__()
        if up not in ("transpose", "bilinear"):
            raise ValueError(f"UNet: up must be 'transpose' or 'bilinear', got {up!r}")
        self.depth = depth
        widths = [base * 2**i for i in range(depth)]
        self.encoder = nn.ModuleList()
        c = in_channels
        for w in widths:
            self.encoder.append(conv_block(c, w, batchnorm))
            c = w
        self.pool = nn.MaxPool2d(2)
        self.bottleneck = conv_block(c, 2 * c, batchnorm)
        c *= 2
        self.upsample, self.decoder = nn.ModuleList(), nn.ModuleList()
        for w in reversed(widths):
            if up == "transpose":
                self.upsample.append(nn.ConvTranspose2d(c, w, 2, stride=2))
            else:
                self.upsample.append(nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear"),
                                                   nn.Conv2d(c, w, 3, padding=1)))
            self.decoder.append(conv_block(2 * w, w, batchnorm))
            c = w
        self.head = nn.Conv2d(c, num_classes, 1)

    def forward(self, x):
        factor = 2**self.depth
        if x.ndim != 4 or x.shape[2] % factor or x.shape[3] % factor:
            raise ValueError(f"UNet: expected (N, C, H, W) input with H and W divisible by {factor} (depth "
                             f"{self.depth}), got {tuple(x.shape)}")
        skips = []
        for block in self.encoder:
            x = block(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottleneck(x)
        for up, block, skip in zip(self.upsample, self.decoder, reversed(skips)):
            x = block(cat([up(x), skip], 1))
        return self.head(x)
