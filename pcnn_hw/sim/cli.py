"""`pcnn-hw verify model.onnx build/NAME --data mnist5k [--limit N] [--checkpoint CKPT]`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pcnn_hw.errors import ModelFileError, VerificationError


def register(subparsers: Any) -> None:
    """Add the `verify` subcommand."""
    p = subparsers.add_parser(
        "verify",
        help="fidelity ladder: PyTorch, QONNX, FINN graph, bit-exact simulator, board",
        description="Run test images through every available level and compare each with the one above.",
    )
    p.add_argument("model", type=Path, help="QONNX model (model.onnx)")
    p.add_argument("build", type=Path, help="build directory written by `pcnn-hw build`")
    p.add_argument(
        "--data", default=None, help="dataset name (default: the one recorded at export, else mnist5k)"
    )
    p.add_argument("--data-root", type=Path, default=None, help="dataset directory (cifar10)")
    p.add_argument("--limit", type=int, default=None, help="only the first N test images")
    p.add_argument(
        "--checkpoint",
        type=Path,
        default=None,
        help="PyTorch checkpoint (default: a .pt next to the onnx, if any)",
    )
    p.add_argument(
        "--bitfile",
        type=Path,
        default=None,
        help="board level on this bitstream (on a PYNQ board; default: bitstreams/<board>/NAME.bit there, "
        "the simulated board elsewhere)",
    )
    p.add_argument("--no-csim", action="store_true", help="skip the HLS C-simulation level (g++)")
    p.add_argument(
        "--sim-backend",
        choices=("auto", "native", "numpy"),
        default="auto",
        help="bit-exact simulator: its native C kernels, its numpy path (the reference), or native when "
        "a C compiler is available (default)",
    )
    p.set_defaults(func=run)


def _exported_dataset(model: Path) -> str:
    """The dataset `pcnn-hw export` recorded in the model's metadata, or mnist5k."""
    import onnx

    try:
        props = {p.key: p.value for p in onnx.load(str(model), load_external_data=False).metadata_props}
    except Exception as exc:  # noqa: BLE001 - onnx raises several types for unreadable files
        raise ModelFileError(f"{model}: not a readable ONNX file ({exc})") from exc
    return props.get("pcnn_hw.dataset", "mnist5k")


def _find_checkpoint(model: Path, given: Path | None) -> Path | None:
    if given is not None:
        return given
    for cand in sorted(model.parent.glob("*.pt")):
        return cand
    return None


def run(args: argparse.Namespace) -> int:
    """Build the ladder, run it, print the table; VerificationError when a level disagrees."""
    import numpy as np

    from pcnn_hw.data import load_dataset
    from pcnn_hw.sim.ladder import (
        find_folded_graph,
        finn_level,
        format_ladder,
        qonnx_level,
        run_ladder,
        sim_level,
        torch_level,
    )
    from pcnn_hw.sim.record import write_ladder_record

    if not args.model.is_file():
        raise ModelFileError(f"{args.model}: no such ONNX file")
    if args.data is None:
        args.data = _exported_dataset(args.model)
    ds = load_dataset(args.data, root=args.data_root)
    x = ds.test_x.numpy() if hasattr(ds.test_x, "numpy") else np.asarray(ds.test_x)
    y = ds.test_y.numpy() if hasattr(ds.test_y, "numpy") else np.asarray(ds.test_y)
    if args.limit is not None:
        x, y = x[: args.limit], y[: args.limit]
    levels = []
    ckpt = _find_checkpoint(args.model, args.checkpoint)
    if ckpt is not None:
        from pcnn_hw.train.checkpoint import load_checkpoint

        model, _ = load_checkpoint(ckpt)
        levels.append(torch_level(model))
    folded_path = find_folded_graph(args.build)
    from pcnn_hw.compile.finn_compat import prepare_finn

    prepare_finn(args.build / "finn")
    from qonnx.core.modelwrapper import ModelWrapper

    folded = ModelWrapper(str(folded_path))
    wdir = args.build / "weights"
    wdir = wdir if (wdir / "index.json").is_file() else None
    levels += [
        qonnx_level(args.model),
        finn_level(folded),
        sim_level(
            folded,
            build_dir=args.build if wdir is not None else None,
            backend=getattr(args, "sim_backend", "auto"),
        ),
    ]
    from pcnn_hw.compile.residual import first_dag_node

    dag = first_dag_node(folded)  # the C-sim, RTL and board levels run chains only (so far)
    if dag is not None:
        print(f"C-sim, RTL and board levels: not supported for residual graphs yet (node {dag.name})")
    if dag is None and not getattr(args, "no_csim", False):  # HLS C-sim level: g++ + hls4ml's ap_types
        from pcnn_hw.errors import ToolMissingError
        from pcnn_hw.hls.csim import csim_level

        try:
            levels.append(csim_level(args.build))
        except ToolMissingError as exc:
            print(f"C-sim level skipped: {exc}")
    # RTL level (pcnn_hw/rtl), when built with --rtl
    if dag is None and (args.build / "rtl" / "design.json").is_file():
        from pcnn_hw.rtl.flow import rtl_level, rtl_summary

        levels.append(rtl_level(args.build))
        print(rtl_summary(args.build) or "RTL (Verilator): no cycle report")
    from pcnn_hw.board.level import board_level

    if dag is None:
        levels.append(board_level(args.build, getattr(args, "bitfile", None)))
    print(
        f"model {args.model}, folded graph {folded_path}, weight images {wdir or 'from the graph'}, "
        f"{len(x)} {args.data} test images"
    )
    for lv in levels:
        if lv.about:
            print(lv.about)
    results = run_ladder(levels, x, y)
    print(format_ladder(results, len(x)))
    write_ladder_record(args.build, results, len(x), args.data)  # for `pcnn-hw report`
    bad = [r for r in results if r.mismatches]
    if bad:
        r = bad[0]
        raise VerificationError(
            f"level {r.name!r} disagrees with the level above on {len(r.mismatches)} "
            f"image(s); first: {r.detail}"
        )
    return 0
