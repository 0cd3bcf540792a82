"""The stage contract: one pure function per stage, registered under a versioned name.

A stage takes an :class:`AnalysisDoc` (text, metadata, the layers it requires) and the shared, read-only
:class:`~onrecord.analysis.resources.Resources` (codebooks, language models), and returns new
annotations for the layers it assigns. It does no I/O. Its ``source`` is its registered name, so every
annotation records which analyzer version made it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from .._types import Annotation, Meta
from ..errors import ConfigError
from ..registry import get as registry_get
from ..registry import stages as stage_registry

if TYPE_CHECKING:  # pragma: no cover
    from .resources import Resources

__all__ = ["AnalysisDoc", "Stage", "stage", "get_stage", "check_pipeline", "DEFAULT_STAGES", "INGEST_LAYERS", "base_name"]

#: Layers every stored document has from ingest (the transcript parser).
INGEST_LAYERS = ("header", "turn", "editorial")

#: The built-in pipeline, in order.
DEFAULT_STAGES = (
    "onrecord.sentences.v1",
    "onrecord.actors.v1",
    "onrecord.statements.v1",
    "onrecord.predictions.v1",
    "onrecord.techniques.v1",
    "onrecord.claims.v1",
)

_VERSIONED = re.compile(r"^(?P<base>[A-Za-z0-9_.-]+)\.v(?P<version>\d+)$")


def base_name(name: str) -> str:
    """``onrecord.actors.v2`` -> ``onrecord.actors`` (the stage's identity across versions)."""
    m = _VERSIONED.match(name)
    if not m:
        raise ConfigError(f"stage name {name!r} must end in a version, like 'onrecord.actors.v1'")
    return m.group("base")


@dataclass
class AnalysisDoc:
    """What a stage sees of a document: its text, metadata and existing layers (read-only)."""

    id: int | None
    text: str
    meta: Meta = field(default_factory=Meta)
    layers: dict[str, list[Annotation]] = field(default_factory=dict)
    #: Derived, deterministic views of the text shared between stages (e.g. the parse); not stored.
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def date(self) -> dt.date | None:
        return self.meta.date

    def layer(self, name: str) -> list[Annotation]:
        return self.layers.get(name, [])

    def add(self, annotations: Iterable[Annotation]) -> None:
        for a in annotations:
            self.layers.setdefault(a.layer, []).append(a)
        for anns in self.layers.values():
            anns.sort(key=lambda a: (a.start, -a.end))


StageFn = Callable[[AnalysisDoc, "Resources"], list[Annotation]]


@dataclass(frozen=True)
class Stage:
    name: str
    func: StageFn
    requires: tuple[str, ...]
    assigns: tuple[str, ...]
    doc: str = ""

    @property
    def base(self) -> str:
        return base_name(self.name)

    def __call__(self, doc: AnalysisDoc, resources: "Resources") -> list[Annotation]:
        out = self.func(doc, resources)
        for a in out:
            if a.layer not in self.assigns:
                raise ConfigError(f"stage {self.name} returned a {a.layer!r} annotation but assigns only {self.assigns}")
        return out


def stage(name: str, *, requires: Sequence[str] = (), assigns: Sequence[str]) -> Callable[[StageFn], Stage]:
    """Register a stage function under a versioned ``name`` (like spaCy's ``Language.factory``)."""
    base_name(name)

    def register(func: StageFn) -> Stage:
        st = Stage(name, func, tuple(requires), tuple(assigns), (func.__doc__ or "").strip().split("\n")[0])
        stage_registry.register(name, func=st)
        return st

    return register


def get_stage(name: str) -> Stage:
    found = registry_get("stages", name)
    if not isinstance(found, Stage):
        raise ConfigError(f"{name!r} is registered as a stage but is not one (use onrecord.analysis.stage)")
    return found


def check_pipeline(names: Sequence[str], available: Iterable[str] = INGEST_LAYERS) -> list[Stage]:
    """The stages named, checked before anything runs: each stage's ``requires`` must be assigned by
    ingest or by a stage before it (a required layer already stored also counts: pass it in
    ``available``), and no two stages may be versions of the same analyzer."""
    have = set(available)
    seen: dict[str, str] = {}
    out = []
    for name in names:
        st = get_stage(name)
        if st.base in seen:
            raise ConfigError(f"stages {seen[st.base]} and {name} are two versions of one analyzer; pick one")
        seen[st.base] = name
        missing = [layer for layer in st.requires if layer not in have]
        if missing:
            raise ConfigError(f"stage {name} requires layer(s) {', '.join(missing)}, which no earlier stage assigns")
        have.update(st.assigns)
        out.append(st)
    return out
