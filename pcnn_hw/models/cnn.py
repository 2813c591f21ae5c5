"""Binary CNNs: FINN's CNV (CIFAR-10) and mini-cnv (28×28 MNIST), with our binary quantizers.

Convolutions are 3×3 valid (no padding) with binary weights, batch-norm and binary activation;
2×2 max-pool acts on binary activations; then binary fully-connected layers, the last one without
activation, then ScoreNorm. The first conv has 8-bit inputs.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from pcnn_hw.errors import ConfigError
from pcnn_hw.models.score_norm import ScoreNorm
from pcnn_hw.quant import QuantConfig, binary_activation, binary_conv2d, binary_linear, input_quantizer

POOL = "pool"
# Conv plan (kernel counts and pools) and hidden FC widths, per topology.
CNN_PLANS = {
    "cnv": ([64, 64, POOL, 128, 128, POOL, 256, 256], [512, 512]),
    "mini-cnv": ([16, 16, POOL, 32, 32, POOL], [64]),
}


class BinaryCNN(nn.Module):
    """Input quantizer → convs/pools → flatten → binary FCs → binary classifier → ScoreNorm."""

    def __init__(self, plan: list, fc_widths: list[int], in_shape: tuple[int, int, int],
                 num_classes: int, cfg: QuantConfig):
        super().__init__()
        self.input_quant = input_quantizer()
        layers: list[nn.Module] = []
        channels = in_shape[0]
        for step in plan:
            if step == POOL:
                layers.append(nn.MaxPool2d(2))
                continue
            layers += [binary_conv2d(channels, step, 3, cfg), nn.BatchNorm2d(cfg.out_channels(step)),
                       binary_activation()]
            channels = cfg.out_channels(step)
        self.features = nn.Sequential(*layers)
        try:
            with torch.no_grad():
                flat = self.features.eval()(torch.zeros(1, *in_shape)).numel()
        except RuntimeError:  # a conv or pool met a feature map smaller than its kernel
            flat = 0
        if flat == 0:
            raise ConfigError(f"input shape {in_shape} is too small for this CNN")
        fcs: list[nn.Module] = []
        width = flat
        for kernels in fc_widths:
            fcs += [binary_linear(width, kernels, cfg), nn.BatchNorm1d(cfg.out_channels(kernels)),
                    binary_activation()]
            width = cfg.out_channels(kernels)
        self.fcs = nn.Sequential(*fcs)
        self.classifier = binary_linear(width, num_classes, cfg.for_classifier())
        self.score_norm = ScoreNorm()

    def forward(self, x: Tensor) -> Tensor:
        """Class scores for images x (N, C, H, W) in [0, 1]."""
        x = self.features(self.input_quant(x))
        return self.score_norm(self.classifier(self.fcs(x.flatten(1))))
