"""FINN's MLP topologies (TFC / SFC / LFC) with our binary quantizers.

8-bit input, three hidden layers of binary weights + batch-norm + binary activation, a last layer with
binary weights and no activation (its integer popcounts feed label select), then ScoreNorm.
"""

from __future__ import annotations

from torch import Tensor, nn

from pcnn_hw.models.score_norm import ScoreNorm
from pcnn_hw.quant import QuantConfig, binary_activation, binary_linear, input_quantizer

MLP_WIDTHS = {"tfc": 64, "sfc": 256, "lfc": 1024}


class BinaryMLP(nn.Module):
    """Input quantizer → [binary linear → BN → sign] × len(hidden) → binary linear → ScoreNorm."""

    def __init__(self, in_features: int, hidden: list[int], num_classes: int, cfg: QuantConfig):
        super().__init__()
        self.input_quant = input_quantizer()
        layers: list[nn.Module] = []
        width = in_features
        for kernels in hidden:
            layers += [binary_linear(width, kernels, cfg), nn.BatchNorm1d(cfg.out_channels(kernels)),
                       binary_activation()]
            width = cfg.out_channels(kernels)
        self.features = nn.Sequential(*layers)
        self.classifier = binary_linear(width, num_classes, cfg.for_classifier())
        self.score_norm = ScoreNorm()

    def forward(self, x: Tensor) -> Tensor:
        """Class scores for images x (N, C, H, W) in [0, 1]."""
        x = self.input_quant(x.flatten(1))
        return self.score_norm(self.classifier(self.features(x)))
