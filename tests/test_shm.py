"""Shared-memory segments: naming, create/attach/close/unlink, orphans, /dev/shm space."""
from __future__ import annotations

import gc
import multiprocessing as mp
import os
import pickle
import re
import signal
import subprocess
import sys

import numpy as np
import psutil
import pytest

from holdem.runtime import _selftest, shm

SPAWN = mp.get_context("spawn")
linux_only = pytest.mark.skipif(not shm._HAVE_DEV_SHM, reason="needs a listable /dev/shm")


from conftest import _foreign as conftest_foreign

pytestmark = pytest.mark.usefixtures("no_leftovers")


def _exists(name: str) -> bool:
    return (shm.SHM_DIR / name).exists()


def _dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    assert not psutil.pid_exists(p.pid)
    return p.pid


def _run_selftest(*args: str) -> subprocess.CompletedProcess:
    # capture_output waits for EOF on the pipes, i.e. also for the child's own
    # resource tracker (which inherits them) to finish its exit-time cleanup.
    return subprocess.run(
        [sys.executable, "-m", "holdem.runtime._selftest", *args],
        capture_output=True, text=True, timeout=120,
    )


@pytest.mark.timeout(60)
def test_segment_names():
    names = [shm.segment_name() for _ in range(3)]
    for n in names:
        m = re.fullmatch(r"hd_(\d+)_([0-9a-f]+)_(\d+)", n)
        assert m and int(m.group(1)) == os.getpid()
        assert len(n) <= shm.MAX_NAME_LEN
    assert len(set(names)) == 3
    assert len({n.split("_")[2] for n in names}) == 1  # one run id per process
    with pytest.raises(ValueError):
        shm.create_array("x" * 31, 4, np.int32)
    with pytest.raises(ValueError):
        shm.create_array("bad/name", 4, np.int32)


@linux_only
@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "shape,dtype",
    [((3, 5), np.float32), (7, np.int64), ((2, 3, 4), np.int32), (0, np.float64), ((4, 0), np.uint8)],
)
def test_create_attach_close_unlink(shape, dtype):
    sa = shm.create_array(None, shape, dtype)
    shp = (shape,) if isinstance(shape, int) else shape
    assert sa.array.shape == shp and sa.array.dtype == np.dtype(dtype)
    assert not sa.array.any()  # zero-initialised
    assert _exists(sa.name)
    spec = pickle.loads(pickle.dumps(sa.spec))
    assert spec == sa.spec
    other = shm.attach(spec)
    if other.array.size:
        other.array.reshape(-1)[-1] = 3
        assert sa.array.reshape(-1)[-1] == 3  # same memory
    assert not other.is_owner and other.unlink() is False  # attachers never unlink
    other.close()
    assert _exists(sa.name)
    sa.close()
    assert sa.closed
    with pytest.raises(ValueError):
        _ = sa.array
    assert sa.unlink() is True
    assert not _exists(sa.name)
    assert sa.unlink() is False  # idempotent
    sa.close()


@linux_only
@pytest.mark.timeout(60)
def test_fallocate_reserves_pages():
    free0 = shm.shm_free_bytes()
    n = 64 << 20
    with shm.create_array(None, n, np.uint8) as sa:
        assert (shm.SHM_DIR / sa.name).stat().st_blocks * 512 >= n
        # Others may use /dev/shm concurrently: only a loose check on free space.
        assert shm.shm_free_bytes() <= free0 - n // 2 or free0 < 0


@linux_only
@pytest.mark.timeout(60)
def test_close_with_live_views_and_unlink_keeps_mapping():
    sa = shm.create_array(None, (4, 4), np.float32)
    view = sa.array[1]
    sa.unlink()  # name gone, mapping still valid
    assert not _exists(sa.name)
    view[:] = 2.0
    sa.close()  # a live view: must neither raise nor unmap under it
    assert view.sum() == 8.0
    del view
    gc.collect()


@pytest.mark.timeout(60)
def test_shared_arrays_group():
    with shm.SharedArrays() as g:
        g.create("regret", (8, 3), np.float32)
        g.create("locks", 32, np.int32)
        specs = pickle.loads(pickle.dumps(g.specs()))
        assert set(specs) == {"regret", "locks"} and len(g) == 2 and "regret" in g
        with pytest.raises(KeyError):
            g.create("regret", 1, np.int8)
        w = shm.SharedArrays.attach(specs)
        w["regret"][2, 1] = 1.5
        assert g["regret"][2, 1] == 1.5
        w.close()
    assert all(not _exists(s.name) for s in specs.values())


@linux_only
@pytest.mark.timeout(60)
def test_unlink_all_idempotent():
    a = shm.create_array(None, 8, np.int32)
    b = shm.create_array(None, 8, np.int32)
    removed = shm.unlink_all()
    assert {a.name, b.name} <= set(removed)
    assert not _exists(a.name) and not _exists(b.name)
    assert shm.unlink_all() == []
    a.array[0] = 1  # mappings survive unlink
    shm.close_all()
    assert a.closed and b.closed


@linux_only
@pytest.mark.timeout(120)
def test_spawned_worker_attach_exit_keeps_segment(capfd):
    with shm.create_array(None, 8, np.float32) as sa:
        for close in (False, True):
            p = SPAWN.Process(target=_selftest.attach_write_exit, args=(sa.spec, 4.0 + close, close))
            p.start()
            p.join(90)
            assert p.exitcode == 0
            assert _exists(sa.name)
            assert sa.array[0] == 4.0 + close
    err = capfd.readouterr().err
    assert "leaked shared_memory" not in err and "Exception ignored" not in err


@linux_only
@pytest.mark.timeout(120)
def test_independent_process_attach_no_tracker_warning():
    """A process with its own resource tracker attaches and exits: no unlink, no warning."""
    with shm.create_array(None, 8, np.float32) as sa:
        for close in ("0", "1"):
            r = _run_selftest("attach", sa.name, "8", sa.spec.dtype, "7", close)
            assert r.returncode == 0, r.stderr
            assert "leaked shared_memory" not in r.stderr
            assert "Traceback" not in r.stderr and "Exception ignored" not in r.stderr
            assert _exists(sa.name)
            assert sa.array[0] == 7.0
        # Control: a stdlib attach registers the segment, so the child's tracker
        # unlinks it on exit with a warning -- the check above can see the bug.
        r = _run_selftest("plain-attach", sa.name)
        assert r.returncode == 0
        assert "leaked shared_memory" in r.stderr
        assert not _exists(sa.name)
        assert sa.unlink() is False  # already gone: still clean, no error


@linux_only
@pytest.mark.timeout(120)
def test_exit_without_cleanup_unlinks_via_atexit():
    r = _run_selftest("create-and-exit", "2")
    assert r.returncode == 0, r.stderr
    names = r.stdout.split()
    assert len(names) == 2
    assert not any(_exists(n) for n in names)
    assert "leaked" not in r.stderr


@linux_only
@pytest.mark.timeout(120)
def test_unlink_all_from_signal_handler():
    p = subprocess.Popen(
        [sys.executable, "-m", "holdem.runtime._selftest", "signal-cleanup"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        name = p.stdout.readline().strip()
        assert _exists(name)
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=60)  # EOF also waits for the child's tracker
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 0, err
    assert not _exists(name)
    assert "leaked" not in err


@linux_only
@pytest.mark.timeout(120)
def test_forked_child_exit_does_not_unlink_parent_segment():
    r = _run_selftest("fork-child-exit")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["exists"]  # and the parent's own atexit removed it
    assert "leaked" not in r.stderr and "Traceback" not in r.stderr


@linux_only
@pytest.mark.timeout(120)
def test_sweep_orphans_removes_dead_keeps_live():
    parent, child = SPAWN.Pipe(duplex=False)
    p = SPAWN.Process(target=_selftest.create_orphan_and_die, args=(child,))
    p.start()
    child.close()
    orphan = parent.recv()
    p.join(90)
    assert p.exitcode == 0 and _exists(orphan)
    assert not psutil.pid_exists(int(orphan.split("_")[1]))

    mine = shm.create_array(None, 4, np.int32)
    # A segment of another live process (pid 1 always exists) must survive too.
    live_other = shm.create_array("hd_1_abcdef_0", 4, np.int32, track=False)
    try:
        removed = shm.sweep_orphans()
        assert orphan in removed
        assert not _exists(orphan)
        assert _exists(mine.name) and _exists(live_other.name)
        assert mine.name not in removed and live_other.name not in removed
        assert orphan not in shm.sweep_orphans()
    finally:
        live_other.close()
        live_other.unlink()
        mine.close()
        mine.unlink()


@pytest.mark.timeout(60)
def test_sweep_orphans_registry_fallback(monkeypatch, tmp_path):
    """Where /dev/shm cannot be listed, markers in the user cache dir drive the sweep."""
    monkeypatch.setattr(shm, "_HAVE_DEV_SHM", False)
    monkeypatch.setattr(shm, "_registry_dir", lambda: tmp_path)
    dead = _dead_pid()
    orphan = shm.create_array(f"hd_{dead}_abcdef_0", 4, np.int32, track=False)
    orphan.close()
    mine = shm.create_array(None, 4, np.int32)
    assert {p.name for p in tmp_path.iterdir()} == {orphan.name, mine.name}
    assert shm.sweep_orphans() == [orphan.name]
    assert {p.name for p in tmp_path.iterdir()} == {mine.name}
    with pytest.raises(FileNotFoundError):  # the segment itself is gone
        shm.attach(orphan.spec)
    mine.close()
    mine.unlink()
    assert not any(tmp_path.iterdir())


@linux_only
@pytest.mark.timeout(60)
def test_too_large_for_dev_shm_precheck():
    free = shm.shm_free_bytes()
    before = set(shm.list_segments())
    with pytest.raises(shm.ShmSpaceError) as ei:
        shm.create_array(None, free + (1 << 20), np.uint8)
    assert isinstance(ei.value, MemoryError)
    msg = str(ei.value)
    assert "cannot reserve" in msg and "/dev/shm" in msg and "enlarge /dev/shm" in msg
    assert not [n for n in set(shm.list_segments()) - before if not conftest_foreign(n)]


@linux_only
@pytest.mark.timeout(60)
def test_fallocate_failure_leaves_nothing(monkeypatch):
    st = os.statvfs(shm.SHM_DIR)
    total = st.f_blocks * st.f_frsize
    if total == 0:
        pytest.skip("unlimited tmpfs: fallocate would really allocate")
    # Skip the early free-space refusal so posix_fallocate itself must fail. Asking
    # for more than the whole filesystem makes tmpfs refuse before allocating a page.
    monkeypatch.setattr(shm, "shm_free_bytes", lambda: 1 << 62)
    before = set(shm.list_segments())
    with pytest.raises(shm.ShmSpaceError, match="cannot reserve"):
        shm.create_array(None, total + (1 << 30), np.uint8)
    assert not [n for n in set(shm.list_segments()) - before if not conftest_foreign(n)]
