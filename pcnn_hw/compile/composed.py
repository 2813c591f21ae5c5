"""qonnx's ComposedTransformation without the redundant work: same passes, same graph, much faster.

Why our own: qonnx's ``ComposedTransformation.apply`` (the engine of FINN+'s ``StreamlinePlus``, about
50 passes in nested groups, each group re-run until nothing changes) runs, after *every* pass, a deep
copy of the model, ``cleanup()`` and five more whole-graph transformations (RemoveIdentityOps,
GiveUniqueNodeNames, GiveReadableTensorNames, InferShapes, InferDataTypes), each of which deep-copies
the model again — also when the pass changed nothing. Deep copies and shape inference scale with the
weights, so a residual graph spends nearly all its streamline time there (resnet-mini 180 s, wrn22 more
than 20 min before this module).

:class:`FastComposedTransformation` runs the same passes in the same order until the same fixpoints,
and the same cleanup after a pass that changed the graph. It skips the cleanup only when the graph is
already its output (nothing changed since the last cleanup: the cleanup sequence is idempotent), and
applies the cleanup transformations in place (``make_deepcopy=False``; the caller's
``ModelWrapper.transform`` already made the one copy the caller can see). :func:`fast` converts a
qonnx ComposedTransformation tree (e.g. ``StreamlinePlus()``) into this form, so FINN+'s pass lists
stay the single source. The result is byte-identical (checked on resnet-mini's folded.onnx).
"""

from __future__ import annotations

from typing import Any

from qonnx.transformation.base import Transformation
from qonnx.transformation.composed import ComposedTransformation


def _cleanup(model: Any) -> Any:
    """The cleanup qonnx's ComposedTransformation runs after each pass, in place."""
    from qonnx.transformation.general import GiveReadableTensorNames, GiveUniqueNodeNames
    from qonnx.transformation.infer_datatypes import InferDataTypes
    from qonnx.transformation.infer_shapes import InferShapes
    from qonnx.transformation.remove import RemoveIdentityOps

    model.cleanup()
    for tr in (RemoveIdentityOps(), GiveUniqueNodeNames(), GiveReadableTensorNames(), InferShapes(),
               InferDataTypes()):
        model = model.transform(tr, make_deepcopy=False)
    return model


class FastComposedTransformation(Transformation):
    """Apply each pass exhaustively, in order; clean up after a pass only where qonnx's would differ.

    After every pass the model is clean (a fixpoint of the cleanup): either the cleanup just ran or
    nothing changed since the last one. A nested FastComposedTransformation therefore always hands
    back a clean model, and qonnx's cleanup after it would be a no-op.
    """

    def __init__(self, transformations: list[Transformation]):
        super().__init__()
        self.transformations = transformations

    def apply(self, model: Any) -> tuple[Any, bool]:  # noqa: D102 (qonnx Transformation API)
        modified, clean = False, False
        for tr in self.transformations:
            changed = False
            while True:
                model, step_changed = tr.apply(model)
                changed = changed or step_changed
                if not step_changed:
                    break
            if isinstance(tr, FastComposedTransformation):
                clean = True
            elif changed or not clean:
                model = _cleanup(model)
                clean = True
            modified = modified or changed
        return model, modified


def fast(tr: Transformation) -> Transformation:
    """``tr`` with every (nested) qonnx ComposedTransformation replaced by FastComposedTransformation."""
    if isinstance(tr, ComposedTransformation):
        return FastComposedTransformation([fast(t) for t in tr.transformations])
    return tr
