"""A simulated PYNQ device: the real `pynq` package's Overlay, allocate, MMIO and AXI DMA driver run
against a Python model of the programmable logic (AXI DMA + the accelerator wrapper + a compute model).

Opt-in: the device's probe answers only when the environment variable PCNN_HW_PYNQ_SIM is "1", which
the test fixture or `python -m pcnn_hw.board.pynq_sim` (our launcher) sets — users never need it, and
on a real board the module never takes over. Needs pynq (its own venv: `make pynq-venv`).

Launcher: `python -m pcnn_hw.board.pynq_sim BUILD_DIR SCRIPT.py [ARGS...]` writes the simulation
overlay (build/NAME/pynq_sim/NAME.bit placeholder + generated .hwh), registers the device, attaches the
bit-exact model of BUILD_DIR and runs SCRIPT unchanged (e.g. a deployment's verify_on_board.py with
`--bitfile build/NAME/pynq_sim/NAME.bit`). `--rtl` attaches the Verilator model of
the stitched RTL top instead; `--stalled` an accelerator that never answers.
"""

from __future__ import annotations

import os
import runpy
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from pynq.buffer import PynqBuffer
from pynq.pl_server.device import Device

from pcnn_hw.driver.packing import pack_stream, unpack_stream
from pcnn_hw.driver.spec import SOFT_RESET, AcceleratorSpec

ENV_FLAG = "PCNN_HW_PYNQ_SIM"
MEM_BASE = 0x10000000
ComputeFn = Callable[[np.ndarray], np.ndarray]  # uint8 pixels (k, n_elems) -> raw outputs (k, n_out)


class SimMemory:
    """DDR standing in for the board's: each allocation a numpy array at a fake physical address."""

    def __init__(self, device: Any) -> None:
        self.device = device
        self.next = MEM_BASE
        self.regions: dict[int, np.ndarray] = {}

    def allocate(self, shape: Any, dtype: Any, **kwargs: Any) -> PynqBuffer:
        """A PynqBuffer over fresh zeroed memory (4 KiB aligned addresses)."""
        nbytes = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
        raw = np.zeros(max(nbytes, 1), np.uint8)
        addr = self.next
        self.next += -(-max(nbytes, 1) // 4096) * 4096
        self.regions[addr] = raw
        return PynqBuffer(
            shape, dtype, buffer=raw, device=self.device, device_address=addr, bo=addr, coherent=False
        )

    def view(self, addr: int, n: int) -> np.ndarray:
        """The n bytes at physical address addr (DecErr -> IndexError)."""
        for base, raw in self.regions.items():
            if base <= addr and addr + n <= base + raw.size:
                return raw[addr - base : addr - base + n]
        raise IndexError(f"no memory at 0x{addr:x}+{n}")


class AccelModel:
    """pcnn_accel_wrapper: AXI-Lite registers, input FIFO, compute, output packets ended by TLAST."""

    def __init__(self, spec: AcceleratorSpec, compute: ComputeFn | None, stalled: bool = False) -> None:
        self.spec = spec
        self.compute = compute
        self.stalled = stalled or compute is None
        self.batch = 1
        self.pending = bytearray()  # input bytes not yet forming a whole image
        self.out = bytearray()  # produced output bytes of the current packet
        self.out_images = 0
        self.packets: list[bytes] = []
        self.soft_resets = 0

    def read(self, off: int) -> int:
        """Register read."""
        return {
            0x00: 0x50434E4E,
            self.spec.control_register: 0,  # the soft reset completes at once
            0x10: self.batch,
            0x14: self.spec.output.words_per_image,
            0x18: self.spec.input.words_per_image,
        }.get(off, 0)

    def write(self, off: int, value: int) -> None:
        """Register write (0x10: images per output packet; control: soft reset)."""
        if off == 0x10:
            self.batch = value or 1
        elif off == self.spec.control_register and value & SOFT_RESET:
            self.soft_resets += 1
            self.reset()

    def push(self, data: bytes) -> None:
        """MM2S stream bytes in; whole images are computed, packets closed after `batch` images."""
        if self.stalled:
            return
        sp = self.spec
        self.pending += data
        k = len(self.pending) // sp.input.bytes_per_image
        if not k:
            return
        chunk = bytes(self.pending[: k * sp.input.bytes_per_image])
        del self.pending[: k * sp.input.bytes_per_image]
        arr = np.frombuffer(chunk, np.uint8).reshape(k, sp.input.bytes_per_image)
        pixels = unpack_stream(arr, sp.input.n_elems, sp.input.bits, sp.input.elems_per_word, sp.input.signed)
        assert self.compute is not None
        raw = np.asarray(self.compute(pixels), np.int64).reshape(k, -1)
        outb = pack_stream(raw, sp.output.bits, sp.output.elems_per_word, sp.output.signed)
        for i in range(k):
            self.out += outb[i].tobytes()
            self.out_images += 1
            if self.out_images == self.batch:
                self.packets.append(bytes(self.out))
                self.out, self.out_images = bytearray(), 0

    def reset(self) -> None:
        """Soft reset: drop everything in flight, TLAST counter back to 0 (the batch register stays)."""
        self.pending, self.out, self.out_images, self.packets = bytearray(), bytearray(), 0, []


class DmaModel:
    """AXI DMA (simple mode): DMACR/DMASR/address/length registers of MM2S (0x00) and S2MM (0x30)."""

    def __init__(self, mem: SimMemory, accel: AccelModel) -> None:
        self.mem, self.accel = mem, accel
        self.regs: dict[int, int] = {}
        self._reset()

    def _reset(self) -> None:
        self.regs = {0x00: 0, 0x04: 1, 0x30: 0, 0x34: 1}
        self.s2mm_armed: tuple[int, int] | None = None  # a DMA reset leaves the accelerator as it is

    def read(self, off: int) -> int:
        """Register read."""
        return self.regs.get(off, 0)

    def write(self, off: int, value: int) -> None:
        """Register write: control, status (W1C irq bits), addresses, lengths (start transfers)."""
        if off in (0x00, 0x30):
            if value & 0x4:  # soft reset: both channels halt
                self._reset()
                return
            self.regs[off] = value
            sr = off + 4
            self.regs[sr] = (self.regs[sr] & ~0x1) | 0x2 if value & 1 else (self.regs[sr] | 0x1)
        elif off in (0x04, 0x34):
            self.regs[off] &= ~(value & 0x7000)
        elif off == 0x28:
            self.regs[off] = value
            self._mm2s(value)
        elif off == 0x58:
            self.regs[off] = value
            self.s2mm_armed = (self.regs.get(0x48, 0) | (self.regs.get(0x4C, 0) << 32), value)
            self.regs[0x34] &= ~0x2
            self._s2mm()
        else:
            self.regs[off] = value

    def _error(self, sr: int, bit: int) -> None:
        self.regs[sr] = (self.regs[sr] | bit | 0x1) & ~0x2

    def _mm2s(self, n: int) -> None:
        addr = self.regs.get(0x18, 0) | (self.regs.get(0x1C, 0) << 32)
        if not self.regs[0x00] & 1:
            return
        try:
            data = self.mem.view(addr, n).tobytes()
        except IndexError:
            self._error(0x04, 0x40)  # DMADecErr
            return
        self.regs[0x04] |= 0x2 | 0x1000
        self.accel.push(data)
        self._s2mm()

    def _s2mm(self) -> None:
        if self.s2mm_armed is None or not self.accel.packets:
            return
        addr, cap = self.s2mm_armed
        pkt = self.accel.packets.pop(0)
        if len(pkt) > cap:
            self._error(0x34, 0x10)  # DMAIntErr: packet longer than the buffer
            self.s2mm_armed = None
            return
        self.mem.view(addr, len(pkt))[:] = np.frombuffer(pkt, np.uint8)
        self.regs[0x58] = len(pkt)
        self.regs[0x34] |= 0x2 | 0x1000
        self.s2mm_armed = None


class SimulatedPynqDevice(Device):
    """The pynq Device of the simulated board (opt-in probe, singleton)."""

    _probe_priority_ = 7
    _instance: SimulatedPynqDevice | None = None

    @classmethod
    def _probe_(cls) -> list[SimulatedPynqDevice]:
        if os.environ.get(ENV_FLAG) != "1":
            return []
        return [cls.instance()]

    @classmethod
    def instance(cls) -> SimulatedPynqDevice:
        """The one simulated device."""
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def __init__(self) -> None:
        super().__init__("pcnn_hw_sim")
        self.name = "pcnn-hw simulated PL"
        self.capabilities = {"REGISTER_RW": True}
        self.default_memory = SimMemory(self)
        self.bitfile_name = ""
        self.timestamp = ""
        self.compute: ComputeFn | None = None
        self.stalled = False
        self.spec: AcceleratorSpec | None = None
        self._models: list[tuple[int, int, Any]] = []

    def attach(self, spec: AcceleratorSpec, compute: ComputeFn | None, stalled: bool = False) -> None:
        """Set the accelerator model the next download instantiates."""
        self.spec, self.compute, self.stalled = spec, compute, stalled

    def get_bitfile_metadata(self, bitfile_name: str, partial: bool = False) -> Any:
        """pynq's runtime metadata parser over the generated .hwh; no PL clocks (x86 has none)."""
        from pynqmetadata.frontends import Metadata
        from pynqmetadata.views.runtime import RuntimeMetadataParser

        parser = RuntimeMetadataParser(Metadata(input=str(Path(bitfile_name).with_suffix(".hwh"))))
        parser.clock_dict = {}
        return parser

    def download(self, bitstream: Any, parser: Any = None) -> None:
        """Instantiate the models at the addresses of the parsed ip_dict."""
        if self.spec is None:
            raise RuntimeError("simulated PYNQ device: no accelerator model attached (pynq_sim.attach)")
        accel = AccelModel(self.spec, self.compute, self.stalled)
        dma = DmaModel(self.default_memory, accel)
        self._models = []
        for name, model in ((self.spec.dma_name, dma), (self.spec.accel_name, accel)):
            ip = parser.ip_dict[name]
            self._models.append((int(ip["phys_addr"]), int(ip["addr_range"]), model))
        self.post_download(bitstream, parser)

    def _find(self, addr: int) -> tuple[Any, int]:
        for base, rng, model in self._models:
            if base <= addr < base + rng:
                return model, addr - base
        raise RuntimeError(f"simulated PYNQ device: no IP at 0x{addr:x}")

    def read_registers(self, address: int, length: int) -> bytes:
        """32-bit register reads (pynq MMIO calls this once per access)."""
        out = b""
        for a in range(address, address + length, 4):
            model, off = self._find(a)
            out += int(model.read(off) & 0xFFFFFFFF).to_bytes(4, "little")
        return out[:length]

    def write_registers(self, address: int, data: bytes) -> None:
        """32-bit register writes."""
        for i in range(0, len(data), 4):
            model, off = self._find(address + i)
            model.write(off, int.from_bytes(bytes(data[i : i + 4]).ljust(4, b"\0"), "little"))

    def flush(self, bo: Any, offset: int, ptr: int, size: int) -> None:
        """Caches are not simulated."""

    def invalidate(self, bo: Any, offset: int, ptr: int, size: int) -> None:
        """Caches are not simulated."""


def install(build_dir: str | Path, stalled: bool = False, rtl: bool = False) -> Path:
    """Opt in (sets PCNN_HW_PYNQ_SIM=1 for this process), write the simulation overlay of `build_dir`,
    make the simulated device pynq's active device with its bit-exact model (`rtl`: the Verilator model
    of the stitched RTL top instead); returns the .bit path."""
    from pcnn_hw.board.buildinfo import make_spec
    from pcnn_hw.board.sim_hwh import write_simulated_overlay
    from pcnn_hw.board.simboard import BitExactBackend, VerilatorBackend

    os.environ[ENV_FLAG] = "1"
    spec = make_spec(build_dir)
    dev = SimulatedPynqDevice.instance()
    model = VerilatorBackend if rtl else BitExactBackend
    compute = None if stalled else model(spec, build_dir).compute
    dev.attach(spec, compute, stalled)
    Device.active_device = dev
    return write_simulated_overlay(spec, Path(build_dir) / "pynq_sim")


def main(argv: list[str] | None = None) -> int:
    """`python -m pcnn_hw.board.pynq_sim BUILD_DIR SCRIPT [ARGS] [--stalled | --rtl]`: run SCRIPT on the
    simulated device (the launcher's own flags are taken out of the arguments wherever they stand)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    flags = {a for a in argv if a in ("--stalled", "--rtl")}
    argv = [a for a in argv if a not in flags]
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    bit = install(argv[0], stalled="--stalled" in flags, rtl="--rtl" in flags)
    print(f"pynq_sim: simulated overlay {bit}", file=sys.stderr)
    sys.argv = [argv[1], *argv[2:]]
    try:
        runpy.run_path(argv[1], run_name="__main__")
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
