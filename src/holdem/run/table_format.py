"""The tables of a snapshot checked against the game they must belong to.

Snapshots of format 3 hold flat tables over the layout's action slots
(:mod:`holdem.mccfr.layout`): ``regret`` on every slot (float32 or int32, as the config
says), ``strategy`` on the slots of the streets the averaging scheme keeps, ``updates`` per
row. Formats 1-2 held ``[rows, max_actions]`` tables with rows in node preorder; they are
converted here (in memory: the files are never rewritten). Anything else is refused with
one line naming the file, the array and what the game needs; nothing is ever reshaped to fit.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from holdem.config import RunConfig
from holdem.mccfr.external_sampling import table_specs
from holdem.mccfr.layout import rows_from_row_layout, slots_from_rows
from holdem.mccfr.problem import Problem
from holdem.run.snapshot import SnapshotError

#: snapshot format whose tables are flat slots (:data:`holdem.run.snapshot.SNAPSHOT_VERSION`)
SLOT_FORMAT = 3


def checked_tables(problem: Problem, cfg: RunConfig, arrays: dict[str, np.ndarray], meta: dict[str, Any],
                   tables: Path) -> dict[str, np.ndarray]:
    """``arrays`` of a snapshot (``meta`` its metadata) as this holdem's tables of
    ``problem`` under ``cfg``; format 1-2 tables converted, anything else refused."""
    layout = problem.layout
    params = cfg.solver.params(problem.spec)
    specs = table_specs(layout, params, True)
    rows_format = int(meta.get("version", SLOT_FORMAT)) < SLOT_FORMAT
    out: dict[str, np.ndarray] = {}
    for name, ((length,), dtype) in specs.items():
        if name not in arrays:
            if name == "updates":
                continue
            raise SnapshotError(f"{tables}: array {name!r} missing; not a training snapshot")
        got = arrays[name]
        if rows_format:
            old_dtype = np.int64 if name == "updates" else np.float32 if name == "regret" else np.float64
            old_shape = (layout.num_rows,) if name == "updates" else (layout.num_rows, layout.max_actions)
            if got.shape != old_shape or got.dtype != old_dtype:
                raise SnapshotError(f"{tables}: array {name!r} is {got.dtype} {got.shape}, this game's tables "
                                    f"before format {SLOT_FORMAT} were {np.dtype(old_dtype)} {old_shape}: "
                                    "the snapshot is damaged or of another game")
            if name == "regret" and dtype != np.float32:
                raise SnapshotError(f"{tables}: float32 regrets of a format {meta.get('version')} snapshot, the "
                                    "config asks for solver.regret_dtype int32: resume with float32 or retrain")
            if name == "updates":
                got = rows_from_row_layout(layout, np.asarray(got))
            else:
                got = slots_from_rows(layout, np.asarray(got), params.average_streets if name == "strategy" else None)
        if got.shape != (length,) or got.dtype != dtype:
            raise SnapshotError(f"{tables}: array {name!r} is {got.dtype} {got.shape}, the game needs "
                                f"{np.dtype(dtype)} ({length},) (solver.regret_dtype and solver.average decide "
                                "the tables): resume with the run's own config.yaml")
        out[name] = got
    return out
