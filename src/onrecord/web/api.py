"""The REST API under ``/api/v1``: thin handlers over the library (``Corpus``, ``explore``, ``review``).

Lists are paginated (``page``, ``per_page`` up to 200; the answer carries ``total`` and ``pages``);
errors are ``{"error": {"status", "message"}}``; writes need the ``X-Onrecord-Write: 1`` header (and the
token when one is set), see :mod:`onrecord.web.app`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import threading
from typing import Any, Literal, Optional

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from .. import explore
from ..corpus import Corpus
from ..errors import ConfigError, NotFoundError
from ..store import queries
from . import views

router = APIRouter(prefix="/api/v1", tags=["api"])

UPLOAD_TYPES = {".txt", ".md", ".markdown", ".jsonl", ".ndjson", ".csv", ".tsv", ".html", ".htm"}
Layer = Literal["actor", "statement", "prediction", "technique", "claim"]


def _corpus(request: Request) -> Corpus:
    return request.app.state.corpus


def _date(value: str | None, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{name} must be a date YYYY-MM-DD, got {value!r}") from None


Page = Query(1, ge=1, description="Page number, from 1.")
PerPage = Query(50, ge=1, le=explore.MAX_PAGE_SIZE, description="Items per page (at most 200).")


class Reviewer(BaseModel):
    by: Optional[str] = Field(None, max_length=100, description="Who decides (default: the server's user).")
    note: Optional[str] = Field(None, max_length=2000)


class NewAnnotation(Reviewer):
    start: int = Field(..., ge=0)
    end: int = Field(..., gt=0)
    layer: Layer
    label: str = Field(..., min_length=1, max_length=500)
    attrs: dict[str, Any] = Field(default_factory=dict)


class Correction(Reviewer):
    label: Optional[str] = Field(None, min_length=1, max_length=500)
    attrs: dict[str, Any] = Field(default_factory=dict)


class Verdict(BaseModel):
    outcome: Literal["true", "false", "partly", "void"]
    evidence: Optional[str] = Field(None, max_length=2000)
    note: Optional[str] = Field(None, max_length=5000)
    by: Optional[str] = Field(None, max_length=100)


class AnalysisRequest(BaseModel):
    documents: list[int] = Field(default_factory=list, description="Document ids (empty: every document).")
    force: bool = False


# -- documents ------------------------------------------------------------------------------------------
@router.get("/documents", summary="List documents (filters, full-text search, pagination)")
def list_documents(request: Request, since: Optional[str] = None, until: Optional[str] = None, outlet: Optional[str] = None,
                   speaker: Optional[str] = None, actor: Optional[str] = None, concept: Optional[str] = None,
                   technique: Optional[str] = None, q: Optional[str] = Query(None, description="SQLite FTS5 query: words, \"phrases\", AND / OR / NOT."),
                   page: int = Page, per_page: int = PerPage) -> dict[str, Any]:
    flt = explore.BrowseFilter(_date(since, "since"), _date(until, "until"), outlet, speaker, q, actor, concept, technique)
    return views.listing(request, flt, page, per_page)


@router.get("/documents/{doc_id}", summary="One document: text, metadata, speakers, layer counts")
def get_document(request: Request, doc_id: int) -> dict[str, Any]:
    d = _corpus(request).document(doc_id)
    return {"id": d.id, "sha256": d.sha256, "version": d.version, "previous_id": d.previous_id, "meta": d.meta.to_dict(),
            "format": d.format, "speakers": [{"name": n, "turns": t} for n, t in d.speakers], "text": d.text,
            "layers": d.layers()}


@router.get("/documents/{doc_id}/annotations", summary="A document's annotations, optionally of some layers")
def document_annotations(request: Request, doc_id: int, layer: list[str] = Query([])) -> dict[str, Any]:
    d = _corpus(request).document(doc_id)
    anns = d.annotations(layer or None)
    return {"doc_id": d.id, "total": len(anns), "items": [a.to_dict() for a in anns]}


@router.post("/documents/{doc_id}/annotations", status_code=201, summary="Add a person's annotation on a span")
def add_annotation(request: Request, doc_id: int, body: NewAnnotation) -> dict[str, Any]:
    return _corpus(request).add_annotation(doc_id, start=body.start, end=body.end, layer=body.layer, label=body.label,
                                           attrs=body.attrs, by=body.by, note=body.note)


# -- annotations ----------------------------------------------------------------------------------------
@router.get("/annotations/{ann_id}", summary="One annotation")
def get_annotation(request: Request, ann_id: int) -> dict[str, Any]:
    return _corpus(request).annotation(ann_id)


@router.patch("/annotations/{ann_id}", summary="Correct an annotation (label, holder, polarity, ...)")
def correct_annotation(request: Request, ann_id: int, body: Correction) -> dict[str, Any]:
    return _corpus(request).correct_annotation(ann_id, label=body.label, attrs=body.attrs, by=body.by, note=body.note)


@router.post("/annotations/{ann_id}/verify", summary="Confirm an annotation as right")
def verify_annotation(request: Request, ann_id: int, body: Reviewer) -> dict[str, Any]:
    return _corpus(request).verify_annotation(ann_id, by=body.by, note=body.note)


@router.delete("/annotations/{ann_id}", summary="Delete an annotation (re-analysis does not add it back)")
def delete_annotation(request: Request, ann_id: int, by: Optional[str] = Query(None, max_length=100),
                      reason: Optional[str] = Query(None, max_length=2000)) -> dict[str, Any]:
    return {"deleted": _corpus(request).delete_annotation(ann_id, by=by, reason=reason)}


# -- actors, concepts, statements -----------------------------------------------------------------------
@router.get("/actors", summary="Actors seen (mentions, documents), with codebook names")
def list_actors(request: Request, page: int = Page, per_page: int = PerPage) -> dict[str, Any]:
    return views.paged(views.labelled(request, "actor"), page, per_page)


@router.get("/actors/{actor}", summary="An actor: aliases, statements by and about it, positions, timeline")
def get_actor(request: Request, actor: str, unit: Literal["week", "month", "year"] = "month") -> dict[str, Any]:
    return views.actor(request, actor, unit)


@router.get("/concepts", summary="Concepts with statement counts")
def list_concepts(request: Request, page: int = Page, per_page: int = PerPage) -> dict[str, Any]:
    return views.paged(views.labelled(request, "statement"), page, per_page)


@router.get("/concepts/{concept}", summary="A concept: statements, holders for and against, timeline")
def get_concept(request: Request, concept: str, unit: Literal["week", "month", "year"] = "month") -> dict[str, Any]:
    return views.concept(request, concept, unit)


@router.get("/statements", summary="Statements with holder, concept, polarity and text")
def list_statements(request: Request, holder: Optional[str] = None, concept: Optional[str] = None, speaker: Optional[str] = None,
                    polarity: Optional[Literal["support", "oppose", "neutral"]] = None, since: Optional[str] = None,
                    until: Optional[str] = None, page: int = Page, per_page: int = PerPage) -> dict[str, Any]:
    with _corpus(request).store.read() as conn:
        return explore.statements(conn, holder=holder, concept=concept, speaker=speaker, polarity=polarity,
                                  since=_date(since, "since"), until=_date(until, "until"), page=page, per_page=per_page)


# -- predictions, shifts --------------------------------------------------------------------------------
@router.get("/predictions", summary="The prediction ledger")
def list_predictions(request: Request, speaker: Optional[str] = None,
                     status: Optional[Literal["open", "overdue", "resolved", "true", "false", "partly", "void"]] = None,
                     since: Optional[str] = None, until: Optional[str] = None, page: int = Page, per_page: int = PerPage) -> dict[str, Any]:
    rows = _corpus(request).predictions(speaker=speaker, status=status, since=_date(since, "since"), until=_date(until, "until"))
    return views.paged(rows, page, per_page)


@router.get("/predictions/scorecard", summary="Per speaker: hit rate, Brier score, overdue predictions")
def scorecard(request: Request, speaker: Optional[str] = None) -> dict[str, Any]:
    return {"items": _corpus(request).scorecard(speaker=speaker)}


@router.post("/predictions/{prediction_id}/resolve", status_code=201, summary="Record a human verdict on a prediction")
def resolve(request: Request, prediction_id: int, body: Verdict) -> dict[str, Any]:
    row = _corpus(request).resolve(prediction_id, body.outcome, evidence=body.evidence, note=body.note, by=body.by)
    return {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in row.items()}


@router.get("/shifts", summary="Shifts and self-contradictions of speakers between dates")
def shifts(request: Request, speaker: Optional[str] = None, concept: Optional[str] = None, holder: Optional[str] = None,
           kind: Optional[Literal["polarity", "modality", "semantic"]] = None,
           since: Optional[str] = None, until: Optional[str] = None, page: int = Page, per_page: int = PerPage) -> dict[str, Any]:
    rows = _corpus(request).shifts(speaker=speaker, concept=concept, holder=holder, kind=kind, since=_date(since, "since"),
                                   until=_date(until, "until"))
    return views.paged(rows, page, per_page)


# -- networks ----------------------------------------------------------------------------------------------
@router.get("/networks", summary="A discourse network (DNA semantics) as nodes and edges")
def network(request: Request, type: Literal["twomode", "onemode"] = "twomode", aggregation: Optional[str] = None,
            normalization: str = "no", since: Optional[str] = None, until: Optional[str] = None,
            speaker: Optional[str] = None, verified_only: bool = False) -> dict[str, Any]:
    net = views.network(request, views.NetworkQuery(type, aggregation, normalization, _date(since, "since"), _date(until, "until"),
                                                    speaker, verified_only))
    return net.as_json()


@router.get("/networks/export", summary="Download a network or the coded corpus: gexf, graphml, csv, edgelist, dna")
def network_export(request: Request, format: Literal["gexf", "graphml", "csv", "edgelist", "dna"] = "gexf",
                   type: Literal["twomode", "onemode"] = "twomode", aggregation: Optional[str] = None, normalization: str = "no",
                   since: Optional[str] = None, until: Optional[str] = None, speaker: Optional[str] = None,
                   verified_only: bool = False):
    query = views.NetworkQuery(type, aggregation, normalization, _date(since, "since"), _date(until, "until"), speaker, verified_only)
    path = views.export_file(request, query, format)
    return FileResponse(path, filename=f"onrecord-{type}.{format}", background=BackgroundTask(os.unlink, path))


# -- search ------------------------------------------------------------------------------------------------
@router.get("/search", summary="Full-text (FTS5: phrases, AND/OR/NOT) or semantic search")
def search(request: Request, q: str = Query(..., min_length=1, max_length=500), mode: Literal["text", "semantic"] = "text",
           page: int = Page, per_page: int = PerPage) -> dict[str, Any]:
    if mode == "semantic":
        hits = views.semantic(request, q, limit=min(per_page * page, 500))
        return views.paged(hits, page, per_page)
    return views.listing(request, explore.BrowseFilter(search=q), page, per_page)


# -- ingest and analysis runs ------------------------------------------------------------------------------
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@router.post("/ingest", status_code=201, summary="Upload files (txt, md, jsonl, csv, tsv, html) and ingest them")
async def ingest(request: Request, files: list[UploadFile] = File(...), speaker: Optional[str] = Query(None, max_length=200)) -> dict[str, Any]:
    limit = request.app.state.config.max_upload
    declared = int(request.headers.get("content-length") or 0)
    if declared > limit * max(1, len(files)) + 65536:
        raise ConfigError(f"upload too large: {declared:,} bytes (limit {limit:,} per file)")
    with tempfile.TemporaryDirectory(prefix="onrecord-upload-") as folder:
        paths = []
        for i, f in enumerate(files):
            name = os.path.basename((f.filename or "").replace("\\", "/")) or f"upload-{i}.txt"
            ext = os.path.splitext(name)[1].lower()
            if ext not in UPLOAD_TYPES:
                raise ConfigError(f"{name}: file type {ext or '(none)'} not accepted; use one of {', '.join(sorted(UPLOAD_TYPES))}")
            data = await f.read(limit + 1)
            if len(data) > limit:
                raise ConfigError(f"{name}: larger than the upload limit of {limit:,} bytes")
            path = os.path.join(folder, f"{i:03d}-{_SAFE_NAME.sub('_', name)[:120]}")
            with open(path, "wb") as handle:
                handle.write(data)
            paths.append(path)
        report = _corpus(request).ingest(paths, speaker=speaker, workers=0)
        out = report.to_dict()
        for problem in out["problems"]:  # name the uploaded file, not the server's temporary path
            problem["path"] = os.path.basename(problem["path"])[4:] if problem["path"].startswith(folder) else problem["path"]
    return out


_RUN_LOCK = threading.Lock()


@router.get("/runs", summary="Ingest and analysis runs, newest first")
def runs(request: Request, page: int = Page, per_page: int = PerPage) -> dict[str, Any]:
    with _corpus(request).store.read() as conn:
        return views.paged(queries.runs(conn), page, per_page)


@router.post("/runs", status_code=201, summary="Run the analysis (skips documents already analysed unless force)")
def start_run(request: Request, body: AnalysisRequest) -> dict[str, Any]:
    if not _RUN_LOCK.acquire(blocking=False):
        raise ConfigError("an analysis run started from the workbench is still going; try again when it ends")
    try:
        corpus = _corpus(request)
        if body.documents:
            with corpus.store.read() as conn:
                known = set(queries.existing_ids(conn, body.documents))
            missing = [i for i in body.documents if i not in known]
            if missing:
                raise NotFoundError(f"no document with id {missing[0]}")
        report = corpus.analyze(body.documents or None, force=body.force, workers=0)
    finally:
        _RUN_LOCK.release()
    return report.to_dict()
