"""Command: network. Parses options, calls ``Corpus.network``, prints."""

from __future__ import annotations

import os
from typing import List, Optional

import typer

from ..errors import OnrecordError
from .app import _SINCE, _STATEMENT_SPEAKER, _UNTIL, _open, app
from .output import fail, out


@app.command()
def network(
    out_path: str = typer.Argument(..., metavar="OUT", help="Output file: .csv (DNA matrix), .graphml, .gexf, or --format edgelist."),
    format: Optional[str] = typer.Option(None, "--format", help="csv, graphml, gexf, edgelist or visone (GraphML for visone; default: by extension)."),
    graphml_flavour: str = typer.Option("standard", "--graphml-flavour", help="GraphML output: standard, or visone (visone's node and edge graphics as well)."),
    kind: str = typer.Option("twomode", "--type", help="twomode (actor x concept) or onemode (actor x actor)."),
    aggregation: str = typer.Option("ignore", "--aggregation", help="Polarity aggregation: twomode ignore|subtract|combine; onemode ignore|congruence|conflict|subtract."),
    normalization: str = typer.Option("no", "--normalization", help="twomode no|activity|prominence; onemode no|average|jaccard|cosine|cosine_dna."),
    duplicates: str = typer.Option("include", "--duplicates", help="include|document|week|month|year|acrossrange."),
    since: Optional[str] = _SINCE,
    until: Optional[str] = _UNTIL,
    speaker: Optional[str] = _STATEMENT_SPEAKER,
    min_score: Optional[float] = typer.Option(None, "--min-score", help="Confidence threshold: only statements scored at least this."),
    verified_only: bool = typer.Option(False, "--verified-only", help="Only statements a person verified."),
    isolates: bool = typer.Option(False, "--isolates", help="Keep actors/concepts left without ties by the filters."),
    exclude: List[str] = typer.Option([], "--exclude", help="Drop statements with VAR=VALUE (VAR: actor, concept, polarity); repeatable."),
    invert_exclude: bool = typer.Option(False, "--invert-exclude", help="Keep only the --exclude values instead of dropping them."),
    window: Optional[int] = typer.Option(None, "--window", help="Time-window size: a series of networks (gexf or edgelist)."),
    unit: str = typer.Option("days", "--unit", help="Window unit: days, weeks, months, years."),
) -> None:
    """Export the discourse network of the stored statements with DNA 3 semantics.

    Example: onrecord network actors.gexf --type onemode --aggregation subtract --normalization average
    (or: onrecord network actors.graphml --type onemode --graphml-flavour visone)
    """
    from ..networks.dna import NetworkOptions

    variables = {"actor": "var1", "concept": "var2", "polarity": "qualifier"}
    excluded: dict[str, set[str]] = {}
    for item in exclude:
        var, sep, value = item.partition("=")
        if not sep or var not in variables:
            fail(f"--exclude wants actor=ID, concept=ID or polarity=support|oppose, got {item!r}")
        if var == "polarity":
            value = {"support": "1", "oppose": "0"}.get(value, value)
        excluded.setdefault(variables[var], set()).add(value)
    options = NetworkOptions(
        kind, aggregation, normalization, "boolean", duplicates, exclude={k: frozenset(v) for k, v in excluded.items()},
        invert_values=invert_exclude, isolates=isolates,
    )
    if graphml_flavour not in ("standard", "visone"):
        fail(f"--graphml-flavour wants standard or visone, got {graphml_flavour!r}")
    if graphml_flavour == "visone":
        if (format or os.path.splitext(out_path)[1].lstrip(".")).lower() not in ("graphml", "visone"):
            fail("--graphml-flavour visone applies to GraphML output (a .graphml file or --format graphml)")
        format = "visone"
    corpus = _open()
    try:
        series = corpus.network(out_path, format=format, options=options, since=since, until=until, speaker=speaker,
                                min_score=min_score, verified_only=verified_only, window=window, unit=unit)
    except (OnrecordError, OSError) as exc:
        fail(str(exc))
    n = sum(x.n_statements for x in series)
    first = series[0] if series else None
    shape = f"{len(first.rows)} x {len(first.cols)}" if first is not None else "no windows"
    out.print(f"wrote {len(series)} network(s) ({shape}; {n:,} statements) to {out_path}", markup=False)
