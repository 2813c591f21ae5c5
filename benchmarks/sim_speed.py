"""Images/s of the bit-exact simulator vs FINN+'s execution of the same folded graph vs PyTorch.

For cnv and sfc (Brevitas bnn_pynq models, random weights, randomized BatchNorm), batch 1 and 100, all
measured in one run; the simulator on its native kernels and on its numpy path.
Results: benchmarks/results/sim_speed.json and sim_speed.md.
Run: .venv/bin/python benchmarks/sim_speed.py [--quick]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


def _timeit(fn, reps: int, min_s: float = 0.2) -> float:
    """Seconds per call of fn(): best over `reps` repetitions of a loop of calls lasting >= `min_s`
    (calibrated once), so that calls of tens of microseconds are not dominated by timer jitter."""
    fn()
    loops, t = 1, 0.0
    while True:
        t0 = time.perf_counter()
        for _ in range(loops):
            fn()
        t = time.perf_counter() - t0
        if t >= min_s or loops >= 1 << 20:
            break
        loops *= 2 if t <= 0 else max(2, min(10, int(min_s / t) + 1))
    best = t / loops
    for _ in range(reps - 1):
        t0 = time.perf_counter()
        for _ in range(loops):
            fn()
        best = min(best, (time.perf_counter() - t0) / loops)
    return best


def bench_model(name: str, work: Path, finn_images: int, reps: int) -> dict:
    """Measure one model; returns images/s per engine and batch and the ratios."""
    import torch
    from brevitas.export import export_qonnx
    from brevitas_examples.bnn_pynq.models import model_with_cfg

    from pcnn_hw.compile import testmodels
    from pcnn_hw.compile.build import build
    from pcnn_hw.compile.weights import load_weights
    from pcnn_hw.sim.executor import Simulator
    from pcnn_hw.sim.finn_reference import FinnReference
    from pcnn_hw.verify.ladder import graph_input_adapter

    torch.manual_seed(0)
    model, _ = model_with_cfg(f"{name}_1w1a", pretrained=False)
    testmodels._randomize_bn(model, 0)  # noqa: SLF001
    model.eval()
    shape = (3, 32, 32) if name == "cnv" else (1, 28, 28)
    path = work / f"{name}.onnx"
    export_qonnx(model, torch.zeros(1, *shape), str(path))
    result = build(
        path, work / f"build_{name}", "pynq-z2", folding=None, target_fps=3000, stream=io.StringIO()
    )
    sim = Simulator(result.model_path, memory=load_weights(result.out_dir), backend="native")
    sim_numpy = Simulator(result.model_path, memory=load_weights(result.out_dir), backend="numpy")
    ref = FinnReference(result.model_path)
    rng = np.random.default_rng(0)
    x = (rng.integers(0, 256, (100, *shape)) / 255.0).astype(np.float32)
    gx = graph_input_adapter(sim.input_shape, sim.input_dtype)(x)
    xt = torch.from_numpy(x)
    from pcnn_hw.core.bits import blas_single_thread

    res: dict = {"model": name, "folded_layers": len(sim.layers)}
    ips: dict = {}
    raw: dict = {}
    for b in (1, 100):
        # PyTorch with 2 and with 1 intra-op threads; the faster one is the baseline
        best_torch = float("inf")
        for nthreads in (2, 1):
            torch.set_num_threads(nthreads)
            with torch.no_grad():
                model(xt[:b])
                t = _timeit(lambda b=b: model(xt[:b]), reps)
            raw[f"pytorch_b{b}_threads{nthreads}"] = b / t
            best_torch = min(best_torch, t)
        sim.run(gx[:b])
        t_sim = _timeit(lambda b=b: sim.run(gx[:b]), reps)
        sim_numpy.run(gx[:b])
        t_sim_numpy = _timeit(lambda b=b: sim_numpy.run(gx[:b]), reps)
        ips[f"pytorch_b{b}"] = b / best_torch
        ips[f"sim_b{b}"] = b / t_sim
        ips[f"sim-numpy_b{b}"] = b / t_sim_numpy
    torch.set_num_threads(2)
    # FINN (batch 1 only) with OpenBLAS' default threads and with one BLAS thread; the faster counts
    ref.run(gx[:1])
    t_finn_mt = _timeit(lambda: ref.run(gx[:finn_images]), reps, min_s=0.0) / finn_images
    with blas_single_thread():
        t_finn_1 = _timeit(lambda: ref.run(gx[:finn_images]), reps, min_s=0.0) / finn_images
    raw["finn_b1_blas_default"] = 1.0 / t_finn_mt
    raw["finn_b1_blas_1thread"] = 1.0 / t_finn_1
    ips["finn_b1"] = 1.0 / min(t_finn_mt, t_finn_1)
    res["all_measurements_images_per_s"] = raw
    res["images_per_s"] = ips
    res["ratios"] = {
        "sim_b1_over_finn": ips["sim_b1"] / ips["finn_b1"],
        "sim_b100_over_finn": ips["sim_b100"] / ips["finn_b1"],
        "sim_b1_over_pytorch_b1": ips["sim_b1"] / ips["pytorch_b1"],
        "sim_b100_over_pytorch_b100": ips["sim_b100"] / ips["pytorch_b100"],
        "native_over_numpy_b1": ips["sim_b1"] / ips["sim-numpy_b1"],
        "native_over_numpy_b100": ips["sim_b100"] / ips["sim-numpy_b100"],
    }
    return res


def main() -> None:
    """Run the benchmark and write the results files."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = ap.parse_args()
    reps = 2 if args.quick else 5
    from pcnn_hw.sim import native

    kernels = native.load(required=True)
    flags = " ".join(f for f in native.compile_flags() if f.startswith(("-O", "-m")))
    out = {
        "machine": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "numpy": np.__version__,
        "native_kernels": {"path": kernels.__file__, "flags": list(native.compile_flags())},
        "note": (
            f"sim = the bit-exact simulator with its native kernels (C, {flags}), sim-numpy = the same "
            "simulator on its numpy path. FINN+ executes batch 1 only (SANITIZE_QUANT_TENSORS=0), image by "
            "image. Wall time per call, best of reps, each rep a loop of calls lasting >= 0.2 s (FINN: 20 "
            "sfc / 5 cnv images per rep). Baselines are the faster of their thread settings (PyTorch 2/1 "
            "threads, FINN default/1 BLAS thread)."
        ),
        "load_average_at_start": os.getloadavg()[0],
        "models": [],
    }
    with tempfile.TemporaryDirectory(prefix="pcnn_sim_speed_") as tmp:
        for name, n_finn in (("sfc", 20), ("cnv", 5)):
            out["models"].append(bench_model(name, Path(tmp), n_finn, reps))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "sim_speed.json").write_text(json.dumps(out, indent=2))
    lines = [
        "# Bit-exact simulator speed",
        "",
        out["note"],
        "",
        "| model | engine | batch | images/s |",
        "|---|---|---|---|",
    ]
    for m in out["models"]:
        for k, v in m["images_per_s"].items():
            eng, b = k.rsplit("_b", 1)
            lines.append(f"| {m['model']} | {eng} | {b} | {v:,.1f} |")
    lines += [
        "",
        "| model | sim b1 / FINN | sim b100 / FINN | sim / PyTorch (b1) | sim / PyTorch (b100) "
        "| native / numpy (b1) | native / numpy (b100) |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in out["models"]:
        r = m["ratios"]
        lines.append(
            f"| {m['model']} | {r['sim_b1_over_finn']:.1f}x | {r['sim_b100_over_finn']:.1f}x | "
            f"{r['sim_b1_over_pytorch_b1']:.2f}x | {r['sim_b100_over_pytorch_b100']:.2f}x | "
            f"{r['native_over_numpy_b1']:.1f}x | {r['native_over_numpy_b100']:.1f}x |"
        )
    (RESULTS / "sim_speed.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
