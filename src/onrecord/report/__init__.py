"""The "what changed since" report: data (``build_report``) and its HTML / Markdown rendering."""

from .build import build_report
from .render import render_html, render_markdown, write_report

__all__ = ["build_report", "render_html", "render_markdown", "write_report"]
