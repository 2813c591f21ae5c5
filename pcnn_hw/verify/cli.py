"""`pcnn-hw verify model.onnx build/NAME --data mnist5k [--limit N] [--checkpoint CKPT]`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from pcnn_hw.errors import (
    ConfigError,
    DatasetError,
    ModelFileError,
    VerificationError,
)
from pcnn_hw.sim.builddir import BuildDir

# Input elements per image of each dataset (C*H*W): the default dataset is the one whose images fit.
DATASET_ELEMENTS = {"mnist5k": 1 * 28 * 28, "cifar10": 3 * 32 * 32, "digits": 1 * 8 * 8}
QUANT_OPS = ("Quant", "BipolarQuant", "IntQuant", "FloatQuant", "Trunc", "MultiThreshold", "QuantizeLinear")


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
        "--data", default=None,
        help="dataset name (default: the one recorded at export, else the one matching the input shape)"
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


def _input_elements(proto: Any) -> int | None:
    """Elements per image of the graph's first input (None when its shape is not static)."""
    dims = [d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim][1:]
    return int(np.prod(dims)) if dims and all(d > 0 for d in dims) else None


def choose_dataset(model: Path, proto: Any, given: str | None) -> str:
    """The dataset to verify on: ``given``, else the one `pcnn-hw export` recorded (in the model's
    metadata or ``<model>.json``), else the only one whose image size matches the model's input.
    ConfigError before any work when none fits or ``given`` does not fit the input."""
    elems = _input_elements(proto)
    name = given
    if name is None:
        props = {p.key: p.value for p in proto.metadata_props}
        name = props.get("pcnn_hw.dataset")
    if name is None:
        sidecar = Path(f"{model}.json")
        try:
            name = json.loads(sidecar.read_text())["metadata"]["pcnn_hw.dataset"]
        except (OSError, ValueError, KeyError, TypeError):
            name = None
    if name is None:
        fits = [n for n, e in DATASET_ELEMENTS.items() if e == elems]
        if len(fits) != 1:
            raise ConfigError(
                f"{model}: no dataset recorded at export and none matches its input ({elems} values per "
                f"image; known: {', '.join(f'{n} {e}' for n, e in DATASET_ELEMENTS.items())}); pass --data"
            )
        name = fits[0]
    want = DATASET_ELEMENTS.get(name)
    if want is not None and elems is not None and want != elems:
        raise ConfigError(
            f"--data {name}: its images have {want} values, the model {model} takes {elems}; "
            f"use --data {' or '.join(n for n, e in DATASET_ELEMENTS.items() if e == elems) or 'NAME'}"
        )
    return name


def check_build_artifacts(model: Path, build: Path) -> tuple[Any, BuildDir]:
    """Check the model and the build directory before any work; returns (model proto, its `BuildDir`).

    BuildDirError for a missing directory; BuildArtifactError names a missing build.json, folded.onnx,
    weights/, weights/index.json or weight file (`BuildDir.check`); ModelMismatchError when the build
    was made from another model; ModelFileError for an unreadable model (also a missing external
    ``.onnx.data``) or a float (non-quantized) one.
    """
    from pcnn_hw.compile.build import check_same_model, load_model

    proto = load_model(model).model
    if not any(n.op_type in QUANT_OPS for n in proto.graph.node):
        raise ModelFileError(
            f"{model}: not a quantized QONNX model (no Quant/BipolarQuant/MultiThreshold node): export it "
            "with `pcnn-hw export` or Brevitas' export_qonnx"
        )
    bd = BuildDir(build)
    check_same_model(model, build, bd.manifest)
    return proto, bd.check()


def _find_checkpoint(model: Path, given: Path | None) -> Path | None:
    if given is not None:
        return given
    for cand in sorted(model.parent.glob("*.pt")):
        return cand
    return None


def run(args: argparse.Namespace) -> int:
    """Build the ladder, run it, print the table; VerificationError when a level disagrees."""

    from pcnn_hw.data import load_dataset
    from pcnn_hw.verify.ladder import (
        finn_level,
        format_ladder,
        qonnx_level,
        run_ladder,
        sim_level,
        torch_level,
    )
    from pcnn_hw.verify.record import write_ladder_record

    if args.limit is not None and args.limit < 1:
        raise ConfigError(f"--limit must be >= 1, got {args.limit}")
    proto, bd = check_build_artifacts(args.model, args.build)
    folded_path = bd.folded
    args.data = choose_dataset(args.model, proto, args.data)
    try:
        ds = load_dataset(args.data, root=args.data_root)
    except (OSError, ValueError) as exc:
        raise DatasetError(f"dataset {args.data}: cannot be read ({exc})") from exc
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
    from pcnn_hw.compile.finn_compat import prepare_finn

    prepare_finn(args.build / "finn")
    from qonnx.core.modelwrapper import ModelWrapper

    folded = ModelWrapper(str(folded_path))
    wdir = bd.path / "weights"  # checked above: the simulator always reads the hardware layout
    levels += [
        qonnx_level(args.model),
        finn_level(folded),
        sim_level(folded, build_dir=bd, backend=getattr(args, "sim_backend", "auto")),
    ]
    if not getattr(args, "no_csim", False):  # HLS C-sim level (chains and DAGs): g++ + hls4ml's ap_types
        from pcnn_hw.errors import ToolMissingError
        from pcnn_hw.hls.csim import csim_level

        try:
            levels.append(csim_level(args.build))
        except ToolMissingError as exc:
            print(f"C-sim level skipped: {exc}")
    # RTL level (pcnn_hw/rtl), when built with --rtl
    if (args.build / "rtl" / "design.json").is_file():  # chains and DAGs (#11)
        from pcnn_hw.rtl.flow import rtl_summary
        from pcnn_hw.rtl.level import rtl_level

        levels.append(rtl_level(args.build))
        print(rtl_summary(args.build) or "RTL (Verilator): no cycle report")
    from pcnn_hw.board.level import board_level

    levels.append(board_level(args.build, getattr(args, "bitfile", None)))  # chains and DAGs (#11)
    print(
        f"model {args.model}, folded graph {folded_path}, weight images {wdir}, "
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
