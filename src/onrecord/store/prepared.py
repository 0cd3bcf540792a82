"""Core statements compiled once per dialect and run on the DBAPI cursor: the ingest hot path.

The statements are still written in SQLAlchemy Core (so the same code serves SQLite and PostgreSQL);
what is skipped per call is SQLAlchemy's statement coercion, cache-key and result machinery, which
costs more than SQLite's own work for the small rows written per document. Bind values go through
each column type's own bind processor, so stored values are exactly what Core would have stored.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy import Connection, Table, bindparam, insert
from sqlalchemy.sql import Executable

__all__ = ["Prepared", "prepared_insert"]


class Prepared:
    """One Core statement, compiled lazily for each dialect it meets."""

    def __init__(self, statement: Executable, types: Mapping[str, Any]):
        self.statement = statement
        self.types = dict(types)  # bind name -> SQLAlchemy type (for its bind processor)
        self._compiled: dict[str, tuple[str, Sequence[str] | None, dict[str, Any], dict[str, Any]]] = {}

    def _for(self, conn: Connection) -> tuple[str, Sequence[str] | None, dict[str, Any], dict[str, Any]]:
        name = conn.dialect.name + "/" + conn.dialect.driver
        found = self._compiled.get(name)
        if found is None:
            compiled = self.statement.compile(dialect=conn.dialect)
            order = list(compiled.positiontup) if compiled.positional else None
            processors = {}
            for bind, type_ in self.types.items():
                proc = type_.bind_processor(conn.dialect)
                if proc is not None:
                    processors[bind] = proc
            # Literal values Core turned into binds (LIMIT 1 -> param_1) keep their compiled value.
            fixed = {k: v for k, v in compiled.params.items() if k not in self.types and v is not None}
            found = (str(compiled), order, processors, fixed)
            self._compiled[name] = found
        return found

    def _params(self, row: Mapping[str, Any], order: Sequence[str] | None, processors: dict[str, Any], fixed: dict[str, Any]):
        if fixed:
            row = {**fixed, **row}
        if processors:
            row = {k: (processors[k](v) if k in processors else v) for k, v in row.items()}
        return tuple(row[k] for k in order) if order is not None else dict(row)

    def run(self, conn: Connection, row: Mapping[str, Any]):
        """Execute with one row of parameters; returns the DBAPI cursor (fetch from it at once)."""
        sql, order, processors, fixed = self._for(conn)
        cursor = conn.connection.cursor()
        cursor.execute(sql, self._params(row, order, processors, fixed))
        return cursor

    def run_many(self, conn: Connection, rows: Iterable[Mapping[str, Any]]) -> None:
        sql, order, processors, fixed = self._for(conn)
        cursor = conn.connection.cursor()
        cursor.executemany(sql, [self._params(r, order, processors, fixed) for r in rows])
        cursor.close()


def prepared_insert(table: Table, columns: Sequence[str], returning: str | None = None) -> Prepared:
    """``INSERT INTO table (columns) VALUES (...)`` [``RETURNING returning``], prepared."""
    stmt = insert(table).values({c: bindparam(c, type_=table.c[c].type) for c in columns})
    if returning:
        stmt = stmt.returning(table.c[returning])
    return Prepared(stmt, {c: table.c[c].type for c in columns})
