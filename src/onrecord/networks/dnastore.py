"""DNA 3 projects <-> the onrecord store: ``onrecord import project.dna`` and ``onrecord export out.dna``.

Import: each DNA document becomes a document (identified, as always, by the SHA-256 of its text; the
text is stored exactly as DNA holds it so that the spans stay valid), and each DNA statement a
human-verified annotation with source ``dna:<coder name>``, so a re-analysis never deletes it. A
"DNA Statement" goes to layer ``statement`` (label = concept, ``holder`` = organization, else person,
``polarity`` from agreement 1/0 = support/oppose, ``speaker`` = person); any other statement type goes
to layer ``dna`` (label = the type). Every variable value, its data type and the entities' colours and
attributes are kept under ``attrs["dna"]``, so an export writes them back unchanged. Importing the same
file again adds nothing.

Export: the ``statement`` and ``dna`` layers of the exported documents become DNA statements; see
``docs/networks.md`` ("DNA files") for the mapping of holders, concepts, polarity and coders.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import warnings
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from .._types import Annotation, DocumentInput, Meta
from ..errors import ExportWarning, InputError
from ..store import schema
from ..store.writer import finish_run, insert_annotations, start_run, write_document
from .dnafile import (
    DEFAULT_PASSWORD,
    DnaCoder,
    DnaDocument,
    DnaEntity,
    DnaProject,
    DnaStatement,
    DnaType,
    epoch_seconds,
    from_epoch_seconds,
    read_dna,
    write_dna,
)
from .dnaschema import DEFAULT_TYPES

__all__ = [
    "IMPORTER",
    "MARK",
    "STATEMENT_TYPE",
    "DnaImportReport",
    "coder_of",
    "export_dna",
    "import_dna",
    "project_documents",
    "project_from_records",
]

IMPORTER = "onrecord.import.dna.v1"
STATEMENT_TYPE = "DNA Statement"
#: An entity whose ``Notes`` attribute starts with this names the onrecord id it was exported from.
MARK = "onrecord:"
POLARITY = {1: "support", 0: "oppose"}
AGREEMENT = {"support": 1, "oppose": 0}
_DEFAULT_DATATYPES = {label: {name: dtype for _, name, dtype in variables} for _, label, _, variables in DEFAULT_TYPES}
_LAYERS = ("statement", "dna")


# -- DNA -> onrecord ------------------------------------------------------------------------------
def _marked(entity: DnaEntity | None) -> str | None:
    notes = (entity.attributes.get("Notes", "") if entity else "").strip()
    return notes[len(MARK):] if notes.startswith(MARK) and len(notes) > len(MARK) else None


def _entity_info(entity: DnaEntity | None) -> dict[str, Any] | None:
    if entity is None or (entity.color in ((0, 0, 0),) and not entity.attributes):
        return None
    return {"color": list(entity.color) if entity.color is not None else None, "attributes": dict(entity.attributes)}


def statement_annotation(project: DnaProject, s: DnaStatement) -> Annotation:
    """The onrecord annotation of one DNA statement (pure)."""
    dtypes = project.types[s.type].variables
    entities = {var: project.entities.get((s.type, var, str(s.values.get(var, "")))) for var, t in dtypes.items() if t == "short text"}
    info = {var: i for var, e in entities.items() if (i := _entity_info(e)) is not None}
    coder = project.coders.get(s.coder, DnaCoder(s.coder))
    dna: dict[str, Any] = {"type": s.type, "variables": dict(s.values), "datatypes": dict(dtypes), "coder_color": list(coder.color)}
    if info:
        dna["entities"] = info
    if s.type not in _DEFAULT_DATATYPES:
        dna["type_color"] = list(project.types[s.type].color)
    source = f"dna:{s.coder}"
    if s.type != STATEMENT_TYPE:
        return Annotation(s.start, s.stop, "dna", s.type, {"coder": s.coder, "dna": dna}, source=source, verified=True)
    person, org = str(s.values.get("person", "")), str(s.values.get("organization", ""))
    if org:
        holder = _marked(entities.get("organization")) or org
    else:
        holder = _marked(entities.get("person")) or person
    attrs: dict[str, Any] = {"holder": holder}
    if "agreement" in s.values and s.values["agreement"] in POLARITY:
        attrs["polarity"] = POLARITY[s.values["agreement"]]
    if person and _marked(entities.get("person")) is None:
        attrs["speaker"] = person
    attrs.update({"coder": s.coder, "dna": dna})
    concept = str(s.values.get("concept", ""))
    label = _marked(entities.get("concept")) or concept
    return Annotation(s.start, s.stop, "statement", label, attrs, source=source, verified=True)


def _document_meta(project: DnaProject, d: DnaDocument) -> Meta:
    extra = {k: v for k, v in (("section", d.section), ("type", d.type), ("notes", d.notes), ("coder", d.coder)) if v}
    if d.coder and d.coder in project.coders:
        extra["coder_color"] = list(project.coders[d.coder].color)
    when = from_epoch_seconds(d.date) if d.date else None
    if when is not None and when.time() != dt.time():
        extra["date"] = d.date  # the time of day, which onrecord's document date does not hold
    return Meta(date=when.date() if when else None, outlet=d.source or None, title=d.title or None, author=d.author or None,
                extra={"dna": extra} if extra else {})


def project_documents(project: DnaProject, path: str) -> list[tuple[DocumentInput, list[Annotation]]]:
    """Each DNA document with text as a document to store (speaker turns parsed as at ingest, the
    author speaking unlabelled text) and its statements as annotations (pure). Documents without
    text hold no statements and are left out (noted in ``project.skipped``)."""
    from ..ingest.formats import ImportOptions, build_document, check_storable

    by_doc: dict[int, list[Annotation]] = {}
    for s in project.statements:
        by_doc.setdefault(s.document, []).append(statement_annotation(project, s))
    out = []
    for i, d in enumerate(project.documents):
        if not d.text.strip():
            project.skipped.append(f"document {d.title!r}: no text")
            continue
        meta = _document_meta(project, d)
        key = f"document {i + 1}: {d.title}"[:500]
        try:
            doc = build_document(d.text, meta, "dna", path, key, "utf-8", ImportOptions())
        except InputError:  # a header line that does not parse: keep the text without turns
            try:
                doc = check_storable(DocumentInput(d.text, meta, [], "dna", path, key, "utf-8"))
            except InputError as exc:
                raise InputError(f"document {d.title!r}: {exc.reason}", path) from None
        out.append((doc, by_doc.get(i, [])))
    return out


def _key(a: Annotation) -> tuple:
    return (a.start, a.end, a.layer, a.label, a.source, json.dumps(a.attrs, sort_keys=True, ensure_ascii=False, default=str))


@dataclass
class DnaImportReport:
    path: str
    documents_added: list[int] = field(default_factory=list)
    documents_versions: list[int] = field(default_factory=list)
    documents_unchanged: list[int] = field(default_factory=list)
    statements_added: int = 0
    statements_present: int = 0
    coders: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    run_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "run_id": self.run_id, "documents_added": self.documents_added,
                "documents_versions": self.documents_versions, "documents_unchanged": self.documents_unchanged,
                "statements_added": self.statements_added, "statements_present": self.statements_present,
                "coders": self.coders, "skipped": self.skipped}


def import_dna(store, path: str | os.PathLike) -> DnaImportReport:
    """Read a DNA 3 file into ``store`` in one transaction: everything or, on any error, nothing.
    Statements already stored (same span, layer, label, source and attributes) are not added again."""
    path = os.path.abspath(os.fspath(path))
    project = read_dna(path)
    built = project_documents(project, path)
    report = DnaImportReport(path, skipped=project.skipped)
    a = schema.annotations.c
    with store.write() as conn:
        report.run_id = start_run(conn, "import", {"path": path, "format": "dna", "version": project.version}, [IMPORTER])
        for doc, anns in built:
            outcome, doc_id, _ = write_document(conn, doc, report.run_id)
            {"added": report.documents_added, "version": report.documents_versions, "unchanged": report.documents_unchanged}[outcome].append(doc_id)
            rows = conn.execute(select(a.start, a.end, a.layer, a.label, a.source, a.attrs).where(
                a.doc_id == doc_id, a.layer.in_(_LAYERS)))
            have = Counter((r.start, r.end, r.layer, r.label, r.source, json.dumps(r.attrs or {}, sort_keys=True, ensure_ascii=False, default=str))
                           for r in rows)
            new = []
            for ann in anns:  # a statement coded twice in DNA stays twice; one already stored is not added again
                k = _key(ann)
                if have[k] > 0:
                    have[k] -= 1
                    report.statements_present += 1
                else:
                    new.append(ann)
            report.statements_added += insert_annotations(conn, doc_id, new)
        finish_run(conn, report.run_id, len(built), [])
    report.coders = list(dict.fromkeys(s.coder for s in project.statements))
    return report


# -- onrecord -> DNA ------------------------------------------------------------------------------
def coder_of(ann: dict[str, Any]) -> str:
    """The DNA coder of an exported annotation: the DNA coder it was imported from, else for a
    human-verified one its ``verified_by`` (or ``human``), else the analyzer that made it."""
    attrs = ann.get("attrs") or {}
    source = str(ann.get("source") or "")
    if attrs.get("coder") and source.startswith("dna:"):
        return str(attrs["coder"])
    if source.startswith("dna:"):
        return source[4:] or "human"
    if ann.get("verified"):
        return str(attrs.get("verified_by") or "human")
    return source or "onrecord"


class _Names:
    """Display names and DNA variables for onrecord holder and concept ids (from the codebooks)."""

    def __init__(self, actors, concepts):
        self.actors = {a.id: a for a in actors}
        self.concepts = {c.id: c.name for c in concepts}

    def holder(self, holder: str) -> tuple[str, str, str]:
        """``(variable, display value, actor type)`` of a holder id."""
        if holder in self.actors:
            a = self.actors[holder]
            return ("person" if a.type == "person" else "organization"), a.name, a.type
        if holder.startswith("speaker:"):
            return "person", holder[len("speaker:"):], "person"
        if holder.startswith("other:"):
            return "organization", holder[len("other:"):], ""
        return "organization", holder, ""

    def concept(self, label: str) -> str:
        return self.concepts.get(label, label)


def _entity(project: DnaProject, var: str, value: str, onrecord_id: str | None, kind: str = "") -> None:
    key = (STATEMENT_TYPE, var, value)
    if key in project.entities or (not onrecord_id and not kind):
        return
    attrs = {}
    if kind:
        attrs["Type"] = kind
    if onrecord_id and onrecord_id != value:
        attrs["Notes"] = MARK + onrecord_id
    project.entities[key] = DnaEntity((0, 0, 0), attrs)


def _from_dna_attrs(project: DnaProject, ann: dict[str, Any], dna: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    label = str(dna.get("type") or ann["label"])
    dtypes = dict(dna.get("datatypes") or _DEFAULT_DATATYPES.get(label, {}))
    values = dict(dna.get("variables") or {})
    for var in values:
        dtypes.setdefault(var, "short text")
    t = project.types.setdefault(label, DnaType(label, tuple(dna.get("type_color") or (0, 0, 0)), {}))
    for var, dtype in dtypes.items():
        t.variables.setdefault(var, dtype)
    for var, info in (dna.get("entities") or {}).items():
        color = info.get("color")
        project.entities.setdefault((label, var, str(values.get(var, ""))),
                                    DnaEntity(tuple(color) if color is not None else None, dict(info.get("attributes") or {})))
    return label, values


def _statement_values(project: DnaProject, names: _Names, ann: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    attrs = ann.get("attrs") or {}
    dna = attrs.get("dna") if isinstance(attrs.get("dna"), dict) else None
    if ann["layer"] == "dna":
        return _from_dna_attrs(project, ann, dna or {"type": ann["label"]})
    polarity = attrs.get("polarity")
    holder = str(attrs.get("holder") or "")
    if dna and dna.get("type") == STATEMENT_TYPE:
        label, values = _from_dna_attrs(project, ann, dna)
        before = statement_annotation(project, DnaStatement(0, label, 0, 1, "", values))
        if (before.label, before.attrs.get("holder"), before.attrs.get("polarity")) == (ann["label"], holder, polarity):
            return label, values  # unchanged since the import: write the DNA values back as they were
    elif polarity not in AGREEMENT:
        return None
    values = {"person": "", "organization": "", "concept": "", "agreement": AGREEMENT.get(polarity, 1)}
    if dna:
        values.update({k: v for k, v in (dna.get("variables") or {}).items() if k not in values})
    if holder:
        var, display, kind = names.holder(holder)
        values[var] = display
        _entity(project, var, display, holder, kind)
    values["concept"] = names.concept(ann["label"])
    _entity(project, "concept", values["concept"], ann["label"])
    if polarity not in AGREEMENT:
        return None
    return STATEMENT_TYPE, values


def project_from_records(records: Iterable[dict[str, Any]], actors=(), concepts=()) -> DnaProject:
    """The DNA project of exported records (see :func:`onrecord.export.document_record`): their
    documents, and their ``statement`` and ``dna`` layers as statements (pure). Statements with no
    support/oppose polarity and empty spans are left out (counted in ``skipped``)."""
    names = _Names(actors, concepts)
    project = DnaProject()
    project.types = {label: DnaType(label, color, {n: t for _, n, t in variables}) for _, label, color, variables in DEFAULT_TYPES}
    no_polarity = empty = 0
    for record in records:
        meta = record.get("meta") or {}
        dna = (meta.get("extra") or {}).get("dna") or {}
        day = dt.date.fromisoformat(meta["date"]) if meta.get("date") else None
        seconds = 0 if day is None else epoch_seconds(day)
        if day is not None and isinstance(dna.get("date"), int) and from_epoch_seconds(dna["date"]).date() == day:
            seconds = dna["date"]
        owner = dna.get("coder")
        if owner and dna.get("coder_color"):
            project.coders.setdefault(owner, DnaCoder(owner, tuple(dna["coder_color"])))
        project.documents.append(DnaDocument(
            meta.get("title") or f"onrecord document {record.get('id')}", record["text"], seconds, owner,
            meta.get("author") or "", meta.get("outlet") or "", dna.get("section") or meta.get("programme") or "",
            dna.get("notes") or "", dna.get("type") or "",
        ))
        index = len(project.documents) - 1
        anns = sorted((a for a in record.get("annotations") or [] if a["layer"] in _LAYERS),
                      key=lambda a: (a["start"], a["end"], a.get("id") or 0))
        for ann in anns:
            if int(ann["end"]) <= int(ann["start"]):
                empty += 1
                continue
            found = _statement_values(project, names, ann)
            if found is None:
                no_polarity += 1
                continue
            label, values = found
            coder = coder_of(ann)
            color = ((ann.get("attrs") or {}).get("dna") or {}).get("coder_color")
            if color:
                project.coders.setdefault(coder, DnaCoder(coder, tuple(color)))
            project.statements.append(DnaStatement(index, label, int(ann["start"]), int(ann["end"]), coder, values))
    if no_polarity:
        project.skipped.append(f"{no_polarity} statement(s) without support/oppose polarity (DNA's agreement is 0 or 1)")
    if empty:
        project.skipped.append(f"{empty} statement(s) with an empty span (DNA needs Start < Stop)")
    return project


def export_dna(records: Iterable[dict[str, Any]], out: str, password: str | None = None, codebook: str | None = None,
               concepts: str | None = None) -> int:
    """Write ``records`` as a DNA 3 database; every coder gets ``password`` (default ``onrecord``).
    Holders and concepts are named from the actor and concept codebooks. Returns statements written."""
    from ..analysis.codebook import load_actor_codebook, load_concept_codebook
    from ..settings import get_setting

    actors = load_actor_codebook(codebook or get_setting("codebook"))
    concept_book = load_concept_codebook(concepts or get_setting("concepts"))
    project = project_from_records(records, actors, concept_book)
    written = write_dna(project, out, DEFAULT_PASSWORD if password is None else password)
    for note in project.skipped:  # the CLI prints these as "warning:" lines
        warnings.warn(f"DNA export left out {note}", ExportWarning, stacklevel=2)
    return written
