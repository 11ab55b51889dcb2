"""Potential-aware card abstraction: exact river strength, EMD k-means, bucket files, lookup."""
from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from holdem import evaluate, parse_cards
from holdem.abstraction import features, kmeans
from holdem.abstraction.bucket_file import BucketFileError, load_buckets, meta_path, save_buckets
from holdem.abstraction.isomorphism import NUM_INDICES, index_hand

ROOT = Path(__file__).resolve().parent.parent


def _brute_ehs(hole: list[int], board: list[int]) -> float:
    rest = [c for c in range(52) if c not in hole + board]
    mine = evaluate(hole + board)
    score = 0
    for opp in itertools.combinations(rest, 2):
        v = evaluate(list(opp) + board)
        score += 2 if mine > v else 1 if mine == v else 0
    return score / (2 * 990)


def test_river_strength_matches_brute_force():
    rng = np.random.default_rng(5)
    for _ in range(4):
        board = np.sort(rng.choice(52, 5, replace=False)).astype(np.int64)
        idx = np.empty(1081, dtype=np.int64)
        ehs = np.empty(1081, dtype=np.int64)
        features._board_ehs(board, idx, ehs)
        pairs = list(itertools.combinations([c for c in range(52) if c not in board], 2))
        for p in rng.choice(1081, 5, replace=False):
            hole = list(pairs[p])
            assert ehs[p] == int(_brute_ehs(hole, list(map(int, board))) * features.EHS_SCALE) or \
                abs(ehs[p] / features.EHS_SCALE - _brute_ehs(hole, list(map(int, board)))) < 1e-4
            assert idx[p] == index_hand(np.array(hole), board, 5)


def test_turn_features_are_cdfs():
    ehs = np.zeros(NUM_INDICES[3], dtype=np.uint16)
    boards = features.all_boards()[:3000].astype(np.int64)
    features._river_chunk(boards, ehs)  # fills part of the table: enough to exercise the code
    cdf = features.turn_features(np.arange(0, NUM_INDICES[2], NUM_INDICES[2] // 50), ehs, 10)
    assert cdf.shape == (50, 10)
    assert np.all(np.diff(cdf, axis=1) >= -1e-6) and np.allclose(cdf[:, -1], 1.0, atol=1e-5)


def _assert_l1_is_emd(feats: np.ndarray, outcomes: list[np.ndarray]) -> None:
    """L1 between feature rows equals the earth mover's distance between the rows' outcome
    samples (equal sizes), computed independently by optimal matching of the sorted samples."""
    feats = feats.astype(np.float64)
    for a in range(len(outcomes)):
        for b in range(len(outcomes)):
            emd = np.abs(np.sort(outcomes[a]) - np.sort(outcomes[b])).mean()
            assert abs(np.abs(feats[a] - feats[b]).sum() - emd) < 1e-5
    assert len({round(float(np.abs(feats[0] - feats[b]).sum()), 6) for b in range(1, len(outcomes))}) > 1


def test_flop_features_l1_is_emd_between_turn_positions():
    from holdem.abstraction.isomorphism import unindex_hand
    k = 6
    turn_bucket = (np.arange(NUM_INDICES[2]) * 7919 % k).astype(np.uint8)  # synthetic buckets
    positions = np.array([0.05, 0.1, 0.3, 0.35, 0.8, 0.95])
    flops = np.array([17, 4_000, 250_000, 1_000_000], dtype=np.int64)
    outcomes = []
    for f in flops:
        hole, board = unindex_hand(1, int(f))
        rest = [c for c in range(52) if c not in set(hole) | set(board)]
        outcomes.append(np.array([positions[turn_bucket[index_hand(hole, np.array(list(board) + [c, 0]), 4)]]
                                  for c in rest]))
    _assert_l1_is_emd(features.flop_features(flops, turn_bucket, positions), outcomes)


def test_preflop_features_l1_is_emd_between_flop_positions():
    from holdem.abstraction.isomorphism import index_batch, unindex_hand
    k = 5
    flop_bucket = (np.arange(NUM_INDICES[1]) * 104729 % k).astype(np.uint8)  # synthetic buckets
    positions = np.array([0.1, 0.2, 0.5, 0.55, 0.9])
    feats = features.preflop_features(flop_bucket, positions)
    assert feats.shape == (169, k)
    classes = [0, 40, 90, 168]
    outcomes = []
    for c in classes:
        hole, _ = unindex_hand(0, c)
        rest = [x for x in range(52) if x not in hole]
        hands = np.array([list(hole) + list(f) for f in itertools.combinations(rest, 3)], dtype=np.int64)
        outcomes.append(positions[flop_bucket[index_batch(hands, 3)]])
    _assert_l1_is_emd(feats[classes], outcomes)


def test_kmeans_emd_separates_and_orders():
    rng = np.random.default_rng(0)
    bins = 8

    def cdfs(center: int, n: int) -> np.ndarray:
        hist = np.zeros((n, bins))
        for i in range(n):
            for _ in range(40):
                hist[i, min(bins - 1, max(0, center + rng.integers(-1, 2)))] += 1
        return np.cumsum(hist / 40, axis=1)

    pts = np.concatenate([cdfs(6, 300), cdfs(1, 300), cdfs(3, 300)]).astype(np.float32)
    centers = kmeans.fit(pts, 3, seed=1)
    labels = np.empty(len(pts), dtype=np.int32)
    dist = np.empty(len(pts))
    kmeans.assign(pts, centers, labels, dist)
    # each generated group is one cluster, and cluster ids are ordered weak -> strong
    assert list(np.unique(labels[:300])) == [2] and list(np.unique(labels[300:600])) == [0]
    assert list(np.unique(labels[600:])) == [1]
    assert np.array_equal(centers, kmeans.fit(pts, 3, seed=1))  # deterministic


def _write_bucket_file(path: Path, k: int = 7) -> list[np.ndarray]:
    """A valid bucket file whose buckets are a simple function of the index (tests lookups only)."""
    # preflop permuted (bijection, 5 is prime to 169) so that a lookup by the wrong key shows
    tables = [(np.arange(169) * 5 % 169).astype(np.uint8)] + [(np.arange(n, dtype=np.int64) % k).astype(np.uint8)
                                                  for n in NUM_INDICES[1:]]
    save_buckets(path, tables, {"k": [169, k, k, k], "seed": 0, "feature": "test"})
    return tables


@pytest.fixture(scope="module")
def bucket_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("buckets") / "t.npz"
    return path, _write_bucket_file(path)


def test_kernel_lookup_reads_the_tables(bucket_file):
    path, tables = bucket_file
    from holdem.abstraction.deal import deal_buckets, deal_buckets_batch, sample_deal
    from holdem.core.rng import seed_state
    from holdem.game.spec import no_limit_holdem
    from holdem.mccfr.problem import build_problem
    problem = build_problem(no_limit_holdem(stacks=[40, 40]), {"kind": "buckets", "file": str(path)})
    assert list(problem.layout.num_buckets) == [169, 7, 7, 7]
    dm = problem.deal_model
    deck = np.arange(52, dtype=np.int64)
    deal = np.zeros(9, dtype=np.int64)
    buckets = np.zeros((2, 4), dtype=np.int64)
    rng = seed_state(1)
    deals = np.zeros((300, 9), dtype=np.int64)
    for i in range(300):
        sample_deal(dm, deck, rng, deals[i])
        deal_buckets(dm, deals[i], buckets)
        for p in range(2):
            hole = deals[i, 2 * p:2 * p + 2]
            for s, nb in enumerate((0, 3, 4, 5)):
                assert buckets[p, s] == tables[s][index_hand(hole, deals[i, 4:], nb)]
    # the kernel's block path reads the same buckets
    batch = np.zeros((300, 2, 4), dtype=np.int64)
    deal_buckets_batch(dm, deals, batch)
    for i in range(300):
        deal_buckets(dm, deals[i], buckets)
        assert np.array_equal(batch[i], buckets)
    # and through the infoset API with cards as text
    assert problem.abstraction.bucket_of(1, "AhKh", "2c3c4d") == \
        tables[1][index_hand(np.array(parse_cards("AhKh")), np.array(parse_cards("2c3c4d") + [0, 0]), 3)]
    for hole in ("AhKh", "KhAh", "7c2d", "9s9d"):
        assert problem.abstraction.bucket_of(0, hole, "") == \
            tables[0][index_hand(np.array(parse_cards(hole)), np.zeros(5, dtype=np.int64), 0)]


def test_bad_bucket_files(tmp_path, bucket_file):
    path, _ = bucket_file
    with pytest.raises(BucketFileError, match="not found"):
        load_buckets(tmp_path / "missing.npz")
    import shutil
    bad = tmp_path / "bad.npz"
    shutil.copy(path, bad)
    shutil.copy(meta_path(path), meta_path(bad))
    data = bytearray(bad.read_bytes())
    data[len(data) // 2] ^= 1
    bad.write_bytes(bytes(data))
    with pytest.raises(BucketFileError, match="checksum mismatch"):
        load_buckets(bad)
    bad.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(BucketFileError, match="checksum mismatch"):
        load_buckets(bad)  # truncated
    meta = json.loads(meta_path(path).read_text())
    meta_path(bad).write_text(json.dumps(dict(meta, version=0)))
    with pytest.raises(BucketFileError, match="version 0"):
        load_buckets(bad)
    with pytest.raises(BucketFileError, match="not the buckets the run was trained with"):
        load_buckets(path, expect_sha256="0" * 64)


def test_bad_bucket_file_via_cli_exits_2(tmp_path, bucket_file):
    path, _ = bucket_file
    bad = tmp_path / "cut.npz"
    bad.write_bytes(path.read_bytes()[:5000])
    meta_path(bad).write_text(meta_path(path).read_text())
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"game: {{preset: nlhe, stacks: [40, 40]}}\nabstraction: {{kind: buckets, file: {bad}}}\n")
    r = subprocess.run([sys.executable, "-m", "holdem.cli.train_blueprint", "--config", str(cfg), "--logdir",
                        str(tmp_path / "run"), "--iters", "10"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 2 and "checksum mismatch" in r.stderr and r.stderr.strip().count("\n") == 0
    assert not (tmp_path / "run").exists()
    out = tmp_path / "exists.npz"
    out.write_bytes(b"x")
    r = subprocess.run([sys.executable, "-m", "holdem.cli.build_buckets", "--preset", "tiny", "--out", str(out)],
                       capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 2 and "exists" in r.stderr and out.read_bytes() == b"x"


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_tiny_and_mid_builds_end_to_end(tmp_path):
    """Build the tiny and mid presets for real (about 10 minutes) and check what the buckets mean."""
    from holdem.abstraction.build import BuildParams, build
    from holdem.abstraction.card_abstraction import make_abstraction
    from holdem.game.spec import no_limit_holdem
    out = tmp_path / "tiny.npz"
    digest, reports = build(BuildParams(169, 10, 10, 10), out, log=print)
    tables, meta = load_buckets(out, digest)
    for street, (table, k) in enumerate(zip(tables, meta["k"])):
        assert np.unique(table).size == k  # bucket counts match k
    ab = make_abstraction(no_limit_holdem(), {"kind": "buckets", "file": str(out)})
    # an overpair and a hand that missed land in different flop buckets, strong above weak
    assert ab.bucket_of(1, "AhAd", "KsQd9h") > ab.bucket_of(1, "7c2h", "KsQd9h")
    # the nut flush draw and a made top pair are told apart on the flop
    assert ab.bucket_of(1, "AsKs", "Ts7s2d") != ab.bucket_of(1, "TdJc", "Ts7s2d")
    # the river is ordered by strength: the nuts above a busted draw
    assert ab.bucket_of(3, "AhAd", "AsAcKd7h2c") > ab.bucket_of(3, "5s4s", "Ts7s2dKh9c")
    # interrupted builds resume: a rebuild with the cache present reuses every stage
    assert build(BuildParams(169, 10, 10, 10), tmp_path / "again.npz", log=print)[0] == digest
    # fewer preflop buckets than the 169 classes: k-means of the classes' flop histograms
    _, reports = build(BuildParams(12, 10, 10, 10), tmp_path / "p12.npz", log=print)
    tables, meta = load_buckets(tmp_path / "p12.npz")
    assert meta["k"][0] == 12 and np.unique(tables[0]).size == 12 and reports[0].sizes.sum() == 169
    ab = make_abstraction(no_limit_holdem(), {"kind": "buckets", "file": str(tmp_path / "p12.npz")})
    assert ab.bucket_of(0, "AhAd", "") > ab.bucket_of(0, "7c2h", "")  # ordered weak to strong
    assert ab.bucket_of(0, "AhAd", "") == ab.bucket_of(0, "AsAc", "")  # suit-isomorphic
    assert ab.bucket_cards(0, ab.bucket_of(0, "AhAd", ""))[0].endswith("/12")
    # the mid preset (river EHS cached: a few minutes more) tells the flush draw from top pair
    build(BuildParams(169, 200, 200, 200), tmp_path / "mid.npz", log=print)
    mid = make_abstraction(no_limit_holdem(), {"kind": "buckets", "file": str(tmp_path / "mid.npz")})
    assert mid.bucket_of(1, "AsKs", "Ts7s2d") != mid.bucket_of(1, "TdJc", "Ts7s2d")
    assert mid.bucket_of(1, "AhAd", "KsQd9h") > mid.bucket_of(1, "7c2h", "KsQd9h")
