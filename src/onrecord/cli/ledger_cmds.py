"""Commands over time: predictions, resolve (the prediction ledger), timeline, shifts, report. Parse options, call the library, print."""

from __future__ import annotations

from typing import Optional

import typer
from rich.table import Table
from rich.text import Text

from ..errors import OnrecordError
from .app import _SINCE, _STATEMENT_SPEAKER, _UNTIL, _open, app
from .output import fail, out, print_json


@app.command()
def predictions(
    speaker: Optional[str] = _STATEMENT_SPEAKER,
    status: Optional[str] = typer.Option(None, "--status", help="open, overdue, resolved, or an outcome: true, false, partly, void."),
    since: Optional[str] = _SINCE,
    until: Optional[str] = _UNTIL,
    scorecard: bool = typer.Option(False, "--scorecard", help="Per-speaker scorecard: hit rate, Brier score, overdue predictions."),
    today: Optional[str] = typer.Option(None, "--today", help="Date that decides what is overdue (default: today)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The prediction ledger: predictions with horizon, confidence and status; or the scorecard.

    Example: onrecord predictions --status overdue && onrecord predictions --scorecard
    """
    corpus = _open()
    try:
        rows = corpus.scorecard(speaker=speaker, today=today) if scorecard else corpus.predictions(
            speaker=speaker, status=status, today=today, since=since, until=until
        )
    except OnrecordError as exc:
        fail(str(exc))
    if as_json:
        print_json(rows)
        return
    if scorecard:
        table = Table(title="prediction scorecard", title_justify="left")
        for col in ("speaker", "predictions", "open", "overdue", "resolved", "hit rate", "Brier (n)"):
            table.add_column(col)
        for r in rows:
            hit = "—" if r["hit_rate"] is None else f"{r['hit_rate']:.2f}"
            brier = "—" if r["brier"] is None else f"{r['brier']:.3f} ({r['brier_n']})"
            table.add_row(Text(r["speaker"]), str(r["predictions"]), str(r["open"]), str(r["overdue"]), str(r["resolved"]), hit, brier)
        out.print(table)
        return
    table = Table(title=f"{len(rows)} predictions", title_justify="left")
    for col in ("id", "date", "speaker", "holder", "concept", "horizon", "until", "confidence", "status", "text"):
        table.add_column(col, overflow="fold")
    for r in rows:
        text = r["text"] if len(r["text"]) <= 90 else r["text"][:87] + "…"
        table.add_row(str(r["id"]), r["date"] or "—", Text(r["speaker"] or "—"), Text(r["holder"] or "—"), r["concept"],
                      Text(r["horizon"] or "—"), r["horizon_end"] or "open", r["confidence"] or "—", r["status"], Text(text))
    out.print(table)


@app.command()
def resolve(
    prediction_id: int = typer.Argument(..., metavar="ID", help="Prediction id (see `onrecord predictions`)."),
    outcome: str = typer.Option(..., "--outcome", help="true, false, partly or void."),
    evidence: Optional[str] = typer.Option(None, "--evidence", help="URL or reference of the evidence."),
    note: Optional[str] = typer.Option(None, "--note", help="Free-text note."),
    by: Optional[str] = typer.Option(None, "--by", help="Who decides (default: the login name)."),
) -> None:
    """Record a human verdict on a prediction (kept with who and when; a re-analysis never removes it).

    Example: onrecord resolve 412 --outcome false --evidence https://example.org/truce --note "truce agreed in March"
    """
    corpus = _open()
    try:
        row = corpus.resolve(prediction_id, outcome, evidence=evidence, note=note, by=by)
    except OnrecordError as exc:
        fail(str(exc))
    out.print(f"prediction {prediction_id}: {row['outcome']} (verdict {row['id']} by {row['decided_by']})", markup=False)


@app.command()
def timeline(
    by: str = typer.Option("actor", "--by", help="actor (the statement's holder) or concept."),
    unit: str = typer.Option("month", "--unit", help="week, month or year."),
    speaker: Optional[str] = _STATEMENT_SPEAKER,
    key: Optional[str] = typer.Option(None, "--key", help="Only this actor or concept id."),
    since: Optional[str] = _SINCE,
    until: Optional[str] = _UNTIL,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Statements, net polarity and attention (per 1,000 words) by period, per actor or concept and speaker.

    Example: onrecord timeline --by concept --unit month --key ceasefire
    """
    corpus = _open()
    try:
        rows = corpus.timeline(by=by, unit=unit, speaker=speaker, since=since, until=until)
    except OnrecordError as exc:
        fail(str(exc))
    if key:
        rows = [r for r in rows if r["key"] == key]
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"timeline by {by} and {unit}", title_justify="left")
    for col in ("period", by, "speaker", "statements", "support", "oppose", "net", "attention"):
        table.add_column(col)
    for r in rows:
        att = "—" if r["attention"] is None else f"{r['attention']:.2f}"
        table.add_row(r["period"], Text(r["key"]), Text(r["speaker"]), str(r["statements"]), str(r["support"]), str(r["oppose"]),
                      f"{r['net']:+.2f}", att)
    out.print(table)


@app.command()
def shifts(
    speaker: Optional[str] = _STATEMENT_SPEAKER,
    concept: Optional[str] = typer.Option(None, "--concept", help="Only this concept id."),
    holder: Optional[str] = typer.Option(None, "--holder", help="Only this holder (actor id or speaker:NAME)."),
    since: Optional[str] = _SINCE,
    until: Optional[str] = _UNTIL,
    min_score: float = typer.Option(0.0, "--min-score", help="Only shifts scored at least this (0-1)."),
    kind: Optional[str] = typer.Option(None, "--kind", help="Only this kind: polarity, modality or semantic."),
    limit: int = typer.Option(30, "--limit", help="Rows to print (JSON prints all)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Shifts: a speaker's statements on the same holder whose polarity or modality changed between
    dates (same concept), or that say opposite things in other words (semantic: close embeddings, no
    shared keyword, a negation, antonym or polarity cue), with both spans and dates.

    Example: onrecord shifts --speaker "Alexander Dugin" --concept ceasefire --kind semantic
    """
    from ..shifts import SHIFT_KINDS

    if kind is not None and kind not in SHIFT_KINDS:
        fail(f"unknown shift kind {kind!r}; known: {', '.join(SHIFT_KINDS)}")
    corpus = _open()
    try:
        rows = corpus.shifts(speaker=speaker, concept=concept, holder=holder, since=since, until=until, min_score=min_score,
                             kind=kind)
    except OnrecordError as exc:
        fail(str(exc))
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} shifts", title_justify="left")
    for col in ("score", "kind", "speaker", "holder", "concept", "before", "after"):
        table.add_column(col, overflow="fold")
    for r in rows[:limit]:
        b, a = r["before"], r["after"]
        cut = lambda t: t if len(t) <= 80 else t[:77] + "…"  # noqa: E731
        why = r["kind"] if r["kind"] != "semantic" else f"semantic (sim {r['similarity']:.2f}; {', '.join(r['cues'])})"
        table.add_row(f"{r['score']:.2f}", Text(why), Text(r["speaker"]), Text(r["holder"]), r["concept"],
                      Text(f"{b['date']} {b['polarity']}/{b['modality']} [{b['doc_id']}:{b['start']}-{b['end']}] {cut(b['text'])}"),
                      Text(f"{a['date']} {a['polarity']}/{a['modality']} [{a['doc_id']}:{a['start']}-{a['end']}] {cut(a['text'])}"))
    out.print(table)


@app.command()
def report(
    out_path: str = typer.Option(..., "--out", help="report.html (self-contained, SVG charts inline) or report.md (charts as SVG files beside it)."),
    since: Optional[str] = typer.Option(None, "--since", help="What changed since this date (default: 30 days before the newest document)."),
    today: Optional[str] = typer.Option(None, "--today", help="Date that decides which predictions are due or overdue (default: today)."),
    speaker: Optional[str] = _STATEMENT_SPEAKER,
) -> None:
    """Write the "what changed since" report: shifts, predictions due, new positions, new actors, charts.
    With --speaker, one speaker's: actors they name and positions they state for the first time, their
    shifts, predictions and timelines.

    Example: onrecord report --since 2025-06-01 --speaker "Alexander Dugin" --out report.html
    """
    corpus = _open()
    try:
        data = corpus.report(out_path, since=since, today=today, speaker=speaker)
    except (OnrecordError, OSError) as exc:
        fail(str(exc))
    out.print(
        f"wrote {', '.join(data['files'])}: {len(data['shifts'])} shifts, {len(data['predictions_due'])} predictions due, "
        f"{len(data['new_positions'])} new positions, {len(data['new_actors'])} new actors since {data['since']}",
        markup=False,
    )
