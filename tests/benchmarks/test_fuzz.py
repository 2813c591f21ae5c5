"""The differential fuzzer: a small slice runs through every level; random specs are reproducible."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from pcnn_hw.compile import randnets

FUZZ = Path(__file__).resolve().parents[2] / "benchmarks" / "fuzz.py"


def _fuzz():
    spec = importlib.util.spec_from_file_location("fuzz", FUZZ)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def test_random_specs_are_reproducible_and_varied():
    specs = [randnets.random_spec(s) for s in range(30)]
    assert [s.to_json() for s in specs] == [randnets.random_spec(s).to_json() for s in range(30)]
    assert {s.input_quant.signed for s in specs} == {True, False}
    assert {s.input_quant.kind for s in specs} == {"const", "param", "stats"}
    assert any(s.convs for s in specs) and any(not s.convs for s in specs)


def test_random_residual_specs_are_reproducible_varied_and_build() -> None:
    import torch

    specs = [randnets.random_spec(s, "residual") for s in range(20)]
    assert [s.to_json() for s in specs] == [randnets.random_spec(s, "residual").to_json() for s in range(20)]
    assert {s.residual["head"] for s in specs} == {"flat", "gap"}
    assert {st for s in specs for _, st in s.residual["blocks"]} == {1, 2}
    spec = specs[0]
    y = randnets.build_torch(spec)(torch.rand(3, *spec.in_shape))
    assert y.shape == (3, spec.classes)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 8])  # 8: 2-bit input, 2-bit activations
def test_fuzz_slice_passes_every_level(seed: int, tmp_path: Path) -> None:
    fuzz = _fuzz()
    opts = {**fuzz.case_options(seed, 1.0, 1.0), "rtl": seed == 8}
    row = fuzz.run_case(seed, tmp_path, opts)
    assert row["outcome"] == "pass", row["where"]
    assert "C-sim (g++)" in row["levels"] and "board (simulated)" in row["levels"]


def _regressions() -> list[dict]:
    return json.loads((FUZZ.parent / "fuzz_regressions.json").read_text())


def test_regression_list_is_well_formed_and_recording_adds_each_seed_once(tmp_path: Path) -> None:
    entries = _regressions()
    assert entries and all({"seed", "kind", "options", "found"} <= set(e) for e in entries)
    fuzz = _fuzz()
    path = tmp_path / "reg.json"
    row = {"seed": 5, "topology": "chain x", "outcome": "crash", "where": "build: ValueError: boom",
           **fuzz.case_options(5, 0.5, 0.5)}
    assert fuzz.record_regression(row, path) is True
    assert fuzz.record_regression(row, path) is False
    (entry,) = json.loads(path.read_text())
    assert entry["seed"] == 5 and entry["found"].startswith("crash: build: ValueError")
    assert entry["options"] == fuzz.case_options(5, 0.5, 0.5)


def _regression_params() -> list:
    """Every regression seed; an entry with "status": "open" is a known bug not yet fixed: it must still
    fail (strict xfail), so fixing it forces the entry to be closed."""
    def marks(e: dict) -> list:
        return [pytest.mark.xfail(strict=True, reason=e["found"])] if e.get("status") == "open" else []

    return [pytest.param(e, id=f"{e['kind']}-{e['seed']}", marks=marks(e)) for e in _regressions()]


@pytest.mark.slow
@pytest.mark.parametrize("entry", _regression_params())
def test_fuzz_regression_seed_passes(entry: dict, tmp_path: Path) -> None:
    row = _fuzz().run_case(entry["seed"], tmp_path, entry["options"], kind=entry["kind"])
    assert row["outcome"] == "pass", f"seed {entry['seed']} ({entry['found']}): {row['where']}"
