"""rtl/level.py scores_design: the RTL design up to the class scores (levels compare scores, not labels)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np

from pcnn_hw.core.hwspec import RtlLayer
from pcnn_hw.core.streams import Fmt, Stream
from pcnn_hw.rtl.edges import Edge
from pcnn_hw.rtl.flow import RtlDesign, load_design
from pcnn_hw.rtl.level import scores_design


def _layer(name: str, op: str) -> RtlLayer:
    return RtlLayer(name, op, "pcnn_fifo", {}, Stream(Fmt(1), 4), Stream(Fmt(1), 4), 1)


def test_graph_design_ends_in_the_label_selects_input() -> None:
    """A fork/join graph: LabelSelect and its output edge are dropped, the edge into it becomes the AXI
    output; the other edges stay as they are."""
    layers = [_layer("a", "DuplicateStreams_hls"), _layer("b", "ElementwiseAdd_hls"),
              _layer("c", "MVAU_hls"), _layer("top", "LabelSelect_hls")]
    edges = [Edge("x", None, 0, 0, 0, 16), Edge("f0", 0, 0, 1, 0, 16), Edge("f1", 0, 1, 1, 1, 16),
             Edge("y", 1, 0, 2, 0, 16), Edge("s", 2, 0, 3, 0, 10), Edge("lab", 3, 0, None, 0, 1)]
    rd = RtlDesign(Path("."), SimpleNamespace(score_tensor=lambda: "s"), layers, 16, edges)
    got = scores_design(rd)
    assert got is not None and [r.name for r in got.layers] == ["a", "b", "c"]
    assert [g.name for g in got.edges] == ["x", "f0", "f1", "y", "s"]
    assert got.edges[-1] == Edge("s", 2, 0, None, 0, 10) and got.output_tensor == "s"
    no_ls = RtlDesign(Path("."), SimpleNamespace(score_tensor=lambda: None), layers[:3], 16, edges[:5])
    assert scores_design(no_ls) is None


def test_chain_scores_reference_is_the_simulators_score_tensor(model_builds) -> None:
    """sfc (a chain ending in LabelSelect): the scores design stitches without it, its output stream is
    the last MVAU's, and its reference is the simulator's scores, whose argmax is the label output."""
    rd = load_design(model_builds("sfc"))
    sd = scores_design(rd)
    assert sd is not None and sd.edges is None and len(sd.layers) == len(rd.layers) - 1
    d = sd.stitch()
    assert d.out.width == sd.layers[-1].out.width and sd.layers[-1].op_type.startswith("MVAU")
    x = np.random.default_rng(0).integers(0, 2, size=(3, *rd.sim.input_shape[1:]))
    scores, labels = sd.reference(x), rd.reference(x)
    assert scores.shape == (3, 10) and labels.shape == (3, 1)
    assert [int(s[labels[i, 0]]) for i, s in enumerate(scores)] == scores.max(axis=1).tolist()
