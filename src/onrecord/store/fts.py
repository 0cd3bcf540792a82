"""Full-text search on PostgreSQL: FTS5 query syntax translated to a ``tsquery``.

On SQLite the store searches with FTS5 itself. On PostgreSQL ``documents`` has a generated
``tsvector`` column (``to_tsvector('simple', text)``: lower-cased words, no stemming, no stop words,
like FTS5's unicode61 tokenizer) with a GIN index, and the same query language is accepted:

* bare words (``truce``), implicitly AND-ed (``nuclear triad``);
* ``"phrases"`` (words next to each other, in order; ``""`` inside a phrase is a quote);
* ``AND``, ``OR``, ``NOT`` (upper case; precedence NOT > AND > OR, as in FTS5) and parentheses;
* prefixes: ``negotiat*`` and ``"peace talk"*``.

Differences (documented in the README): NEAR(...), column filters (``text:``) and initial-token
queries (``^word``) are refused as bad queries; diacritics are not removed (``café`` does not match
``cafe``); words are split by PostgreSQL's parser (``co-operation`` is also ``co`` and ``operation``).
"""

from __future__ import annotations

import re

from ..errors import ConfigError

__all__ = ["FTS_COLUMN", "FTS_CONFIG", "FTS_FUNCTION", "fts5_to_tsquery"]

FTS_COLUMN = "fts"  # documents.fts (PostgreSQL only; not in schema.py, as SQLite has no such column)
FTS_CONFIG = "simple"
FTS_FUNCTION = "onrecord_fts_vector"

# FTS5 barewords: letters, digits, "_" and any non-ASCII character.
_TOKEN = re.compile(r'\s+|"(?:[^"]|"")*"|\(|\)|\*|[\w\u0080-\U0010ffff]+|.', re.UNICODE)
_OPERATORS = {"AND", "OR", "NOT"}


def _bad(query: str, why: str) -> ConfigError:
    return ConfigError(f"bad search query {query!r}: {why}")


def _tokens(query: str) -> list[tuple[str, str]]:
    """``(kind, value)``: kind is term, phrase, op, (, ), *."""
    out: list[tuple[str, str]] = []
    for m in _TOKEN.finditer(query):
        tok = m.group(0)
        if tok.isspace():
            continue
        if tok.startswith('"'):
            if len(tok) < 2 or not tok.endswith('"') or tok == '"':
                raise _bad(query, "unterminated string")
            out.append(("phrase", tok[1:-1].replace('""', '"')))
        elif tok in ("(", ")", "*"):
            out.append((tok, tok))
        elif tok in _OPERATORS:
            out.append(("op", tok))
        elif re.fullmatch(r"[\w\u0080-\U0010ffff]+", tok):
            if tok == "NEAR" and query[m.end():].lstrip().startswith("("):
                raise _bad(query, "NEAR(...) is not supported on PostgreSQL")
            out.append(("term", tok))
        else:
            raise _bad(query, f"syntax error near {tok!r} (NEAR, column filters and ^ are not supported on PostgreSQL)")
    return out


def _lexeme(text: str, prefix: bool) -> str:
    """A quoted tsquery operand; to_tsquery splits and normalises it as to_tsvector does the text."""
    quoted = "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"
    return quoted + (":*" if prefix else "")


class _Parser:
    """FTS5 grammar: or := and (OR and)*; and := not (AND? not)*; not := primary (NOT primary)*."""

    def __init__(self, query: str):
        self.query = query
        self.toks = _tokens(query)
        self.at = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.at] if self.at < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise _bad(self.query, "unexpected end of query")
        self.at += 1
        return tok

    def parse(self) -> str:
        if not self.toks:
            raise _bad(self.query, "empty query")
        out = self.or_()
        if self.peek() is not None:
            raise _bad(self.query, f"syntax error near {self.peek()[1]!r}")
        return out

    def or_(self) -> str:
        parts = [self.and_()]
        while self.peek() == ("op", "OR"):
            self.take()
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else "(" + " | ".join(parts) + ")"

    def and_(self) -> str:
        parts = [self.not_()]
        while True:
            tok = self.peek()
            if tok == ("op", "AND"):
                self.take()
            elif tok is None or tok[0] not in ("term", "phrase", "("):
                break
            parts.append(self.not_())
        return parts[0] if len(parts) == 1 else "(" + " & ".join(parts) + ")"

    def not_(self) -> str:
        out = self.primary()
        while self.peek() == ("op", "NOT"):
            self.take()
            out = f"({out} & !{self.primary()})"
        return out

    def primary(self) -> str:
        kind, value = self.take()
        if kind == "(":
            inner = self.or_()
            if self.take()[0] != ")":
                raise _bad(self.query, "missing )")
            return inner
        if kind in ("term", "phrase"):
            prefix = self.peek() == ("*", "*")
            if prefix:
                self.take()
            if kind == "phrase" and not value.strip():
                raise _bad(self.query, "empty phrase")
            return _lexeme(value, prefix)
        raise _bad(self.query, f"syntax error near {value!r}")


def fts5_to_tsquery(query: str) -> str:
    """The ``to_tsquery('simple', ...)`` input equivalent to the FTS5 query ``query``; a query FTS5
    would refuse (or one using syntax not supported here) raises :class:`ConfigError`."""
    return _Parser(query).parse()
