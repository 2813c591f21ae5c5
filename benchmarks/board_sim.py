"""Simulated-board throughput: the board-side driver (packing, DMA batching, unpacking) on this machine.

For each build: images/s and DMA MB/s of `Accelerator.throughput_test` with
  * a null accelerator (answers instantly: the driver's own cost, an upper bound of what Python adds),
  * the bit-exact simulator behind the driver (the simulated board of `pcnn-hw verify`),
  * pynq 4.0's own Overlay + AXI DMA driver on the simulated PL (build/.pynq-venv, if installed),
at several batch sizes. These are host-simulation numbers, not board numbers: a real board's rate is
min(accelerator FPS from the build report, the Zynq's DMA/PS rate); it is measured by
verify_on_board.py on the board.

    .venv/bin/python benchmarks/board_sim.py                       # default builds (made if missing)
    .venv/bin/python benchmarks/board_sim.py --build build/NAME    # a given build
Results: benchmarks/results/board_sim.json and .md.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pcnn_hw.board.buildinfo import make_spec  # noqa: E402
from pcnn_hw.board.simboard import BitExactBackend, _MemoryBackend  # noqa: E402
from pcnn_hw.driver import Accelerator  # noqa: E402

BATCHES = (1, 16, 256)
PYNQ_SNIPPET = """
import json, sys
from pcnn_hw.board import pynq_sim
bit = pynq_sim.install(sys.argv[1])
from pcnn_hw.driver import Accelerator
acc = Accelerator(bit, batch_size=int(sys.argv[2]), timeout_s=60)
acc.throughput_test(min(64, int(sys.argv[3])))  # warm-up
print(json.dumps(acc.throughput_test(int(sys.argv[3]))))
"""


class NullBackend(_MemoryBackend):
    """An accelerator that answers at once with zeros (driver overhead only)."""

    def compute(self, pixels: np.ndarray) -> np.ndarray:
        """Zeros of the output shape."""
        return np.zeros((len(pixels), self.spec.output.n_elems), np.int64)


def default_builds(work: Path) -> list[Path]:
    """sfc (BNN-PYNQ, random init) and a mini CNN built for pynq-z2 under `work` (made if missing)."""
    from pcnn_hw.compile import testmodels
    from pcnn_hw.compile.build import build

    out = []
    for name, export in (
        ("sfc", lambda p: testmodels.export_bnn_pynq("sfc_1w1a", p)),
        ("mini-cnn", lambda p: testmodels.export_mini_cnn(p, size=28)),
    ):
        bdir = work / name
        if not (bdir / "folded.onnx").is_file():
            work.mkdir(parents=True, exist_ok=True)
            onnx = export(work / f"{name}.onnx")
            build(onnx, bdir, "pynq-z2", stream=io.StringIO())
        out.append(bdir)
    return out


def measure(bdir: Path, n: int) -> dict:
    """All measurements of one build."""
    spec = make_spec(bdir)
    row: dict = {
        "build": bdir.name,
        "input_bytes_per_image": spec.input.bytes_per_image,
        "output_bytes_per_image": spec.output.bytes_per_image,
        "report_fps": spec.expected_fps,
        "null": {},
        "bitexact": {},
        "pynq_sim": {},
    }
    backends = {"null": NullBackend(spec), "bitexact": BitExactBackend(spec, bdir)}
    for key, be in backends.items():
        acc = Accelerator(spec=spec, backend=be)
        for bs in BATCHES:
            acc.throughput_test(min(n, 64), bs)  # warm-up
            row[key][bs] = acc.throughput_test(n, bs)
    py = ROOT / "build" / ".pynq-venv" / "bin" / "python"
    if (ROOT / "build" / ".pynq-venv" / ".installed").is_file():
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
        for bs in BATCHES:
            res = subprocess.run(
                [str(py), "-c", PYNQ_SNIPPET, str(bdir), str(bs), str(n)],
                capture_output=True,
                text=True,
                env=env,
                check=False,
                timeout=1800,
            )
            row["pynq_sim"][bs] = (
                json.loads(res.stdout.strip().splitlines()[-1])
                if res.returncode == 0
                else {"error": res.stderr[-300:]}
            )
    return row


def to_markdown(rows: list[dict], n: int) -> str:
    """Results table."""
    lines = [
        f"# Simulated-board throughput ({n} images per point; host {platform.machine()}, "
        f"{platform.python_version()})",
        "",
        "images/s end to end (packing + transfer + unpacking) and DMA MB/s (bytes in + out per second of "
        "transfer time) through `Accelerator.throughput_test`. Host simulation, not board numbers.",
        "",
        "| build | bytes in/out per image | report FPS | backend | "
        + " | ".join(f"batch {b}" for b in BATCHES)
        + " |",
        "|---|---|---:|---|" + "---:|" * len(BATCHES),
    ]
    for r in rows:
        for key, label in (
            ("null", "null accelerator"),
            ("bitexact", "bit-exact sim"),
            ("pynq_sim", "pynq 4.0 DMA + bit-exact"),
        ):
            if not r[key]:
                continue
            cells = []
            for b in BATCHES:
                m = r[key].get(b) or r[key].get(str(b)) or {}
                cells.append(
                    f"{m['images_per_s']:,.0f} img/s, {m['dma_mb_per_s']:,.1f} MB/s"
                    if "images_per_s" in m
                    else "error"
                )
            fps = f"{r['report_fps']:,.0f}" if r["report_fps"] else "-"
            lines.append(
                f"| {r['build']} | {r['input_bytes_per_image']}/{r['output_bytes_per_image']} | {fps} | "
                f"{label} | " + " | ".join(cells) + " |"
            )
    return "\n".join(lines) + "\n"


def main() -> int:
    """Run and write the results."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", type=Path, action="append", default=None, help="build directory (repeatable)")
    ap.add_argument("--images", type=int, default=1024, help="images per measurement (default 1024)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = ap.parse_args()
    builds = args.build or default_builds(ROOT / "build" / "bench" / "board")
    rows = [measure(b, args.images) for b in builds]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "board_sim.json").write_text(
        json.dumps({"images": args.images, "rows": rows}, indent=2) + "\n"
    )
    md = to_markdown(rows, args.images)
    (args.out / "board_sim.md").write_text(md)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
