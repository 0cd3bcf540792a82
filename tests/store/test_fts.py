"""FTS5 query syntax translated for PostgreSQL (store/fts.py); the searches themselves run on both
backends in test_store.py and tests/test_postgres.py."""

from __future__ import annotations

import pytest

from onrecord.errors import ConfigError
from onrecord.store.fts import fts5_to_tsquery


@pytest.mark.parametrize(
    "query, expected",
    [
        ("truce", "'truce'"),
        ("nuclear triad", "('nuclear' & 'triad')"),
        ('"nuclear triad"', "'nuclear triad'"),
        ("Witkoff OR Medinsky", "('Witkoff' | 'Medinsky')"),
        ("Witkoff AND Medinsky", "('Witkoff' & 'Medinsky')"),
        ("truce NOT Witkoff", "('truce' & !'Witkoff')"),
        ("a OR b NOT c", "('a' | ('b' & !'c'))"),  # NOT binds tighter than AND, AND than OR (FTS5)
        ("a b OR c", "(('a' & 'b') | 'c')"),
        ("(a OR b) c", "(('a' | 'b') & 'c')"),
        ("a NOT (b OR c)", "('a' & !('b' | 'c'))"),
        ("negotiat*", "'negotiat':*"),
        ('"peace talk"*', "'peace talk':*"),
        ("and or not", "('and' & 'or' & 'not')"),  # lower case: plain words, as in FTS5
        ("NEAR", "'NEAR'"),
        ('"it\'s a \\\\ ""quote"""', "'it''s a \\\\\\\\ \"quote\"'"),
        ("Зеленский café", "('Зеленский' & 'café')"),
    ],
)
def test_translation(query, expected):
    assert fts5_to_tsquery(query) == expected


@pytest.mark.parametrize("query", ["", "   ", "AND AND", "NOT", "a OR", "OR a", "(a", "a)", "()", '"open', '""', "a:b",
                                   "NEAR(a b)", "^a", "a + b", "a -b", "*"])
def test_bad_queries_are_config_errors(query):
    with pytest.raises(ConfigError, match="bad search query"):
        fts5_to_tsquery(query)
