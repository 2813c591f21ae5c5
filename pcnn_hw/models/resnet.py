"""Binary residual networks: resnet-mini (28×28 MNIST), and ResNet-18 / WRN-22 for CIFAR-10.

Every convolution input is 1 bit (bipolar ±1); the *residual stream* between blocks is a small integer.

Residual stream. A block adds its branch output y ∈ {−1, +1} (the last conv's batch-norm + sign) to its
skip s: s' = s + y. The skip is either s itself (identity) or, in a block that changes stride or width,
a projection p = sign(BN(conv1×1(sign(BN(s))))) ∈ {−1, +1}, which restarts the sum. So s is always a sum
of n bipolar terms, n = 1 (stem) + the blocks since the last projection, and takes the n + 1 values
{−n, −n+2, …, n}. In hardware it is carried as the count of +1 terms u = (s + n) / 2 ∈ [0, n] (unsigned,
ceil(log2(n + 1)) bits): ResNet-18 and resnet-mini have n ≤ 3 (UINT2), WRN-22 (3 blocks per stage)
n ≤ 4 (UINT3). No clipping is needed: the width is bounded by the architecture, and the thresholds that
read the stream (sign(BN(s)) at the next block input) see its exact value. Widening the stream costs
only adder and FIFO bits; the branches stay XNOR-popcount.

Same padding. Bipolar activations are padded with −1 (explicitly, ``F.pad(value=-1)``), which is the bit
0 the hardware's FMPadding inserts; zero padding would be a third value the 1-bit stream cannot carry.
The stem pads the 8-bit pixels with 0 (a black pixel, exact in hardware too).

First and last layers. The PCNN paper keeps the first conv and the last FC in full precision. The
dataflow hardware forces: the stem has binary weights on 8-bit pixels (like FINN's CNV), and the
classifier has binary weights (one scale) on the last block's thresholded *bits*, with no activation
(its integer accumulators go to label select).

Classifier head. ``"gap"`` (resnet18, wrn22, as in the paper): the bits are global-average-pooled
(FINN's GlobalAccPool) before the classifier. ``"flat"`` (resnet-mini): the classifier reads all
C·H·W bits (like mini-cnv's FC), no pooling. Measured on MNIST-5k (Adam 2e-3, batch 100, after 20
steps): GAP of resnet-mini's 32 channels reaches 13 % train / 10 % test accuracy, the flat head 55 % /
53 % (mini-cnv 75 % / 74 %): 32 pooled channels are an information bottleneck for a 1-bit net that
trains in a few epochs (a float classifier on the pooled bits: 18 % / 10 %; a higher initial
ScoreNorm temperature: worse). The paper's nets pool 256–512 channels.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F  # noqa: N812 (PyTorch convention)
from torch import Tensor, nn

from pcnn_hw.errors import ConfigError
from pcnn_hw.models.score_norm import ScoreNorm
from pcnn_hw.quant import QuantConfig, binary_activation, binary_conv2d, binary_linear, input_quantizer

# name -> (stem kernels, stem padding, [(kernels, stride) per block])
RESNET_PLANS: dict[str, tuple[int, int, list[tuple[int, int]]]] = {
    "resnet-mini": (16, 0, [(16, 1), (32, 2), (32, 1)]),
    # ResNet-18, CIFAR-10 form (3×3 stem, no max-pool): 4 stages × 2 basic blocks.
    "resnet18": (64, 1, [(64, 1), (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1)]),
    # WRN-22-4 (Zagoruyko & Komodakis; PCNN-22): 16-channel stem, 3 stages × 3 blocks of width 64/128/256.
    "wrn22": (16, 1, [(64, 1), (64, 1), (64, 1), (128, 2), (128, 1), (128, 1),
                      (256, 2), (256, 1), (256, 1)]),
}
HEADS = ("gap", "flat")
DEFAULT_HEAD = {"resnet-mini": "flat", "resnet18": "gap", "wrn22": "gap"}


def pad_bipolar(x: Tensor, pad: int) -> Tensor:
    """Pad the spatial borders of a ±1 tensor with −1 (hardware bit 0)."""
    return F.pad(x, (pad, pad, pad, pad), value=-1.0) if pad else x


class BinaryBasicBlock(nn.Module):
    """s -> s + y; y = sign(BN(conv3×3(pad(sign(BN(conv3×3(pad(sign(BN(s)))))))))).

    With `stride` != 1 or a width change the skip is the projection sign(BN(conv1×1/stride(a'))), where
    a' = sign(BN'(s)) is its own threshold of s (a second 1-bit view of the stream).
    """

    def __init__(self, in_ch: int, kernels: int, stride: int, cfg: QuantConfig):
        super().__init__()
        out_ch = cfg.out_channels(kernels)
        self.in_bn, self.in_act = nn.BatchNorm2d(in_ch), binary_activation()
        self.conv1 = binary_conv2d(in_ch, kernels, 3, cfg, stride=stride)
        self.bn1, self.act1 = nn.BatchNorm2d(out_ch), binary_activation()
        self.conv2 = binary_conv2d(out_ch, kernels, 3, cfg)
        self.bn2, self.act2 = nn.BatchNorm2d(out_ch), binary_activation()
        self.projection: nn.Module | None = None
        if stride != 1 or in_ch != out_ch:
            self.projection = nn.Sequential(
                nn.BatchNorm2d(in_ch), binary_activation(),
                binary_conv2d(in_ch, kernels, 1, cfg, stride=stride),
                nn.BatchNorm2d(out_ch), binary_activation(),
            )

    def forward(self, s: Tensor) -> Tensor:
        """Next residual stream for stream s (N, C, H, W)."""
        a = self.in_act(self.in_bn(s))
        h = self.act1(self.bn1(self.conv1(pad_bipolar(a, 1))))
        y = self.act2(self.bn2(self.conv2(pad_bipolar(h, 1))))
        skip = s if self.projection is None else self.projection(s)
        return skip + y


class BinaryResNet(nn.Module):
    """Input quantizer → stem conv/BN/sign → basic blocks → BN/sign → bits → [GAP] → binary FC → ScoreNorm.

    `head` ("gap" or "flat", see the module docstring) defaults to DEFAULT_HEAD[name].
    """

    def __init__(self, name: str, in_shape: tuple[int, int, int], num_classes: int, cfg: QuantConfig,
                 head: str | None = None, plan: tuple[int, int, list[tuple[int, int]]] | None = None):
        super().__init__()
        # plan: (stem kernels, stem pad, [(kernels, stride)]) instead of RESNET_PLANS[name] (fuzzer nets)
        stem, stem_pad, plan = RESNET_PLANS[name] if plan is None else plan
        self.head = DEFAULT_HEAD.get(name, "flat") if head is None else head
        if self.head not in HEADS:
            raise ConfigError(f"resnet head must be one of {HEADS}, got {self.head!r}")
        self.stem_pad = stem_pad
        # training recalibrates the batch-norm statistics before each evaluation (pcnn_hw/train/batchnorm.py)
        self.recalibrate_bn = True
        self.input_quant = input_quantizer()
        self.stem = binary_conv2d(in_shape[0], stem, 3, cfg)
        self.stem_bn, self.stem_act = nn.BatchNorm2d(cfg.out_channels(stem)), binary_activation()
        blocks, channels = [], cfg.out_channels(stem)
        for kernels, stride in plan:
            blocks.append(BinaryBasicBlock(channels, kernels, stride, cfg))
            channels = cfg.out_channels(kernels)
        self.blocks = nn.Sequential(*blocks)
        self.out_bn, self.out_act = nn.BatchNorm2d(channels), binary_activation()
        side = in_shape[1] + 2 * stem_pad - 2
        for _, stride in plan:
            side = (side - 1) // stride + 1
        if side < 1 or min(in_shape[1:]) + 2 * stem_pad < 3:
            raise ConfigError(f"input shape {in_shape} is too small for {name}")
        width_side = in_shape[2] + 2 * stem_pad - 2
        for _, stride in plan:
            width_side = (width_side - 1) // stride + 1
        features = channels if self.head == "gap" else channels * side * width_side
        self.classifier = binary_linear(features, num_classes, cfg.for_classifier())
        self.score_norm = ScoreNorm()

    def features(self, x: Tensor) -> Tensor:
        """Bits {0, 1} (N, C, H, W) of the last block's thresholded stream."""
        x = self.input_quant(x)
        if self.stem_pad:
            x = F.pad(x, (self.stem_pad,) * 4, value=0.0)
        s = self.blocks(self.stem_act(self.stem_bn(self.stem(x))))
        return (self.out_act(self.out_bn(s)) + 1.0) * 0.5

    def forward(self, x: Tensor) -> Tensor:
        """Class scores for images x (N, C, H, W) in [0, 1]."""
        bits = self.features(x)
        if self.head == "gap":
            bits = F.adaptive_avg_pool2d(bits, 1)
        return self.score_norm(self.classifier(torch.flatten(bits, 1)))


def scaled_plan(name: str, width_div: int) -> tuple[int, int, list[tuple[int, int]]]:
    """RESNET_PLANS[name] with every kernel count divided by `width_div`: the same architecture (depth,
    strides, projection shortcuts, stream widths) at a fraction of the width, for the levels whose cost
    grows with the weights (Verilator). Pass it as ``BinaryResNet(name, ..., plan=scaled_plan(...))``."""
    if name not in RESNET_PLANS:
        raise ConfigError(f"no residual plan named {name!r} (known: {', '.join(RESNET_PLANS)})")
    stem, pad, plan = RESNET_PLANS[name]
    if width_div < 1 or stem % width_div or any(k % width_div for k, _ in plan):
        raise ConfigError(f"width_div must be >= 1 and divide every kernel count of {name}, got {width_div}")
    return stem // width_div, pad, [(k // width_div, s) for k, s in plan]
