"""Commands: analyze, actors, eval. Each parses options, calls one library function, prints."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional

import typer
from rich.table import Table
from rich.text import Text

from ..errors import OnrecordError
from .app import _open, app
from .output import analyze_progress, err, fail, out, print_json, problem_line


@app.command()
def analyze(
    only: List[str] = typer.Option([], "--only", help="Only these documents (id or SHA-256 prefix; repeatable)."),
    stages: Optional[str] = typer.Option(None, "--stages", help="Comma-separated stage names (default: the whole pipeline; see --list)."),
    force: bool = typer.Option(False, "--force", help="Re-analyse documents already analysed by the same stage versions."),
    codebook: Optional[Path] = typer.Option(None, "--codebook", help="Extra actor codebook YAML merged over the shipped one."),
    concepts: Optional[Path] = typer.Option(None, "--concepts", help="Extra concept codebook YAML merged over the shipped one."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Worker processes (default: setting 'analyze_workers', the number of cores; 0 = in this process); with --engine ray, Ray actors (default: every CPU of the cluster)."),
    engine: Optional[str] = typer.Option(None, "--engine", help="local (worker processes) or ray (Ray Data; needs onrecord[ray]). Default: setting 'engine', local."),
    address: Optional[str] = typer.Option(None, "--address", help="With --engine ray: an existing Ray cluster (HOST:PORT or ray://HOST:PORT); default: start Ray on this machine."),
    list_stages: bool = typer.Option(False, "--list", help="List the registered stages (requires -> assigns) and exit."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only error lines."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON on stdout."),
) -> None:
    """Analyse stored documents: sentences, actors, statements, predictions, techniques, claims.

    Documents already analysed by the same stage versions are skipped; older machine annotations are
    replaced; human-verified ones are never touched. A document that fails gets one error line; the
    rest goes on. Exit code 1 if anything failed.

    Example: onrecord analyze --only 3 --stages onrecord.sentences.v1,onrecord.actors.v1
    (or: onrecord analyze --engine ray --address 10.0.0.5:6379)
    """
    if list_stages:
        from ..analysis.base import DEFAULT_STAGES, get_stage
        from ..registry import names

        for name in names("stages"):
            st = get_stage(name)
            mark = "*" if name in DEFAULT_STAGES else " "
            out.print(f"{mark} {name}: {', '.join(st.requires) or '-'} -> {', '.join(st.assigns)}  {st.doc}", markup=False)
        return
    corpus = _open()
    stage_names = [s.strip() for s in stages.split(",") if s.strip()] if stages else None
    with analyze_progress(not quiet and not as_json) as progress:
        task = progress.add_task("analyze", total=None, words=0)

        def on_event(event: dict[str, Any]) -> None:
            kind = event["event"]
            if kind == "start":
                progress.update(task, total=event["documents"])
            elif kind == "document":
                progress.update(task, completed=progress.tasks[0].completed + 1, words=progress.tasks[0].fields["words"] + event["words"])
            elif kind == "skipped":
                progress.update(task, completed=progress.tasks[0].completed + event["documents"])
            elif kind == "problem":
                err.print(problem_line(event["problem"]), markup=False, highlight=False)

        try:
            report = corpus.analyze(
                only or None, stages=stage_names, force=force, workers=workers, codebook=codebook, concepts=concepts, progress=on_event,
                engine=engine, address=address,
            )
        except OnrecordError as exc:
            fail(str(exc))
    corpus.close()
    if as_json:
        print_json(report.to_dict())
    elif not quiet:
        rate = report.words / report.seconds if report.seconds else 0.0
        layers = ", ".join(f"{k} {v:,}" for k, v in sorted(report.annotations.items())) or "none"
        out.print(
            f"{len(report.analysed)} analysed, {len(report.skipped)} already up to date, {len(report.problems)} failed; "
            f"{report.words:,} words in {report.seconds:.2f}s ({rate:,.0f} words/s); annotations: {layers}",
            markup=False,
        )
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def actors(
    candidates: bool = typer.Option(False, "--candidates", help="List names found by NER that the codebook lacks, with the nearest known actor."),
    only: List[str] = typer.Option([], "--only", help="Only these documents (id or SHA-256 prefix; repeatable)."),
    min_mentions: int = typer.Option(1, "--min-mentions", help="With --candidates: only names mentioned at least this often."),
    limit: int = typer.Option(40, "--limit", help="Rows to print (JSON prints all)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Actors of the analysed documents: mentions, statements they hold (support/oppose), top positions,
    predictions; or, with --candidates, unknown names to add to the codebook.

    Example: onrecord actors --candidates --min-mentions 2
    """
    corpus = _open()
    try:
        rows = corpus.actor_candidates(only or None, min_mentions) if candidates else corpus.actors(only or None)
    except OnrecordError as exc:
        fail(str(exc))
    if as_json:
        print_json(rows)
        return
    if candidates:
        table = Table(title=f"{len(rows)} candidate actors (not in the codebook)", title_justify="left")
        for col in ("name", "type", "mentions", "docs", "variants", "nearest codebook actor"):
            table.add_column(col, overflow="fold")
        for r in rows[:limit]:
            near = r["nearest"]
            table.add_row(Text(r["name"]), r["type"], str(r["mentions"]), str(r["documents"]), Text(", ".join(r["variants"])),
                          Text(f"{near['actor']} ({near['form']}, {near['score']})" if near else "—"))
        out.print(table)
        return
    table = Table(title=f"{len(rows)} actors", title_justify="left")
    for col in ("actor", "type", "mentions", "docs", "statements +/−", "top positions", "predictions"):
        table.add_column(col, overflow="fold")
    for r in rows[:limit]:
        tops = "; ".join(f"{'+' if p['polarity'] == 'support' else '−'}{p['concept']} ×{p['count']}" for p in r["top_positions"][:3])
        table.add_row(Text(f"{r['name']} [{r['id']}]"), r["type"], str(r["mentions"]), str(r["documents"]),
                      f"{r['statements']['support']}/{r['statements']['oppose']}", Text(tops or "—"), str(r["predictions"]))
    out.print(table)


@app.command("eval")
def evaluate(
    gold: Path = typer.Option(..., "--gold", help="Gold folder: NAME.txt + NAME.gold.jsonl (onrecord) or article<ID>.txt + labels (ptc)."),
    format: str = typer.Option("onrecord", "--format", help="onrecord or ptc."),
    layer: List[str] = typer.Option([], "--layer", "-l", help="Only this layer (repeatable): actor, statement, prediction, technique, claim."),
    per_label: bool = typer.Option(False, "--per-label", help="Also print per-label scores."),
    prepare: bool = typer.Option(False, "--prepare", help="First ingest and analyse the gold texts in this store (skipped when up to date)."),
    stages: Optional[str] = typer.Option(None, "--stages", help="With --prepare: comma-separated stages (default: the whole pipeline)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Score the store's analysis against gold: precision/recall/F1 per layer, attribute and label;
    techniques also with the SemEval-2020 Task 11 SI and TC semantics.

    The gold texts must be in the store and analysed (--prepare does both).

    Example: onrecord eval --gold gold/onrecord --prepare --per-label
    """
    corpus = _open()
    try:
        stage_names = [x.strip() for x in stages.split(",") if x.strip()] if stages else None
        report = corpus.evaluate(gold, format=format, layers=layer or None, prepare=prepare, stages=stage_names)
    except OnrecordError as exc:
        fail(str(exc))
    if as_json:
        print_json(report.to_dict())
        return
    table = Table(title=f"evaluation on {len(report.documents)} gold documents ({report.format})", title_justify="left")
    for col in ("layer", "criterion", "precision", "recall", "F1", "predicted", "gold"):
        table.add_column(col, justify="right" if col not in ("layer", "criterion") else "left")
    for name, score in report.layers.items():
        for crit, prf in score.criteria.items():
            table.add_row(name, crit, f"{prf.precision:.3f}", f"{prf.recall:.3f}", f"{prf.f1:.3f}", str(prf.n_pred), str(prf.n_gold))
    for task, s in report.ptc.items():
        table.add_row("technique", f"PTC {task}", f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}", str(s.get("n_pred", "")), str(s.get("n_gold", "")))
    out.print(table)
    if per_label:
        for name, score in report.layers.items():
            if not score.per_label:
                continue
            t = Table(title=f"{name}: per label", title_justify="left")
            for col in ("label", "precision", "recall", "F1", "predicted", "gold"):
                t.add_column(col)
            for label, prf in sorted(score.per_label.items()):
                t.add_row(Text(label), f"{prf.precision:.3f}", f"{prf.recall:.3f}", f"{prf.f1:.3f}", str(prf.n_pred), str(prf.n_gold))
            out.print(t)

