"""Host-side simulated board: backends that stand in for the AXI DMA + accelerator of the driver.

* `BitExactBackend` — the accelerator is the batched bit-exact simulator of the build's folded graph.
  The DMA model unpacks the MM2S bytes with the stream format of the spec, runs the simulator, packs
  the outputs and ends the S2MM packet after the batch register's count of images (the wrapper's
  TLAST), so packing, batching and unpacking of the driver are exercised end to end.
* `VerilatorBackend` — the Verilator model of the stitched RTL top (`pcnn_hw.rtl`), cycle-accurate.
* `StalledBackend` — an accelerator that never answers (for the driver's timeout).

Every memory backend models the wrapper's state that outlives a DMA reset: the TLAST counters (output
words of an unfinished packet shift where the next packet's TLAST falls) and a pipeline that can
wedge (`inject_hang`: the next transfer emits some words, then nothing until the accelerator's soft
reset). `abort` resets only the DMA; `reset_accelerator` (the control register) clears both.

`bitexact`, `verilator` and `stalled` are factories for `verify_on_board.py --backend MODULE:FUNC`
(called as `factory(spec, arg)`, `arg` being the build directory).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from pcnn_hw.driver.backend import Backend
from pcnn_hw.driver.packing import pack_stream, unpack_stream
from pcnn_hw.driver.spec import AcceleratorSpec
from pcnn_hw.errors import BoardError


class _MemoryBackend(Backend):
    """Common part: buffers are plain numpy arrays standing for DDR; the transfer completes at once."""

    def __init__(self, spec: AcceleratorSpec) -> None:
        self.spec = spec
        self._received: int | None = None
        self.transfers = 0
        self.aborted = 0
        self.accel_resets = 0
        self.packet_words_sent = 0  # wrapper TLAST counters: words of the current, unfinished packet
        self.wedged = False
        self._hang_after: int | None = None

    def inject_hang(self, words: int) -> None:
        """Fault: the next transfer emits `words` output words, then the pipeline wedges."""
        self._hang_after = int(words)

    def allocate(self, nbytes: int) -> np.ndarray:
        """A zeroed uint8 array."""
        return np.zeros(int(nbytes), np.uint8)

    def compute(self, pixels: np.ndarray) -> np.ndarray:
        """Raw outputs (k, n_out) of uint8 stream elements (k, n_elems)."""
        raise NotImplementedError

    def start(
        self, inbuf: np.ndarray, in_bytes: int, outbuf: np.ndarray, out_bytes: int, n_images: int
    ) -> None:
        """Run the batch: MM2S bytes -> accelerator -> S2MM bytes (TLAST after `n_images` outputs)."""
        sp = self.spec
        ibpi = sp.input.bytes_per_image
        if self.wedged or self._hang_after is not None:
            if self._hang_after is not None:  # part of a packet leaves before the pipeline wedges
                self.packet_words_sent += self._hang_after
                self._hang_after, self.wedged = None, True
            self.transfers += 1
            return
        if in_bytes != n_images * ibpi:
            raise BoardError(f"simulated DMA: {in_bytes} bytes sent for {n_images} images of {ibpi} bytes")
        data = np.asarray(inbuf[:in_bytes], np.uint8).reshape(n_images, ibpi)
        pixels = unpack_stream(
            data, sp.input.n_elems, sp.input.bits, sp.input.elems_per_word, sp.input.signed
        )
        raw = self.compute(pixels)
        packed = pack_stream(raw, sp.output.bits, sp.output.elems_per_word, sp.output.signed).reshape(-1)
        if packed.size > out_bytes:
            raise BoardError(
                f"simulated DMA: S2MM buffer of {out_bytes} bytes is shorter than the "
                f"{packed.size}-byte packet (internal error, DMASR.DMAIntErr)"
            )
        # TLAST falls after the packet's words minus those an unfinished earlier packet already sent
        wb = sp.output.word_bytes
        words = max(packed.size // wb - self.packet_words_sent, 1)
        outbuf[: words * wb] = packed[: words * wb]
        self.transfers += 1
        self._received = int(words * wb)

    def poll(self) -> int | None:
        """Bytes received (the transfer is complete as soon as it started)."""
        r, self._received = self._received, None
        return r

    def abort(self) -> None:
        """DMA reset: forget the transfer (the accelerator's state stays)."""
        self.aborted += 1
        self._received = None

    def reset_accelerator(self) -> None:
        """The wrapper's soft reset: pipeline and TLAST counters cleared."""
        self.accel_resets += 1
        self.wedged = False
        self.packet_words_sent = 0


class BitExactBackend(_MemoryBackend):
    """The accelerator modelled by the bit-exact simulator of the build (its memory images if written)."""

    def __init__(self, spec: AcceleratorSpec, build_dir: str | Path) -> None:
        super().__init__(spec)
        from pcnn_hw.board.buildinfo import build_simulator

        self.sim = build_simulator(build_dir)

    def compute(self, pixels: np.ndarray) -> np.ndarray:
        """Simulator outputs of the pixels, flattened per image."""
        x = pixels.astype(np.float32).reshape([len(pixels)] + list(self.spec.input.shape))
        return np.asarray(self.sim.run(x)).reshape(len(pixels), -1).astype(np.int64)


class StalledBackend(_MemoryBackend):
    """An accelerator that takes the input and never produces output (TVALID stays low)."""

    def start(
        self, inbuf: np.ndarray, in_bytes: int, outbuf: np.ndarray, out_bytes: int, n_images: int
    ) -> None:
        """Accept the transfer; nothing ever comes back."""
        self.transfers += 1

    def poll(self) -> int | None:
        """Always busy."""
        return None


class VerilatorBackend(_MemoryBackend):
    """The accelerator modelled by the Verilator simulation of the stitched RTL top (`pcnn_hw.rtl`).

    The design is stitched from the build's dataflow graph (with the FIFO depths of
    build/NAME/rtl/design.json when the RTL step wrote one; else default depths for a chain and one
    frame per FIFO for a graph with forks/joins, `pcnn_hw.rtl.sizing.deep_depths`) into
    build/NAME/sim/board-rtl/ and verilated into the user cache (`pcnn_hw.rtl.verilate.build_model`,
    content-hashed); every batch is one Verilator run with optional random output backpressure.
    """

    def __init__(self, spec: AcceleratorSpec, build_dir: str | Path, backpressure: float = 0.0) -> None:
        super().__init__(spec)
        try:
            from pcnn_hw.rtl.graphrtl import graph_rtl
            from pcnn_hw.rtl.sizing import deep_depths
            from pcnn_hw.rtl.spec import fmt_of_datatype, rtl_layers
            from pcnn_hw.rtl.stitch import stitch, stitch_graph
            from pcnn_hw.rtl.verilate import build_model, run_model
        except ImportError as exc:
            raise BoardError(
                f"the RTL backend (pcnn_hw.rtl) is not available ({exc}); use the bit-exact backend"
            ) from None
        from pcnn_hw.board.buildinfo import build_dir_of

        bd = build_dir_of(build_dir)
        self.build_dir = bd.path
        fin = fmt_of_datatype(spec.input.datatype)
        depths = None
        man = self.build_dir / "rtl" / "design.json"
        if man.is_file():
            import json

            depths = json.loads(man.read_text()).get("fifo_depths")
        g = bd.graph
        if g.is_chain:
            self.design = stitch(rtl_layers(g.layers, fin), spec.input.n_elems, depths)
        else:  # forks and joins: the graph's edges (pcnn_hw.rtl.graphrtl)
            layers, edges = graph_rtl(g, fin)
            if depths is None:  # not sized by the RTL step: one frame per FIFO, never a skip deadlock
                depths = deep_depths(layers, edges)
            self.design = stitch_graph(layers, edges, depths)
        self.rtl_dir = self.build_dir / "sim" / "board-rtl"
        self.exe = build_model(self.design, self.rtl_dir)  # the user cache: shared by identical designs
        self._run = run_model
        self.backpressure = backpressure
        self.last: Any = None

    def compute(self, pixels: np.ndarray) -> np.ndarray:
        """Stream the pixels through the verilated top; outputs per frame."""
        self.last = self._run(
            self.exe, self.design, self.rtl_dir, pixels, backpressure=self.backpressure, seed=self.transfers
        )
        return np.asarray(self.last.outputs).reshape(len(pixels), -1).astype(np.int64)


def bitexact(spec: AcceleratorSpec, arg: Any) -> Backend:
    """Factory for verify_on_board.py: bit-exact backend of build directory `arg`."""
    if not arg:
        raise BoardError("the bit-exact backend needs the build directory (--backend-arg build/NAME)")
    return BitExactBackend(spec, arg)


def verilator(spec: AcceleratorSpec, arg: Any) -> Backend:
    """Factory for verify_on_board.py: Verilator backend of build directory `arg`."""
    if not arg:
        raise BoardError("the Verilator backend needs the build directory (--backend-arg build/NAME)")
    return VerilatorBackend(spec, arg)


def stalled(spec: AcceleratorSpec, arg: Any = None) -> Backend:
    """Factory for verify_on_board.py: an accelerator that never answers."""
    return StalledBackend(spec)
