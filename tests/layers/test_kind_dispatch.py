"""Every consumer finds a kind through the registry only: a kind added as one folder plus one `Kind(...)`
line gets its RTL view (rtl/spec.rtl_layer), HLS kernel (hls/plan.plan_kernel), folding rules
(compile/folding) and random folding (sim/testing) with no other edit."""

from __future__ import annotations

import textwrap

import pytest
from onnx import helper

from pcnn_hw.layers import registry
from pcnn_hw.layers.registry import KINDS, Kind

KIND_FILES = {
    "__init__.py": """
        from dataclasses import dataclass
        from pcnn_hw.layers.base import HwLayer, node_attrs
        OP_TYPES = ("Upsample42", "Upsample42_hls")

        @dataclass
        class Up(HwLayer):
            @classmethod
            def from_node(cls, node, get_init, memory=None):
                return cls(name=node.name, op_type=node.op_type, attrs=node_attrs(node))

            def exp_cycles(self):
                return 7
    """,
    "rtl.py": """
        from pcnn_hw.core.hwspec import RtlLayer
        from pcnn_hw.core.streams import Stream

        def rtl_spec(layer, fins, make_rom=None):
            rom, text = make_rom(layer.name, "w", "weights", [[1, 0], [0, 1]], 3)
            s = Stream(fins[0], 1)
            return RtlLayer(layer.name, layer.op_type, "up42", {"X": 1}, s, s, layer.exp_cycles(),
                            {rom.file: text}, roms=[rom])
    """,
    "hls.py": """
        from pcnn_hw.core.hlsspec import Kernel, Port

        def hls_kernel(layer, name, fins, prev=None, pool_pe=None):
            p = Port(1, fins[0], 4)
            return Kernel(name, layer.name, layer.op_type, "up", p, p, "pcnn::up42(in, out);")
    """,
    "fold.py": """
        from pcnn_hw.layers.fold import DivisorRules
        FOLD = DivisorRules({"PE": "NumChannels"}, random=("PE",))
    """,
}


@pytest.fixture
def new_kind(tmp_path, monkeypatch):
    """The kind 'up42' in a folder of its own, registered with one Kind line."""
    pkg = tmp_path / "up42kind"
    pkg.mkdir()
    for name, text in KIND_FILES.items():
        (pkg / name).write_text(textwrap.dedent(text))
    monkeypatch.syspath_prepend(str(tmp_path))
    refs = {"rtl": "up42kind.rtl:rtl_spec", "hls": "up42kind.hls:hls_kernel", "fold": "up42kind.fold:FOLD"}
    monkeypatch.setattr(registry, "KINDS", (*KINDS, Kind("up42", "up42kind", "Up", refs)))
    registry._by_op_type.cache_clear()  # noqa: SLF001
    yield
    monkeypatch.undo()
    registry._by_op_type.cache_clear()  # noqa: SLF001


def test_a_registered_kind_reaches_every_backend(new_kind):
    from pcnn_hw.core.hlsspec import ElemFormat
    from pcnn_hw.core.streams import Fmt
    from pcnn_hw.hls.plan import plan_kernel
    from pcnn_hw.rtl.spec import rtl_layer

    cls = registry.kind_of("Upsample42_hls").layer_cls
    layer = cls.from_node(helper.make_node("Upsample42_hls", ["x"], ["y"], name="U0", NumChannels=6, PE=1),
                          lambda n: None)
    r = rtl_layer(layer, Fmt(2, False))
    assert (r.module, r.exp_cycles, r.roms[0].module, r.roms[0].width) == ("up42", 7, "rom_U0_w", 6)
    assert "rom_U0_w" in r.files["rom_U0_w.v"]  # the ROM Verilog made by rtl/spec's make_rom
    k = plan_kernel(layer, "U0", (ElemFormat(2, 0, 0, 3),))
    assert (k.call, k.inp.words) == ("pcnn::up42(in, out);", 4)


def test_a_registered_kind_gets_its_folding_rules(new_kind, monkeypatch):
    from pcnn_hw.compile import folding

    class Inst:
        attrs = {"NumChannels": 6, "PE": 4}

        def get_nodeattr(self, a):
            return self.attrs[a]

        def set_nodeattr(self, a, v):
            self.attrs[a] = v

        def get_nodeattr_types(self):
            return {"NumChannels": ("i", True, 1), "PE": ("i", False, 1)}

    inst = Inst()
    monkeypatch.setattr(folding, "_inst", lambda node: inst)
    node = helper.make_node("Upsample42_hls", ["x"], ["y"], name="U0")
    assert folding.fold_rules(node) == {"PE": ("NumChannels", 6)}
    model = type("M", (), {"graph": type("G", (), {"node": [node]})()})()
    with pytest.raises(Exception, match=r"layer U0 \(Upsample42_hls\): NumChannels % PE != 0"):
        folding.check_folding(model)
    assert [o["U0"]["PE"] for o in folding._candidate_settings(folding.Unit([node]))] == [1, 2, 3, 6]  # noqa: SLF001


def test_an_op_type_without_a_kind_has_no_folding_rules(monkeypatch):
    from pcnn_hw.compile import folding

    monkeypatch.setattr(folding, "_inst", lambda node: None)
    assert folding.fold_rules(helper.make_node("Sigmoid", ["x"], ["y"], name="s")) == {}
