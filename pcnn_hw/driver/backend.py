"""The `Backend` interface between the board-side driver and the DMA + accelerator.

Its own module so that `pcnn_hw.driver.driver` (which picks `PynqBackend` by default) and
`pcnn_hw.driver.pynq_backend` (which implements it) do not import each other.
"""

from __future__ import annotations

import numpy as np


class Backend:
    """DMA + accelerator: byte buffers in, byte buffers out. Subclasses implement every method.

    `start` launches one transfer (the accelerator's batch register is set to `n_images` first);
    `poll` returns the number of bytes received once both channels are idle, None while busy, and
    raises BoardError on a DMA error; after a timeout `abort` resets the DMA and `reset_accelerator`
    the accelerator (its soft-reset register: pipeline and TLAST counters), so the next transfer
    starts from a clean state instead of a half-sent packet.
    """

    def allocate(self, nbytes: int) -> np.ndarray:
        """A contiguous uint8 buffer of `nbytes` the DMA can reach."""
        raise NotImplementedError

    def start(
        self, inbuf: np.ndarray, in_bytes: int, outbuf: np.ndarray, out_bytes: int, n_images: int
    ) -> None:
        """Start sending `in_bytes` of `inbuf` and receiving up to `out_bytes` into `outbuf`."""
        raise NotImplementedError

    def poll(self) -> int | None:
        """Bytes received if the transfer finished, else None."""
        raise NotImplementedError

    def abort(self) -> None:
        """Stop and reset both DMA channels (after a timeout)."""
        raise NotImplementedError

    def reset_accelerator(self) -> None:
        """Soft-reset the accelerator (pipeline, TLAST counters) and wait until it is done."""
        raise NotImplementedError

    def close(self) -> None:
        """Release buffers and the device."""
