"""Board-side driver: input validation, bitfile/hwh errors, DMA timeout on a stalled accelerator, batching."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from pcnn_hw.board.simboard import BitExactBackend, StalledBackend
from pcnn_hw.driver import Accelerator
from pcnn_hw.driver.spec import load_spec
from pcnn_hw.errors import BoardError
from tests.board.conftest import SumBackend, toy_spec


@pytest.fixture
def toy() -> Accelerator:
    """The toy accelerator (label = pixel sum % 10) behind the driver."""
    spec = toy_spec()
    return Accelerator(spec=spec, backend=SumBackend(spec).backend, batch_size=3, timeout_s=1.0)


def test_execute_uint8_and_float(toy: Accelerator) -> None:
    """uint8 pixels and [0,1] floats give the same labels; NCHW is transposed to the stream's NHWC."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(7, 2, 3, 3), dtype=np.uint8)
    want = x.astype(np.int64).sum(axis=(1, 2, 3)) % 10
    assert np.array_equal(toy.execute(x), want)
    assert np.array_equal(toy.execute(x.astype(np.float32) / 255.0), want)
    labels, raw = toy.execute(x[0], return_raw=True)  # one image without batch axis
    assert labels.shape == (1,) and raw.shape == (1, 1) and labels[0] == want[0]
    assert toy.execute(np.zeros((0, 2, 3, 3), np.uint8)).shape == (0,)
    # the stream order is NHWC: the driver must have transposed (pixel sums are order-free, so check prepare)
    assert np.array_equal(toy.prepare(x)[0], np.transpose(x[0], (1, 2, 0)).reshape(-1))


@pytest.mark.parametrize(
    "images, match",
    [
        (np.zeros((2, 3, 3, 2), np.uint8), "expects \\(N, 2, 3, 3\\)"),  # NHWC instead of NCHW
        (np.zeros((2, 2, 3), np.uint8), "expects"),
        (np.zeros((2, 2, 3, 3), np.int32), "dtype int32"),
        (np.zeros((2, 2, 3, 3), np.bool_), "dtype bool"),
        (np.full((2, 2, 3, 3), 1.5, np.float32), "out of range"),
        (np.full((2, 2, 3, 3), -0.1, np.float64), "out of range"),
        (np.full((2, 2, 3, 3), np.nan, np.float32), "NaN"),
    ],
)
def test_bad_images(toy: Accelerator, images: np.ndarray, match: str) -> None:
    """Wrong shape, dtype or value range -> BoardError naming the problem."""
    with pytest.raises(BoardError, match=match):
        toy.execute(images)


def test_flat_layout_accepts_any_shape_with_the_right_size() -> None:
    """Flat designs take (N, ...) with the right element count, or one image."""
    spec = toy_spec("flat")
    acc = Accelerator(spec=spec, backend=SumBackend(spec).backend)
    x = np.arange(36, dtype=np.uint8).reshape(2, 2, 3, 3)
    assert acc.execute(x).tolist() == [x[0].sum() % 10, x[1].sum() % 10]
    assert acc.execute(x[0]).shape == (1,)
    with pytest.raises(BoardError, match="18 values per image"):
        acc.execute(np.zeros((2, 17), np.uint8))


def test_batch_size_validation(toy: Accelerator) -> None:
    """batch_size must be >= 1 and fit the DMA's transfer limit."""
    with pytest.raises(BoardError, match=">= 1"):
        toy.batch_size = 0
    with pytest.raises(BoardError, match="transfer limit"):
        toy.batch_size = 10**9


def test_missing_bitfile(tmp_path: Path) -> None:
    """A bitfile that does not exist -> BoardError naming it (before pynq is touched)."""
    with pytest.raises(BoardError, match="bitfile not found"):
        Accelerator(tmp_path / "nope.bit")
    with pytest.raises(BoardError, match=".bit"):
        Accelerator(tmp_path / "nope.bin")


def test_bitfile_without_hwh(tmp_path: Path) -> None:
    """A bitfile without its .hwh -> BoardError saying which file to copy."""
    bit = tmp_path / "design.bit"
    bit.write_bytes(b"not a real bitstream: test input only")
    with pytest.raises(BoardError, match="design.hwh"):
        Accelerator(bit)
    (tmp_path / "design.hwh").write_text("<EDKSYSTEM/>")
    with pytest.raises(BoardError, match="accelerator spec"):
        Accelerator(bit)  # no design.json / accelerator.json beside it


def test_without_pynq_clear_error(tmp_path: Path) -> None:
    """bit + hwh + spec present but no pynq installed (this venv) -> BoardError, not ImportError."""
    pytest.importorskip("numpy")
    try:
        import pynq  # noqa: F401

        pytest.skip("pynq is installed here")
    except ImportError:
        pass
    bit = tmp_path / "design.bit"
    bit.write_bytes(b"test input only")
    (tmp_path / "design.hwh").write_text("<EDKSYSTEM/>")
    (tmp_path / "design.json").write_text(toy_spec().dumps())
    with pytest.raises(BoardError, match="pynq package is not installed"):
        Accelerator(bit)


def test_stalled_accelerator_times_out() -> None:
    """An accelerator that never answers -> BoardError within the timeout, DMA reset, no hang."""
    spec = toy_spec()
    backend = StalledBackend(spec)
    acc = Accelerator(spec=spec, backend=backend, timeout_s=0.3)
    t0 = time.monotonic()
    with pytest.raises(BoardError, match="did not answer within 0.3 s"):
        acc.execute(np.zeros((4, 2, 3, 3), np.uint8))
    assert time.monotonic() - t0 < 2.0
    assert backend.aborted == 1


def test_short_output_is_an_error() -> None:
    """A transfer that ends early (TLAST too soon) -> BoardError with the byte counts."""
    spec = toy_spec()
    inner = SumBackend(spec).backend

    class Short(type(inner)):  # type: ignore[misc]
        def poll(self) -> int | None:
            got = super().poll()
            return None if got is None else got - 1

    acc = Accelerator(spec=spec, backend=Short(spec))
    with pytest.raises(BoardError, match="returned 2 bytes, expected 3"):
        acc.execute(np.zeros((3, 2, 3, 3), np.uint8))


@pytest.mark.parametrize("build", ["mlp_build", "cnn_build"])
def test_bitexact_backend_batches(build: str, request: pytest.FixtureRequest) -> None:
    """Simulated board == bit-exact simulator for any batch size (packing, chunking, unpacking)."""
    from pcnn_hw.board.buildinfo import expected_outputs, make_spec

    bdir = request.getfixturevalue(build)
    spec = make_spec(bdir)
    rng = np.random.default_rng(1)
    shape = (23,) + (spec.image_shape or (spec.input.n_elems,))
    x = rng.integers(0, 256, size=shape, dtype=np.uint8)
    want = expected_outputs(bdir, spec, Accelerator(spec=spec, backend=StalledBackend(spec)).prepare(x))
    acc = Accelerator(spec=spec, backend=BitExactBackend(spec, bdir))
    for bs in (1, 5, 23, 64):
        acc.batch_size = bs
        labels, raw = acc.execute(x, return_raw=True)
        assert np.array_equal(raw, want), bs
    tp = acc.throughput_test(64, 32)
    assert tp["images_per_s"] > 0 and tp["dma_mb_per_s"] > 0


def test_spec_roundtrip(mlp_build: Path, tmp_path: Path) -> None:
    """accelerator.json round-trips; malformed files -> BoardError."""
    from pcnn_hw.board.buildinfo import make_spec

    spec = make_spec(mlp_build)
    (tmp_path / "a.json").write_text(spec.dumps())
    assert load_spec(tmp_path / "a.json") == spec
    assert spec.layout == "flat" and spec.output_kind == "label" and spec.input.datatype == "UINT8"
    (tmp_path / "b.json").write_text('{"format": 1}')
    with pytest.raises(BoardError, match="malformed"):
        load_spec(tmp_path / "b.json")
    with pytest.raises(BoardError, match="not found"):
        load_spec(tmp_path / "c.json")


def test_recovers_after_timeout_by_soft_reset() -> None:
    """The pipeline wedges mid-packet: the call times out, the driver resets the DMA *and* the
    accelerator (soft-reset register), and the next call returns every label — a DMA reset alone
    leaves the wedge and the half-counted TLAST packet behind (checked on the model directly)."""
    spec = toy_spec()
    backend = SumBackend(spec).backend
    acc = Accelerator(spec=spec, backend=backend, batch_size=3, timeout_s=0.2)
    x = np.random.default_rng(3).integers(0, 256, size=(7, 2, 3, 3), dtype=np.uint8)
    want = x.reshape(7, -1).astype(np.int64).sum(axis=1) % 10
    backend.inject_hang(1)
    with pytest.raises(BoardError, match="DMA and accelerator reset"):
        acc.execute(x)
    assert backend.aborted == 1 and backend.accel_resets == 1
    assert np.array_equal(acc.execute(x), want)
    # the model itself: after a DMA-only reset the next packet ends one word early
    backend.inject_hang(1)
    backend.start(np.zeros(18, np.uint8), 18, np.zeros(1, np.uint8), 1, 1)
    backend.abort()
    backend.wedged = False  # pretend the pipeline came back, TLAST counter still stale
    backend.start(np.zeros(54, np.uint8), 54, np.zeros(3, np.uint8), 3, 3)
    assert backend.poll() == 2
