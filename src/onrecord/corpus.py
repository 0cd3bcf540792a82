"""The library API the CLI wraps: ``onrecord.open(db) -> Corpus``."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, Sequence

from ._types import Annotation, IngestReport, Meta
from .export import document_record, format_for_export
from .ingest.dates import parse_date
from .ingest.formats import ImportOptions
from .ingest.pipeline import ingest_paths
from .ingest.transcript import LabelLexicon, load_lexicon
from .registry import get as registry_get
from .settings import get_setting
from .store import queries
from .store.engine import Store
from .store.queries import DocumentFilter

if TYPE_CHECKING:  # pragma: no cover
    from .analysis.runner import AnalyzeReport
    from .evaluation.run import EvalReport
    from .networks.dna import Network, NetworkOptions
    from .networks.dnastore import DnaImportReport

__all__ = ["Corpus", "Document", "open_corpus"]


@dataclass
class Document:
    """A stored document: immutable text, metadata, and access to its annotation layers."""

    id: int
    sha256: str
    text: str
    meta: Meta
    version: int
    previous_id: int | None
    created_at: dt.datetime
    format: str
    encoding: str | None
    speakers: list[tuple[str, int]]
    _corpus: "Corpus"

    @property
    def date(self) -> dt.date | None:
        return self.meta.date

    def layer(self, name: str) -> list[Annotation]:
        """Annotations of one layer, in text order."""
        return self.annotations([name])

    def annotations(self, layers: Iterable[str] | None = None) -> list[Annotation]:
        with self._corpus.store.read() as conn:
            return queries.annotations_of(conn, [self.id], layers)[self.id]

    def layers(self) -> dict[str, int]:
        """Layer name -> number of annotations."""
        with self._corpus.store.read() as conn:
            return queries.layer_counts(conn, [self.id])


def _as_date(value: str | dt.date | None) -> dt.date | None:
    return None if value in (None, "") else parse_date(value)


class Corpus:
    """A store of documents and their annotations."""

    def __init__(self, db: str | os.PathLike | None = None):
        self.db = os.fspath(db) if db is not None else get_setting("db")
        self.store = Store(self.db, busy_timeout=get_setting("busy_timeout"))

    # -- context manager -------------------------------------------------------------------------
    def __enter__(self) -> "Corpus":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.store.close()

    # -- writing --------------------------------------------------------------------------------------
    def ingest(
        self,
        paths: Iterable[str | os.PathLike] | str | os.PathLike,
        *,
        speaker: str | None = None,
        format: str | None = None,
        encoding: str | None = None,
        columns: Mapping[str, str] | None = None,
        max_file_size: int | str | None = None,
        language: str | None = None,
        labels: LabelLexicon | None = None,
        progress: Callable[[dict[str, Any]], None] | None = None,
        commit_every: int | None = None,
        workers: int | None = None,
    ) -> IngestReport:
        """Ingest files, folders (recursively) and globs. Bad input is reported, never raised."""
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        options = ImportOptions(
            speaker=get_setting("speaker", speaker),
            language=get_setting("language", language),
            encoding=encoding,
            columns=dict(columns or {}),
            lexicon=labels or load_lexicon(),
        )
        return ingest_paths(
            self.store,
            list(paths),
            options,
            get_setting("max_file_size", max_file_size),
            format,
            progress,
            commit_every=get_setting("commit_every", commit_every),
            commit_seconds=get_setting("commit_seconds"),
            workers=get_setting("workers", workers),
        )

    def analyze(
        self,
        only: Iterable[str | int] | None = None,
        *,
        stages: Sequence[str] | None = None,
        force: bool = False,
        workers: int | None = None,
        codebook: str | os.PathLike | None = None,
        concepts: str | os.PathLike | None = None,
        progress: Callable[[dict[str, Any]], None] | None = None,
        engine: str | None = None,
        address: str | None = None,
        **filters: Any,
    ) -> "AnalyzeReport":
        """Run the analysis stages (default: the built-in pipeline) over the documents named in
        ``only`` (ids or SHA-256 prefixes) or else those matching ``filters``. Documents already
        analysed by the same stage versions are skipped unless ``force``. Bad documents are reported,
        never raised. ``engine`` is ``local`` (worker processes) or ``ray`` (Ray Data, locally or on
        the cluster at ``address``; needs ``onrecord[ray]``)."""
        from .analysis.runner import analyze_documents

        ids = self._ids(only)
        if ids is None:
            ids = self.document_ids(**filters)
        resources = {
            "codebook": os.fspath(codebook) if codebook is not None else None,
            "concepts": os.fspath(concepts) if concepts is not None else None,
        }
        engine = get_setting("engine", engine)
        if engine == "ray" and workers is None and not os.environ.get("ONRECORD_ANALYZE_WORKERS"):
            workers = 0  # Ray: every CPU of the cluster (or of this machine)
        return analyze_documents(
            self.store, ids, stages, force=force, workers=get_setting("analyze_workers", workers), resources=resources, progress=progress,
            engine=engine, address=address,
        )

    def _ids(self, only: Iterable[str | int] | None) -> list[int] | None:
        if not only:
            return None
        with self.store.read() as conn:
            return list(dict.fromkeys(queries.find_document(conn, ref) for ref in only))

    def actors(self, only: Iterable[str | int] | None = None, codebook: str | os.PathLike | None = None) -> list[dict[str, Any]]:
        """Per actor: mentions, documents, statements held (support/oppose), top positions, predictions."""
        from .analysis.codebook import load_actor_codebook
        from .analysis.summary import actor_table

        book = load_actor_codebook(os.fspath(codebook) if codebook else get_setting("codebook"))
        with self.store.read() as conn:
            return actor_table(conn, book, self._ids(only))

    def actor_candidates(self, only: Iterable[str | int] | None = None, min_mentions: int = 1,
                         codebook: str | os.PathLike | None = None) -> list[dict[str, Any]]:
        """Names NER found that the codebook lacks, merged by spelling, with the nearest codebook actor."""
        from .analysis.codebook import load_actor_codebook
        from .analysis.summary import candidates

        book = load_actor_codebook(os.fspath(codebook) if codebook else get_setting("codebook"))
        with self.store.read() as conn:
            return candidates(conn, book, self._ids(only), min_mentions)

    def evaluate(
        self, gold: str | os.PathLike, *, format: str = "onrecord", layers: Sequence[str] | None = None, prepare: bool = False,
        stages: Sequence[str] | None = None,
    ) -> "EvalReport":
        """Score the stored analysis against a gold folder (see ``onrecord eval``). With ``prepare``,
        the gold texts are first ingested and analysed (with ``stages``) in this store."""
        from .errors import InputError
        from .evaluation.run import evaluate, gold_texts

        if prepare:
            texts = gold_texts(gold, format)
            ingested = self.ingest(texts)
            if not ingested.ok:
                raise InputError("gold texts could not be ingested: " + "; ".join(str(p) for p in ingested.problems[:5]))
            analysed = self.analyze(ingested.added + ingested.versions + ingested.unchanged, stages=stages)
            if not analysed.ok:
                raise InputError("gold texts could not be analysed: " + "; ".join(str(p) for p in analysed.problems[:5]))
        return evaluate(self.store, gold, format, layers)

    def network(
        self,
        out: str | os.PathLike | None = None,
        *,
        format: str | None = None,
        options: "NetworkOptions | None" = None,
        since: str | dt.date | None = None,
        until: str | dt.date | None = None,
        speaker: str | None = None,
        min_score: float | None = None,
        verified_only: bool = False,
        window: int | None = None,
        unit: str = "days",
    ) -> "list[Network]":
        """Discourse network(s) of the stored statements (holder x concept, polarity as agreement) with
        DNA 3 semantics (see docs/networks.md); one network, or a series with ``window``. With ``out``
        the result is also written (csv matrix, graphml, gexf, edgelist)."""
        from .analysis.codebook import load_actor_codebook, load_concept_codebook
        from .networks.api import build_networks, network_format, write_networks
        from .networks.dna import NetworkOptions
        from .networks.source import StatementFilter

        opts = options or NetworkOptions()
        fmt = network_format(os.fspath(out), format) if out is not None else None
        flt = StatementFilter(_as_date(since), _as_date(until), speaker, min_score, verified_only)
        with self.store.read() as conn:
            series, _ = build_networks(conn, flt, opts, window, unit)
        if out is not None:
            names = {a.id: a.name for a in load_actor_codebook(get_setting("codebook"))}
            names.update({c.id: c.name for c in load_concept_codebook(get_setting("concepts"))})
            write_networks(series, os.fspath(out), fmt, opts.network_type == "twomode", names)
        return series

    def predictions(self, *, speaker: str | None = None, status: str | None = None, today: str | dt.date | None = None,
                    since: str | dt.date | None = None, until: str | dt.date | None = None) -> list[dict[str, Any]]:
        """The prediction ledger: predictions with horizon, confidence and status (open, overdue or the
        newest verdict's outcome), each with its verdict history."""
        from .ledger import list_predictions

        with self.store.read() as conn:
            return list_predictions(conn, speaker=speaker, status=status, today=_as_date(today), since=_as_date(since), until=_as_date(until))

    def resolve(self, prediction_id: int, outcome: str, *, evidence: str | None = None, note: str | None = None,
                by: str | None = None) -> dict[str, Any]:
        """Record a human verdict (true / false / partly / void) on a prediction; it is kept with who
        and when, and the prediction becomes human-verified (a re-analysis never removes it)."""
        from .ledger import resolve

        with self.store.write() as conn:
            return resolve(conn, prediction_id, outcome, evidence=evidence, note=note, by=by)

    def scorecard(self, *, speaker: str | None = None, today: str | dt.date | None = None) -> list[dict[str, Any]]:
        """Per speaker: predictions, open, overdue, resolved, hit rate, Brier score."""
        from .ledger import scorecard

        return scorecard(self.predictions(speaker=speaker, today=today))

    def timeline(self, *, by: str = "actor", unit: str = "month", speaker: str | None = None,
                 since: str | dt.date | None = None, until: str | dt.date | None = None) -> list[dict[str, Any]]:
        """Per actor (holder) or concept, per period and speaker: statements, support, oppose, net
        polarity and attention per 1,000 words of the period's documents."""
        from .timelines import timeline

        with self.store.read() as conn:
            return timeline(conn, by=by, unit=unit, speaker=speaker, since=_as_date(since), until=_as_date(until))

    def shifts(self, *, speaker: str | None = None, concept: str | None = None, holder: str | None = None,
               since: str | dt.date | None = None, until: str | dt.date | None = None, min_score: float = 0.0,
               kind: str | None = None) -> list[dict[str, Any]]:
        """Shifts of a speaker's statements between dates: polarity and modality changes on the same
        holder and concept, and semantically opposed statements that share no keywords (``kind``:
        polarity, modality or semantic), each with both spans, texts, dates and a score (see
        ``onrecord.shifts``)."""
        from .shifts import find_shifts

        with self.store.read() as conn:
            return find_shifts(conn, speaker=speaker, concept=concept, holder=holder, since=_as_date(since),
                               until=_as_date(until), min_score=min_score, kind=kind)

    def report(self, out: str | os.PathLike | None = None, *, since: str | dt.date | None = None,
               today: str | dt.date | None = None, speaker: str | None = None) -> dict[str, Any]:
        """What changed since a date (default: 30 days before the newest document): new actors, new
        positions, shifts, predictions due and made, chart series; with ``speaker``, that speaker's only.
        With ``out`` (``.html`` or ``.md``) the report is also written, charts as SVG, readable offline."""
        from .analysis.codebook import load_actor_codebook, load_concept_codebook
        from .report import build_report, write_report

        names = {a.id: a.name for a in load_actor_codebook(get_setting("codebook"))}
        names.update({c.id: c.name for c in load_concept_codebook(get_setting("concepts"))})
        with self.store.read() as conn:
            data = build_report(conn, _as_date(since), _as_date(today), names, speaker=speaker)
        if out is not None:
            data["files"] = write_report(data, out)
        return data

    def semantic_search(self, query: str, *, limit: int = 20, update: bool = True) -> list[dict[str, Any]]:
        """Sentences closest in meaning to ``query`` (shipped static embeddings; see ``onrecord.semantic``).
        The sentence index is brought up to date first unless ``update`` is false."""
        from .semantic import search

        return search(self.store, query, limit=limit, update=update)

    def index_sentences(self) -> int:
        """Embed the sentences not yet in the semantic index; returns how many were added."""
        from .semantic import update_index

        return update_index(self.store)

    # -- human review ---------------------------------------------------------------------------------
    def verify_annotation(self, ann_id: int, *, by: str | None = None, note: str | None = None) -> dict[str, Any]:
        """Confirm a machine annotation as right (kept, with who and when, across re-analysis)."""
        from . import review

        with self.store.write() as conn:
            return review.verify(conn, ann_id, by=by, note=note)

    def correct_annotation(self, ann_id: int, *, label: str | None = None, attrs: Mapping[str, Any] | None = None,
                           by: str | None = None, note: str | None = None) -> dict[str, Any]:
        """Change an annotation's label or editable attributes (holder, polarity, ...); it becomes a
        person's annotation and the machine's original is kept in ``attrs["review"]["machine"]``."""
        from . import review

        with self.store.write() as conn:
            return review.correct(conn, ann_id, label=label, attrs=attrs, by=by, note=note)

    def delete_annotation(self, ann_id: int, *, by: str | None = None, reason: str | None = None) -> dict[str, Any]:
        """Delete an annotation; re-analysis does not add a deleted machine annotation back."""
        from . import review

        with self.store.write() as conn:
            return review.remove(conn, ann_id, by=by, reason=reason)

    def add_annotation(self, doc: str | int, *, start: int, end: int, layer: str, label: str,
                       attrs: Mapping[str, Any] | None = None, by: str | None = None, note: str | None = None) -> dict[str, Any]:
        """Add a person's annotation on ``[start, end)`` (code points of the stored text)."""
        from . import review

        with self.store.write() as conn:
            return review.add(conn, queries.find_document(conn, doc), start=start, end=end, layer=layer, label=label,
                              attrs=attrs, by=by, note=note)

    def annotation(self, ann_id: int) -> dict[str, Any]:
        from . import review

        with self.store.read() as conn:
            return review.annotation(conn, ann_id)

    # -- reading --------------------------------------------------------------------------------------
    def document_ids(
        self,
        *,
        since: str | dt.date | None = None,
        until: str | dt.date | None = None,
        outlet: str | None = None,
        speaker: str | None = None,
        search: str | None = None,
        latest_only: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[int]:
        flt = DocumentFilter(_as_date(since), _as_date(until), outlet, speaker, search, None, latest_only)
        with self.store.read() as conn:
            q = queries.select_documents(conn, flt)
            if limit is not None:
                q = q.limit(limit)
            if offset:
                q = q.offset(offset)
            return [row[0] for row in conn.execute(q)]

    def documents(self, **filters: Any) -> list[Document]:
        """Documents matching the filters of :meth:`document_ids`, by date then id."""
        return self._load(self.document_ids(**filters))

    def document(self, ref: str | int) -> Document:
        """A document by id or SHA-256 prefix; :class:`~onrecord.errors.NotFoundError` if none."""
        with self.store.read() as conn:
            doc_id = queries.find_document(conn, ref)
        return self._load([doc_id])[0]

    def _load(self, ids: list[int]) -> list[Document]:
        with self.store.read() as conn:
            rows = queries.document_rows(conn, ids)
            speakers = queries.speakers_by_doc(conn, ids)
        return [
            Document(
                id=r["id"], sha256=r["sha256"], text=r["text"], meta=queries.meta_of(r), version=r["version"],
                previous_id=r["previous_id"], created_at=r["created_at"], format=r["format"], encoding=r["encoding"],
                speakers=speakers[r["id"]], _corpus=self,
            )
            for r in rows
        ]

    def records(self, ids: list[int], layers: Iterable[str] | None = None, batch: int = 200) -> Iterator[dict[str, Any]]:
        """Export records (see :func:`onrecord.export.document_record`) for ``ids``, streamed in batches."""
        layers = list(layers) if layers else None
        for i in range(0, len(ids), batch):
            chunk = ids[i : i + batch]
            with self.store.read() as conn:
                rows = queries.document_rows(conn, chunk)
                anns = queries.annotations_of(conn, chunk, layers)
                speakers = queries.speakers_by_doc(conn, chunk)
                sources = queries.sources_by_doc(conn, chunk)
            for r in rows:
                yield document_record(r, anns[r["id"]], speakers[r["id"]], sources=sources[r["id"]])

    def export(self, out: str | os.PathLike, *, format: str | None = None, layers: Iterable[str] | None = None,
               options: Mapping[str, Any] | None = None, **filters: Any) -> int:
        """Write documents matching ``filters`` to ``out``; returns records (documents or annotations) written.
        ``options`` are passed to the exporter (e.g. ``{"password": ...}`` for ``dna``)."""
        out = os.fspath(out)
        exporter = registry_get("exporters", format_for_export(out, format))
        return exporter(self.records(self.document_ids(**filters), layers), out, **dict(options or {}))

    def import_dna(self, path: str | os.PathLike) -> "DnaImportReport":
        """Read a DNA 3 ``.dna`` file (documents, and statements as human-verified annotations with
        source ``dna:<coder>``) in one transaction; importing it again adds nothing. A file that is not
        a DNA 3 database raises :class:`~onrecord.errors.InputError` and leaves the store as it was."""
        from .networks.dnastore import import_dna

        return import_dna(self.store, path)

    def stats(self) -> dict[str, Any]:
        with self.store.read() as conn:
            result = queries.stats(conn)
        result["store"] = self.store.display_url
        if self.store.dialect == "sqlite" and os.path.exists(self.db):
            result["store_bytes"] = sum(os.path.getsize(p) for p in (self.db, self.db + "-wal") if os.path.exists(p))
        return result


def open_corpus(db: str | os.PathLike | None = None) -> Corpus:
    """Open (creating and migrating if needed) the store at ``db``: a path or an SQLAlchemy URL."""
    return Corpus(db)
