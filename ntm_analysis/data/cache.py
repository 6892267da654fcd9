"""Caches keyed by their input files: `@keyed` on a loader whose Path arguments are the files it reads.

The key of each Path argument is its absolute path plus the file's identity as `os.stat` gives it (device and
inode, which name the file whatever the path or symlink leading to it; size; mtime_ns), so two projects in one
process get their own data and an edited file is read again. A stat costs a few microseconds, where hashing the
files on every `facts.get` would read the 55 kB report and the 37 kB facts CSV each time (~80 µs).
Timestamps are coarse, though (Linux stamps files from a clock that ticks every few milliseconds), so a file
rewritten in place right after it was read can keep its size and mtime: while a file's mtime is less than
`RECENT_NS` old, its sha256 joins the key (as git does for "racily clean" files). An older mtime can no longer be
repeated by a new write, so the stat alone then tells.

A missing or unreadable file gets a key too (without identity): the loader then raises its own DataError, and an
exception is never cached. Results are shared, as with functools.lru_cache: loaders that hand out frames copy them
where callers may change them. `cache_clear()` empties a cache (pipeline/kernel.py clears every one between
reports in a warm kernel).
"""

from __future__ import annotations

import functools
import hashlib
import os
import time
from pathlib import Path

#: A file modified less than this long ago is also identified by its content (2 s, beyond any timestamp tick).
RECENT_NS = 2_000_000_000


def identity(path: Path) -> tuple:
    """(absolute path, device, inode, size, mtime_ns[, sha256 while the mtime is recent]); (absolute path,) if
    the file cannot be read."""
    file = os.path.abspath(path)
    try:
        stat = os.stat(file)
        key: tuple = (file, stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
        if time.time_ns() - stat.st_mtime_ns < RECENT_NS:
            with open(file, "rb") as handle:
                key += (hashlib.file_digest(handle, "sha256").hexdigest(),)
        return key
    except OSError:
        return (file,)


def keyed(loader=None, *, maxsize: int = 16):
    """Cache `loader(*args)` by its arguments, each Path argument also by the file's identity (see above)."""
    if loader is None:
        return functools.partial(keyed, maxsize=maxsize)

    @functools.lru_cache(maxsize=maxsize)
    def cached(args: tuple, identities: tuple):
        return loader(*args)

    @functools.wraps(loader)
    def call(*args):
        return cached(args, tuple(identity(a) for a in args if isinstance(a, Path)))

    call.cache_clear = cached.cache_clear
    call.cache_info = cached.cache_info
    return call
