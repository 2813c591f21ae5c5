"""`pcnn-hw train`: train a PCNN (or sign-baseline) model; checkpoint every epoch; `--resume` continues.

With --resume, options not given on the command line are taken from the run's checkpoint, so
`pcnn-hw train -o DIR --resume` continues a run exactly; `--epochs` may be raised to train longer.
Heavy modules (torch, brevitas) are imported only when the command runs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pcnn_hw.errors import ConfigError
from pcnn_hw.train.settings import DEFAULTS, SCHEDULES

# Defaults of the options that --resume may instead take from the checkpoint.
RUN_DEFAULTS = {
    "model": DEFAULTS["model"],
    "quant": "pcnn",
    "projections": 1,
    "lam": 1e-4,
    "eta": 1e-2,
    "per_channel_scale": False,
    "data": DEFAULTS["dataset"],
    "epochs": DEFAULTS["epochs"],
    "batch_size": DEFAULTS["batch_size"],
    "lr": DEFAULTS["lr"],
    "seed": DEFAULTS["seed"],
    "limit_train": None,
    "threads": DEFAULTS["threads"],
    "schedule": DEFAULTS["schedule"],
}


HPARAM_KEYS = ("epochs", "batch_size", "lr", "seed", "limit_train", "threads", "schedule")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `train` subcommand to the top-level `pcnn-hw` parser."""
    d = RUN_DEFAULTS
    p = subparsers.add_parser(
        "train",
        help="train a 1-bit model (PCNN or sign baseline) and checkpoint it",
        description="Train a PCNN (or sign-baseline) 1-bit model; checkpoint every epoch into -o DIR. "
        "With --resume, options not given are taken from DIR/checkpoint.pt and the run continues exactly.",
    )
    add = p.add_argument
    add("--model", help=f"model name: tfc, sfc, lfc, cnv, mini-cnv (default {d['model']})")
    add("--quant", choices=("pcnn", "sign"), help=f"weight quantizer (default {d['quant']})")
    add("--projections", "-J", type=int, metavar="J", help=f"PCNN projections (default {d['projections']})")
    add("--lam", type=float, help=f"projection-loss weight λ (default {d['lam']:g}; 0 = ablation)")
    add("--eta", type=float, help=f"projection-loss step size η (default {d['eta']:g})")
    add("--per-channel-scale", action="store_true", default=None, help="per-output-channel scale a")
    add("--epochs", type=int, help=f"total epochs (default {d['epochs']})")
    add("--batch-size", type=int, metavar="B", help=f"mini-batch size (default {d['batch_size']})")
    add("--lr", type=float, help=f"Adam learning rate (default {d['lr']:g})")
    add("--schedule", choices=SCHEDULES, help=f"learning-rate schedule (default {d['schedule']})")
    add("--seed", type=int, help=f"random seed (default {d['seed']})")
    add("--threads", type=int, help=f"torch CPU threads, fixed for reproducibility (default {d['threads']})")
    add("--data", metavar="NAME", help=f"dataset: mnist5k, digits, cifar10 (default {d['data']})")
    add("--data-root", metavar="DIR", help="dataset directory (needed for cifar10)")
    add("--limit-train", type=int, metavar="N", help="use only the first N training images (quick runs)")
    add("-o", "--out", metavar="DIR", default="runs/train", help="output directory (default runs/train)")
    add("--resume", action="store_true", help="continue the run in DIR from DIR/checkpoint.pt")
    add("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _from_checkpoint(out: Path) -> dict:
    """Option values stored in an existing run's checkpoint (for --resume)."""
    from pcnn_hw.train.checkpoint import CHECKPOINT_NAME, read_checkpoint

    state = read_checkpoint(out / CHECKPOINT_NAME)
    quant, hp = state["quant"], state["hparams"]
    return {
        "model": state["model_name"],
        "quant": quant["kind"],
        "projections": quant["projections"],
        "lam": quant["lam"],
        "eta": quant["eta"],
        "per_channel_scale": quant["per_channel_scale"],
        "data": state["dataset"],
        "data_root": state.get("data_root"),
        **{key: hp[key] for key in HPARAM_KEYS},
    }


def resolve_options(args: argparse.Namespace) -> dict:
    """Fill options left unset from the checkpoint (--resume) or from RUN_DEFAULTS; validate J early."""
    base = dict(RUN_DEFAULTS, data_root=None)
    if args.resume:
        base.update(_from_checkpoint(Path(args.out)))
    opts = {key: getattr(args, key) if getattr(args, key) is not None else base[key] for key in base}
    if opts["projections"] < 1:
        raise ConfigError(f"--projections (J) must be an integer >= 1, got {opts['projections']}")
    return opts


def _is_our_run(out: Path) -> bool:
    """A run directory of ours: its checkpoint.pt reads as a pcnn-hw checkpoint."""
    from pcnn_hw.train.checkpoint import CHECKPOINT_NAME, read_checkpoint

    read_checkpoint(out / CHECKPOINT_NAME)
    return True


def run(args: argparse.Namespace) -> int:
    """Run `pcnn-hw train` with parsed arguments; print where the outputs are and the final accuracy."""
    from pcnn_hw.outputs import check_output_dir
    from pcnn_hw.train.checkpoint import CHECKPOINT_NAME
    from pcnn_hw.train.report import CURVE_NAME, METRICS_NAME

    opts = resolve_options(args)  # with --resume: a clear CheckpointError first
    check_output_dir(args.out, (CHECKPOINT_NAME, METRICS_NAME, CURVE_NAME), _is_our_run,
                     inputs=[args.data_root] if args.data_root else ())
    from pcnn_hw.quant import QuantConfig
    from pcnn_hw.train.loop import train

    cfg = QuantConfig(
        kind=opts["quant"],
        projections=opts["projections"],
        per_channel_scale=bool(opts["per_channel_scale"]),
        lam=opts["lam"],
        eta=opts["eta"],
    )
    metrics = train(
        opts["model"], cfg, opts["data"], epochs=opts["epochs"], batch_size=opts["batch_size"],
        lr=opts["lr"], seed=opts["seed"], out_dir=args.out, resume=args.resume,
        data_root=opts["data_root"], limit_train=opts["limit_train"], threads=opts["threads"],
        schedule=opts["schedule"], progress=not args.quiet,
    )  # fmt: skip
    summary = {k: metrics[k] for k in ("model", "dataset", "epochs_done", "final_test_acc", "best_test_acc")}
    print(json.dumps(summary))
    print(f"checkpoint, metrics.json and curve.png in {args.out}")
    return 0
