"""Rendering the report: HTML with inline SVG charts (matplotlib, no scripts, readable offline) or
Markdown with the charts as SVG files beside it."""

from __future__ import annotations

import io
import os
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

__all__ = ["charts", "render_html", "render_markdown", "write_report"]


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    text = buf.getvalue()
    return text[text.index("<svg"):]


def charts(report: dict[str, Any]) -> dict[str, str]:
    """SVG texts: ``concepts`` (statements per month, top concepts) and ``actors`` (support vs oppose)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out: dict[str, str] = {}
    series = report["concept_series"]
    if series:
        periods = sorted({p for s in series.values() for p in s})
        fig, ax = plt.subplots(figsize=(8, 3.2))
        for key, values in series.items():
            ax.plot(periods, [values.get(p, 0) for p in periods], marker="o", label=key)
        ax.set_ylabel("statements")
        ax.set_title("Statements per month, top concepts")
        ax.legend(fontsize=7, loc="upper left")
        ax.tick_params(axis="x", labelrotation=45, labelsize=7)
        out["concepts"] = _svg(fig)
        plt.close(fig)
    actors = report["actor_polarity"]
    if actors:
        fig, ax = plt.subplots(figsize=(8, 0.35 * len(actors) + 1))
        labels = [a["name"] for a in actors]
        ax.barh(labels, [a["support"] for a in actors], color="#3a7d44", label="support")
        ax.barh(labels, [-a["oppose"] for a in actors], color="#b23a48", label="oppose")
        ax.axvline(0, color="black", linewidth=0.5)
        ax.invert_yaxis()
        ax.set_title("Positions held since the report date (support right, oppose left)")
        ax.legend(fontsize=7)
        out["actors"] = _svg(fig)
        plt.close(fig)
    return out


def _env() -> Environment:
    return Environment(loader=PackageLoader("onrecord.report", "templates"), autoescape=select_autoescape(["html"]),
                       trim_blocks=True, lstrip_blocks=True)


def render_html(report: dict[str, Any]) -> str:
    return _env().get_template("report.html").render(r=report, charts=charts(report))


def render_markdown(report: dict[str, Any], chart_files: dict[str, str] | None = None) -> str:
    return _env().get_template("report.md").render(r=report, charts=chart_files or {})


def write_report(report: dict[str, Any], path: str | os.PathLike) -> list[str]:
    """Write ``.html`` (self-contained) or ``.md`` (plus ``NAME-concepts.svg`` / ``NAME-actors.svg``);
    returns the files written."""
    path = os.fspath(path)
    if path.lower().endswith((".md", ".markdown")):
        base = os.path.splitext(path)[0]
        files = {}
        for name, svg in charts(report).items():
            target = f"{base}-{name}.svg"
            with open(target, "w", encoding="utf-8") as fh:
                fh.write(svg)
            files[name] = os.path.basename(target)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(render_markdown(report, files))
        return [path, *(os.path.join(os.path.dirname(path), f) for f in files.values())]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(render_html(report))
    return [path]
