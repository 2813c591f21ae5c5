"""Speed of the folding optimizer (issue #12 deliverable 2: "seconds for cnv") -> results/fold_opt.{json,md}.

    XDG_CACHE_HOME=/work/cache nice -n 10 .venv/bin/python benchmarks/hw_efficiency_speed.py LABEL

Times :func:`pcnn_hw.compile.fold_opt.fold` cold (a freshly loaded graph, a fresh evaluation cache; FINN's
custom ops imported beforehand) on benchmarks/hw_efficiency.py's BNN-PYNQ graphs at two budgets, ``REPEAT``
times each (min and median), with the load average. The rows are stored under ``LABEL`` beside earlier
labels, so the same script run with ``PYTHONPATH`` on an older checkout of pcnn_hw gives the "before"
numbers of one sitting. Also records the folding each run chose (they must agree between labels).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from string import Template

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "results"
CASES = (("cnv", "pynq-z2"), ("sfc", "pynq-z2"), ("lfc", "pynq-z2"), ("cnv", "kv260"))
BUDGETS = (0.55, 0.85)
REPEAT = 3


def time_case(name: str, board_name: str, frac: float) -> dict:
    """Cold fold of ``name`` on ``board_name`` at LUT ``frac`` / BRAM 90 %, ``REPEAT`` times."""
    import hw_efficiency as he

    from pcnn_hw.compile import fold_opt, folding
    from pcnn_hw.core.boards import get_board

    b = get_board(board_name)
    path = he.specialized(name, board_name)
    secs, loads, cfg = [], [], None
    for _ in range(REPEAT):
        m = he._load(path)
        lim = fold_opt.Limits(b.lut * frac, b.bram36 * he.BRAM_FRAC, b.dsp,
                              fold_opt.FMAX_MARGIN * b.clock_mhz)
        t0 = time.perf_counter()
        fold_opt.fold(m, b.part, lim)
        secs.append(time.perf_counter() - t0)
        loads.append(os.getloadavg()[0])
        cfg = folding.folding_config(m)
    return {"model": name, "board": board_name, "lut_frac": frac, "min_s": round(min(secs), 2),
            "median_s": round(statistics.median(secs), 2), "load": round(statistics.mean(loads), 1),
            "cycles": he.cycles(m), "config": cfg}


def render(data: dict) -> str:
    """results/fold_opt.md from the stored labels (template benchmarks/hw_efficiency_speed.md.tmpl)."""
    labels = sorted(data)
    head = "| model / board | LUT budget | " + " | ".join(f"{lb}: min / median (load)" for lb in labels)
    rows = [head + " | same folding |", "|---|---:|" + "---:|" * len(labels) + "---|"]
    first = data[labels[0]]
    for i, r in enumerate(first):
        cells = []
        for lb in labels:
            x = data[lb][i]
            cells.append(f"{x['min_s']:.2f} s / {x['median_s']:.2f} s ({x['load']:g})")
        same = all(data[lb][i]["config"] == r["config"] for lb in labels)
        rows.append(f"| {r['model']} / {r['board']} | {r['lut_frac']:.0%} | " + " | ".join(cells)
                    + f" | {'yes' if same else 'NO'} |")
    tmpl = Template((ROOT / "hw_efficiency_speed.md.tmpl").read_text())
    return tmpl.substitute(table="\n".join(rows), repeat=REPEAT)


def main() -> None:
    """Time every case under the label given on the command line, then rewrite the results."""
    import importlib

    pcnn_hw = importlib.import_module("pcnn_hw")  # first: from PYTHONPATH, before hw_efficiency puts
    he = importlib.import_module("hw_efficiency")  # this checkout on sys.path
    from pcnn_hw.compile import finn_compat

    print(f"pcnn_hw from {Path(pcnn_hw.__file__).parent}", flush=True)

    label = sys.argv[1]
    finn_compat.prepare_finn(he.WORK / "finn")
    he.warm_up()
    jpath = RESULTS / "fold_opt.json"
    data = json.loads(jpath.read_text()) if jpath.is_file() else {}
    data[label] = [time_case(n, b, f) | {"code": str(Path(pcnn_hw.__file__).parent)} for n, b in CASES
                   for f in BUDGETS]
    jpath.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    (RESULTS / "fold_opt.md").write_text(render(data))
    print(render(data))


if __name__ == "__main__":
    main()
