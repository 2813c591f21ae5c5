"""Huffman coding of binary kernels vs 1-bit packing, codebooks counted, on random and trained models.

For each entry, the model's QONNX file is made (random init: `build_model` + `export_model`; trained:
`pcnn-hw train` then `pcnn-hw export`, reused when the run directory already holds it), every binary
layer is coded with the best symbol shape or stored raw (`pcnn_hw.compress.layer_codec`), decoded back
and compared, and the totals are written to benchmarks/results/huffman.json and .md.

    .venv/bin/python benchmarks/huffman.py   # mini-cnv/sfc 5 epochs, lfc 1 epoch, random mini-cnv/sfc/lfc/cnv
    .venv/bin/python benchmarks/huffman.py --only mini-cnv:random  # one entry
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# (model, epochs): 0 = random init (seeded), else trained on mnist5k for that many epochs
ENTRIES = (("mini-cnv", 5), ("sfc", 5), ("lfc", 1), ("mini-cnv", 0), ("sfc", 0), ("lfc", 0), ("cnv", 0))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options of the benchmark."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", nargs="+", default=None, help="entries MODEL:EPOCHS or MODEL:random")
    p.add_argument("--runs-dir", type=Path, default=ROOT / "build" / "bench" / "huffman")
    p.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results" / "huffman")
    return p.parse_args(argv)


def _random_onnx(model_name: str, path: Path) -> Path:
    import torch

    from pcnn_hw.compile.testmodels import _randomize_bn
    from pcnn_hw.export import export_model
    from pcnn_hw.models import build_model
    from pcnn_hw.quant import QuantConfig

    if path.is_file():
        return path
    torch.manual_seed(0)
    in_shape = (3, 32, 32) if model_name == "cnv" else (1, 28, 28)
    model = build_model(model_name, QuantConfig(kind="pcnn"), in_shape=in_shape)
    _randomize_bn(model, 0)  # default BN stats leave exact zeros before sign: float ties in the check
    model.eval()
    images = torch.rand(4, *in_shape, generator=torch.Generator().manual_seed(0))
    export_model(model, in_shape, path, (images * 255).round() / 255)
    return path


def _trained_onnx(model_name: str, epochs: int, run: Path) -> Path:
    onnx = run / "model.onnx"
    if onnx.is_file():
        return onnx
    cli = [sys.executable, "-m", "pcnn_hw.cli"]
    subprocess.run([*cli, "train", "--model", model_name, "--quant", "pcnn", "--epochs", str(epochs),
                    "--quiet", "-o", str(run)], check=True, timeout=3600)  # fmt: skip
    subprocess.run([*cli, "export", str(run), "-o", str(onnx)], check=True, timeout=600)
    return onnx


def measure(model_name: str, epochs: int, runs_dir: Path) -> dict:
    """Code one model; the per-layer rows and totals."""
    from pcnn_hw.compress.report import as_json, compress_model, format_table

    if epochs == 0:
        onnx = _random_onnx(model_name, runs_dir / f"{model_name}-random" / "model.onnx")
    else:
        onnx = _trained_onnx(model_name, epochs, runs_dir / f"{model_name}-{epochs}ep")
    t0 = time.perf_counter()
    rows = compress_model(onnx)
    seconds = time.perf_counter() - t0
    print(f"== {model_name} ({'random' if epochs == 0 else f'{epochs} epochs'})\n{format_table(rows)}")
    acc = None
    metrics = onnx.parent / "metrics.json"
    if metrics.is_file():
        acc = json.loads(metrics.read_text()).get("final_test_acc")
    return {"model": model_name, "epochs": epochs, "test_acc": acc, "seconds": round(seconds, 2),
            **as_json(rows)}  # fmt: skip


def write_markdown(results: list[dict], path: Path) -> None:
    """The summary table and one per-layer table per model."""
    lines = [
        "# Huffman coding of binary kernels vs 1-bit packing",
        "",
        "`benchmarks/huffman.py`; every total counts each layer's 5-bit mode tag and its serialised",
        "canonical codebook (format in `pcnn_hw/compress/huffman.py`); every layer is decoded back and",
        "compared (lossless). Entropy bound: n·H of the chosen symbols (no symbol-wise code's payload is",
        "shorter; codebook excluded). Trained = `pcnn-hw train --quant pcnn` on mnist5k.",
        "",
        "Coded = the Huffman container (ratio = packed / coded); stored = the smaller of container and",
        "plain packing (what is deployed, ratio >= 1 by construction).",
        "",
        "| model | weights | test acc | packed | coded | coded ratio | stored as | ratio | entropy | ratio |",
        "|---|---|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for r in results:
        state = "random init" if r["epochs"] == 0 else f"trained {r['epochs']} ep"
        acc = "-" if r["test_acc"] is None else f"{r['test_acc'] * 100:.1f} %"
        lines.append(f"| {r['model']} | {state} | {acc} | {r['packed_bits']:,} | {r['coded_bits']:,} | "
                     f"{r['container_ratio']:.3f} | {r['stored_as']} | {r['ratio']:.3f} | "
                     f"{r['entropy_bits']:,.0f} | {r['entropy_ratio']:.3f} |")  # fmt: skip
    for r in results:
        state = "random init" if r["epochs"] == 0 else f"trained {r['epochs']} epochs"
        lines += ["", f"## {r['model']}, {state}", "",
                  "| layer | weights | symbols | distinct | codebook+tag | payload | ratio | entropy |",
                  "|---|---:|---|---:|---:|---:|---:|---:|"]  # fmt: skip
        for lay in r["layers"]:
            lines.append(f"| {lay['layer']} | {lay['packed_bits']:,} | {lay['choice']} | "
                         f"{lay['distinct_symbols']} | {lay['codebook_bits'] + lay['tag_bits']:,} | "
                         f"{lay['payload_bits']:,} | {lay['ratio']:.3f} | "
                         f"{lay['entropy_bits']:,.0f} |")  # fmt: skip
    path.write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    """Measure every entry, write the JSON and Markdown results."""
    args = parse_args(argv)
    entries = list(ENTRIES)
    if args.only:
        entries = [(m, 0 if e == "random" else int(e)) for m, e in (s.split(":") for s in args.only)]
    results = [measure(m, e, args.runs_dir) for m, e in entries]
    args.results.parent.mkdir(parents=True, exist_ok=True)
    meta = {"python": platform.python_version(), "machine": platform.machine()}
    Path(f"{args.results}.json").write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")
    write_markdown(results, Path(f"{args.results}.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
