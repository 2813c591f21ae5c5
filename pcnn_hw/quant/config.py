"""QuantConfig: the quantizer choice and PCNN hyperparameters, shared by models, training and export."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from pcnn_hw.errors import ConfigError

QUANT_KINDS = ("pcnn", "sign")


@dataclass(frozen=True)
class QuantConfig:
    """How binary layers are quantized.

    kind: "pcnn" (projection quantizer, PCNN.md) or "sign" (baseline: a*sign(C), same hardware cost).
    projections: J, the number of projections concatenated along output channels (pcnn only).
    per_channel_scale: a = mean|C| per output channel instead of per layer.
    lam: weight λ of the projection loss L_P (pcnn only; 0 disables it).
    eta: step size η inside L_P: Ĉ_j is pulled towards W~_j ∘ (C + η·δĈ_j).
    """

    kind: str = "pcnn"
    projections: int = 1
    per_channel_scale: bool = False
    lam: float = 1e-4
    eta: float = 1e-2

    def __post_init__(self) -> None:
        if self.kind not in QUANT_KINDS:
            raise ConfigError(f"quant kind {self.kind!r} is not one of {', '.join(QUANT_KINDS)}")
        if not isinstance(self.projections, int) or self.projections < 1:
            raise ConfigError(f"--projections (J) must be an integer >= 1, got {self.projections!r}")
        if self.kind == "sign" and self.projections != 1:
            raise ConfigError("--projections > 1 needs --quant pcnn (the sign baseline has no projections)")
        if self.lam < 0:
            raise ConfigError(f"--lam (λ) must be >= 0, got {self.lam}")
        if self.eta < 0:
            raise ConfigError(f"--eta (η) must be >= 0, got {self.eta}")

    def out_channels(self, channels: int) -> int:
        """Output channels a layer built for `channels` kernels emits (J·O for PCNN)."""
        return channels * self.projections

    def for_classifier(self) -> QuantConfig:
        """The quantizer of the last layer: J = 1 and one scale a for the whole layer.

        Its outputs are the class scores, which the hardware ranks as raw integer popcounts: a scale
        per class (or per projection) would change the ranking, one positive scale does not.
        """
        return replace(self, projections=1, per_channel_scale=False)

    def to_dict(self) -> dict:
        """Plain-dict form, for checkpoints and reports."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> QuantConfig:
        """Inverse of `to_dict`; unknown keys raise ConfigError."""
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ConfigError(f"unknown quant config keys: {', '.join(sorted(unknown))}")
        return cls(**data)
