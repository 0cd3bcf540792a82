"""The actor and concept codebooks: data (YAML), shipped and user-extensible.

The shipped files are ``onrecord/data/actors.yaml`` and ``onrecord/data/concepts.yaml``; user files of
the same shape are merged over them (an entry with a known id extends that entry's lists and overrides
its scalar fields; a new id adds an actor or concept).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any, Iterable

import yaml

from ..errors import ConfigError

__all__ = ["Actor", "Concept", "ActorCodebook", "ConceptCodebook", "load_actor_codebook", "load_concept_codebook", "ACTOR_TYPES"]

ACTOR_TYPES = ("person", "state", "organisation", "collective")
_ID = re.compile(r"^[a-z0-9_]+$")
_LIST_FIELDS = {"aliases", "epithets", "member_of", "first_person", "cues"}


@dataclass(frozen=True)
class Actor:
    id: str
    name: str
    type: str
    aliases: tuple[str, ...] = ()
    epithets: tuple[str, ...] = ()
    member_of: tuple[str, ...] = ()
    first_person: tuple[str, ...] = ()
    side: str | None = None


@dataclass(frozen=True)
class Concept:
    id: str
    name: str
    cues: tuple[str, ...] = ()


def _read_yaml(source: str | Path, key: str) -> list[dict[str, Any]]:
    try:
        text = source.read_text(encoding="utf-8") if isinstance(source, Path) else source
        data = yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read codebook {source}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise ConfigError(f"codebook {source}: expected a mapping with a list under '{key}'")
    for i, entry in enumerate(data[key]):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not _ID.match(entry["id"]):
            raise ConfigError(f"codebook {source}: entry {i + 1} needs an 'id' of a-z, 0-9 and _")
    return data[key]


def _merge(entries: Iterable[dict[str, Any]], into: dict[str, dict[str, Any]]) -> None:
    for entry in entries:
        current = into.setdefault(entry["id"], {"id": entry["id"]})
        for k, v in entry.items():
            if k in _LIST_FIELDS:
                if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                    raise ConfigError(f"codebook entry {entry['id']}: '{k}' must be a list of strings")
                current[k] = list(dict.fromkeys([*current.get(k, []), *v]))
            else:
                current[k] = v


def _shipped(name: str) -> str:
    return importlib_resources.files("onrecord").joinpath("data", name).read_text(encoding="utf-8")


def _paths(extra: str | Path | Iterable[str | Path] | None) -> list[Path]:
    if extra is None or extra == "":
        return []
    if isinstance(extra, (str, Path)):
        import os

        return [Path(p) for p in str(extra).split(os.pathsep) if p]
    return [Path(p) for p in extra]


class ActorCodebook:
    def __init__(self, actors: Iterable[Actor]):
        self.actors = {a.id: a for a in actors}
        for a in self.actors.values():
            for parent in a.member_of:
                if parent not in self.actors:
                    raise ConfigError(f"actor {a.id}: member_of {parent!r} is not in the codebook")
            if a.side and a.side not in self.actors:
                raise ConfigError(f"actor {a.id}: side {a.side!r} is not in the codebook")

    def __contains__(self, actor_id: str) -> bool:
        return actor_id in self.actors

    def __getitem__(self, actor_id: str) -> Actor:
        return self.actors[actor_id]

    def __iter__(self):
        return iter(self.actors.values())

    def __len__(self) -> int:
        return len(self.actors)

    def ancestors(self, actor_id: str) -> list[str]:
        """Transitive membership, nearest first (witkoff -> us_delegation, us)."""
        out: list[str] = []
        todo = list(self.actors[actor_id].member_of) if actor_id in self.actors else []
        while todo:
            parent = todo.pop(0)
            if parent not in out and parent != actor_id:
                out.append(parent)
                todo.extend(self.actors[parent].member_of)
        return out

    def first_person_side(self, speaker: str | None) -> str | None:
        """The actor a speaker's "we / us / our" stands for, if the codebook says so."""
        if not speaker:
            return None
        key = speaker.casefold()
        for a in self.actors.values():
            if any(key == s.casefold() for s in a.first_person):
                return a.id
        return None

    def surface_forms(self) -> Iterable[tuple[str, str, str]]:
        """``(actor_id, form, kind)`` for every alias, epithet and the display name."""
        for a in self.actors.values():
            yield a.id, a.name, "name"
            for form in a.aliases:
                yield a.id, form, "alias"
            for form in a.epithets:
                yield a.id, form, "epithet"


class ConceptCodebook:
    def __init__(self, concepts: Iterable[Concept]):
        self.concepts = {c.id: c for c in concepts}

    def __contains__(self, concept_id: str) -> bool:
        return concept_id in self.concepts

    def __iter__(self):
        return iter(self.concepts.values())

    def __len__(self) -> int:
        return len(self.concepts)


def load_actor_codebook(extra: str | Path | Iterable[str | Path] | None = None) -> ActorCodebook:
    merged: dict[str, dict[str, Any]] = {}
    _merge(_read_yaml(_shipped("actors.yaml"), "actors"), merged)
    for path in _paths(extra):
        _merge(_read_yaml(path, "actors"), merged)
    actors = []
    for e in merged.values():
        kind = e.get("type", "person")
        if kind not in ACTOR_TYPES:
            raise ConfigError(f"actor {e['id']}: type {kind!r} is not one of {', '.join(ACTOR_TYPES)}")
        actors.append(
            Actor(
                e["id"], str(e.get("name", e["id"])), kind, tuple(e.get("aliases", ())), tuple(e.get("epithets", ())),
                tuple(e.get("member_of", ())), tuple(e.get("first_person", ())), e.get("side"),
            )
        )
    return ActorCodebook(actors)


def load_concept_codebook(extra: str | Path | Iterable[str | Path] | None = None) -> ConceptCodebook:
    merged: dict[str, dict[str, Any]] = {}
    _merge(_read_yaml(_shipped("concepts.yaml"), "concepts"), merged)
    for path in _paths(extra):
        _merge(_read_yaml(path, "concepts"), merged)
    return ConceptCodebook(Concept(e["id"], str(e.get("name", e["id"])), tuple(e.get("cues", ()))) for e in merged.values())
