"""The course's image-classification CNN: two conv + ReLU + max-pool blocks, then a dense ReLU layer and the
class scores (MNIST: conv 24 3x3 -> pool -> conv 36 3x3 -> pool -> dense 128 -> dense 10)."""
from .. import nn


class CNN(nn.Sequential):
    """in (N, in_channels, image_size, image_size) -> logits (N, num_classes).

    Each block is Conv2d(kernel_size, padding) [-> BatchNorm2d] -> ReLU -> MaxPool2d(2); then Flatten ->
    Linear(hidden) [-> BatchNorm1d] -> ReLU [-> Dropout] -> Linear(num_classes). A Sequential, so the state_dict
    names are those of the same stack in torch.nn.Sequential and PyTorch weights load directly.
    """

    def __init__(self, in_channels=1, image_size=28, num_classes=10, channels=(24, 36), hidden=128, kernel_size=3,
                 padding=0, batchnorm=False, dropout=0.0):
        layers, c, size = [], in_channels, image_size
        for k in channels:
            layers.append(nn.Conv2d(c, k, kernel_size, padding=padding))
            if batchnorm:
                layers.append(nn.BatchNorm2d(k))
            layers += [nn.ReLU(), nn.MaxPool2d(2)]
            size = (size + 2 * padding - kernel_size + 1) // 2
            if size < 1:
                raise ValueError(f"CNN: {image_size}x{image_size} images are too small for {len(channels)} blocks of "
                                 f"{kernel_size}x{kernel_size} convolutions (padding {padding}) and 2x2 pooling")
            c = k
        layers += [nn.Flatten(), nn.Linear(c * size * size, hidden)]
        if batchnorm:
            layers.append(nn.BatchNorm1d(hidden))
        layers.append(nn.ReLU())
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        layers.append(nn.Linear(hidden, num_classes))
        super().__init__(*layers)
        self.in_channels, self.image_size, self.feature_size = in_channels, image_size, size

    def feature_maps(self, x):
        """The activations after each conv block's ReLU (before pooling), for (N, C, H, W) input x."""
        maps = []
        for layer in self:
            if isinstance(layer, nn.Flatten):
                break
            x = layer(x)
            if isinstance(layer, nn.ReLU):
                maps.append(x)
        return maps
