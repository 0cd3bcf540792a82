"""Command: import (DNA 3 ``.dna`` files). Parses options, calls ``Corpus.import_dna``, prints."""

from __future__ import annotations

import typer

from ..errors import OnrecordError
from .app import _open, app
from .output import err, fail, out, print_json


@app.command("import")
def import_file(
    path: str = typer.Argument(..., metavar="FILE", help="A DNA 3 database (.dna) of the Discourse Network Analyzer."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Import a DNA 3 project: documents, and statements as human-verified annotations.

    Each DNA statement keeps its coder (source dna:<coder>) and all its variables, so a re-analysis
    never deletes it; importing the same file again adds nothing. A file that is not a DNA 3 database
    gets one error line and exit code 1, and the store is left as it was.

    Example: onrecord import project.dna && onrecord network actors.csv --type onemode
    """
    corpus = _open()
    try:
        report = corpus.import_dna(path)
    except (OnrecordError, OSError) as exc:
        fail(str(exc), code=1)
    finally:
        corpus.close()
    if as_json:
        print_json(report.to_dict())
        return
    for line in report.skipped:
        err.print(f"skipped: {line}", markup=False, highlight=False)
    docs = len(report.documents_added) + len(report.documents_versions) + len(report.documents_unchanged)
    out.print(
        f"{docs} documents ({len(report.documents_added)} new, {len(report.documents_versions)} new versions, "
        f"{len(report.documents_unchanged)} unchanged), {report.statements_added} statements added, "
        f"{report.statements_present} already present, coders: {', '.join(report.coders) or '—'}",
        markup=False,
    )
