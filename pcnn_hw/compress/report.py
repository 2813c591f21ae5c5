"""Whole-model Huffman report: every binary layer coded, decoded back and checked, totals and table."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from pcnn_hw.compress.layer_codec import LayerCompression, compress_layer, decompress_layer
from pcnn_hw.errors import ModelFileError


def compress_weights(layers: list[tuple[str, np.ndarray]]) -> list[LayerCompression]:
    """Code each (name, ±1 weights) layer and decode the record back; lossless or RuntimeError."""
    out = []
    for name, signs in layers:
        summary, bits = compress_layer(name, signs)
        if not np.array_equal(decompress_layer(bits, summary.shape), np.asarray(signs)):
            raise RuntimeError(f"Huffman round trip failed for layer {name} ({summary.choice})")
        out.append(summary)
    return out


def compress_model(onnx_path: str | Path) -> list[LayerCompression]:
    """Every BipolarQuant weight of a QONNX model, coded and round-trip checked."""
    from pcnn_hw.compress.onnx_weights import binary_weights

    layers = binary_weights(onnx_path)
    if not layers:
        raise ModelFileError(f"{onnx_path}: no BipolarQuant weights found")
    return compress_weights([(name, signs) for name, signs, _ in layers])


def totals(rows: list[LayerCompression]) -> dict[str, Any]:
    """Model totals in bits: packed, the coded container, what is stored, codebooks, entropy bound.

    The coded container (every layer's tag + codebook + payload) is deployed only when it is smaller
    than plain packing; otherwise the model stays packed, the format the hardware reads anyway. So
    ``stored_bits = min(packed, coded)`` and ``ratio = packed / stored >= 1`` by construction, while
    ``container_ratio`` is the container's own ratio (below 1 only by the 5-bit tags of raw layers).
    """
    packed = sum(r.packed_bits for r in rows)
    coded = sum(r.total_bits for r in rows)
    entropy = sum(r.entropy_bits for r in rows)
    return {
        "packed_bits": packed,
        "coded_bits": coded,
        "stored_bits": min(packed, coded),
        "stored_as": "huffman" if coded < packed else "packed",
        "codebook_bits": sum(r.codebook_bits + r.tag_bits for r in rows),
        "entropy_bits": round(entropy, 1),
        "ratio": round(packed / min(packed, coded), 4),
        "container_ratio": round(packed / coded, 4),
        "entropy_ratio": round(packed / max(entropy, 1.0), 4),
    }


def as_json(rows: list[LayerCompression]) -> dict[str, Any]:
    """The report as a JSON-able dict (per layer and totals)."""
    layers = [
        {**asdict(r), "shape": list(r.shape), "entropy_bits": round(r.entropy_bits, 1),
         "packed_bits": r.packed_bits, "total_bits": r.total_bits, "ratio": round(r.ratio, 4)}
        for r in rows
    ]
    return {"layers": layers, **totals(rows)}


def format_table(rows: list[LayerCompression]) -> str:
    """Per-layer table and the total line."""
    lines = [
        f"{'layer':<24}{'weights':>9}  {'symbols':<30}{'distinct':>9}{'codebook':>9}{'payload':>9}"
        f"{'total':>9}{'ratio':>7}{'entropy':>10}"
    ]
    for r in rows:
        lines.append(
            f"{r.layer:<24}{r.packed_bits:>9}  {r.choice:<30}{r.distinct_symbols:>9}"
            f"{r.codebook_bits + r.tag_bits:>9}{r.payload_bits:>9}{r.total_bits:>9}{r.ratio:>7.3f}"
            f"{r.entropy_bits:>10.0f}"
        )
    t = totals(rows)
    lines.append(
        f"total: {t['packed_bits']} bits packed → {t['coded_bits']} bits Huffman-coded, codebooks and "
        f"mode tags included (ratio {t['container_ratio']:.3f}); stored {t['stored_as']}: "
        f"{t['stored_bits']} bits (ratio {t['ratio']:.3f}); entropy bound {t['entropy_bits']:.0f} bits "
        f"(ratio {t['entropy_ratio']:.3f}, codebooks excluded)"
    )
    return "\n".join(lines)
