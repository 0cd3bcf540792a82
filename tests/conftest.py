"""Shared fixtures: a fresh store per test, the sample corpus, and small file makers."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import onrecord

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "examples" / "corpus"
SAMPLE_000 = SAMPLES / "000_093af9b9ee9032fc.txt"
SAMPLE_002 = SAMPLES / "002_283642ddbe666578.txt"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("ONRECORD_"):
            monkeypatch.delenv(name)


@pytest.fixture
def corpus(tmp_path):
    c = onrecord.open(tmp_path / "test.db")
    yield c
    c.close()


@pytest.fixture
def samples(tmp_path) -> Path:
    folder = tmp_path / "samples"
    shutil.copytree(SAMPLES, folder)
    return folder


@pytest.fixture
def write(tmp_path):
    """write("name.txt", text_or_bytes, encoding="utf-8") -> Path under tmp_path/in."""

    def _write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / "in" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return _write


def cli_path() -> str:
    import sys

    return str(Path(sys.executable).parent / "onrecord")


@pytest.fixture(scope="session")
def resources():
    """Analysis resources (codebooks, the spaCy pipeline), loaded once per test session."""
    from onrecord.analysis.resources import Resources

    return Resources()


@pytest.fixture
def adoc():
    """adoc(text, date=None, speaker=None) -> an AnalysisDoc with the layers ingest would give it."""
    import datetime as dt

    from onrecord.analysis.base import AnalysisDoc
    from onrecord.ingest.formats import ImportOptions, build_document

    def _make(text: str, date: str | None = None, speaker: str | None = None) -> AnalysisDoc:
        d = build_document(text, onrecord.Meta(date=dt.date.fromisoformat(date)) if date else onrecord.Meta(), "text", "t.txt", None,
                           "utf-8", ImportOptions(speaker=speaker))
        layers: dict = {}
        for a in d.annotations:
            layers.setdefault(a.layer, []).append(a)
        return AnalysisDoc(None, d.text, d.meta, layers)

    return _make
