"""The store suite runs on both backends: here ``corpus`` is SQLite and PostgreSQL in turn."""

from __future__ import annotations

import pytest


@pytest.fixture
def corpus(any_corpus):
    return any_corpus
