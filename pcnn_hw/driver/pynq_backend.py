"""The real backend: pynq's Overlay, `pynq.allocate` buffers and the AXI DMA driver (pynq >= 2.7).

pynq's `DMA.wait()` spins forever on a stalled accelerator, so this backend polls the channels' status
instead and lets the driver enforce its timeout; after a timeout the DMA is soft-reset (DMACR bit 2)
and then the accelerator (its control register, `spec.control_register`), each with a bounded wait.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from pcnn_hw.driver.backend import Backend
from pcnn_hw.driver.spec import SOFT_RESET, AcceleratorSpec
from pcnn_hw.errors import BoardError

_DMACR, _DMASR = 0x00, 0x04
_RESET = 0x4


def _transfer(channel: Any, buf: Any, nbytes: int) -> None:
    """`channel.transfer` of the first `nbytes` of `buf` (pynq >= 2.7 takes nbytes; else a slice)."""
    try:
        channel.transfer(buf, nbytes=nbytes)
    except TypeError:
        channel.transfer(buf[:nbytes])


class PynqBackend(Backend):
    """DMA + accelerator of a downloaded overlay (the names come from the accelerator spec)."""

    def __init__(self, bitfile: str | Path, spec: AcceleratorSpec, download: bool = True) -> None:
        try:
            import pynq
        except ImportError:
            raise BoardError(
                "the pynq package is not installed: run this on a PYNQ image, or use a simulated backend"
            ) from None
        self._pynq = pynq
        self.spec = spec
        try:
            self.overlay = pynq.Overlay(str(bitfile), download=download)
        except Exception as exc:  # pynq raises RuntimeError/OSError/ValueError on bad files or devices
            raise BoardError(
                f"{bitfile}: pynq could not load the overlay ({type(exc).__name__}: {exc})"
            ) from exc
        ips = sorted(getattr(self.overlay, "ip_dict", {}))
        for attr in (spec.dma_name, spec.accel_name):
            if attr not in ips:
                raise BoardError(f"{bitfile}: the block design has no IP {attr!r} (found: {', '.join(ips)})")
        self.dma = getattr(self.overlay, spec.dma_name)
        self.accel = getattr(self.overlay, spec.accel_name)
        self._out: Any = None

    def allocate(self, nbytes: int) -> np.ndarray:
        """A physically contiguous buffer (pynq.allocate)."""
        return self._pynq.allocate(shape=(int(nbytes),), dtype=np.uint8)

    def start(
        self, inbuf: np.ndarray, in_bytes: int, outbuf: np.ndarray, out_bytes: int, n_images: int
    ) -> None:
        """Set the images-per-packet register, arm S2MM, then start MM2S."""
        self.accel.write(self.spec.batch_register, int(n_images))
        try:
            _transfer(self.dma.recvchannel, outbuf, int(out_bytes))
            _transfer(self.dma.sendchannel, inbuf, int(in_bytes))
        except (RuntimeError, ValueError) as exc:
            raise BoardError(f"DMA transfer could not start: {exc}") from exc
        self._out = outbuf

    def poll(self) -> int | None:
        """Bytes received once both channels are idle; BoardError on a DMA error."""
        send, recv = self.dma.sendchannel, self.dma.recvchannel
        for name, ch in (("MM2S", send), ("S2MM", recv)):
            if ch.error:
                status = ch._mmio.read(ch._offset + _DMASR)  # noqa: SLF001 - pynq keeps the MMIO private
                raise BoardError(
                    f"DMA {name} error, DMASR=0x{status:08x} (0x10 internal — e.g. the "
                    "output is longer than the buffer; 0x20 slave; 0x40 decode)"
                )
        if not (send.idle and recv.idle):
            return None
        send.wait()
        recv.wait()  # returns at once (idle); invalidates the buffer and reads the byte count
        return int(recv.transferred)

    def abort(self, timeout_s: float = 1.0) -> None:
        """Soft-reset the DMA (both channels) and restart it; bounded wait."""
        mmio = self.dma.mmio
        mmio.write(_DMACR, _RESET)
        deadline = time.monotonic() + timeout_s
        while mmio.read(_DMACR) & _RESET:
            if time.monotonic() > deadline:
                raise BoardError("DMA soft reset did not complete; reload the overlay")
        self.dma.sendchannel.start()
        self.dma.recvchannel.start()

    def reset_accelerator(self, timeout_s: float = 1.0) -> None:
        """Soft-reset the accelerator's pipeline and TLAST counters; bounded wait for it to finish."""
        reg = self.spec.control_register
        self.accel.write(reg, SOFT_RESET)
        deadline = time.monotonic() + timeout_s
        while self.accel.read(reg) & SOFT_RESET:
            if time.monotonic() > deadline:
                raise BoardError("accelerator soft reset did not complete; reload the overlay")

    def close(self) -> None:
        """Free the buffers (pynq frees them when they are garbage collected)."""
        self._out = None
