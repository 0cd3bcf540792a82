"""Terminal output helpers shared by the CLI commands (rich consoles, tables, JSON)."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, SpinnerColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

from .._types import Problem
from ..errors import disk_full

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


DISK_FULL = "disk full: the store cannot grow (free some space, then run the command again; what was stored is whole)"


def store_failure(exc: BaseException | str) -> str | None:
    """The one line to print for a store that cannot be written (full disk, I/O error), else None."""
    if disk_full(exc):
        return DISK_FULL
    cause = exc if isinstance(exc, str) else (getattr(exc, "orig", None) or exc)
    if "disk I/O error" in str(cause):  # SQLITE_IOERR: e.g. a write refused with EFBIG (a file-size limit)
        return ("the store could not be written: disk I/O error (is the disk full, or a file-size limit reached?); "
                "what was stored is whole")
    return None


def problem_line(problem: Problem) -> str:
    message = store_failure(problem.reason)
    if message:  # one line, not the driver's message with its SQL and links
        where = f"{problem.path}:{problem.line}" if problem.line is not None else problem.path
        return f"error: {where}: not written: {message}"
    return f"error: {problem}"


def fail(message: str, code: int = 2) -> None:
    import typer

    err.print(Text(f"error: {message}", style="red"))
    raise typer.Exit(code)


class DocsPerSecond(ProgressColumn):
    """Documents ingested so far and documents per second."""

    def render(self, task: Task) -> Text:
        docs = task.fields.get("docs", 0)
        elapsed = task.elapsed or 0.0
        rate = docs / elapsed if elapsed > 0 else 0.0
        return Text(f"{docs:,} docs · {rate:,.0f} docs/s", style="cyan")


def ingest_progress(enabled: bool) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[bold]ingest"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("files"),
        DocsPerSecond(),
        TimeElapsedColumn(),
        console=err,
        disable=not enabled,
        transient=False,
    )


def analyze_progress(enabled: bool) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[bold]analyze"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("documents"),
        TextColumn("[cyan]{task.fields[words]:,} words"),
        TimeElapsedColumn(),
        console=err,
        disable=not enabled,
        transient=False,
    )
