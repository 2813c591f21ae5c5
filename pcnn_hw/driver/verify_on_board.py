#!/usr/bin/env python3
"""Run the deployment package's test vectors on the accelerator; pass/fail per image, accuracy, FPS.

On a PYNQ board (from the unpacked package directory):  sudo python3 verify_on_board.py
Exit status: 0 all outputs match the bit-exact simulator, 1 any mismatch, 2 a board error.

`--backend MODULE:FUNC` replaces the DMA + accelerator by `FUNC(spec, BACKEND_ARG)` (a
`pcnn_hw.driver.Backend`), e.g. the simulated board `pcnn_hw.board.simboard:bitexact` with
`--backend-arg build/NAME`; the default `pynq` uses the bitstream in this directory.
Needs Python >= 3.8, numpy >= 1.21 (and pynq >= 2.7 for the default backend).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The driver copy shipped beside this script is the fallback: an installed pcnn_hw (e.g. a development
# checkout providing simulated backends) wins over Python's automatic sys.path[0] entry.
if sys.path and sys.path[0] and Path(sys.path[0]).resolve() == HERE:
    sys.path.pop(0)
if importlib.util.find_spec("pcnn_hw") is None:
    sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402

from pcnn_hw.driver.driver import Accelerator  # noqa: E402
from pcnn_hw.driver.spec import SPEC_FILE, load_spec  # noqa: E402
from pcnn_hw.errors import BoardError  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dir", type=Path, default=HERE, help="package directory (default: this script's)")
    p.add_argument("--bitfile", type=Path, default=None, help="bitstream (default: the *.bit in --dir)")
    p.add_argument("--vectors", type=Path, default=None, help="test vectors (default: vectors.npz in --dir)")
    p.add_argument("--batch-size", type=int, default=64, help="images per DMA transfer (default 64)")
    p.add_argument("--timeout", type=float, default=5.0, help="seconds per transfer before giving up")
    p.add_argument("--backend", default="pynq", help="pynq (default) or MODULE:FUNC of a simulated backend")
    p.add_argument("--backend-arg", default=None, help="argument passed to a MODULE:FUNC backend")
    p.add_argument("--quiet", action="store_true", help="only print mismatches and the summary")
    return p.parse_args(argv)


def make_accelerator(args: argparse.Namespace) -> Accelerator:
    """The accelerator: on the board from the bitfile, else with the named simulated backend."""
    spec = load_spec(args.dir / SPEC_FILE)
    if args.backend == "pynq":
        bit = args.bitfile
        if bit is None:
            bits = sorted(args.dir.glob("*.bit"))
            if not bits:
                raise BoardError(
                    f"{args.dir}: no .bit file; copy the bitstream and its .hwh here (see README.md)"
                )
            bit = bits[0]
        return Accelerator(bit, spec=spec, batch_size=args.batch_size, timeout_s=args.timeout)
    mod_name, _, func = args.backend.partition(":")
    if not func:
        raise BoardError(f"--backend {args.backend!r}: expected 'pynq' or MODULE:FUNC")
    try:
        factory = getattr(importlib.import_module(mod_name), func)
    except (ImportError, AttributeError) as exc:
        raise BoardError(f"--backend {args.backend!r}: cannot load it ({exc})") from None
    backend = factory(spec, args.backend_arg)
    return Accelerator(
        args.bitfile, spec=spec, backend=backend, batch_size=args.batch_size, timeout_s=args.timeout
    )


def main(argv: list[str] | None = None) -> int:
    """Run the vectors; return the exit status."""
    args = parse_args(argv)
    vpath = args.vectors or args.dir / "vectors.npz"
    try:
        if not vpath.is_file():
            raise BoardError(f"{vpath}: test vectors not found")
        with np.load(str(vpath), allow_pickle=False) as z:
            images, expected = z["images"], z["expected"]
            exp_labels, truth = z["expected_labels"], z["labels"]
        acc = make_accelerator(args)
        t0 = time.perf_counter()
        labels, raw = acc.execute(images, return_raw=True)
        dt = time.perf_counter() - t0
    except BoardError as exc:
        print(f"verify_on_board: error: {exc}", file=sys.stderr)
        return 2
    n = len(images)
    ok = np.all(raw == expected, axis=1) & (labels == exp_labels)
    for i in range(n):
        if not args.quiet or not ok[i]:
            truth_s = "" if truth[i] < 0 else f", truth {int(truth[i])}"
            print(
                f"image {i:5d}: {'PASS' if ok[i] else 'FAIL'} label {int(labels[i])} "
                f"(expected {int(exp_labels[i])}{truth_s})"
                + ("" if ok[i] else f" raw {raw[i].tolist()} expected {expected[i].tolist()}")
            )
    known = truth >= 0
    acc_s = f"{np.mean(labels[known] == truth[known]) * 100:.2f} %" if known.any() else "n/a (random images)"
    fps = n / dt if dt > 0 else float("inf")
    print(
        f"{int(ok.sum())}/{n} outputs match the bit-exact simulator; accuracy {acc_s}; "
        f"{fps:,.0f} images/s (batch {acc.batch_size}, {args.backend})"
    )
    acc.close()
    return 0 if ok.all() else 1


if __name__ == "__main__":
    sys.exit(main())
