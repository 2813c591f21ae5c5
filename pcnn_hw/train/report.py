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


RUNS_PLOT_TAG = "pcnn-hw plot"  # PNG text chunk marking files `plot_runs` wrote (safe to overwrite)


def _load_history(run_dir: Path) -> list[dict[str, Any]]:
    """The per-epoch rows of run_dir/metrics.json; ConfigError naming the run when unusable."""
    from pcnn_hw.errors import ConfigError

    path = Path(run_dir) / METRICS_NAME
    try:
        metrics = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: not a readable training metrics file ({exc})") from exc
    hist = metrics.get("history") if isinstance(metrics, dict) else None
    keys = ("epoch", "train_loss", "test_acc")
    if not isinstance(hist, list) or not hist or not all(isinstance(r, dict) and all(k in r for k in keys)
                                                         for r in hist):
        raise ConfigError(f"{path}: no per-epoch 'history' with {', '.join(keys)}")
    return hist


def _written_by_plot(path: Path) -> bool:
    from PIL import Image

    try:
        with Image.open(path) as im:
            return im.info.get("Software") == RUNS_PLOT_TAG
    except OSError:
        return False


def plot_runs(run_dirs: list[str | Path], out: str | Path, force: bool = False) -> Path:
    """Curves of several runs in one PNG: train loss, L_P (when any run has it), test accuracy.

    Refuses (ConfigError) to replace an existing file that this function did not write, unless
    ``force``. Labels are the run directories' names (their parent added when two names collide).
    """
    from pcnn_hw.errors import ConfigError

    out = Path(out)
    if out.exists() and not force and not _written_by_plot(out):
        raise ConfigError(f"{out}: exists and was not written by `pcnn-hw plot`; use --force to replace it")
    runs = [Path(r) for r in run_dirs]
    names = [r.name for r in runs]
    labels = [f"{r.parent.name}/{r.name}" if names.count(r.name) > 1 else r.name for r in runs]
    fig = runs_figure([_load_history(r) for r in runs], labels)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    fig.savefig(tmp, format="png", dpi=110, metadata={"Software": RUNS_PLOT_TAG})
    os.replace(tmp, out)
    return out


def runs_figure(histories: list[list[dict[str, Any]]], labels: list[str]) -> Any:
    """The comparison Figure: one line per run on each panel (L_S, L_P when present, test accuracy)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    show_lp = any(row.get("lp", 0) > 0 for h in histories for row in h)
    fig = Figure(figsize=(12 if show_lp else 8.5, 3.6), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 3 if show_lp else 2)
    for hist, label in zip(histories, labels, strict=True):
        ep = [row["epoch"] for row in hist]
        axes[0].plot(ep, [row["train_loss"] for row in hist], "o-", label=label)
        if show_lp:
            axes[1].plot(ep, [row.get("lp", 0) for row in hist], "s-", label=label)
        axes[-1].plot(ep, [100 * row["test_acc"] for row in hist], "s-", label=label)
    axes[0].set_ylabel("train cross-entropy L_S")
    if show_lp:
        axes[1].set_ylabel("projection loss L_P")
    axes[-1].set_ylabel("test accuracy (%)")
    axes[-1].legend(loc="lower right", fontsize=8)
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    return fig
