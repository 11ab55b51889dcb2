"""Building a potential-aware Hold'em card abstraction, stage by stage, with a cache.

Stages are cached as ``.npy`` in ``.buckets-cache`` beside the output, named by what they
depend on, so an interrupted build resumes at the first unfinished stage and presets share
stages (the river EHS is the same for all):

1. river EHS of all 123,156,254 canonical river hands (exact; features.river_ehs);
2. river buckets: 1-D k-means of EHS (fitted on a sample, every hand assigned); EHS rather
   than opponent-cluster hand strength, to keep the river exact and 1-D (README);
3. turn buckets: k-means under EMD of each turn hand's river-EHS histogram;
4. flop buckets: k-means under EMD of each flop hand's turn-bucket histogram, each turn
   bucket placed at its centroid's mean river EHS (features.flop_features);
5. preflop: the 169 lossless classes, or k-means under EMD of the 169 classes' flop-bucket
   histograms when ``k_preflop`` < 169 (unweighted: each class counts once).

Bucket ids are ordered weak to strong on every street.
"""
from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from holdem.abstraction import features, kmeans
from holdem.abstraction.bucket_file import STREET_NAMES, save_buckets, smallest_uint
from holdem.abstraction.isomorphism import NUM_INDICES
from holdem.core.progress import ProgressBar

PRESETS = {"tiny": (169, 10, 10, 10), "small": (169, 50, 50, 50), "mid": (169, 200, 200, 200),
           "large": (169, 500, 500, 500)}
FEATURE_KIND = "river-ehs / turn-ehs-histogram-emd / flop-turn-bucket-histogram-emd-at-centroid-ehs"


@dataclass(frozen=True)
class BuildParams:
    """What a bucket file depends on."""

    k_preflop: int = 169
    k_flop: int = 50
    k_turn: int = 50
    k_river: int = 50
    seed: int = 0
    turn_bins: int = 30          # EHS bins of the turn histograms
    sample: int = 200_000        # hands the centroids are fitted on, per street


@dataclass
class StageReport:
    """Per-street numbers for the final report."""

    street: str
    k: int
    sizes: np.ndarray
    mean_distance: float
    seconds: float


def _cached(cache: Path, name: str, make: Callable[[], np.ndarray], log: Callable[[str], None]) -> np.ndarray:
    path = cache / f"{name}.npy"
    if path.exists():
        log(f"{name}: reusing cached {path}")
        return np.load(path, allow_pickle=False)
    arr = make()
    tmp = path.with_name(f".{name}.{os.getpid()}.tmp.npy")
    np.save(tmp, arr)
    os.replace(tmp, path)
    return arr


def _sample(n: int, size: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=min(size, n), replace=False))


def _assign_chunks(n: int, featurize: Callable[[np.ndarray], np.ndarray], centers: np.ndarray, label: str,
                   chunk: int = 500_000) -> tuple[np.ndarray, float]:
    labels = np.empty(n, dtype=smallest_uint(len(centers)))
    bar = ProgressBar(label, n, "hands")
    total_dist = 0.0
    lab = np.empty(chunk, dtype=np.int32)
    dist = np.empty(chunk)
    for start in range(0, n, chunk):
        idx = np.arange(start, min(start + chunk, n), dtype=np.int64)
        pts = featurize(idx)
        kmeans.assign(pts, centers, lab[:len(idx)], dist[:len(idx)])
        labels[start:start + len(idx)] = lab[:len(idx)]
        total_dist += float(dist[:len(idx)].sum())
        bar.update(start + len(idx))
    return labels, total_dist / n


def build(params: BuildParams, out: Path, log: Callable[[str], None] = print) -> tuple[str, list[StageReport]]:
    """Build the bucket file ``out`` (stages cached beside it); returns (SHA-256, reports)."""
    if not 1 <= params.k_preflop <= 169:
        raise ValueError(f"--k-preflop {params.k_preflop}: use 1 to 169 (169 = the lossless classes)")
    # one cache per output folder; stage names carry what each stage depends on, so presets
    # share stages (river EHS is the same for all of them)
    cache = out.parent / ".buckets-cache"
    common = f"s{params.seed}_n{params.sample}"
    cache.mkdir(parents=True, exist_ok=True)
    reports: list[StageReport] = []

    t0 = time.time()
    bar = ProgressBar("river EHS", 2_598_960, "boards")
    ehs = _cached(cache, "river_ehs", lambda: features.river_ehs(bar.update), log)
    log(f"river EHS ready ({time.time() - t0:.0f}s)")

    t0 = time.time()

    def river_buckets() -> np.ndarray:
        sample = ehs[_sample(len(ehs), params.sample, params.seed)].astype(np.float32)[:, None]
        centers = np.sort(kmeans.fit(sample, params.k_river, params.seed)[:, 0])
        cuts = (centers[1:] + centers[:-1]) / 2  # 1-D: nearest center = interval between midpoints
        return np.searchsorted(cuts, ehs.astype(np.float32), side="right").astype(smallest_uint(params.k_river))

    river = _cached(cache, f"river_k{params.k_river}_{common}", river_buckets, log)
    reports.append(_report("river", params.k_river, river, ehs.astype(np.float64) / features.EHS_SCALE,
                           time.time() - t0))

    def emd_stage(street: int, name: str, k: int,
                  featurize: Callable[[np.ndarray], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Fit k centroids on a sample of the street's hands, assign every hand (cached):
        (labels, centroids)."""
        t0 = time.time()
        label = STREET_NAMES[street]
        centers_path = cache / f"{name}_centers.npy"

        def make() -> np.ndarray:
            sample = _sample(NUM_INDICES[street], params.sample, params.seed + street)
            centers = kmeans.fit(featurize(sample), k, params.seed)
            labels, mean = _assign_chunks(NUM_INDICES[street], featurize, centers, f"{label} buckets")
            np.save(cache / f"{name}_distance.npy", np.array([mean]))
            np.save(centers_path, centers)
            return labels

        if not centers_path.exists():  # labels cached without their centroids: redo the stage
            (cache / f"{name}.npy").unlink(missing_ok=True)
        labels = _cached(cache, name, make, log)
        reports.append(_report(label, k, labels, None, time.time() - t0, _maybe(cache / f"{name}_distance.npy")))
        return labels, np.load(centers_path, allow_pickle=False)

    turn_name = f"turn_k{params.k_turn}_b{params.turn_bins}_{common}"
    turn, turn_centers = emd_stage(2, turn_name, params.k_turn,
                                   lambda idx: features.turn_features(idx, ehs, params.turn_bins))
    positions = features.turn_bucket_positions(turn_centers)
    flop, flop_centers = emd_stage(1, f"flop_k{params.k_flop}_emd-ehs_{turn_name}", params.k_flop,
                                   lambda idx: features.flop_features(idx, turn, positions))
    preflop, preflop_report = _preflop_stage(params, flop, features.flop_bucket_positions(flop_centers, positions))

    meta: dict[str, Any] = {"k": [params.k_preflop, params.k_flop, params.k_turn, params.k_river],
                            "seed": params.seed, "feature": FEATURE_KIND, "params": asdict(params)}
    digest = save_buckets(out, [preflop, flop, turn, river], meta)
    return digest, [preflop_report] + reports[::-1]


def _preflop_stage(params: BuildParams, flop: np.ndarray,
                   flop_positions: np.ndarray) -> tuple[np.ndarray, StageReport]:
    """Canonical preflop index -> bucket: the identity for 169, else EMD k-means of the classes."""
    if params.k_preflop == 169:
        return np.arange(169, dtype=np.uint8), StageReport("preflop", 169, np.ones(169, dtype=np.int64), 0.0, 0.0)
    t0 = time.time()
    points = features.preflop_features(flop, flop_positions)
    centers = kmeans.fit(points, params.k_preflop, params.seed)
    labels = np.empty(169, dtype=np.int32)
    dist = np.empty(169)
    kmeans.assign(points, centers, labels, dist)
    return (labels.astype(smallest_uint(params.k_preflop)),
            _report("preflop", params.k_preflop, labels, None, time.time() - t0, float(dist.mean())))


def _maybe(path: Path) -> float:
    return float(np.load(path)[0]) if path.exists() else float("nan")


def _report(street: str, k: int, labels: np.ndarray, values: np.ndarray | None, seconds: float,
            mean_distance: float | None = None) -> StageReport:
    sizes = np.bincount(labels, minlength=k)
    if mean_distance is None and values is not None:
        means = np.bincount(labels, weights=values, minlength=k) / np.maximum(sizes, 1)
        mean_distance = float(np.abs(values - means[labels]).mean())
    return StageReport(street, k, sizes, float(mean_distance if mean_distance is not None else np.nan), seconds)
