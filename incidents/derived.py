"""Data derived from installed packages, kept in the user cache directory between runs.

Building some lookup tables costs more than a command's whole start-up: the admin1 name
index reads 3,600 ISO 3166-2 subdivisions, their translations in seven languages and the
curated aliases (0.6 s). Each table is stored as JSON under a name that carries a digest of
everything it was built from (the package's data files, our alias files, a format version),
so a changed input is never read stale: the new digest names a new file. A cache that cannot
be read or written is rebuilt in memory, never an error.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from importlib.util import find_spec
from pathlib import Path
from typing import Any, TypeVar

from incidents.config import cache_dir

__all__ = ["cached_json", "package_file_stamp"]

T = TypeVar("T")
log = logging.getLogger(__name__)


def package_file_stamp(package: str, *relative: str) -> str:
    """Size and modification time of files inside an installed package, without importing it.

    An upgrade of the package replaces its data files, which changes the stamp.
    """
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return f"{package}:missing"
    root = Path(next(iter(spec.submodule_search_locations)))
    parts = [package]
    for name in relative:
        try:
            stat = (root / name).stat()
        except OSError:
            parts.append(f"{name}:missing")
        else:
            parts.append(f"{name}:{stat.st_size}:{stat.st_mtime_ns}")
    return "|".join(parts)


def _digest(inputs: Iterable[str | bytes]) -> str:
    sha = hashlib.sha256()
    for item in inputs:
        data = item.encode() if isinstance(item, str) else item
        # Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
        sha.update(len(data).to_bytes(8, "big") + data)
    return sha.hexdigest()[:16]


def cached_json(
    name: str,
    inputs: Iterable[str | bytes],
    build: Callable[[], T],
    *,
    dump: Callable[[T], Any],
    load: Callable[[Any], T],
) -> T:
    """``build()``'s result, read from the cache when one was stored for the same inputs.

    ``dump`` turns the result into JSON-compatible data and ``load`` turns it back; a cache
    file that fails to load (truncated, edited, an older layout) is rebuilt and replaced.
    """
    path = cache_dir() / f"{name}-{_digest(inputs)}.json"
    try:
        with path.open(encoding="utf-8") as fh:
            return load(json.load(fh))
    except FileNotFoundError:
        pass
    except (OSError, ValueError, TypeError, KeyError, IndexError) as exc:
        log.debug("rebuilding unreadable cache %s: %s", path, exc)
    value = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(dump(value), fh, ensure_ascii=False)
            # Atomic: a concurrent reader sees the old state or the whole file.
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.debug("not caching %s: %s", path, exc)
    return value
