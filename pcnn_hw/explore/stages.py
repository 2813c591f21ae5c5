"""One trial of `pcnn-hw explore`: train (+ QONNX export) → build (optionally with RTL) → verify.

Each stage calls the package's Python API (`pcnn_hw.train.loop.train`, `pcnn_hw.export.export_model`,
`pcnn_hw.compile.build.build`, the fidelity ladder of `pcnn_hw.verify.ladder`, `pcnn_hw.rtl.flow` through
the build's rtl step) and lives in the content-addressed `StageStore`. These functions run inside Ray
workers; they return plain dicts and turn every exception into an error record, so one failing trial
never stops the sweep. Paths given to them are absolute (workers may run elsewhere).
"""

from __future__ import annotations

import hashlib
import io
import traceback
from pathlib import Path
from typing import Any

from pcnn_hw.errors import PcnnHwError, VerificationError
from pcnn_hw.explore.store import StageStore

TRAIN_SETTINGS = ("model", "quant", "projections", "lam", "eta", "per_channel_scale", "dataset", "data_root",
                  "epochs", "batch_size", "lr", "seed", "limit_train", "schedule")  # fmt: skip
BUILD_SETTINGS = ("board", "folding", "target_fps", "lut_fraction", "clock_mhz", "rtl")
CHECK_IMAGES = 64  # images of the export check (as `pcnn-hw export`)


def error_record(exc: BaseException, stage: str) -> dict[str, Any]:
    """A failed stage as data: the typed error's class and one-line message (a traceback for bugs)."""
    rec = {"ok": False, "stage": stage, "error_type": type(exc).__name__, "error": str(exc).strip()}
    if not isinstance(exc, PcnnHwError):
        rec["traceback"] = traceback.format_exc(limit=8)
    return rec


def train_inputs(settings: dict[str, Any]) -> dict[str, Any]:
    """What decides a training run: the train settings (threads fixed at 1 for reproducibility)."""
    return {**{k: settings[k] for k in TRAIN_SETTINGS}, "threads": 1, "check_images": CHECK_IMAGES}


def build_inputs(settings: dict[str, Any], train_key: str) -> dict[str, Any]:
    """What decides a build: the trained model (its key) and the build settings; a folding file by content."""
    inputs = {"train": train_key, **{k: settings[k] for k in BUILD_SETTINGS}}
    if str(settings["folding"]).endswith(".json"):
        inputs["folding"] = {"sha256": hashlib.sha256(Path(settings["folding"]).read_bytes()).hexdigest()}
    return inputs


def train_stage(settings: dict[str, Any], store_root: str) -> dict[str, Any]:
    """Train and export one model (or find it in the store): {"ok", "key", "ran", "result"} or an error."""
    store = StageStore(store_root)

    def work(folder: Path) -> dict[str, Any]:
        from pcnn_hw.data import load_dataset
        from pcnn_hw.export import export_model
        from pcnn_hw.quant import QuantConfig
        from pcnn_hw.train.checkpoint import load_checkpoint
        from pcnn_hw.train.loop import train

        s = settings
        cfg = QuantConfig(kind=s["quant"], projections=s["projections"],
                          per_channel_scale=s["per_channel_scale"], lam=s["lam"], eta=s["eta"])  # fmt: skip
        metrics = train(s["model"], cfg, s["dataset"], epochs=s["epochs"], batch_size=s["batch_size"],
                        lr=s["lr"], seed=s["seed"], out_dir=folder, data_root=s["data_root"],
                        limit_train=s["limit_train"], threads=1, schedule=s["schedule"], progress=False)
        model, meta = load_checkpoint(folder)
        ds = load_dataset(meta["dataset"], s["data_root"])
        metadata = {"pcnn_hw.model": meta["model_name"], "pcnn_hw.dataset": meta["dataset"]}
        export_model(model, meta["in_shape"], folder / "model.onnx", ds.test_x[:CHECK_IMAGES], metadata)
        return {k: metrics.get(k) for k in ("final_test_acc", "best_test_acc", "epochs_done")}  # fmt: skip

    try:
        record, ran = store.run("train", train_inputs(settings), work)
    except Exception as exc:  # noqa: BLE001 - recorded in the trial's row, the sweep goes on
        return error_record(exc, "train")
    return {"ok": True, "key": record["key"], "ran": ran, "result": record["result"],
            "seconds": record["seconds"], "made_in": record.get("made_in")}  # fmt: skip


def _build_metrics(rep: dict[str, Any]) -> dict[str, Any]:
    """The numbers of report.json a trial's row shows (None where a section is absent)."""
    totals, rtl, timing = rep.get("totals", {}), rep.get("rtl") or {}, rep.get("timing") or {}
    yosys = (rtl.get("yosys") or {}).get("total", {})
    return {
        "fps": rep.get("fps"),
        "latency_us": rep.get("latency_us"),
        "lut": totals.get("LUT"),
        "bram36": totals.get("BRAM36"),
        "dsp": totals.get("DSP"),
        "lut_util": rep.get("utilization", {}).get("LUT"),
        "rtl_fps": rtl.get("fps"),
        "yosys_lut": yosys.get("LUT"),
        "yosys_bram36": yosys.get("BRAM36"),
        "yosys_dsp": yosys.get("DSP"),
        "fmax_mhz": timing.get("fmax_mhz"),
        "meets_timing": timing.get("meets_target"),
    }


def _build_work(settings: dict[str, Any], onnx: Path):
    def work(folder: Path) -> dict[str, Any]:
        from pcnn_hw.compile.build import build
        from pcnn_hw.compile.steps import DEFAULT_STEPS

        steps = DEFAULT_STEPS
        if settings["rtl"]:
            from pcnn_hw.compile.rtl_step import RTL_STEPS as steps
        log = io.StringIO()
        try:
            res = build(onnx, folder / "build", settings["board"],
                        folding=None if settings["target_fps"] else settings["folding"],
                        target_fps=settings["target_fps"], clock_mhz=settings["clock_mhz"],
                        lut_fraction=settings["lut_fraction"], steps=steps, stream=log)  # fmt: skip
        finally:
            (folder / "build.log").write_text(log.getvalue())
        return {**_build_metrics(res.report), "warnings": res.warnings}

    return work


def _verify_work(train_dir: Path, build_dir: Path, images: int, rtl: bool):
    def work(folder: Path) -> dict[str, Any]:
        from qonnx.core.modelwrapper import ModelWrapper

        from pcnn_hw.compile.finn_compat import prepare_finn
        from pcnn_hw.data import load_dataset
        from pcnn_hw.sim.builddir import BuildDir
        from pcnn_hw.train.checkpoint import load_checkpoint
        from pcnn_hw.verify import ladder

        model, meta = load_checkpoint(train_dir)
        ds = load_dataset(meta["dataset"], meta.get("data_root"))
        x, y = ds.test_x[:images].numpy(), ds.test_y[:images].numpy()
        prepare_finn(build_dir / "finn")
        bd = BuildDir(build_dir)  # the one build-directory loader: folded graph and memory images
        folded = ModelWrapper(str(bd.folded))
        levels = [ladder.torch_level(model), ladder.qonnx_level(train_dir / "model.onnx"),
                  ladder.finn_level(folded), ladder.sim_level(folded, build_dir=bd)]  # fmt: skip
        if rtl:
            from pcnn_hw.rtl.level import rtl_level

            levels.append(rtl_level(build_dir))
        results = ladder.run_ladder(levels, x, y)
        (folder / "ladder.txt").write_text(ladder.format_ladder(results, len(x)) + "\n")
        bad = [r for r in results if r.mismatches]
        if bad:
            raise VerificationError(f"level {bad[0].name!r} disagrees with the level above on "
                                    f"{len(bad[0].mismatches)} image(s); first: {bad[0].detail}")
        sim = next(r for r in results if r.name == "bit-exact sim")
        return {"hw_accuracy": sim.accuracy, "images": len(x),
                "levels": {r.name: r.accuracy for r in results}}  # fmt: skip

    return work


def trial_stage(train: dict[str, Any], settings: dict[str, Any], store_root: str, images: int) -> dict:
    """Build and verify one trial on its (shared) trained model; a dict with the metrics or the error."""
    if not train.get("ok"):
        return {**train, "ran": {"train": False, "build": False, "verify": False}}
    store = StageStore(store_root)
    out: dict[str, Any] = {"ok": True, "train_key": train["key"], "train_run": train.get("made_in"),
                           "train": train["result"],
                           "seconds": {"train": train["seconds"]},
                           "ran": {"train": train["ran"], "build": False, "verify": False}}  # fmt: skip
    train_dir = store.path("train", train["key"])
    stage = "build"
    try:
        inputs = build_inputs(settings, train["key"])
        rec, out["ran"]["build"] = store.run("build", inputs, _build_work(settings, train_dir / "model.onnx"))
        out.update(build_key=rec["key"], build=rec["result"])
        out["seconds"]["build"] = rec["seconds"]
        stage = "verify"
        build_dir = store.path("build", rec["key"]) / "build"
        inputs = {"train": train["key"], "build": rec["key"], "images": images}
        work = _verify_work(train_dir, build_dir, images, bool(settings["rtl"]))
        rec, out["ran"]["verify"] = store.run("verify", inputs, work)
        out.update(verify=rec["result"])
        out["seconds"]["verify"] = rec["seconds"]
    except Exception as exc:  # noqa: BLE001 - recorded in the trial's row, the sweep goes on
        return {**out, **error_record(exc, stage)}
    return out
