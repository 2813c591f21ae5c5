"""Small QONNX models for tests and benchmarks of the compile pipeline (random weights).

Until pcnn_hw.models lands these stand in for our own models: Brevitas' own BNN-PYNQ examples
(``cnv_1w1a``, ``tfc_1w1a``, ``sfc_1w1a``) and hand-built models with our input convention
(float input in [0, 1] quantised to 8 bits by the first module, binary weights, bipolar
activations, last layer binary weights without activation).
"""

from __future__ import annotations

from pathlib import Path

BNN_PYNQ_NAMES = ("cnv_1w1a", "tfc_1w1a", "sfc_1w1a", "lfc_1w1a")


def _export(model: object, in_shape: tuple[int, ...], path: Path) -> Path:
    import torch
    from brevitas.export import export_qonnx

    model.eval()  # type: ignore[attr-defined]
    path.parent.mkdir(parents=True, exist_ok=True)
    export_qonnx(model, torch.zeros(1, *in_shape), str(path))
    return path


def _randomize_bn(model: object, seed: int) -> None:
    """Give BatchNorm layers random statistics so thresholds are not all equal."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    for mod in model.modules():  # type: ignore[attr-defined]
        if isinstance(mod, torch.nn.BatchNorm1d | torch.nn.BatchNorm2d):
            n = mod.num_features
            mod.running_mean.data = torch.randn(n, generator=gen) * 2
            mod.running_var.data = torch.rand(n, generator=gen) * 4 + 0.5
            mod.weight.data = torch.rand(n, generator=gen) + 0.5
            mod.bias.data = torch.randn(n, generator=gen) * 0.5


def export_bnn_pynq(name: str, path: str | Path, seed: int = 0) -> Path:
    """Export Brevitas' BNN-PYNQ example ``name`` (random init, seeded) as QONNX to ``path``."""
    import torch
    from brevitas_examples.bnn_pynq import models

    torch.manual_seed(seed)
    model = getattr(models, name)(pretrained=False)
    _randomize_bn(model, seed)
    in_shape = (3, 32, 32) if name.startswith("cnv") else (1, 28, 28)
    return _export(model, in_shape, Path(path))


def _input_quant() -> object:
    """8-bit unsigned input quantiser with the fixed scale 1/255 (pixel/255 in, exact on pixels)."""
    from brevitas.nn import QuantIdentity
    from brevitas.quant import Uint8ActPerTensorFloat

    class PixelQuant(Uint8ActPerTensorFloat):
        """Unsigned 8-bit, constant scale 1/255 (same convention as pcnn_hw.quant.input_quantizer)."""

        scaling_impl_type = "const"
        scaling_init = 1.0
        max_val = 1.0

    return QuantIdentity(act_quant=PixelQuant, return_quant_tensor=True)


def _sign() -> object:
    from brevitas.nn import QuantIdentity
    from brevitas.quant import SignedBinaryActPerTensorConst

    return QuantIdentity(act_quant=SignedBinaryActPerTensorConst, return_quant_tensor=True)


def mini_mlp(in_features: int = 64, hidden: tuple[int, ...] = (32, 32), classes: int = 10,
             seed: int = 0, weight_quant: object | None = None) -> object:
    """Return an MLP: 8-bit input quant, binary-weight linears with BN + sign, last without act."""
    import torch
    from brevitas.nn import QuantLinear
    from brevitas.quant import SignedBinaryWeightPerTensorConst

    torch.manual_seed(seed)
    wq = SignedBinaryWeightPerTensorConst if weight_quant is None else weight_quant
    layers: list[torch.nn.Module] = [torch.nn.Flatten(), _input_quant()]
    prev = in_features
    for h in hidden:
        layers += [QuantLinear(prev, h, bias=False, weight_quant=wq, return_quant_tensor=False),
                   torch.nn.BatchNorm1d(h), _sign()]
        prev = h
    layers.append(QuantLinear(prev, classes, bias=False, weight_quant=wq))
    model = torch.nn.Sequential(*layers)
    _randomize_bn(model, seed)
    return model


def mini_cnn(in_ch: int = 1, size: int = 12, channels: tuple[int, ...] = (8, 16), classes: int = 10,
             seed: int = 0) -> object:
    """Return a CNN: 8-bit input quant, 3x3 binary convs (BN + sign), one 2x2 max-pool, binary FC."""
    import torch
    from brevitas.nn import QuantConv2d, QuantLinear
    from brevitas.quant import SignedBinaryWeightPerTensorConst as wq

    torch.manual_seed(seed)
    layers: list[torch.nn.Module] = [_input_quant()]
    prev, s = in_ch, size
    for i, c in enumerate(channels):
        layers += [QuantConv2d(prev, c, 3, bias=False, weight_quant=wq), torch.nn.BatchNorm2d(c), _sign()]
        s -= 2
        if i == 0:
            layers.append(torch.nn.MaxPool2d(2))
            s //= 2
        prev = c
    layers += [torch.nn.Flatten(), QuantLinear(prev * s * s, classes, bias=False, weight_quant=wq)]
    model = torch.nn.Sequential(*layers)
    _randomize_bn(model, seed)
    return model


def export_mini_mlp(path: str | Path, in_features: int = 64, seed: int = 0, **kw: object) -> Path:
    """Export :func:`mini_mlp` to ``path`` (input shape (1, in_features // 8, 8))."""
    model = mini_mlp(in_features=in_features, seed=seed, **kw)  # type: ignore[arg-type]
    return _export(model, (1, in_features // 8, 8), Path(path))


def export_mini_cnn(path: str | Path, in_ch: int = 1, size: int = 12, seed: int = 0, **kw: object) -> Path:
    """Export :func:`mini_cnn` to ``path`` (input shape (1, in_ch, size, size))."""
    model = mini_cnn(in_ch=in_ch, size=size, seed=seed, **kw)  # type: ignore[arg-type]
    return _export(model, (in_ch, size, size), Path(path))
