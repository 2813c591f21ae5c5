"""Typed user-facing errors. The CLI turns any of these into one clear line and exit code 1.

Every error names what is at fault (node, layer, file, parameter). `assert` is kept for internal
invariants only.
"""

from __future__ import annotations


class PcnnHwError(Exception):
    """Base class of every error a user can cause; carries a one-line message."""


class ConfigError(PcnnHwError):
    """A bad command-line option or parameter value (names the parameter)."""


class UnknownNameError(ConfigError):
    """A name (model, board, dataset, quantizer) that is not in its registry; lists the known ones."""

    def __init__(self, kind: str, name: str, known: list[str] | tuple[str, ...]):
        super().__init__(f"unknown {kind} {name!r}; known: {', '.join(sorted(known))}")
        self.kind, self.name, self.known = kind, name, list(known)


class SweepError(ConfigError):
    """A malformed sweep file for `pcnn-hw explore` (names the file and the key)."""


class DatasetError(PcnnHwError):
    """A missing or malformed dataset (names the path and the layout expected)."""


class CheckpointError(PcnnHwError):
    """A missing, corrupt or incompatible checkpoint file (names the file)."""


class ExportError(PcnnHwError):
    """QONNX export failed or disagrees with PyTorch (says by how much)."""


class ModelFileError(PcnnHwError):
    """A missing, corrupt or truncated ONNX file (names the file)."""


class UnsupportedOpError(PcnnHwError):
    """A graph node the compiler cannot map (names the node, the op, and what is supported)."""


class GraphError(UnsupportedOpError):
    """A dataflow graph that cannot be streamed: a tensor with two consumers and no DuplicateStreams, a
    cycle, an unknown op, a host op between accelerator nodes (names the tensor or node)."""


class QuantizationError(PcnnHwError):
    """Non-binary weights where XNOR is required, or similar (names the layer)."""


class FoldingError(PcnnHwError):
    """A folding that breaks a divisibility rule (names the layer and the values)."""


class VerificationError(PcnnHwError):
    """Two fidelity levels disagree (names the level, layer, image and value)."""


class ToolMissingError(PcnnHwError):
    """An external tool (Verilator, Yosys, g++, Vivado, Vitis HLS) or header set is not available."""


class SimulationError(PcnnHwError):
    """A simulation failed, timed out or deadlocked (names the layer or FIFO)."""


class BoardError(PcnnHwError):
    """Board-side failures: missing bitfile/hwh, DMA timeout, bad input shape/dtype/range."""


class BuildDirError(PcnnHwError):
    """A directory that is not a `pcnn-hw build` output (names the directory and what is missing)."""


class OutputPathError(ConfigError):
    """An output path the tool may not write: a foreign file or directory, an input, a file where a
    directory belongs (names the path and what to do instead)."""


class ModelMismatchError(PcnnHwError):
    """A build directory made from a different model than the one given (names both, with hashes)."""


class BuildArtifactError(PcnnHwError):
    """A build directory artefact (folded.onnx, weights/, index.json, build.json) is missing or broken."""


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived; the CLI exits with 128 + ``signum`` after the cleanup ran.

    A KeyboardInterrupt (not an Exception) so that ``except Exception`` blocks do not swallow it."""

    def __init__(self, signum: int):
        super().__init__(f"interrupted by signal {signum}")
        self.signum = signum
