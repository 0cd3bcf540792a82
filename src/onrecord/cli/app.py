"""Commands: ingest, ls, show, export, stats. Each parses options, calls one library function, prints."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, List, Optional

import typer
import yaml
from rich.table import Table
from rich.text import Text

from .. import __version__
from ..corpus import Corpus
from ..errors import ConfigError, ExportWarning, OnrecordError
from ..ingest.transcript import LabelLexicon, load_lexicon
from ..settings import get_setting
from .output import err, fail, ingest_progress, out, print_json, problem_line

app = typer.Typer(
    name="onrecord",
    help="Read dated political commentary and rebuild, checkably, the system it describes.\n\n"
    "Example: onrecord --db corpus.db ingest transcripts/ && onrecord --db corpus.db ls",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class State:
    db: str | None = None


def _version(value: bool) -> None:
    if value:
        out.print(f"onrecord {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    db: Optional[str] = typer.Option(
        None, "--db", envvar="ONRECORD_DB", help="Store: a SQLite file (default ./onrecord.db) or an SQLAlchemy URL."
    ),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Read dated political commentary and rebuild, checkably, the system it describes.

    Example: onrecord --db corpus.db ingest transcripts/ && onrecord --db corpus.db ls
    """
    State.db = db


def _open() -> Corpus:
    try:
        return Corpus(State.db)
    except OnrecordError as exc:
        fail(str(exc))
        raise  # unreachable


def _parse_columns(values: list[str]) -> dict[str, str]:
    columns = {}
    for value in values:
        field, sep, name = value.partition("=")
        if not sep or not field or not name:
            fail(f"--column wants FIELD=NAME (e.g. text=body), got {value!r}")
        columns[field.strip().lower()] = name.strip()
    return columns


def _labels(path: Optional[Path]) -> LabelLexicon | None:
    if path is None:
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        fail(f"cannot read labels file {path}: {exc}")
    if not isinstance(data, dict):
        fail(f"labels file {path} must be a mapping with roles / not_labels / outlets lists")
    return LabelLexicon.from_mapping(data, base=load_lexicon())


@app.command()
def ingest(
    paths: List[str] = typer.Argument(..., help="Files, folders (searched recursively) or glob patterns ('**/*.txt')."),
    speaker: Optional[str] = typer.Option(None, "--speaker", help="Speaker of text without speaker labels (when the metadata names no author)."),
    format: Optional[str] = typer.Option(None, "--format", help="Force a format: text, jsonl, csv, html, parquet (a file or a Parquet dataset folder) (default: by extension)."),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="Force an encoding (default: detected)."),
    column: List[str] = typer.Option([], "--column", help="JSONL/CSV field mapping FIELD=NAME, e.g. --column text=body --column date=published."),
    max_file_size: Optional[str] = typer.Option(None, "--max-file-size", help="Refuse files larger than this (default 50MB)."),
    language: Optional[str] = typer.Option(None, "--language", help="Language code for documents whose metadata gives none."),
    labels_file: Optional[Path] = typer.Option(None, "--labels-file", help="YAML with extra speaker roles, non-label words and outlets."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only error lines."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON on stdout (error lines still go to stderr)."),
) -> None:
    """Ingest transcripts, text/Markdown, JSONL, CSV and HTML files into the store.

    Each bad file or row gets one error line (file, line, reason) on stderr; the rest goes on.
    Exit code 1 if anything failed, 0 otherwise.

    Example: onrecord ingest examples/corpus --speaker "Alexander Dugin"
    """
    try:
        size = get_setting("max_file_size", max_file_size)
    except ConfigError as exc:
        fail(str(exc))
    corpus = _open()
    show_progress = not quiet and not as_json
    with ingest_progress(show_progress) as progress:
        task = progress.add_task("ingest", total=None, docs=0)

        def on_event(event: dict[str, Any]) -> None:
            kind = event["event"]
            if kind == "start":
                progress.update(task, total=event["files"])
            elif kind == "file":
                docs = progress.tasks[0].fields.get("docs", 0) + event["documents"]
                progress.update(task, advance=1, docs=docs)
            elif kind == "problem":
                err.print(problem_line(event["problem"]), markup=False, highlight=False)

        try:
            report = corpus.ingest(
                paths, speaker=speaker, format=format, encoding=encoding, columns=_parse_columns(column),
                max_file_size=size, language=language, labels=_labels(labels_file), progress=on_event,
            )
        except OnrecordError as exc:
            fail(str(exc))
    corpus.close()
    if as_json:
        print_json(report.to_dict())
    elif not quiet:
        rate = report.documents / report.seconds if report.seconds else 0.0
        mb = report.bytes / 1e6
        out.print(
            f"{len(report.added)} new, {len(report.versions)} new versions, {len(report.unchanged)} unchanged "
            f"from {report.files} files ({mb:.1f} MB) in {report.seconds:.2f}s ({rate:,.0f} docs/s); "
            f"{len(report.problems)} failed",
            markup=False,
        )
    raise typer.Exit(0 if report.ok else 1)


def _filters(since, until, outlet, speaker, search, latest) -> dict[str, Any]:
    return {"since": since, "until": until, "outlet": outlet, "speaker": speaker, "search": search, "latest_only": latest}


_SINCE = typer.Option(None, "--since", help="Only documents dated on or after this date.")
_UNTIL = typer.Option(None, "--until", help="Only documents dated on or before this date.")
_OUTLET = typer.Option(None, "--outlet", help="Only documents from this outlet (case-insensitive).")
_SPEAKER = typer.Option(None, "--speaker", help="Only documents in which this speaker has a turn.")
_STATEMENT_SPEAKER = typer.Option(None, "--speaker", help="Only statements (or predictions) made by this speaker.")
_SEARCH = typer.Option(None, "--search", help="Full-text query (SQLite FTS5: words, \"phrases\", AND, OR, NOT, prefix*).")
_LATEST = typer.Option(False, "--latest", help="Only the latest version of each document.")


@app.command("ls")
def list_documents(
    since: Optional[str] = _SINCE,
    until: Optional[str] = _UNTIL,
    outlet: Optional[str] = _OUTLET,
    speaker: Optional[str] = _SPEAKER,
    search: Optional[str] = _SEARCH,
    latest: bool = _LATEST,
    limit: Optional[int] = typer.Option(None, "--limit", help="At most this many documents."),
    ids: bool = typer.Option(False, "--ids", help="Print only document ids, one per line."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List documents with date, outlet, programme, speakers and layer counts.

    Example: onrecord ls --since 2025-06-01 --speaker "Alexander Dugin"
    """
    corpus = _open()
    try:
        docs = corpus.documents(**_filters(since, until, outlet, speaker, search, latest), limit=limit)
    except OnrecordError as exc:
        fail(str(exc))
    if ids:
        for d in docs:
            out.print(str(d.id))
        return
    rows = [
        {
            "id": d.id, "sha256": d.sha256[:12], "date": d.date.isoformat() if d.date else None,
            "outlet": d.meta.outlet, "programme": d.meta.programme, "title": d.meta.title,
            "speakers": [name for name, _ in d.speakers], "chars": len(d.text), "version": d.version,
            "layers": d.layers(),
        }
        for d in docs
    ]
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} documents", title_justify="left")
    with_titles = any(r["title"] for r in rows)
    for name in ("id", "date", "outlet", "programme", *(["title"] if with_titles else []), "speakers", "chars", "turns"):
        table.add_column(name, overflow="fold", no_wrap=name in ("id", "date", "chars", "turns"))
    for r in rows:
        table.add_row(
            str(r["id"]) + (f" v{r['version']}" if r["version"] > 1 else ""), r["date"] or "—",
            Text(r["outlet"] or "—"), Text(r["programme"] or "—"), *([Text(r["title"] or "—")] if with_titles else []),
            Text(", ".join(r["speakers"]) or "—"), f"{r['chars']:,}", str(r["layers"].get("turn", 0)),
        )
    out.print(table)


@app.command()
def show(
    doc: str = typer.Argument(..., help="Document id or SHA-256 prefix (see `onrecord ls`)."),
    layer: List[str] = typer.Option([], "--layer", "-l", help="Print the spans of this layer (repeatable), e.g. turn, header."),
    as_json: bool = typer.Option(False, "--json", help="Print the document with its annotations as JSON."),
) -> None:
    """Show a document: metadata, then its text turn by turn; --layer lists the spans of a layer.

    Example: onrecord show 1 --layer turn
    """
    corpus = _open()
    try:
        d = corpus.document(doc)
    except OnrecordError as exc:
        fail(str(exc))
    if as_json:
        print_json(next(corpus.records([d.id], layer or None)))
        return
    meta = d.meta
    out.print(Text(f"document {d.id}  sha256 {d.sha256[:16]}  version {d.version}", style="bold"))
    for name in ("date", "outlet", "programme", "title", "author", "language", "url"):
        value = getattr(meta, name)
        if value is not None:
            out.print(Text(f"  {name}: {value}"))
    out.print(Text(f"  format: {d.format}  encoding: {d.encoding}  characters: {len(d.text):,}"))
    if layer:
        for name in layer:
            spans = d.layer(name)
            table = Table(title=f"layer {name}: {len(spans)} spans", title_justify="left")
            for col in ("start", "end", "label", "text", "attrs", "source"):
                table.add_column(col, overflow="fold")
            for a in spans:
                covered = a.text_of(d.text)
                excerpt = covered if len(covered) <= 80 else covered[:60] + " … " + covered[-15:]
                attrs = ", ".join(f"{k}={v}" for k, v in a.attrs.items())
                table.add_row(str(a.start), str(a.end), Text(a.label), Text(excerpt), Text(attrs), a.source + (" ✓" if a.verified else ""))
            out.print(table)
        return
    turns = d.layer("turn")
    for t in turns:
        out.print()
        out.print(Text(f"{t.attrs.get('speaker') or 'unknown'}  [{t.start}–{t.end}]", style="bold cyan"))
        out.print(Text(t.text_of(d.text)))


@app.command()
def export(
    out_path: str = typer.Argument(..., metavar="OUT", help="Output file; the format follows the extension (.jsonl, .csv, .parquet, .dna)."),
    format: Optional[str] = typer.Option(None, "--format", help="jsonl (documents + annotations), csv (one row per annotation), parquet, parquet-dataset (a folder partitioned by year/month), ptc (technique spans as PTC label lines), dna (a DNA 3 database of the statements)."),
    layer: List[str] = typer.Option([], "--layer", "-l", help="Only annotations of this layer (repeatable)."),
    since: Optional[str] = _SINCE,
    until: Optional[str] = _UNTIL,
    outlet: Optional[str] = _OUTLET,
    speaker: Optional[str] = _SPEAKER,
    search: Optional[str] = _SEARCH,
    latest: bool = _LATEST,
    dna_password: Optional[str] = typer.Option(
        None, "--dna-password", envvar="ONRECORD_DNA_PASSWORD",
        help="dna only: the password of every coder in the written DNA file (default: onrecord).",
    ),
) -> None:
    """Export documents with their annotations: JSONL (re-ingestable), CSV of annotations, Parquet, or a DNA 3 file.

    Example: onrecord export corpus.jsonl --since 2025-01-01 && onrecord export spans.csv --layer turn
    """
    from ..export import EXPORT_FORMATS, format_for_export

    options = {}
    if dna_password is not None:
        if format_for_export(out_path, format) != EXPORT_FORMATS["dna"]:
            fail("--dna-password applies only to DNA files (.dna or --format dna)")
        options["password"] = dna_password
    corpus = _open()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ExportWarning)
            n = corpus.export(out_path, format=format, layers=layer or None, options=options,
                              **_filters(since, until, outlet, speaker, search, latest))
    except (OnrecordError, OSError) as exc:
        fail(str(exc))
    for w in caught:
        if issubclass(w.category, ExportWarning):
            err.print(f"warning: {w.message}", markup=False)
    out.print(f"wrote {n:,} records to {out_path}", markup=False)


@app.command()
def stats(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Counts: documents, versions, characters, date range, outlets, speakers, layers, runs.

    Example: onrecord --db corpus.db stats --json
    """
    corpus = _open()
    s = corpus.stats()
    if as_json:
        print_json(s)
        return
    table = Table(title="store " + s["store"], title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("value", overflow="fold")
    table.add_row("documents", f"{s['documents']:,} ({s['new_versions']:,} are new versions)")
    table.add_row("characters", f"{s['characters']:,}")
    table.add_row("dates", f"{s['date_range'][0] or '—'} … {s['date_range'][1] or '—'}")
    table.add_row("outlets", Text(", ".join(f"{k} ({v})" for k, v in s["outlets"].items()) or "—"))
    table.add_row("speakers", Text(", ".join(f"{k} ({v['documents']} docs, {v['turns']} turns)" for k, v in s["speakers"].items()) or "—"))
    table.add_row("formats", ", ".join(f"{k} ({v})" for k, v in s["formats"].items()) or "—")
    table.add_row("layers", ", ".join(f"{k} ({v:,})" for k, v in s["layers"].items()) or "—")
    table.add_row("runs", ", ".join(f"{r['kind']} {r['status']} ({r['count']})" for r in s["runs"]) or "—")
    if "store_bytes" in s:
        table.add_row("size", f"{s['store_bytes'] / 1e6:.1f} MB")
    out.print(table)


def main() -> None:
    from .output import store_failure

    try:
        app()
    except Exception as exc:  # a full disk anywhere (opening, a run record, an export): one line, no traceback
        message = store_failure(exc)
        if message is None:
            raise
        err.print(Text(f"error: {message}", style="red"))
        raise SystemExit(1) from None
