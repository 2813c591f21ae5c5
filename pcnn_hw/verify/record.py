"""``build/NAME/verify.json``: the ladder of the last ``pcnn-hw verify`` run, for the report page.

Small and deterministic: level names, accuracies, agreement, how many images differ or tie (the first
few indices) and the first disagreement's text; no timestamps or wall times, so the same run writes
the same bytes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

VERIFY_JSON = "verify.json"
FIRST_INDICES = 10  # image indices kept per level


def ladder_record(results: list[Any], n_images: int, dataset: str) -> dict[str, Any]:
    """The JSON-able record of a ladder run (`results`: pcnn_hw.verify.ladder.LevelResult list)."""
    levels = []
    for r in results:
        levels.append(
            {
                "name": r.name,
                "accuracy": round(float(r.accuracy), 6),
                "agreement": None if r.agreement is None else round(float(r.agreement), 6),
                "mismatches": len(r.mismatches),
                "first_mismatches": [int(i) for i in r.mismatches[:FIRST_INDICES]],
                "ties": len(r.ties),
                "first_ties": [int(i) for i in r.ties[:FIRST_INDICES]],
                "detail": r.detail,
                "notes": list(r.notes),
            }
        )
    return {
        "dataset": dataset,
        "images": int(n_images),
        "passed": not any(lv["mismatches"] for lv in levels),
        "levels": levels,
    }


def write_ladder_record(build_dir: str | Path, results: list[Any], n_images: int, dataset: str) -> Path:
    """Write build_dir/verify.json (atomically; it is always this command's own file) and return it."""
    path = Path(build_dir) / VERIFY_JSON
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(json.dumps(ladder_record(results, n_images, dataset), indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)
    return path
