"""Output files: one rule for every command.

An output the user names (or a default one) that already exists is refused unless
``force``; the destination is checked for writability before any work starts; the file is
written atomically (a temporary file beside it, fsynced, then renamed), so an interrupted
command leaves the old file or the new one, never half of one.
"""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

from holdem.core.inputs import InputError


def nearest_existing(path: Path) -> Path:
    """``path`` or its nearest ancestor that exists (where a new file or directory would go)."""
    p = path
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def check_output(path: Path, force: bool = False, what: str = "--out") -> Path:
    """``path`` if a file can be written there: refuses an existing one unless ``force``,
    a directory, and a destination that cannot be created or written. Creates nothing."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{what} {path}: is a directory; give a file name")
    if path.exists() and not force:
        raise InputError(f"{what} {path}: exists; pass --force to overwrite it, or choose another file")
    if path.exists() and not os.access(path, os.W_OK):
        raise InputError(f"{what} {path}: not writable; choose another file")
    base = nearest_existing(path.parent)
    if not base.is_dir():
        raise InputError(f"{what} {path}: {base} is not a directory; choose another location")
    if not os.access(base, os.W_OK | os.X_OK):
        raise InputError(f"{what} {path}: cannot write in {base} (permission denied); choose another location")
    return path


def write_atomic(path: Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file beside it and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)  # the umask applies, as for open()
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def replace_dir(tmp: Path, target: Path) -> Path:
    """Rename the finished directory ``tmp`` to ``target``; an existing ``target`` is moved
    aside first and removed after, so a crash at any moment leaves one of them whole."""
    if target.exists():
        old = target.parent / f".old-{target.name}-{os.getpid()}"
        os.rename(target, old)
        os.rename(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, target)
    return target
