"""Run a sweep on Ray: one task per unique training run, one per trial (build + verify) depending on it.

The driver deduplicates training runs by their content address before submitting anything, so five
boards of one model train once; the stage store makes a rerun find every finished stage, and the trial
records in OUT/trials/ make it skip finished trials without starting a task. Ray retries a task whose
worker died (`max_retries`); a trial's own failure comes back as an error record and the sweep goes on.
Grid mode submits every trial at once; search mode asks Optuna for a batch of trials per round (as many
as the cluster has CPUs), waits, and tells it the objectives.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pcnn_hw.errors import PcnnHwError
from pcnn_hw.explore import stages
from pcnn_hw.explore.store import STORE_MANIFEST, StageStore, claim_dir, stage_key, write_json
from pcnn_hw.explore.sweep import OBJECTIVES, Sweep

MAX_RETRIES = 3  # Ray re-runs a task this often when its worker process dies


@dataclass
class Options:
    """How to run a sweep: where results and stages go, which Ray, how verbose."""

    out: Path
    store: Path
    address: str | None = None
    num_cpus: int | None = None
    retry_failed: bool = False
    progress: bool = True


@dataclass
class Tally:
    """What a run did (not what it found): Ray tasks submitted, trials run and stages executed, per kind."""

    trials: int = 0
    tasks: dict[str, int] = field(default_factory=lambda: {"train": 0, "trial": 0})
    trials_run: int = 0
    failed: int = 0
    stages_run: dict[str, int] = field(default_factory=lambda: {"train": 0, "build": 0, "verify": 0})
    trained: set[tuple[str, str]] = field(default_factory=set)  # (train key, folder it ran in)


def start_ray(address: str | None, num_cpus: int | None) -> bool:
    """Connect to the cluster at `address`, or start a local one; False if Ray was already running."""
    import ray

    if ray.is_initialized():
        return False
    quiet = {"include_dashboard": False, "logging_level": "ERROR", "log_to_driver": False}
    if address:
        ray.init(address=address, logging_level="ERROR", log_to_driver=False)
    else:
        ray.init(num_cpus=num_cpus, **quiet)
    return True


def resolve(settings: dict[str, Any], base: Path) -> dict[str, Any]:
    """Settings as the workers get them: relative file paths made absolute against the sweep folder."""
    out = dict(settings)
    for name in ("folding", "data_root"):
        value = out.get(name)
        if isinstance(value, str) and (name == "data_root" or value.endswith(".json")):
            out[name] = str((base / value).resolve())
    return out


def trial_id(resolved: dict[str, Any], images: int) -> str:
    """A trial's content address: its training run, its build inputs and the verify images."""
    tkey = stage_key("train", stages.train_inputs(resolved))
    return stage_key("trial", {"train": tkey, "build": stages.build_inputs(resolved, tkey), "images": images})


def _row(tid: str, settings: dict[str, Any], out: dict[str, Any], images: int) -> dict[str, Any]:
    """One table row: the settings as written in the sweep file, then the metrics or the error."""
    seconds = out.get("seconds", {})
    row: dict[str, Any] = {"trial": tid, "status": "ok" if out.get("ok") else "failed", **settings}
    row["accuracy"] = (out.get("train") or {}).get("final_test_acc")
    row["hw_accuracy"] = (out.get("verify") or {}).get("hw_accuracy")
    row["verify_images"] = images
    build = out.get("build") or {}
    for key in ("fps", "latency_us", "lut", "bram36", "dsp", "lut_util", "rtl_fps", "yosys_lut",
                "yosys_bram36", "yosys_dsp", "fmax_mhz", "meets_timing"):  # fmt: skip
        row[key] = build.get(key)
    for stage in ("train", "build", "verify"):
        row[f"{stage}_s"] = seconds.get(stage)
    row["wall_s"] = round(sum(v for v in seconds.values() if v is not None), 2)
    row["error_stage"] = None if out.get("ok") else out.get("stage")
    row["error_type"] = None if out.get("ok") else out.get("error_type")
    row["error"] = None if out.get("ok") else out.get("error")
    row["train_key"], row["build_key"] = out.get("train_key"), out.get("build_key")
    return row


class Runner:
    """Submits trials to Ray, collects rows, keeps OUT/trials/<id>.json and the tally."""

    def __init__(self, sweep: Sweep, opts: Options):
        import ray

        self.ray, self.sweep, self.opts = ray, sweep, opts
        self.trials_dir = opts.out / "trials"
        self.trials_dir.mkdir(exist_ok=True)
        self.tally = Tally()
        gpus = ray.cluster_resources().get("GPU", 0)
        train_res = {"num_gpus": 1} if gpus >= 1 else {"num_cpus": 1}
        self.train_task = ray.remote(max_retries=MAX_RETRIES, **train_res)(stages.train_stage)
        self.trial_task = ray.remote(num_cpus=1, max_retries=MAX_RETRIES)(stages.trial_stage)
        self.cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))

    def _cached(self, tid: str) -> dict | None:
        path = self.trials_dir / f"{tid}.json"
        if not path.is_file():
            return None
        row = json.loads(path.read_text())
        return None if row["status"] != "ok" and self.opts.retry_failed else row

    def run(self, batch: list[dict[str, Any]], bar: Any) -> list[dict[str, Any]]:
        """Run (or find) every trial of `batch` (settings dicts); rows in the same order."""
        images, store = self.sweep.verify_images, str(self.opts.store)
        rows: list[dict | None] = [None] * len(batch)
        pending: dict[Any, list[int]] = {}
        by_tid: dict[str, Any] = {}
        train_refs: dict[str, Any] = {}
        for i, settings in enumerate(batch):
            resolved = resolve(settings, self.sweep.directory)
            tid = trial_id(resolved, images)
            cached = self._cached(tid)
            if cached is not None:
                rows[i] = cached
                bar.update(1)
                continue
            if tid in by_tid:  # the same trial twice in one batch (search mode): one task
                pending[by_tid[tid]].append(i)
                continue
            tkey = stage_key("train", stages.train_inputs(resolved))
            if tkey not in train_refs:  # one training task per distinct run, shared by its trials
                train_refs[tkey] = self.train_task.remote(resolved, store)
                self.tally.tasks["train"] += 1
            ref = self.trial_task.remote(train_refs[tkey], resolved, store, images)
            self.tally.tasks["trial"] += 1
            by_tid[tid], pending[ref] = ref, [i]
        tids = {ref: tid for tid, ref in by_tid.items()}
        while pending:
            done, _ = self.ray.wait(list(pending), num_returns=1)
            for ref in done:
                where = pending.pop(ref)
                try:
                    out = self.ray.get(ref)
                except self.ray.exceptions.RayError as exc:  # a worker died more than MAX_RETRIES times
                    out = stages.error_record(exc, "ray")
                row = _row(tids[ref], batch[where[0]], out, images)
                write_json(self.trials_dir / f"{tids[ref]}.json", row)
                self._count(out)
                for i in where:
                    rows[i] = row
                bar.update(len(where))
        self.tally.trials += len(batch)
        self.tally.failed += sum(1 for r in rows if r and r["status"] != "ok")
        return [r for r in rows if r is not None]

    def _count(self, out: dict[str, Any]) -> None:
        self.tally.trials_run += 1
        ran = out.get("ran", {})
        run = (out.get("train_key"), out.get("train_run"))
        if ran.get("train") and run not in self.tally.trained:  # trials sharing one run count it once
            self.tally.trained.add(run)
            self.tally.stages_run["train"] += 1
        for kind in ("build", "verify"):
            self.tally.stages_run[kind] += int(bool(ran.get(kind)))


def _objective_values(row: dict[str, Any], objectives: tuple[str, ...]) -> list[float] | None:
    values = [row.get(o) for o in objectives]
    return None if row["status"] != "ok" or any(v is None for v in values) else [float(v) for v in values]


def _search(runner: Runner, sweep: Sweep, bar: Any) -> list[dict[str, Any]]:
    """Optuna multi-objective search over the axes, `sweep.trials` trials in batches of the CPU count."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    directions = [OBJECTIVES[o] for o in sweep.objectives]
    study = optuna.create_study(directions=directions, sampler=optuna.samplers.NSGAIISampler(seed=sweep.seed))
    rows: list[dict[str, Any]] = []
    while len(rows) < sweep.trials:
        asked = [study.ask() for _ in range(min(runner.cpus, sweep.trials - len(rows)))]
        batch_rows = runner.run([sweep.suggest(t) for t in asked], bar)
        for trial, row in zip(asked, batch_rows, strict=True):
            values = _objective_values(row, sweep.objectives)
            if values is None:
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
            else:
                study.tell(trial, values)
        rows += batch_rows
    return rows


def run_sweep(sweep: Sweep, opts: Options) -> tuple[list[dict[str, Any]], Tally]:
    """Run every trial of `sweep` (grid) or `sweep.trials` of them (search); write the results table.

    Returns the rows (one per trial, in trial order) and the tally of what this run executed.
    """
    from tqdm import tqdm

    from pcnn_hw.explore.results import write_results

    opts.out, opts.store = opts.out.resolve(), opts.store.resolve()
    claim_dir(opts.out, "explore.json", {"sweep": str(sweep.path), "sweep_sha256": sweep.sha256(),
                                         "store": str(opts.store)})  # fmt: skip
    claim_dir(opts.store, STORE_MANIFEST, {})
    trials = sweep.grid() if sweep.mode == "grid" else None
    total = len(trials) if trials is not None else sweep.trials
    started = start_ray(opts.address, opts.num_cpus)
    try:
        runner = Runner(sweep, opts)
        with tqdm(total=total, desc="trials", unit="trial", disable=not opts.progress) as bar:
            rows = runner.run(trials, bar) if trials is not None else _search(runner, sweep, bar)
    except KeyboardInterrupt as exc:
        raise PcnnHwError(f"sweep interrupted; finished trials are kept in {opts.out / 'trials'}, "
                          "rerun the same command to resume") from exc  # fmt: skip
    finally:
        if started:
            runner_ray_shutdown()
    rows = write_results(opts.out, rows, sweep)
    return rows, runner.tally


def runner_ray_shutdown() -> None:
    """Stop the local Ray this run started (its worker processes end with it)."""
    import ray

    ray.shutdown()


def stale_partials(store: Path) -> list[Path]:
    """Partial stage folders left by killed workers or stopped sweeps (nothing reads them)."""
    return StageStore(store).partials()
