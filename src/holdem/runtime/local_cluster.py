"""A multi-node Ray cluster on this one machine: to try ``--backend ray``, and for the tests
and benchmarks of :mod:`holdem.runtime.cluster`.

Every node gets its own loopback address, 127.0.0.2, 127.0.0.3, ... (with 127.0.0.1 Ray
substitutes the machine's network address), an object store of an explicit size (the store
lives in /dev/shm; Ray's default is 30% of memory per node), and the session files go to a
fresh short directory (``RAY_TMPDIR``: Ray's socket paths must stay under 108 characters),
removed afterwards. Only what was started here is shut down: never ``ray stop``, which ends
every Ray process of the machine.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from typing import Any, Iterator

STORE_BYTES = 150 << 20  # object store per node unless told


def node_address(index: int) -> str:
    """Loopback address of node ``index`` (0: the head)."""
    return f"127.0.0.{2 + index}"


@contextmanager
def local_cluster(nodes: int, cpus: int = 1, store_bytes: int = STORE_BYTES, prefix: str = "hr") -> Iterator[Any]:
    """A ``ray.cluster_utils.Cluster`` of ``nodes`` nodes with ``cpus`` CPUs each, shut down
    (and this process disconnected from it) on the way out."""
    import ray
    from ray.cluster_utils import Cluster

    tmp = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    saved = {k: os.environ.get(k) for k in ("RAY_TMPDIR", "RAY_USAGE_STATS_ENABLED")}
    os.environ.update(RAY_TMPDIR=tmp, RAY_USAGE_STATS_ENABLED="0")
    cluster = None
    try:
        cluster = Cluster(initialize_head=True, head_node_args=dict(
            num_cpus=cpus, node_ip_address=node_address(0), object_store_memory=store_bytes))
        for i in range(1, nodes):
            cluster.add_node(num_cpus=cpus, node_ip_address=node_address(i), object_store_memory=store_bytes)
        cluster.wait_for_nodes(timeout=60)
        yield cluster
    finally:
        if ray.is_initialized():
            ray.shutdown()
        if cluster is not None:
            cluster.shutdown()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        shutil.rmtree(tmp, ignore_errors=True)
