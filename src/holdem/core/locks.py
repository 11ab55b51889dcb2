"""Striped spinlocks and CPU atomics usable inside numba nopython code.

numba exposes no CPU atomics, so the primitives here are ``numba.extending.intrinsic``
functions that emit LLVM atomic instructions directly. They operate on elements of
1-D numpy arrays (typically views of a shared-memory segment mapped by several
worker processes), are always bounds-checked (an out-of-range atomic write would
silently corrupt a shared table), and compile for the host target.

Lock layout
    One ``int32`` per stripe, each padded to its own 64-byte cache line so that two
    hot locks never share a line (false sharing would serialise unrelated stripes):
    ``LOCK_STRIDE = 16`` int32s per lock, the lock of stripe ``s`` lives at index
    ``s * LOCK_STRIDE``. Value ``0`` means free, ``owner = worker_id + 1`` means held.
    Recording the owner lets the coordinator free the locks of a dead worker
    (:func:`release_owned_by`).

Memory ordering
    * ``cas_int32``: ``cmpxchg acq_rel`` on success / ``acquire`` on failure. Taking a
      lock needs *acquire* (reads of the protected row cannot move above the CAS);
      the *release* half makes the CAS also usable to publish data. ``seq_cst`` would
      buy nothing for a lock and compiles to the same instruction on x86-64
      (``lock cmpxchg``) and AArch64 LSE (``casal``).
    * ``atomic_load_int32``: ``load atomic acquire``. Every spin read must be atomic:
      LLVM may hoist a plain load out of the spin loop and spin forever on a stale
      register; acquire also orders the following CAS attempt.
    * ``atomic_store_int32``: ``store atomic release``. Releasing a lock must publish
      every write to the protected row before the lock word reads 0 to another core;
      release is exactly that (a plain ``mov`` on x86-64, ``stlr`` on AArch64).
    * ``atomic_add_int64``: ``atomicrmw add acq_rel`` (a ``lock xadd``); counters need
      only atomicity, acq_rel lets them double as hand-off flags at no extra cost.
    * ``cpu_pause``: ``pause`` on x86-64 (frees pipeline resources for the sibling
      hyper-thread and avoids the memory-order mis-speculation flush when the spun-on
      line changes), ``yield`` on AArch64, nothing elsewhere. Chosen from the LLVM
      target triple at compile time and emitted through the LLVM target intrinsics
      (``llvm.x86.sse2.pause`` / ``llvm.aarch64.hint(1)``), not inline asm: numba does
      not initialise LLVM's asm parser, so inline asm aborts at code emission.

Acquisition is test-and-test-and-set: one CAS; on failure spin on an acquire load
(the line stays shared in every waiter's cache, no coherence traffic until release)
with a pause hint, and after ``SPIN_LIMIT`` spins call ``sched_yield`` so that a
preempted lock holder gets the CPU back when workers outnumber cores.
"""
from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.core.errors import TypingError
from numba.extending import intrinsic

__all__ = [
    "LOCK_STRIDE",
    "SPIN_LIMIT",
    "cas_int32",
    "atomic_load_int32",
    "atomic_store_int32",
    "atomic_add_int64",
    "cpu_pause",
    "sched_yield",
    "stripe_of",
    "try_acquire",
    "acquire",
    "release",
    "lock_row",
    "unlock_row",
    "owner_of",
    "release_owned_by",
    "lock_array_len",
    "make_locks",
]

#: int32 slots per lock: 16 * 4 bytes = one 64-byte cache line.
LOCK_STRIDE = 16
#: pause-hint spins before yielding the CPU (a few microseconds on current x86).
SPIN_LIMIT = 128


# ---------------------------------------------------------------------------
# intrinsics
# ---------------------------------------------------------------------------


def _check_array(arr, dtype, fname: str, writable: bool) -> None:
    if not isinstance(arr, types.Array) or arr.ndim != 1 or arr.dtype != dtype:
        raise TypingError(f"{fname}: expected a 1-D {dtype} array, got {arr}")
    if writable and not arr.mutable:
        raise TypingError(f"{fname}: array is read-only")


def _check_int(val, fname: str, what: str) -> None:
    if not isinstance(val, types.Integer):
        raise TypingError(f"{fname}: {what} must be an integer, got {val}")


def _element_ptr(context, builder, aryty, idxty, ary_val, idx_val):
    """Bounds-checked pointer to ``ary[idx]`` (no negative-index wraparound)."""
    ary = context.make_array(aryty)(context, builder, ary_val)
    idx = context.cast(builder, idx_val, idxty, types.intp)
    return cgutils.get_item_pointer(
        context, builder, aryty, ary, [idx], wraparound=False, boundscheck=True
    )


@intrinsic
def cas_int32(typingctx, arr, idx, expected, new):
    """Atomic compare-and-swap on ``arr[idx]`` (int32); returns the previous value."""
    _check_array(arr, types.int32, "cas_int32", True)
    _check_int(idx, "cas_int32", "idx")
    _check_int(expected, "cas_int32", "expected")
    _check_int(new, "cas_int32", "new")

    def codegen(context, builder, sig, args):
        aryty, idxty, expty, newty = sig.args
        ptr = _element_ptr(context, builder, aryty, idxty, args[0], args[1])
        exp = context.cast(builder, args[2], expty, types.int32)
        nv = context.cast(builder, args[3], newty, types.int32)
        pair = builder.cmpxchg(ptr, exp, nv, "acq_rel", "acquire")
        return builder.extract_value(pair, 0)

    return types.int32(arr, idx, expected, new), codegen


@intrinsic
def atomic_load_int32(typingctx, arr, idx):
    """Acquire load of ``arr[idx]`` (int32); never hoisted out of a loop."""
    _check_array(arr, types.int32, "atomic_load_int32", False)
    _check_int(idx, "atomic_load_int32", "idx")

    def codegen(context, builder, sig, args):
        aryty, idxty = sig.args
        ptr = _element_ptr(context, builder, aryty, idxty, args[0], args[1])
        return builder.load_atomic(ptr, "acquire", 4, typ=ir.IntType(32))

    return types.int32(arr, idx), codegen


@intrinsic
def atomic_store_int32(typingctx, arr, idx, value):
    """Release store of ``value`` into ``arr[idx]`` (int32)."""
    _check_array(arr, types.int32, "atomic_store_int32", True)
    _check_int(idx, "atomic_store_int32", "idx")
    _check_int(value, "atomic_store_int32", "value")

    def codegen(context, builder, sig, args):
        aryty, idxty, valty = sig.args
        ptr = _element_ptr(context, builder, aryty, idxty, args[0], args[1])
        val = context.cast(builder, args[2], valty, types.int32)
        builder.store_atomic(val, ptr, "release", 4)
        return context.get_dummy_value()

    return types.none(arr, idx, value), codegen


@intrinsic
def atomic_add_int64(typingctx, arr, idx, v):
    """Atomic ``arr[idx] += v`` on an int64 array; returns the previous value."""
    _check_array(arr, types.int64, "atomic_add_int64", True)
    _check_int(idx, "atomic_add_int64", "idx")
    _check_int(v, "atomic_add_int64", "v")

    def codegen(context, builder, sig, args):
        aryty, idxty, vty = sig.args
        ptr = _element_ptr(context, builder, aryty, idxty, args[0], args[1])
        val = context.cast(builder, args[2], vty, types.int64)
        return builder.atomic_rmw("add", ptr, val, "acq_rel")

    return types.int64(arr, idx, v), codegen


def _pause_intrinsic(triple: str) -> tuple[str, list[int]] | None:
    """LLVM target intrinsic (name, i32 args) of the spin hint for ``triple``, or None."""
    arch = triple.split("-")[0].lower()
    if arch in ("x86_64", "amd64", "i386", "i486", "i586", "i686"):
        return "llvm.x86.sse2.pause", []
    if arch in ("aarch64", "arm64", "arm64e"):
        return "llvm.aarch64.hint", [1]  # HINT #1 == YIELD
    return None


@intrinsic
def cpu_pause(typingctx):
    """CPU spin-wait hint: ``pause`` on x86-64, ``yield`` on AArch64, no-op elsewhere."""

    def codegen(context, builder, sig, args):
        # Target intrinsics rather than inline asm: numba never initialises LLVM's
        # asm parser, and inline asm then aborts the process at code emission.
        # numba stamps every module with the host triple, checked per compilation.
        hint = _pause_intrinsic(builder.module.triple or "")
        if hint is not None:
            name, hint_args = hint
            i32 = ir.IntType(32)
            fnty = ir.FunctionType(ir.VoidType(), [i32] * len(hint_args))
            fn = cgutils.get_or_insert_function(builder.module, fnty, name)
            builder.call(fn, [ir.Constant(i32, a) for a in hint_args])
        return context.get_dummy_value()

    return types.none(), codegen


@intrinsic
def sched_yield(typingctx):
    """Call libc ``sched_yield()`` (gives the CPU to a runnable thread); returns its result."""

    def codegen(context, builder, sig, args):
        # Resolved against the process's libc by numba's JIT linker at load time.
        fnty = ir.FunctionType(ir.IntType(32), [])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "sched_yield")
        return builder.call(fn, [])

    return types.int32(), codegen


# ---------------------------------------------------------------------------
# striped locks
# ---------------------------------------------------------------------------


@njit(cache=True)
def stripe_of(row: int, num_stripes: int) -> int:
    """Stripe of table ``row`` (``num_stripes`` a power of two); neighbouring rows spread out."""
    # Fibonacci hashing then fold the high half down: consecutive rows (the rows of
    # one infoset's actions, or of sibling infosets) land on unrelated stripes.
    h = np.uint64(row) * np.uint64(0x9E3779B97F4A7C15)
    h ^= h >> np.uint64(32)
    return np.int64(h & np.uint64(num_stripes - 1))


@njit(cache=True)
def try_acquire(locks: np.ndarray, stripe: int, owner: int) -> bool:
    """Take the lock of ``stripe`` for ``owner`` (>= 1) if it is free; True on success."""
    return cas_int32(locks, stripe * LOCK_STRIDE, 0, owner) == 0


@njit(cache=True)
def _acquire_slow(locks, idx, owner):
    # Out of line: keeps acquire() a single CAS plus a call LLVM can inline cheaply.
    if owner <= 0:
        raise ValueError("acquire: owner must be >= 1 (worker_id + 1)")
    spins = 0
    while True:
        # Test before test-and-set: waiters read a shared line instead of
        # bouncing it between cores with failed CASes.
        while True:
            cur = atomic_load_int32(locks, idx)
            if cur == 0:
                break
            if cur == owner:
                raise RuntimeError("acquire: lock already held by this owner")
            cpu_pause()
            spins += 1
            if spins >= SPIN_LIMIT:
                # Oversubscribed (more workers than cores): the holder may be
                # descheduled, so let it run instead of burning our time slice.
                sched_yield()
                spins = 0
        if cas_int32(locks, idx, 0, owner) == 0:
            return


@njit(cache=True)
def acquire(locks: np.ndarray, stripe: int, owner: int) -> None:
    """Spin until the lock of ``stripe`` is held by ``owner`` (worker_id + 1, >= 1)."""
    idx = stripe * LOCK_STRIDE
    if owner <= 0 or cas_int32(locks, idx, 0, owner) != 0:
        _acquire_slow(locks, idx, owner)


@njit(cache=True)
def release(locks: np.ndarray, stripe: int) -> None:
    """Release the lock of ``stripe`` (release store of 0)."""
    atomic_store_int32(locks, stripe * LOCK_STRIDE, 0)


@njit(cache=True, inline="always")
def lock_row(locks: np.ndarray, row: int, owner: int) -> int:
    """Take the stripe lock of table row ``row``; returns the stripe, -1 when ``locks`` is
    empty (a single process: nothing to lock). Pair with :func:`unlock_row`."""
    if locks.shape[0] == 0:
        return -1
    stripe = stripe_of(row, locks.shape[0] // LOCK_STRIDE)
    acquire(locks, stripe, owner)
    return stripe


@njit(cache=True, inline="always")
def unlock_row(locks: np.ndarray, stripe: int) -> None:
    """Release what :func:`lock_row` took."""
    if stripe >= 0:
        release(locks, stripe)


@njit(cache=True)
def owner_of(locks: np.ndarray, stripe: int) -> int:
    """Current owner of the lock of ``stripe`` (0 when free)."""
    return atomic_load_int32(locks, stripe * LOCK_STRIDE)


@njit(cache=True)
def _release_owned_by(locks, owner):
    freed = 0
    for idx in range(0, locks.shape[0], LOCK_STRIDE):
        # CAS, not a store: never clobber a lock another worker holds right now.
        if cas_int32(locks, idx, owner, 0) == owner:
            freed += 1
    return freed


def release_owned_by(locks: np.ndarray, owner: int) -> int:
    """Free every lock held by ``owner`` (e.g. a dead worker); returns how many were freed."""
    if owner <= 0:
        raise ValueError("owner must be >= 1")
    if locks.dtype != np.int32 or locks.ndim != 1:
        raise TypeError("locks must be a 1-D int32 array")
    return int(_release_owned_by(locks, owner))


def lock_array_len(num_stripes: int) -> int:
    """Number of int32 slots needed for ``num_stripes`` padded locks."""
    if num_stripes <= 0 or num_stripes & (num_stripes - 1):
        raise ValueError(f"num_stripes must be a positive power of two, got {num_stripes}")
    return num_stripes * LOCK_STRIDE


def make_locks(num_stripes: int) -> np.ndarray:
    """A local (process-private) zeroed lock array for ``num_stripes`` stripes."""
    return np.zeros(lock_array_len(num_stripes), dtype=np.int32)
