"""Workbench fixtures: the sample corpus analysed once per session (a store file copied wherever a
module or a test needs its own), and factories for apps and test clients over a corpus."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

import onrecord
from onrecord.web.app import WebConfig, create_app

from ..conftest import SAMPLES

HOST = "127.0.0.1"
BASE_URL = f"http://{HOST}"
#: The header every write needs (see onrecord.web.app).
WRITE = {"X-Onrecord-Write": "1"}
SPEAKER = "Alexander Dugin"


def route_table(app) -> list[tuple[str, str]]:
    """``(method, path)`` of every route the app answers (API and pages), path parameters as ``{name}``."""
    out: list[tuple[str, str]] = []

    def walk(routes, prefix: str) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                out.extend((method, prefix + route.path) for method in sorted(route.methods - {"HEAD"}))
            elif getattr(route, "original_router", None) is not None:  # an included router (FastAPI >= 0.16x)
                walk(route.original_router.routes, prefix + getattr(getattr(route, "include_context", None), "prefix", ""))

    walk(app.routes, "")
    return sorted(set(out))


def fill(path: str, value: str = "1") -> str:
    """A route's path with every ``{parameter}`` set to ``value``."""
    import re

    return re.sub(r"\{[^}]+\}", value, path)


@pytest.fixture(scope="session")
def analysed_db(tmp_path_factory) -> Path:
    """A store with the two sample documents (speaker Alexander Dugin) ingested and analysed, closed."""
    path = tmp_path_factory.mktemp("web-template") / "analysed.db"
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith("ONRECORD_"):
                mp.delenv(name)
        corpus = onrecord.open(path)
        report = corpus.ingest(SAMPLES, speaker=SPEAKER)
        assert report.ok and len(report.added) == 2
        assert corpus.analyze(workers=0).ok
        corpus.close()
    return path


def _copy(template: Path, folder: Path) -> onrecord.Corpus:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "copy.db"
    shutil.copyfile(template, target)
    return onrecord.open(target)


@pytest.fixture(scope="module")
def analysed(analysed_db, tmp_path_factory):
    """The analysed sample corpus, one copy per test module: tests that write use ``fresh``."""
    corpus = _copy(analysed_db, tmp_path_factory.mktemp("web-module"))
    yield corpus
    corpus.close()


@pytest.fixture
def fresh(analysed_db, tmp_path):
    """A copy of the analysed sample corpus for one test, free to change."""
    corpus = _copy(analysed_db, tmp_path / "fresh")
    yield corpus
    corpus.close()


@pytest.fixture(scope="session")
def make_app() -> Callable[..., Any]:
    """make_app(corpus, **WebConfig fields) -> the workbench app over ``corpus``."""

    def _make(corpus, **config: Any):
        config.setdefault("allowed_hosts", (HOST, "localhost"))
        return create_app(WebConfig(**config), corpus=corpus)

    return _make


@pytest.fixture(scope="session")
def make_client(make_app) -> Callable[..., TestClient]:
    """make_client(corpus, **WebConfig fields) -> a TestClient on http://127.0.0.1 (errors come back as
    responses, not exceptions, only where a test asks with raise_server_exceptions=False)."""

    def _make(corpus, raise_server_exceptions: bool = True, **config: Any) -> TestClient:
        return TestClient(make_app(corpus, **config), base_url=BASE_URL, raise_server_exceptions=raise_server_exceptions,
                          follow_redirects=False)

    return _make


@pytest.fixture(scope="module")
def client(analysed, make_client) -> TestClient:
    """A read-write client over the module's analysed corpus, no token."""
    return make_client(analysed)
