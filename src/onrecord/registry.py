"""One registry for everything found by name: importers, exporters, pipeline stages.

Names are versioned (``onrecord.text.v1``). Plugins register through entry points in the groups
``onrecord_importers``, ``onrecord_exporters`` and ``onrecord_stages``.
"""

from __future__ import annotations

from typing import Any, Callable

import catalogue

from .errors import RegistryError

__all__ = ["importers", "exporters", "stages", "get", "names"]

importers = catalogue.create("onrecord", "importers", entry_points=True)
exporters = catalogue.create("onrecord", "exporters", entry_points=True)
stages = catalogue.create("onrecord", "stages", entry_points=True)

_KINDS = {"importers": importers, "exporters": exporters, "stages": stages}


def _ensure_builtins() -> None:
    # Importing the modules registers the built-in functions.
    from . import export as _export  # noqa: F401
    from .ingest import formats as _formats  # noqa: F401
    from .analysis import builtin as _stages  # noqa: F401


def get(kind: str, name: str) -> Callable[..., Any]:
    _ensure_builtins()
    reg = _KINDS[kind]
    try:
        return reg.get(name)
    except catalogue.RegistryError:
        raise RegistryError(f"no {kind[:-1]} named {name!r}; known: {', '.join(sorted(reg.get_all()))}") from None


def names(kind: str) -> list[str]:
    _ensure_builtins()
    return sorted(_KINDS[kind].get_all())
