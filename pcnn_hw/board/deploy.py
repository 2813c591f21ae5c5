"""`pcnn-hw deploy build/NAME -o NAME.zip`: everything a PYNQ board needs to run and check the design.

Zip layout (all under `NAME/`, byte-identical for identical inputs — fixed timestamps, sorted entries):

    verify_on_board.py      runs the vectors, prints pass/fail per image, accuracy, FPS; exit 1 on mismatch
    pcnn_hw/driver/         the board-side driver package only (+ pcnn_hw/errors.py)
    accelerator.json        stream formats, DMA/accelerator names (pcnn_hw.driver.spec)
    vectors.npz             images (uint8), expected raw outputs and labels from the bit-exact simulator,
                            ground-truth labels (-1 when the images are random)
    NAME.bit, NAME.hwh      from bitstreams/<board>/ when a Vivado build produced them
    README.md
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np

from pcnn_hw.driver.spec import SPEC_FILE
from pcnn_hw.errors import BoardError

# the board-side package pcnn_hw/driver/, shipped as is (plus pcnn_hw/errors.py and the script)
BOARD_SIDE_DIR = "pcnn_hw/driver"
BOARD_SIDE_MODULES = ("__init__.py", "backend.py", "driver.py", "packing.py", "spec.py", "pynq_backend.py")
VECTORS_FILE = "vectors.npz"
SCRIPT = "verify_on_board.py"
_DATE = (1980, 1, 1, 0, 0, 0)
_PKG_INIT = '"""pcnn-hw board-side driver package (deployment copy: pcnn_hw.driver, pcnn_hw.errors)."""\n'


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """A deterministic .npz (np.load-compatible) of the arrays."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for key in sorted(arrays):
            b = io.BytesIO()
            np.lib.format.write_array(b, np.ascontiguousarray(arrays[key]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, b.getvalue())
    return buf.getvalue()


def package_files(
    build_dir: str | Path,
    bitstreams_dir: str | Path | None = None,
    data: str | None = "auto",
    count: int = 100,
    data_root: str | Path | None = None,
) -> dict[str, bytes]:
    """The files of the deployment package (relative path -> contents), without the NAME/ prefix."""
    from pcnn_hw.board.buildinfo import guess_dataset, make_spec, make_vectors
    from pcnn_hw.board.vivado import repo_bitstreams_dir

    build_dir = Path(build_dir)
    spec = make_spec(build_dir)
    if data == "auto":
        data = guess_dataset(spec)
    vec = make_vectors(build_dir, spec, data, count, data_root)
    here = Path(__file__).resolve().parent
    driver_dir = here.parent / "driver"
    files: dict[str, bytes] = {
        SCRIPT: (driver_dir / SCRIPT).read_bytes(),
        "pcnn_hw/__init__.py": _PKG_INIT.encode(),
        "pcnn_hw/errors.py": (here.parent / "errors.py").read_bytes(),
        SPEC_FILE: spec.dumps().encode(),
        VECTORS_FILE: _npz_bytes(vec),
    }
    for m in BOARD_SIDE_MODULES:
        files[f"{BOARD_SIDE_DIR}/{m}"] = (driver_dir / m).read_bytes()
    bdir = Path(bitstreams_dir) if bitstreams_dir is not None else repo_bitstreams_dir() / spec.board
    bit, hwh = bdir / f"{spec.name}.bit", bdir / f"{spec.name}.hwh"
    has_bit = bit.is_file()
    if has_bit:
        if not hwh.is_file():
            raise BoardError(f"{bit}: no {hwh.name} beside it; copy both from the Vivado build")
        files[bit.name] = bit.read_bytes()
        files[hwh.name] = hwh.read_bytes()
    readme = _readme(spec.name, spec.board, has_bit, data, len(vec["images"]), build_dir.as_posix())
    files["README.md"] = readme.encode()
    return files


def _readme(name: str, board: str, has_bit: bool, data: str | None, n: int, build_ref: str) -> str:
    """The package README; ``build_ref``: the build directory as the user named it (`make bitstream`)."""
    bit_line = (
        f"`{name}.bit` and `{name}.hwh` are included."
        if has_bit
        else f"No bitstream was built yet: run `make bitstream BUILD={build_ref} BOARD={board}` on a "
        "machine "
        f"with Vivado and copy `bitstreams/{board}/{name}.bit` and `.hwh` into this directory."
    )
    src = f"the first {n} {data} test images" if data else f"{n} random images (no ground-truth labels)"
    return (
        f"# {name} on {board}\n\n{bit_line}\n\nOn the board (PYNQ image, as root):\n\n"
        f"    sudo python3 verify_on_board.py            # runs vectors.npz, exits 1 on any mismatch\n\n"
        f"`vectors.npz` holds {src} with the outputs the bit-exact simulator expects.\n\n"
        "From Python:\n\n    from pcnn_hw.driver import Accelerator\n"
        f"    acc = Accelerator('{name}.bit')\n    labels = acc.execute(images)   # uint8 or [0,1] floats\n"
        "    print(acc.throughput_test())\n"
    )


def write_zip(files: dict[str, bytes], out: str | Path, prefix: str) -> Path:
    """Write the files into a deterministic zip under `prefix/`."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for rel in sorted(files):
            info = zipfile.ZipInfo(f"{prefix}/{rel}", date_time=_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o755 if rel == SCRIPT else 0o644) << 16
            z.writestr(info, files[rel])
    return out


def _is_our_zip(path: Path) -> bool:
    """A zip written by `deploy`: every entry under one NAME/ folder that holds accelerator.json."""
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
    prefixes = {n.split("/", 1)[0] for n in names}
    return len(prefixes) == 1 and f"{prefixes.pop()}/{SPEC_FILE}" in names


def deploy(
    build_dir: str | Path,
    out: str | Path,
    bitstreams_dir: str | Path | None = None,
    data: str | None = "auto",
    count: int = 100,
    data_root: str | Path | None = None,
) -> Path:
    """Build the deployment zip of `build_dir` at `out`; returns its path.

    `out` may not be a directory, inside `build_dir`'s inputs, or an existing file that is not a
    deployment zip of ours (OutputPathError)."""
    from pcnn_hw.board.buildinfo import folded_graph_path
    from pcnn_hw.outputs import check_file_output

    build_dir = Path(build_dir)
    check_file_output(out, inputs=[build_dir], is_ours=_is_our_zip, what="deployment zip", force_option=None)
    folded_graph_path(build_dir)  # clear error if not a build directory
    name = build_dir.resolve().name
    return write_zip(package_files(build_dir, bitstreams_dir, data, count, data_root), out, name)
