"""Core statements compiled once per dialect and run on the DBAPI cursor: the ingest hot path.

The statements are still written in SQLAlchemy Core (so the same code serves SQLite and PostgreSQL);
what is skipped per call is SQLAlchemy's statement coercion, cache-key and result machinery, which
costs more than SQLite's own work for the small rows written per document. Bind values go through
each column type's own bind processor, so stored values are exactly what Core would have stored.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy import Connection, Date, DateTime, Table, bindparam, insert
from sqlalchemy.sql import Executable

__all__ = ["Prepared", "prepared_insert"]


class Prepared:
    """One Core statement, compiled lazily for each dialect it meets."""

    def __init__(self, statement: Executable, types: Mapping[str, Any]):
        self.statement = statement
        self.types = dict(types)  # bind name -> SQLAlchemy type (for its bind processor)
        self._compiled: dict[str, tuple[str, bool, list]] = {}

    def _for(self, conn: Connection):
        name = conn.dialect.name + "/" + conn.dialect.driver
        found = self._compiled.get(name)
        if found is None:
            compiled = self.statement.compile(dialect=conn.dialect)
            processors = {}
            for bind, type_ in self.types.items():
                proc = type_.dialect_impl(conn.dialect).bind_processor(conn.dialect)
                if proc is not None:
                    processors[bind] = _last_value_memo(proc) if isinstance(type_, (DateTime, Date)) else proc
            # Literal values Core turned into binds (LIMIT 1 -> param_1) keep their compiled value.
            fixed = {k: v for k, v in compiled.params.items() if k not in self.types and v is not None}
            names = list(compiled.positiontup) if compiled.positional else list(compiled.params)
            # (bind name, fixed value or None, processor or None) in the order the driver wants them
            spec = [(k, fixed.get(k), processors.get(k)) for k in names]
            found = (str(compiled), compiled.positional, spec)
            self._compiled[name] = found
        return found

    @staticmethod
    def _params(row: Mapping[str, Any], positional: bool, spec: list):
        values = [
            (proc(row[k]) if proc is not None else row[k]) if k in row else const
            for k, const, proc in spec
        ]
        return tuple(values) if positional else {k: v for (k, _, _), v in zip(spec, values)}

    def run(self, conn: Connection, row: Mapping[str, Any]):
        """Execute with one row of parameters; returns the DBAPI cursor (fetch from it at once)."""
        sql, positional, spec = self._for(conn)
        cursor = conn.connection.cursor()
        cursor.execute(sql, self._params(row, positional, spec))
        return cursor

    def run_many(self, conn: Connection, rows: Iterable[Mapping[str, Any]]) -> None:
        sql, positional, spec = self._for(conn)
        cursor = conn.connection.cursor()
        cursor.executemany(sql, [self._params(r, positional, spec) for r in rows])
        cursor.close()


def _last_value_memo(proc):
    """Reuse the last result for the same (immutable) value: one timestamp is bound on many rows."""
    last: list = [None, None]

    def process(value):
        if value is None or value is not last[0]:
            last[0], last[1] = value, proc(value)
        return last[1]

    return process


def prepared_insert(table: Table, columns: Sequence[str], returning: str | None = None) -> Prepared:
    """``INSERT INTO table (columns) VALUES (...)`` [``RETURNING returning``], prepared."""
    stmt = insert(table).values({c: bindparam(c, type_=table.c[c].type) for c in columns})
    if returning:
        stmt = stmt.returning(table.c[returning])
    return Prepared(stmt, {c: table.c[c].type for c in columns})
