"""Board-side driver: `Accelerator(bitfile)` runs images through the accelerator over an AXI DMA.

Runs on a PYNQ image (Python >= 3.8, numpy >= 1.21, pynq >= 2.7) and imports nothing heavy. The DMA
and the accelerator sit behind a small `Backend` interface: `PynqBackend` drives the real hardware
through pynq; the simulated board (`pcnn_hw.board.simboard`, host-side) plugs in the bit-exact
simulator or a stalled accelerator, so the packing, batching, timeout and unpacking code below is the
same code on the board and in the tests.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from pcnn_hw.driver.backend import Backend
from pcnn_hw.driver.packing import pack_stream, unpack_stream
from pcnn_hw.driver.spec import SPEC_FILE, AcceleratorSpec, load_spec
from pcnn_hw.errors import BoardError

__all__ = ["DEFAULT_BATCH", "DEFAULT_TIMEOUT_S", "Accelerator", "Backend", "bitfile_paths"]

DEFAULT_TIMEOUT_S = 5.0
DEFAULT_BATCH = 256


def bitfile_paths(bitfile: str | Path) -> tuple[Path, Path]:
    """(bitfile, hwh) of a bitstream; BoardError if either is missing (names the file and the fix)."""
    bit = Path(bitfile)
    if bit.suffix != ".bit":
        raise BoardError(f"{bit}: expected a Vivado bitstream ending in .bit")
    if not bit.is_file():
        raise BoardError(
            f"{bit}: bitfile not found (build it with `make bitstream` on a machine with Vivado; "
            "see bitstreams/README.md)"
        )
    hwh = bit.with_suffix(".hwh")
    if not hwh.is_file():
        raise BoardError(
            f"{bit}: no hardware handoff {hwh.name} beside the bitfile; pynq needs it — copy "
            f"{hwh.name} from the same Vivado build (bitstreams/<board>/)"
        )
    return bit, hwh


def find_spec(bitfile: Path) -> Path:
    """The accelerator spec beside a bitfile: `<name>.json`, else `accelerator.json`."""
    for cand in (bitfile.with_suffix(".json"), bitfile.parent / SPEC_FILE):
        if cand.is_file():
            return cand
    raise BoardError(
        f"{bitfile}: no accelerator spec ({bitfile.with_suffix('.json').name} or {SPEC_FILE}) "
        "beside the bitfile"
    )


def prepare_images(spec: AcceleratorSpec, images: Any) -> np.ndarray:
    """Validate images and return them as uint8 pixels (N, n_elems) in the stream's element order."""
    x = np.asarray(images)
    sp = spec
    if x.dtype == np.uint8:
        pass
    elif x.dtype.kind == "f":
        if x.size and not np.all(np.isfinite(x)):
            raise BoardError("images contain NaN or infinity; expected floats in [0, 1]")
        if x.size and (x.min() < 0.0 or x.max() > 1.0):
            raise BoardError(
                f"image values out of range [{float(x.min()):g}, {float(x.max()):g}]; float images "
                "must lie in [0, 1] (or pass uint8 pixels 0..255)"
            )
    else:
        raise BoardError(
            f"images of dtype {x.dtype} are not supported; pass uint8 pixels 0..255 or float32 in [0, 1]"
        )
    cshape = sp.image_shape
    n_el = sp.input.n_elems
    if cshape is not None:
        if x.shape == cshape:
            x = x[None]
        if x.ndim != 4 or tuple(x.shape[1:]) != cshape:
            raise BoardError(
                f"images of shape {tuple(x.shape)}; accelerator {sp.name} expects (N, "
                f"{', '.join(map(str, cshape))}) NCHW or one image {cshape}"
            )
        x = np.transpose(x, (0, 2, 3, 1))
    else:
        if x.ndim >= 2 and int(np.prod(x.shape[1:])) == n_el:
            pass
        elif x.size == n_el and x.ndim >= 1:
            x = x.reshape(1, n_el)
        else:
            raise BoardError(
                f"images of shape {tuple(x.shape)}; accelerator {sp.name} expects (N, ...) "
                f"with {n_el} values per image"
            )
    x = x.reshape(x.shape[0], n_el)
    if x.dtype != np.uint8:
        x = np.round(x.astype(np.float32) * np.float32(255.0)).astype(np.uint8)
    return np.ascontiguousarray(x)


class Accelerator:
    """The accelerator of one bitstream (or a simulated one given as `backend`).

    `execute(images)` returns labels; `execute(images, return_raw=True)` also returns the raw output
    elements (N, n_out) — the scores, where the design outputs them. Images: uint8 pixels 0..255 or
    floats in [0, 1], shape (N, C, H, W) / (C, H, W) for convolutional designs, any (N, ...) with the
    right element count for flat ones. `batch_size` images go in one DMA transfer; a transfer that
    does not finish within `timeout_s` raises BoardError.
    """

    def __init__(
        self,
        bitfile: str | Path | None = None,
        *,
        spec: AcceleratorSpec | str | Path | None = None,
        backend: Backend | None = None,
        batch_size: int = DEFAULT_BATCH,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        download: bool = True,
    ) -> None:
        bit = None
        if bitfile is not None:
            bit, _ = bitfile_paths(bitfile)
        elif backend is None:
            raise BoardError("Accelerator needs a bitfile (or a simulated backend)")
        if spec is None:
            if bit is None:
                raise BoardError(
                    "Accelerator: give the accelerator spec (accelerator.json) or a bitfile beside it"
                )
            spec = find_spec(bit)
        self.spec = spec if isinstance(spec, AcceleratorSpec) else load_spec(spec)
        if self.spec.input.datatype != "UINT8":
            raise BoardError(
                f"accelerator {self.spec.name}: input datatype {self.spec.input.datatype} is not "
                "supported by this driver (UINT8 pixels expected)"
            )
        if backend is None:
            from pcnn_hw.driver.pynq_backend import PynqBackend

            backend = PynqBackend(bit, self.spec, download=download)
        self.backend = backend
        self.bitfile = bit
        self.timeout_s = float(timeout_s)
        self._bufs: tuple[int, np.ndarray, np.ndarray] | None = None
        self._batch = 1
        self.batch_size = batch_size
        self.dma_seconds = 0.0  # time spent waiting for transfers (for throughput_test)

    # -- configuration ---------------------------------------------------------------------------
    @property
    def batch_size(self) -> int:
        """Images per DMA transfer."""
        return self._batch

    @batch_size.setter
    def batch_size(self, n: int) -> None:
        n = int(n)
        if n < 1:
            raise BoardError(f"batch_size must be >= 1, got {n}")
        limit = self.spec.max_transfer_bytes // max(
            self.spec.input.bytes_per_image, self.spec.output.bytes_per_image
        )
        if n > limit:
            raise BoardError(
                f"batch_size {n} exceeds the DMA's transfer limit ({limit} images of "
                f"{self.spec.input.bytes_per_image} bytes)"
            )
        self._batch = n

    def _buffers(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        if self._bufs is None or self._bufs[0] < n:
            self._bufs = (
                n,
                self.backend.allocate(n * self.spec.input.bytes_per_image),
                self.backend.allocate(n * self.spec.output.bytes_per_image),
            )
        return self._bufs[1], self._bufs[2]

    # -- input -----------------------------------------------------------------------------------
    def prepare(self, images: Any) -> np.ndarray:
        """Validate images and return them as uint8 pixels (N, n_elems) in the stream's element order."""
        return prepare_images(self.spec, images)

    # -- execution -------------------------------------------------------------------------------
    def execute(self, images: Any, return_raw: bool = False) -> Any:
        """Labels (N,) int64 of the images; with return_raw=True also the raw outputs (N, n_out) int64."""
        x = self.prepare(images)
        sp = self.spec
        n = x.shape[0]
        raw = np.zeros((n, sp.output.n_elems), np.int64)
        if n:
            packed = pack_stream(x, sp.input.bits, sp.input.elems_per_word, sp.input.signed)
            bs = min(self.batch_size, n)
            inbuf, outbuf = self._buffers(bs)
            ibpi, obpi = sp.input.bytes_per_image, sp.output.bytes_per_image
            for s in range(0, n, bs):
                k = min(bs, n - s)
                nin, nout = k * ibpi, k * obpi
                inbuf[:nin] = packed[s : s + k].reshape(-1)
                got = self._transfer(inbuf, nin, outbuf, nout, k, s)
                if got != nout:
                    raise BoardError(
                        f"images {s}..{s + k - 1}: accelerator returned {got} bytes, expected {nout} "
                        f"({k} images x {obpi} bytes)"
                    )
                out = np.array(outbuf[:nout], dtype=np.uint8).reshape(k, obpi)
                raw[s : s + k] = unpack_stream(
                    out, sp.output.n_elems, sp.output.bits, sp.output.elems_per_word, sp.output.signed
                )
        if sp.output_kind == "label":
            labels = raw[:, 0].copy()
        else:
            labels = raw.argmax(axis=1) if n else np.zeros(0, np.int64)
        return (labels, raw) if return_raw else labels

    def _transfer(
        self, inbuf: np.ndarray, nin: int, outbuf: np.ndarray, nout: int, k: int, first: int
    ) -> int:
        t0 = time.perf_counter()
        deadline = time.monotonic() + self.timeout_s
        self.backend.start(inbuf, nin, outbuf, nout, k)
        polls = 0
        while True:
            got = self.backend.poll()
            if got is not None:
                self.dma_seconds += time.perf_counter() - t0
                return int(got)
            if time.monotonic() > deadline:
                self.backend.abort()
                self.backend.reset_accelerator()
                raise BoardError(
                    f"accelerator did not answer within {self.timeout_s:g} s (images {first}.."
                    f"{first + k - 1}, {nin} bytes sent); DMA and accelerator reset, the next call "
                    "starts clean — is the bitstream the one this accelerator.json belongs to?"
                )
            polls += 1
            if polls > 100:
                time.sleep(0.0002)

    def throughput_test(
        self, n_images: int | None = None, batch_size: int | None = None, seed: int = 0
    ) -> dict[str, float]:
        """Run random images and report images/s (end to end), DMA MB/s (bytes in + out per DMA second)."""
        if batch_size is not None:
            self.batch_size = batch_size
        n = int(n_images if n_images is not None else 4 * self.batch_size)
        rng = np.random.default_rng(seed)
        shape = (n,) + (self.spec.image_shape or (self.spec.input.n_elems,))
        x = rng.integers(0, 256, size=shape, dtype=np.uint8)
        self.dma_seconds = 0.0
        t0 = time.perf_counter()
        self.execute(x)
        dt = time.perf_counter() - t0
        moved = n * (self.spec.input.bytes_per_image + self.spec.output.bytes_per_image)
        return {
            "images": float(n),
            "batch_size": float(self.batch_size),
            "seconds": dt,
            "images_per_s": n / dt if dt > 0 else float("inf"),
            "dma_seconds": self.dma_seconds,
            "dma_mb_per_s": moved / self.dma_seconds / 1e6 if self.dma_seconds > 0 else float("inf"),
        }

    def close(self) -> None:
        """Release the backend (buffers, device)."""
        self._bufs = None
        self.backend.close()

    def __enter__(self) -> Accelerator:
        """Context manager: closes the backend on exit."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close on leaving the `with` block."""
        self.close()
