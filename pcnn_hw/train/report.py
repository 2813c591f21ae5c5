"""Run outputs a user opens: `metrics.json` (per-epoch numbers) and `curve.png` (training curves)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

METRICS_NAME = "metrics.json"
CURVE_NAME = "curve.png"


def write_metrics(out_dir: str | Path, metrics: dict[str, Any]) -> Path:
    """Write `metrics` as indented JSON to out_dir/metrics.json (atomically) and return the path."""
    path = Path(out_dir) / METRICS_NAME
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(json.dumps(metrics, indent=2) + "\n")
    os.replace(tmp, path)
    return path


def plot_curve(out_dir: str | Path, history: list[dict[str, Any]], title: str = "") -> Path:
    """Plot train loss, L_P and train/test accuracy per epoch into out_dir/curve.png (Agg, no display)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    epochs = [row["epoch"] for row in history]
    lp = [row["lp"] for row in history]
    show_lp = any(value > 0 for value in lp)
    fig = Figure(figsize=(12 if show_lp else 8.5, 3.6), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 3 if show_lp else 2)
    axes[0].plot(epochs, [row["train_loss"] for row in history], "o-")
    axes[0].set_ylabel("train cross-entropy L_S")
    if show_lp:
        axes[1].plot(epochs, lp, "s-", color="tab:red")
        axes[1].set_ylabel("projection loss L_P")
    ax_acc = axes[-1]
    ax_acc.plot(epochs, [100 * row["train_acc"] for row in history], "o-", label="train (running)")
    ax_acc.plot(epochs, [100 * row["test_acc"] for row in history], "s-", label="test")
    ax_acc.set_ylabel("accuracy (%)")
    ax_acc.legend(loc="lower right")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    path = Path(out_dir) / CURVE_NAME
    fig.savefig(path, dpi=110)
    return path
