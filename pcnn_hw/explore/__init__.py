"""`pcnn-hw explore`: design-space exploration on Ray (grid or Optuna search) with shared, cached stages.

    from pcnn_hw.explore import load_sweep, run_sweep, Options
    rows, tally = run_sweep(load_sweep("sweep.toml"), Options(out=Path("explore/a"), store=...))

Modules: sweep (sweep files), store (content-addressed stages, output manifest), stages (one trial
through the package's API), orchestrate (Ray tasks, Optuna), results (table, Pareto, plots, HTML), cli.
"""

from pcnn_hw.explore.orchestrate import Options, Tally, run_sweep
from pcnn_hw.explore.sweep import Sweep, load_sweep

__all__ = ["Options", "Sweep", "Tally", "load_sweep", "run_sweep"]
