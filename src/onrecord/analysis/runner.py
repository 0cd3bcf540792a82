"""Running the analysis pipeline over stored documents (``onrecord analyze``).

Re-run rule: a document is analysed by a stage again only if the stage version that last analysed it
(``analysis_state``) differs from the one asked for (or ``force``); a stage that runs again makes every
later stage that requires its layers run again too. Before a stage's new annotations are written, the
machine annotations of *any* version of that analyzer in its layers are deleted; human-verified
annotations are never deleted, and a machine annotation identical to a verified one is not added.
Each document is written in its own transaction; a document that fails (in any stage) is reported in
one line and left as it was, and the batch goes on.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
import traceback
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

from sqlalchemy import Connection, and_, delete, insert, select

from .._types import Annotation, Problem
from .._workers import exit_with_parent, fork_context
from ..errors import ConfigError, disk_full
from ..store import schema
from ..store.engine import Store
from ..store.queries import annotations_of, document_rows, meta_of
from ..store.writer import insert_annotations, recorded_run
from ..review import rejected_keys
from .base import DEFAULT_STAGES, INGEST_LAYERS, AnalysisDoc, Stage, base_name, check_pipeline
from .resources import Resources

if TYPE_CHECKING:  # pragma: no cover
    from .engines import RaySession

__all__ = ["AnalyzeReport", "analyze_documents", "stages_needed"]

ProgressFn = Callable[[dict[str, Any]], None]
#: Documents read from the store per batch.
BATCH = 64


@dataclass
class AnalyzeReport:
    analysed: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    annotations: dict[str, int] = field(default_factory=dict)  # per layer, written this run
    stage_seconds: dict[str, float] = field(default_factory=dict)
    words: int = 0
    seconds: float = 0.0
    run_id: int | None = None
    stages: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "run_id": self.run_id, "stages": self.stages, "analysed": self.analysed, "skipped": self.skipped,
            "annotations": self.annotations, "words": self.words, "seconds": round(self.seconds, 3),
            "stage_seconds": {k: round(v, 3) for k, v in self.stage_seconds.items()},
            "problems": [p.to_dict() for p in self.problems],
        }


def stages_needed(stages: Sequence[Stage], done: dict[str, str], force: bool = False) -> list[Stage]:
    """The stages of ``stages`` a document must run, given ``done`` (analyzer base -> version name)."""
    needed: list[Stage] = []
    stale_layers: set[str] = set()
    for st in stages:
        if force or done.get(st.base) != st.name or stale_layers.intersection(st.requires):
            needed.append(st)
            stale_layers.update(st.assigns)
    return needed


# --- the part that runs in workers ----------------------------------------------------------------

_RESOURCES: Resources | None = None


def _init_worker(parent: int | None, resource_args: dict[str, Any]) -> None:
    global _RESOURCES
    if parent is not None:
        exit_with_parent(parent)
    _RESOURCES = Resources(**resource_args)


@dataclass
class _Job:
    doc_id: int
    text: str
    meta: Any
    layers: dict[str, list[Annotation]]
    stages: list[str]


@dataclass
class _Result:
    doc_id: int
    outputs: dict[str, list[Annotation]]
    seconds: dict[str, float]
    words: int
    error: str | None = None


def _run_job(job: _Job, stages: dict[str, Stage] | None = None, resources: Resources | None = None) -> _Result:
    """Run ``job``'s stages (looked up in ``stages``, else the registry) with ``resources`` (else this
    worker's); a stage that raises becomes the document's error, never an exception."""
    from .base import get_stage

    resources = resources if resources is not None else _RESOURCES
    assert resources is not None
    doc = AnalysisDoc(job.doc_id, job.text, job.meta, {k: list(v) for k, v in job.layers.items()})
    outputs: dict[str, list[Annotation]] = {}
    seconds: dict[str, float] = {}
    words = len(job.text.split())
    for name in job.stages:
        started = time.perf_counter()
        try:
            out = (stages[name] if stages and name in stages else get_stage(name))(doc, resources)
        except Exception as exc:
            where = traceback.extract_tb(exc.__traceback__)[-1]
            return _Result(job.doc_id, {}, seconds, words, f"stage {name} failed: {type(exc).__name__}: {exc} "
                           f"({os.path.basename(where.filename)}:{where.lineno})")
        seconds[name] = time.perf_counter() - started
        doc.add(out)
        outputs[name] = out
    return _Result(job.doc_id, outputs, seconds, words)


def _results(jobs: Iterator[_Job], workers: int, resource_args: dict[str, Any], n_docs: int,
             ray: "RaySession | None" = None, stages: dict[str, Stage] | None = None) -> Iterator[_Result]:
    if ray is not None:  # the ray engine (see engines.py)
        from .engines import ray_results

        yield from ray_results(ray, jobs, resource_args, stages or {})
        return
    if workers < 1 or n_docs < 2:
        _init_worker(None, resource_args)
        for job in jobs:
            yield _run_job(job)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(
        min(workers, n_docs), mp_context=fork_context(), initializer=_init_worker, initargs=(os.getpid(), resource_args)
    ) as pool:
        yield from pool.map(_run_job, jobs, chunksize=1)


# --- the part that runs in the main process -------------------------------------------------------

def _state(conn: Connection, ids: list[int]) -> dict[int, dict[str, str]]:
    s = schema.analysis_state.c
    out: dict[int, dict[str, str]] = {i: {} for i in ids}
    for doc_id, base, name in conn.execute(select(s.doc_id, s.stage_base, s.stage).where(s.doc_id.in_(ids))):
        out[doc_id][base] = name
    return out


def _assigns(stage_name: str) -> tuple[str, ...]:
    from .base import get_stage

    try:
        return get_stage(stage_name).assigns
    except Exception:  # an analyzer that is no longer installed: its layers stay as they are
        return ()


def _missing_layers(needed: list[Stage], done: dict[str, str]) -> list[str]:
    """Layers a needed stage requires that neither ingest, a stored analysis nor an earlier needed
    stage provides."""
    have = set(INGEST_LAYERS).union(*(_assigns(n) for n in done.values()))
    missing: list[str] = []
    for st in needed:
        missing += [layer for layer in st.requires if layer not in have and layer not in missing]
        have.update(st.assigns)
    return missing


def _jobs(store: Store, ids: list[int], stages: list[Stage], force: bool, report: AnalyzeReport) -> Iterator[_Job]:
    for at in range(0, len(ids), BATCH):
        chunk = ids[at : at + BATCH]
        with store.read() as conn:
            rows = {r["id"]: r for r in document_rows(conn, chunk)}
            state = _state(conn, chunk)
            stored = annotations_of(conn, chunk)
        for doc_id in chunk:
            needed = stages_needed(stages, state[doc_id], force)
            if not needed:
                report.skipped.append(doc_id)
                continue
            produced = {layer for st in needed for layer in st.assigns}
            missing = _missing_layers(needed, state[doc_id])
            if missing:
                report.problems.append(
                    Problem(f"document {doc_id}", f"needs layer(s) {', '.join(missing)}: run the stages that assign them first")
                )
                continue
            layers: dict[str, list[Annotation]] = {}
            for a in stored[doc_id]:
                if a.layer not in produced:
                    layers.setdefault(a.layer, []).append(a)
            yield _Job(doc_id, rows[doc_id]["text"], meta_of(rows[doc_id]), layers, [st.name for st in needed])


def _write(conn: Connection, result: _Result, stages: dict[str, Stage], run_id: int) -> dict[str, int]:
    a = schema.annotations.c
    now = dt.datetime.now(dt.timezone.utc)
    written: dict[str, int] = {}
    rejected = rejected_keys(conn, result.doc_id)  # what people deleted or relabelled stays out
    for name, anns in result.outputs.items():
        st = stages[name]
        rows = conn.execute(
            select(a.id, a.source, a.verified, a.start, a.end, a.layer, a.label).where(
                and_(a.doc_id == result.doc_id, a.layer.in_(st.assigns))
            )
        ).all()
        verified = {(r.start, r.end, r.layer, r.label) for r in rows if r.verified}
        stale = [r.id for r in rows if not r.verified and _same_analyzer(r.source, st.base)]
        for at in range(0, len(stale), 500):
            conn.execute(delete(schema.annotations).where(a.id.in_(stale[at : at + 500])))
        keep_out = verified | rejected
        fresh = [x for x in anns if (x.start, x.end, x.layer, x.label) not in keep_out]
        insert_annotations(conn, result.doc_id, fresh, now)
        for x in fresh:
            written[x.layer] = written.get(x.layer, 0) + 1
        s = schema.analysis_state.c
        conn.execute(delete(schema.analysis_state).where(and_(s.doc_id == result.doc_id, s.stage_base == st.base)))
        conn.execute(
            insert(schema.analysis_state).values(
                doc_id=result.doc_id, stage_base=st.base, stage=st.name, run_id=run_id, n_annotations=len(fresh), analysed_at=now
            )
        )
    return written


def _same_analyzer(source: str, base: str) -> bool:
    try:
        return base_name(source) == base
    except ConfigError:
        return False


def analyze_documents(
    store: Store,
    doc_ids: Iterable[int],
    stage_names: Sequence[str] | None = None,
    *,
    force: bool = False,
    workers: int = 1,
    resources: dict[str, Any] | None = None,
    progress: ProgressFn | None = None,
    engine: str = "local",
    address: str | None = None,
) -> AnalyzeReport:
    """Analyse ``doc_ids`` with ``stage_names`` (default: the built-in pipeline); never raises for a
    bad document, reports it in ``problems``.

    ``engine`` is ``local`` (``workers`` processes on this machine) or ``ray`` (Ray Data on a local Ray
    instance with ``workers`` CPUs, or on the cluster at ``address``; see ``engines.py``). Both run the
    same stages and write the same annotations; a Ray that is missing or unreachable is one
    :class:`~onrecord.errors.ConfigError` before anything runs."""
    from .engines import RaySession, check_engine

    check_engine(engine)
    names = list(stage_names or DEFAULT_STAGES)
    available = set(INGEST_LAYERS)
    with store.read() as conn:
        for (done,) in conn.execute(select(schema.analysis_state.c.stage).distinct()):
            available.update(_assigns(done))
    stages = check_pipeline(names, available)
    checked = Resources(**(resources or {}))
    checked.actors, checked.concepts  # a broken codebook is one clear error before anything runs
    report = AnalyzeReport(stages=names)
    ids = list(doc_ids)
    by_name = {st.name: st for st in stages}
    params = {"documents": len(ids), "force": force, "engine": engine}
    engine_session = RaySession(address, workers) if engine == "ray" else contextlib.nullcontext()
    with engine_session as ray, recorded_run(store, "analyze", params, names, report, lambda: len(report.analysed)):
        if progress:
            progress({"event": "start", "documents": len(ids)})
        reported = 0
        full: list[int] = []  # documents not written once the disk is full: one line for all of them
        for result in _results(_jobs(store, ids, stages, force, report), workers, resources or {}, len(ids), ray, by_name):
            if full:
                full.append(result.doc_id)
            elif result.error:
                report.problems.append(Problem(f"document {result.doc_id}", result.error))
            else:
                try:
                    with store.write() as conn:
                        written = _write(conn, result, by_name, report.run_id)
                except Exception as exc:  # rolled back alone; the batch goes on (unless the disk is full)
                    if disk_full(exc):
                        full.append(result.doc_id)
                    else:
                        report.problems.append(Problem(f"document {result.doc_id}", f"not written: {type(exc).__name__}: {exc}"))
                else:
                    report.analysed.append(result.doc_id)
                    report.words += result.words
                    for layer, n in written.items():
                        report.annotations[layer] = report.annotations.get(layer, 0) + n
                    for name, secs in result.seconds.items():
                        report.stage_seconds[name] = report.stage_seconds.get(name, 0.0) + secs
            if progress:
                progress({"event": "document", "doc_id": result.doc_id, "words": result.words, "skipped": len(report.skipped)})
                for problem in report.problems[reported:]:
                    progress({"event": "problem", "problem": problem})
                reported = len(report.problems)
        if full:
            report.problems.append(Problem(
                f"document {full[0]}", f"disk full: the store cannot grow; {len(full)} document(s) from here on were not "
                "written (what was stored is whole; free some space and run analyze again)"))
            if progress:
                progress({"event": "problem", "problem": report.problems[-1]})
        if progress and report.skipped:
            progress({"event": "skipped", "documents": len(report.skipped)})
    return report
