"""Finding input files (files, folders recursively, globs) and reading them safely."""

from __future__ import annotations

import glob
import os
import stat
from typing import Iterable, Iterator

from ..errors import InputError, SizeLimitError
from .formats import EXTENSIONS

__all__ = ["expand_paths", "read_limited"]

_GLOB_CHARS = set("*?[")


def _walk(folder: str) -> Iterator[str]:
    for root, dirs, files in os.walk(folder, onerror=None, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and os.path.splitext(name)[1].lower() in EXTENSIONS:
                yield os.path.join(root, name)


def expand_paths(paths: Iterable[str | os.PathLike]) -> Iterator[str | InputError]:
    """Each input file in order, or an :class:`InputError` for a path that gives none.

    Folders are searched recursively for the known extensions (hidden entries skipped); a path with
    ``* ? [`` that does not exist as such is a glob (``**`` recurses). Explicitly named files are
    taken whatever their extension.
    """
    seen: set[str] = set()

    def once(path: str) -> Iterator[str]:
        key = os.path.abspath(path)
        if key not in seen:
            seen.add(key)
            yield path

    for raw in paths:
        path = os.fspath(raw)
        if os.path.isdir(path):
            found = False
            for f in _walk(path):
                found = True
                yield from once(f)
            if not found:
                yield InputError(f"folder has no files with a known extension ({', '.join(sorted(EXTENSIONS))})", path)
        elif os.path.lexists(path):
            yield from once(path)
        elif _GLOB_CHARS & set(path):
            matches = sorted(glob.glob(path, recursive=True))
            if not matches:
                yield InputError("no files match this pattern", path)
            for match in matches:
                if os.path.isdir(match):
                    for f in _walk(match):
                        yield from once(f)
                else:
                    yield from once(match)
        else:
            yield InputError("no such file or directory", path)


def read_limited(path: str, max_bytes: int) -> bytes:
    """The bytes of ``path``; :class:`InputError` if it is not a readable regular file within the limit."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        reason = "broken symbolic link" if os.path.islink(path) else "no such file"
        raise InputError(f"cannot read: {reason}", path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError("not a regular file (device, FIFO or socket)", path)
    if info.st_size > max_bytes:
        raise SizeLimitError(
            f"file is {info.st_size:,} bytes, over the limit of {max_bytes:,} (raise it with --max-file-size)", path
        )
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    if len(data) > max_bytes:
        raise SizeLimitError(f"file grew past the limit of {max_bytes:,} bytes while being read", path)
    return data
