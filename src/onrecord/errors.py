"""Every error onrecord raises, in one hierarchy.

    OnrecordError                 base of everything below; catch this to catch all
    ├── StoreError                the database cannot be opened, migrated or written
    │   └── MigrationError        the schema is newer than this onrecord, or a migration failed
    ├── NotFoundError             a document, annotation or run id that does not exist
    ├── InputError                one input (file, row) cannot be ingested; carries where and why
    │   ├── DecodeError           bytes that are binary or in no encoding we can identify
    │   ├── FormatError           malformed content: bad JSON line, CSV row without text, bad front matter
    │   ├── DateError             a date that does not parse
    │   └── SizeLimitError        a file over the configured size limit
    ├── ConfigError               a bad option, setting or codebook
    └── RegistryError             a registered name (importer, exporter, stage) that does not exist

    ExportWarning (a UserWarning)  an export left something out that its format cannot hold

Messages are written for the person at the terminal: what, where, and why, in one line.
"""

from __future__ import annotations

import errno

__all__ = [
    "OnrecordError",
    "StoreError",
    "MigrationError",
    "NotFoundError",
    "InputError",
    "DecodeError",
    "FormatError",
    "DateError",
    "SizeLimitError",
    "ConfigError",
    "RegistryError",
    "ExportWarning",
    "disk_full",
]


class OnrecordError(Exception):
    """Base class of all onrecord errors."""


class StoreError(OnrecordError):
    """The store cannot be opened, migrated or written."""


class MigrationError(StoreError):
    """The schema is newer than this version of onrecord, or a migration failed."""


class NotFoundError(OnrecordError, LookupError):
    """A document, annotation or run that does not exist."""


class InputError(OnrecordError):
    """One input cannot be ingested.

    ``path`` and ``line`` (1-based, optional) say where; ``reason`` says why.
    ``str(err)`` gives the one-line message printed by the CLI.
    """

    def __init__(self, reason: str, path: str | None = None, line: int | None = None):
        self.reason = reason
        self.path = path
        self.line = line
        super().__init__(self.location_message())

    def location_message(self) -> str:
        where = self.path or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.reason}"

    def at(self, path: str | None = None, line: int | None = None) -> "InputError":
        """The same error with a location filled in (keeps the subclass)."""
        err = type(self).__new__(type(self))
        InputError.__init__(
            err, self.reason, path if path is not None else self.path, line if line is not None else self.line
        )
        return err


class DecodeError(InputError):
    """Binary content, or bytes in no encoding that can be identified."""


class FormatError(InputError):
    """Malformed content: a bad JSON line, a CSV row without text, bad front matter."""


class DateError(InputError):
    """A date that does not parse."""


class SizeLimitError(InputError):
    """A file larger than the configured limit."""


class ConfigError(OnrecordError, ValueError):
    """A bad option, setting or codebook entry."""


class RegistryError(OnrecordError, KeyError):
    """A registered name that does not exist."""

    def __str__(self) -> str:  # KeyError quotes its message; we do not want that.
        return str(self.args[0]) if self.args else ""


class ExportWarning(UserWarning):
    """An export had to leave something out (the target format cannot hold it); the CLI prints it."""


#: What a full disk (or a file-size limit) looks like to the OS.
_FULL_ERRNOS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}


def disk_full(exc: BaseException | str) -> bool:
    """``exc`` (or a problem's reason), or what caused it, says the disk or the file-size limit is full:
    SQLite's SQLITE_FULL ("database or disk is full") or ENOSPC / EFBIG / EDQUOT from the OS."""
    seen: set[int] = set()
    cur: BaseException | str | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, OSError) and cur.errno in _FULL_ERRNOS:
            return True
        if getattr(cur, "sqlite_errorcode", None) == 13 or "database or disk is full" in str(cur):  # SQLITE_FULL
            return True
        cur = None if isinstance(cur, str) else (getattr(cur, "orig", None) or cur.__cause__ or cur.__context__)
    return False
