"""Random Brevitas networks from a seed, as a third-party user would write them (fuzzing, tests).

A :class:`NetSpec` is plain data (JSON-able, printed in fuzz reports); :func:`random_spec` draws one
from a seed with the generator registered for its topology kind (only ``"chain"`` today: input
quantizer → [conv (+BN + act) (+max-pool)]* → flatten → [linear + BN + act]* → linear). A residual
generator is added by registering another function in :data:`GENERATORS` and a builder in
:data:`BUILDERS`. :func:`build_torch` makes the (eval-mode) torch model, :func:`export` writes the raw
``brevitas.export.export_qonnx`` file, without our cleanup, exactly what a user would hand us.

Input quantizers (``NetSpec.input_quant``): ``kind`` is ``const`` (constant scale), ``param`` (a
learned-scale parameter with a random initial value) or ``stats`` (Brevitas' default
``Int8ActPerTensorFloat``/``Uint8ActPerTensorFloat`` scale from runtime statistics, collected on
random images); ``signed`` and ``bits`` (1..8) as drawn.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class InputQuant:
    """The network's first module: a Brevitas QuantIdentity on images in [0, 1]."""

    kind: str = "const"  # const | param | stats
    signed: bool = False
    bits: int = 8
    scale: float = 1 / 255  # const / param: the (initial) scale


@dataclass
class NetSpec:
    """A random network: topology, layer sizes, quantizers, BN seed (all a build needs)."""

    seed: int
    kind: str = "chain"
    in_shape: tuple[int, int, int] = (1, 8, 8)
    input_quant: InputQuant = field(default_factory=InputQuant)
    convs: list[dict] = field(default_factory=list)  # {"out": C, "k": K, "pool": bool}
    fcs: list[int] = field(default_factory=list)  # hidden widths
    classes: int = 10
    act_bits: int = 1  # 1 = bipolar sign; n > 1 = Brevitas n-bit signed activation
    residual: dict = field(default_factory=dict)  # kind "residual": stem, stem_pad, blocks, head, quant, J

    def to_json(self) -> str:
        """One-line JSON of the spec."""
        return json.dumps(asdict(self), sort_keys=True)

    def describe(self) -> str:
        """Short topology string, e.g. 'in1x8x8 q[s4 param] c8k3p-c16k2 f32 o10 a1'."""
        q = self.input_quant
        parts = [f"in{'x'.join(map(str, self.in_shape))}",
                 f"q[{'s' if q.signed else 'u'}{q.bits} {q.kind}]"]  # fmt: skip
        if self.convs:
            parts.append("-".join(f"c{c['out']}k{c['k']}{'p' if c['pool'] else ''}" for c in self.convs))
        if self.residual:
            r = self.residual
            parts[1] = f"s{r['stem']}p{r['stem_pad']}"
            blocks = "-".join(f"b{k}s{st}" for k, st in r["blocks"])
            parts.append(f"{blocks} {r['head']} {r['quant']}J{r['J']}")
        parts += [f"f{w}" for w in self.fcs] + [f"o{self.classes}", f"a{self.act_bits}"]
        return f"{self.kind} " + " ".join(parts)


def random_input_quant(rng: random.Random) -> InputQuant:
    """A random supported input quantizer (signed/unsigned, 1..8 bits, constant/learned scale)."""
    kind = rng.choice(["const", "param", "stats", "stats"])
    signed = rng.random() < 0.5
    bits = 8 if kind == "stats" and rng.random() < 0.6 else rng.choice([2, 3, 4, 5, 6, 7, 8])
    levels = 2 ** (bits - 1) - 1 if signed else 2**bits - 1
    if kind == "const" and not signed and bits == 8 and rng.random() < 0.3:
        return InputQuant("const", False, 8, 1 / 255)  # our own pixel convention
    scale = rng.uniform(0.3, 1.5) / max(levels, 1)  # covers [0, 1] loosely, clipping sometimes
    return InputQuant(kind, signed, bits, scale)


def random_chain(seed: int) -> NetSpec:
    """A random chain network (CNN with a classifier, or an MLP) for ``seed``."""
    rng = random.Random(seed)
    cnn = rng.random() < 0.7
    in_ch = rng.choice([1, 1, 3])
    size = rng.randint(6, 16) if cnn else rng.choice([4, 6, 8])
    spec = NetSpec(seed, "chain", (in_ch, size, size), random_input_quant(rng))
    s = size
    if cnn:
        for _ in range(rng.randint(1, 3)):
            k = rng.choice([k for k in (1, 2, 3, 3, 5) if k <= s])
            s -= k - 1
            pool = s >= 4 and rng.random() < 0.4
            s = s // 2 if pool else s
            spec.convs.append({"out": rng.choice([4, 8, 12, 16, 24, 32]), "k": k, "pool": pool})
            if s < 2:
                break
    spec.fcs = [rng.choice([16, 24, 32, 48, 64]) for _ in range(rng.randint(0 if cnn else 1, 2))]
    spec.classes = rng.randint(2, 10)
    spec.act_bits = 2 if rng.random() < 0.15 else 1
    return spec


def random_residual(seed: int) -> NetSpec:
    """A random binary residual net (models/resnet.py blocks): stem, 1–2 basic blocks (stride 1 or 2,
    identity or 1×1 projection shortcut), flat or pooled head, PCNN (J = 1, 2) or sign weights; the paper
    nets' pixel input quantizer."""
    rng = random.Random(7919 * seed + 3)
    side = rng.choice([6, 8, 10])
    res = {"stem": rng.choice([4, 8]), "stem_pad": rng.choice([0, 1]),
           "blocks": [[rng.choice([4, 8]), rng.choice([1, 1, 2])] for _ in range(rng.randint(1, 2))],
           "head": rng.choice(["flat", "gap"]), "quant": rng.choice(["pcnn", "sign"]),
           "J": rng.choice([1, 1, 2])}
    if res["quant"] == "sign":
        res["J"] = 1
    return NetSpec(seed=seed, kind="residual", in_shape=(rng.choice([1, 3]), side, side),
                   classes=rng.choice([4, 10]), residual=res)


GENERATORS: dict[str, Callable[[int], NetSpec]] = {"chain": random_chain, "residual": random_residual}


def random_spec(seed: int, kind: str = "chain") -> NetSpec:
    """The network of ``seed`` drawn by the generator of topology ``kind``."""
    return GENERATORS[kind](seed)


def _input_quant_module(q: InputQuant) -> Any:
    from brevitas.nn import QuantIdentity
    from brevitas.quant import Int8ActPerTensorFloat, Uint8ActPerTensorFloat

    base = Int8ActPerTensorFloat if q.signed else Uint8ActPerTensorFloat
    kw: dict[str, Any] = {"bit_width": q.bits, "return_quant_tensor": True}
    if q.kind in ("const", "param"):
        levels = 2 ** (q.bits - 1) - 1 if q.signed else 2**q.bits - 1
        top = q.scale * levels
        kw.update(scaling_impl_type=q.kind if q.kind == "const" else "parameter", max_val=top)
        if q.kind == "const":
            kw["scaling_init"] = top
        if q.signed:
            kw["min_val"] = -top
    return QuantIdentity(act_quant=base, **kw)


def _act(bits: int) -> Any:
    from brevitas.nn import QuantIdentity
    from brevitas.quant import Int8ActPerTensorFloat, SignedBinaryActPerTensorConst

    if bits == 1:
        return QuantIdentity(act_quant=SignedBinaryActPerTensorConst, return_quant_tensor=True)
    return QuantIdentity(act_quant=Int8ActPerTensorFloat, bit_width=bits, scaling_impl_type="const",
                         scaling_init=1.0, max_val=1.0, min_val=-1.0, return_quant_tensor=True)  # fmt: skip


def build_chain(spec: NetSpec) -> Any:
    """The torch model of a chain spec (random weights from the spec's seed, eval mode)."""
    import torch
    from brevitas.nn import QuantConv2d, QuantLinear
    from brevitas.quant import SignedBinaryWeightPerTensorConst as wq

    from pcnn_hw.compile.testmodels import _randomize_bn

    torch.manual_seed(spec.seed)
    c, s, _ = spec.in_shape
    layers: list[torch.nn.Module] = [_input_quant_module(spec.input_quant)]
    for conv in spec.convs:
        layers += [QuantConv2d(c, conv["out"], conv["k"], bias=False, weight_quant=wq),
                   torch.nn.BatchNorm2d(conv["out"]), _act(spec.act_bits)]  # fmt: skip
        c, s = conv["out"], s - conv["k"] + 1
        if conv["pool"]:
            layers.append(torch.nn.MaxPool2d(2))
            s //= 2
    layers.append(torch.nn.Flatten())
    prev = c * s * s
    for w in spec.fcs:
        layers += [QuantLinear(prev, w, bias=False, weight_quant=wq), torch.nn.BatchNorm1d(w),
                   _act(spec.act_bits)]  # fmt: skip
        prev = w
    layers.append(QuantLinear(prev, spec.classes, bias=False, weight_quant=wq))
    model = torch.nn.Sequential(*layers)
    if spec.input_quant.kind == "stats":  # Brevitas collects the input scale from runtime statistics
        gen = torch.Generator().manual_seed(spec.seed)
        model.train()
        with torch.no_grad():
            for _ in range(40):
                model(torch.rand(8, *spec.in_shape, generator=gen) * torch.rand(1, generator=gen))
    _randomize_bn(model, spec.seed)
    return model.eval()


def build_residual(spec: NetSpec) -> Any:
    """The torch model of a residual spec (random weights and BN statistics from the spec's seed)."""
    import torch

    from pcnn_hw.compile.testmodels import _randomize_bn
    from pcnn_hw.models.resnet import BinaryResNet
    from pcnn_hw.quant import QuantConfig

    torch.manual_seed(spec.seed)
    r = spec.residual
    plan = (r["stem"], r["stem_pad"], [(k, st) for k, st in r["blocks"]])
    cfg = QuantConfig(kind=r["quant"], projections=r["J"])
    model = BinaryResNet(f"fuzz-{spec.seed}", spec.in_shape, spec.classes, cfg, head=r["head"], plan=plan)
    _randomize_bn(model, spec.seed)
    return model.eval()


BUILDERS: dict[str, Callable[[NetSpec], Any]] = {"chain": build_chain, "residual": build_residual}


def build_torch(spec: NetSpec) -> Any:
    """The torch model of ``spec`` (eval mode)."""
    return BUILDERS[spec.kind](spec)


def export(spec: NetSpec, path: str | Path, model: Any = None) -> tuple[Any, Path]:
    """Raw ``export_qonnx`` of ``spec`` (or of ``model`` built from it) to ``path``; (model, path)."""
    import torch
    from brevitas.export import export_qonnx

    model = model if model is not None else build_torch(spec)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    export_qonnx(model, torch.zeros(1, *spec.in_shape), str(path))
    return model, path
