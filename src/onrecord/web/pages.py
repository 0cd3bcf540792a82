"""Server-rendered pages of the workbench (Jinja2, autoescaped). Each handler reads through the library
and hands a template plain data; the small script in ``static/workbench.js`` adds toggles, the span
panel and the review forms, which talk to the REST API."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, Optional

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from .. import explore
from ..errors import ConfigError
from ..review import EDITABLE_ATTRS, POLARITIES, REVIEWABLE_LAYERS
from . import render, svg, views
from .api import _date

router = APIRouter(include_in_schema=False)
LAYER_COLOURS = {"actor": "actor", "statement": "statement", "prediction": "prediction", "technique": "technique", "claim": "claim"}


def _page(request: Request, template: str, **context: Any) -> HTMLResponse:
    context.setdefault("display", views.display)
    return request.app.state.templates.TemplateResponse(request, template, context)


def _query_without(request: Request, *drop: str, **put: Any) -> str:
    params = {k: v for k, v in request.query_params.items() if k not in drop and v != ""}
    params.update({k: str(v) for k, v in put.items() if v is not None})
    from urllib.parse import urlencode

    return urlencode(params)


@router.get("/", response_class=HTMLResponse)
def corpus_page(request: Request, since: Optional[str] = None, until: Optional[str] = None, outlet: Optional[str] = None,
                speaker: Optional[str] = None, actor: Optional[str] = None, concept: Optional[str] = None,
                technique: Optional[str] = None, q: Optional[str] = None, mode: Literal["text", "semantic"] = "text",
                page: int = Query(1, ge=1)):
    error = None
    hits: list[dict[str, Any]] = []
    listing = {"total": 0, "page": 1, "pages": 1, "items": []}
    try:
        if q and mode == "semantic":
            hits = views.semantic(request, q, limit=50)
        else:
            flt = explore.BrowseFilter(_date(since, "since"), _date(until, "until"), outlet or None, speaker or None,
                                       q or None, actor or None, concept or None, technique or None)
            listing = views.listing(request, flt, page, 50)
    except ConfigError as exc:
        error = str(exc)
    choices = views.corpus_choices(request)
    return _page(request, "corpus.html", listing=listing, hits=hits, error=error, choices=choices, mode=mode,
                 f={"since": since or "", "until": until or "", "outlet": outlet or "", "speaker": speaker or "", "actor": actor or "",
                    "concept": concept or "", "technique": technique or "", "q": q or ""},
                 page_link=lambda n: "/?" + _query_without(request, "page", page=n))


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document_page(request: Request, doc_id: int, focus: Optional[str] = Query(None, pattern=r"^\d+-\d+$")):
    d = request.app.state.corpus.document(doc_id)
    anns = d.annotations(["turn", *REVIEWABLE_LAYERS])
    turns = [a for a in anns if a.layer == "turn"]
    spans = [a for a in anns if a.layer in REVIEWABLE_LAYERS]
    focus_span = tuple(int(x) for x in focus.split("-")) if focus else None
    labels = {layer: [r["label"] for r in views.labels(request, layer, 400)] for layer in REVIEWABLE_LAYERS}
    labels["actor"] = sorted(set(labels["actor"]) | set(views.names()["actor"]))
    labels["statement"] = sorted(set(labels["statement"]) | set(views.names()["concept"]))
    holders = sorted(set(views.names()["actor"]) | {a.attrs.get("holder") for a in spans if a.attrs.get("holder")})
    return _page(
        request, "document.html", doc=d, blocks=render.blocks(d.text, turns, spans),
        anns=[render.annotation_view(a, d.text) for a in spans], counts={layer: sum(a.layer == layer for a in spans) for layer in REVIEWABLE_LAYERS},
        layers=REVIEWABLE_LAYERS, n_bidi=len(render.BIDI_CONTROLS.findall(d.text)), focus=focus_span,
        review={"labels": labels, "holders": holders, "polarities": list(POLARITIES),
                "editable": {k: sorted(v) for k, v in EDITABLE_ATTRS.items()}, "doc_id": d.id, "n_chars": len(d.text)},
    )


@router.get("/actors", response_class=HTMLResponse)
def actors_page(request: Request):
    return _page(request, "labels.html", kind="actor", title="Actors", rows=views.labelled(request, "actor"))


@router.get("/concepts", response_class=HTMLResponse)
def concepts_page(request: Request):
    return _page(request, "labels.html", kind="concept", title="Concepts", rows=views.labelled(request, "statement"))


@router.get("/actors/{actor_id}", response_class=HTMLResponse)
def actor_page(request: Request, actor_id: str, unit: Literal["week", "month", "year"] = "month"):
    data = views.actor(request, actor_id, unit)
    return _page(request, "actor.html", a=data, unit=unit, chart=svg.timeline_svg(data["timeline"], title=f"statements by {data['name']}"))


@router.get("/concepts/{concept_id}", response_class=HTMLResponse)
def concept_page(request: Request, concept_id: str, unit: Literal["week", "month", "year"] = "month"):
    data = views.concept(request, concept_id, unit)
    return _page(request, "concept.html", c=data, unit=unit, chart=svg.timeline_svg(data["timeline"], title=f"statements on {data['name']}"))


def _month_add(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def windows(first: dt.date | None, last: dt.date | None, months: int) -> list[tuple[dt.date, dt.date]]:
    """Windows of ``months`` calendar months, stepping one month, covering ``[first, last]``."""
    if first is None or last is None:
        return []
    out = []
    start = dt.date(first.year, first.month, 1)
    while start <= last:
        out.append((start, _month_add(start, months) - dt.timedelta(days=1)))
        if out[-1][1] >= last:
            break
        start = _month_add(start, 1)
    return out


@router.get("/network", response_class=HTMLResponse)
def network_page(request: Request, type: Literal["twomode", "onemode"] = "twomode", aggregation: Optional[str] = None,
                 normalization: str = "no", months: int = Query(3, ge=1, le=120), w: Optional[str] = Query(None, pattern=r"^(all|\d+)$"),
                 speaker: Optional[str] = None):
    first, last = views.statement_dates(request)
    wins = windows(first, last, months)
    index = None if (w in (None, "all") or not wins) else min(int(w), len(wins) - 1)
    since, until = (wins[index] if index is not None else (None, None))
    error = None
    view = None
    try:
        view = views.network(request, views.NetworkQuery(type, aggregation or None, normalization, since, until, speaker or None))
    except ConfigError as exc:
        error = str(exc)
    base = {"type": type, "aggregation": aggregation or "", "normalization": normalization, "months": months, "speaker": speaker or ""}
    return _page(request, "network.html", view=view, drawing=view.drawing() if view else "", error=error, wins=wins, index=index, since=since, until=until, base=base,
                 link=lambda **kw: "/network?" + _query_without(request, *kw.keys(), **kw),
                 export=lambda fmt: "/api/v1/networks/export?" + _query_without(request, "w", "months", format=fmt,
                                                                                 since=since.isoformat() if since else None,
                                                                                 until=until.isoformat() if until else None))


@router.get("/predictions", response_class=HTMLResponse)
def predictions_page(request: Request, speaker: Optional[str] = None,
                     status: Optional[Literal["open", "overdue", "resolved", "true", "false", "partly", "void"]] = None,
                     page: int = Query(1, ge=1)):
    corpus = request.app.state.corpus
    rows = corpus.predictions(speaker=speaker or None, status=status)
    return _page(request, "predictions.html", listing=views.paged(rows, page, 50), scorecard=corpus.scorecard(speaker=speaker or None),
                 f={"speaker": speaker or "", "status": status or ""}, page_link=lambda n: "/predictions?" + _query_without(request, "page", page=n))


@router.get("/shifts", response_class=HTMLResponse)
def shifts_page(request: Request, speaker: Optional[str] = None, concept: Optional[str] = None,
                kind: Optional[Literal["polarity", "modality", "semantic"]] = None, page: int = Query(1, ge=1)):
    rows = request.app.state.corpus.shifts(speaker=speaker or None, concept=concept or None, kind=kind)
    return _page(request, "shifts.html", listing=views.paged(rows, page, 50),
                 f={"speaker": speaker or "", "concept": concept or "", "kind": kind or ""},
                 page_link=lambda n: "/shifts?" + _query_without(request, "page", page=n))


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request):
    """The OpenAPI description rendered on the server (no external Swagger scripts; works offline)."""
    spec = request.app.openapi()
    routes = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            body = (op.get("requestBody") or {}).get("content", {})
            body_schema = next(iter(body.values()), {}).get("schema", {}) if body else {}
            routes.append({
                "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                "params": [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                            "type": _type_of(p.get("schema", {})), "description": p.get("description", "")}
                           for p in op.get("parameters", [])],
                "body": _type_of(body_schema) if body else None,
                "responses": sorted(op.get("responses", {})),
            })
    return _page(request, "api.html", routes=routes, schemas=spec.get("components", {}).get("schemas", {}), info=spec.get("info", {}))


def _type_of(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(_type_of(s) for s in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(repr(v) for v in schema["enum"])
    if schema.get("type") == "array":
        return f"list[{_type_of(schema.get('items', {}))}]"
    return str(schema.get("type", "any"))
