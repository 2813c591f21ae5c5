"""What the driver must know about one accelerator: `accelerator.json`, written beside the bitstream.

The file is produced on the host from the build directory (`pcnn_hw.board.buildinfo.make_spec`) and
read on the board by `load_spec`; it describes the stream formats (see `pcnn_hw.driver.packing`), the
names of the DMA and accelerator cells in the block design, the register that sets the number of
images per output packet (the accelerator wrapper raises TLAST after that many images' outputs) and
the control register whose SOFT_RESET bit resets the accelerator's pipeline and TLAST counters (the
driver uses it after a DMA timeout).
Board-side: plain Python + numpy only.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pcnn_hw.errors import BoardError

SPEC_FORMAT = 1
SPEC_FILE = "accelerator.json"
BATCH_REGISTER = 0x10  # images per output packet (TLAST after the last image's last word)
CONTROL_REGISTER = 0x04  # write SOFT_RESET: resets the pipeline and the TLAST counters; reads 1 while busy
SOFT_RESET = 0x1
DMA_NAME = "axi_dma_0"
ACCEL_NAME = "pcnn_accel_0"
MAX_TRANSFER_BYTES = (1 << 26) - 1  # AXI DMA simple mode with c_sg_length_width = 26


@dataclass(frozen=True)
class StreamSpec:
    """One AXI-Stream port: `shape` per image (graph layout), element datatype, folding into words."""

    shape: tuple[int, ...]
    datatype: str
    bits: int
    signed: bool
    elems_per_word: int

    @property
    def n_elems(self) -> int:
        """Elements per image."""
        n = 1
        for d in self.shape:
            n *= int(d)
        return n

    @property
    def word_bytes(self) -> int:
        """Bytes per stream word (padded to whole bytes)."""
        return -(-self.bits * self.elems_per_word // 8)

    @property
    def words_per_image(self) -> int:
        """Stream words per image."""
        return self.n_elems // self.elems_per_word

    @property
    def bytes_per_image(self) -> int:
        """Bytes per image in memory (what the DMA moves)."""
        return self.words_per_image * self.word_bytes

    @property
    def width_bits(self) -> int:
        """Padded AXI-Stream tdata width in bits."""
        return self.word_bytes * 8


@dataclass(frozen=True)
class AcceleratorSpec:
    """What the board-side driver needs; `layout` "NHWC" or "flat", `output_kind` "label" or "scores"."""

    name: str
    board: str
    clock_mhz: float
    layout: str
    input: StreamSpec
    output: StreamSpec
    output_kind: str
    num_classes: int
    expected_fps: float | None = None
    dma_name: str = DMA_NAME
    accel_name: str = ACCEL_NAME
    batch_register: int = BATCH_REGISTER
    control_register: int = CONTROL_REGISTER
    max_transfer_bytes: int = MAX_TRANSFER_BYTES
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def image_shape(self) -> tuple[int, ...] | None:
        """Per-image NCHW shape (C, H, W) for NHWC designs; None for flat designs (any shape of n_elems)."""
        if self.layout == "NHWC" and len(self.input.shape) == 3:
            h, w, c = self.input.shape
            return (c, h, w)
        return None

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON (keys sorted on writing)."""
        d = asdict(self)
        d["format"] = SPEC_FORMAT
        return d

    def dumps(self) -> str:
        """Deterministic JSON text."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"


def spec_from_dict(d: dict[str, Any], source: str = "accelerator spec") -> AcceleratorSpec:
    """Build an AcceleratorSpec from its dict form; BoardError naming `source` if malformed."""
    try:
        if int(d.get("format", 0)) != SPEC_FORMAT:
            raise BoardError(f"{source}: format {d.get('format')!r}, this driver reads format {SPEC_FORMAT}")
        streams = {}
        for key in ("input", "output"):
            s = d[key]
            streams[key] = StreamSpec(
                tuple(int(v) for v in s["shape"]),
                str(s["datatype"]),
                int(s["bits"]),
                bool(s["signed"]),
                int(s["elems_per_word"]),
            )
        return AcceleratorSpec(
            name=str(d["name"]),
            board=str(d["board"]),
            clock_mhz=float(d["clock_mhz"]),
            layout=str(d["layout"]),
            input=streams["input"],
            output=streams["output"],
            output_kind=str(d["output_kind"]),
            num_classes=int(d["num_classes"]),
            expected_fps=None if d.get("expected_fps") is None else float(d["expected_fps"]),
            dma_name=str(d.get("dma_name", DMA_NAME)),
            accel_name=str(d.get("accel_name", ACCEL_NAME)),
            batch_register=int(d.get("batch_register", BATCH_REGISTER)),
            control_register=int(d.get("control_register", CONTROL_REGISTER)),
            max_transfer_bytes=int(d.get("max_transfer_bytes", MAX_TRANSFER_BYTES)),
            extra=dict(d.get("extra", {})),
        )
    except BoardError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise BoardError(f"{source}: malformed accelerator spec ({type(exc).__name__}: {exc})") from None


def load_spec(path: str | Path) -> AcceleratorSpec:
    """Read `accelerator.json`; BoardError if missing or malformed."""
    path = Path(path)
    if not path.is_file():
        raise BoardError(
            f"{path}: accelerator spec not found (it is written beside the bitstream by "
            "`pcnn-hw deploy` / `pcnn-hw bitstream`)"
        )
    try:
        d = json.loads(path.read_text())
    except ValueError as exc:
        raise BoardError(f"{path}: not valid JSON ({exc})") from None
    return spec_from_dict(d, str(path))
