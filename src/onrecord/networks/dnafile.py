"""Reading and writing DNA 3 ``.dna`` files as a :class:`DnaProject` (plain data, offsets in code points).

``read_dna`` checks that a file is a DNA 3 database (SQLite, the 16 tables, a version starting with
``3.``), reads coders, documents, statement types, statements with all their variable values and the
entities' colours and attributes, and converts DNA's offsets (Java string indices: UTF-16 code
units) to Python code points. ``write_dna`` writes a new database that DNA 3 opens: the schema of
``dnaschema``, DNA's default rows, every coder with a password digest, coder relations both ways, and
one value row per statement and variable. The ``.dna`` file is SQLite by definition and its DDL must
match DNA's, so it is written with the standard ``sqlite3`` module, not through the store's engine.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import tempfile
from dataclasses import dataclass, field
from typing import Any

from ..errors import FormatError, InputError
from .dnaschema import (
    DATA_TABLES,
    DEFAULT_ATTRIBUTES,
    DEFAULT_TYPES,
    DNA_DATE,
    DNA_VERSION,
    MAX_TEXT,
    TABLES,
    create_schema,
    digest_password,
)

__all__ = [
    "ADMIN",
    "DEFAULT_PASSWORD",
    "DnaCoder",
    "DnaDocument",
    "DnaEntity",
    "DnaProject",
    "DnaStatement",
    "DnaType",
    "epoch_seconds",
    "from_epoch_seconds",
    "read_dna",
    "write_dna",
]

#: The password every exported coder gets unless ``--dna-password`` says otherwise.
DEFAULT_PASSWORD = "onrecord"
ADMIN = "Admin"
ADMIN_COLOR = (255, 255, 0)
#: Colours for the coders after the Admin, in turn.
PALETTE = ((51, 153, 255), (255, 102, 102), (102, 255, 0), (204, 102, 255), (255, 153, 0), (0, 204, 204), (153, 102, 51))
_MAGIC = b"SQLite format 3\x00"
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")

RGB = tuple[int, int, int]


@dataclass
class DnaCoder:
    name: str
    color: RGB = (0, 0, 0)


@dataclass
class DnaEntity:
    """Colour and attribute values (``Type``, ``Alias``, ``Notes``, ...) of one value of a short-text variable."""

    color: RGB | None = (0, 0, 0)
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class DnaType:
    label: str
    color: RGB
    variables: dict[str, str]  # variable name -> data type, in DNA's order


@dataclass
class DnaDocument:
    title: str
    text: str
    date: int  # seconds since the epoch, a wall-clock time stored as if UTC (DNA's unit)
    coder: str | None = None
    author: str = ""
    source: str = ""
    section: str = ""
    notes: str = ""
    type: str = ""


@dataclass
class DnaStatement:
    document: int  # index into DnaProject.documents
    type: str
    start: int  # code points, half-open
    stop: int
    coder: str
    values: dict[str, Any]


@dataclass
class DnaProject:
    documents: list[DnaDocument] = field(default_factory=list)
    statements: list[DnaStatement] = field(default_factory=list)
    coders: dict[str, DnaCoder] = field(default_factory=dict)
    types: dict[str, DnaType] = field(default_factory=dict)
    #: (statement type label, variable, value) -> entity
    entities: dict[tuple[str, str, str], DnaEntity] = field(default_factory=dict)
    version: str = DNA_VERSION
    #: what was left out while reading or building, one line each
    skipped: list[str] = field(default_factory=list)


def epoch_seconds(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days * 86400


def from_epoch_seconds(seconds: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1) + dt.timedelta(seconds=int(seconds))


# -- offsets --------------------------------------------------------------------------------------
def _utf16_to_cp(text: str):
    """A function from a UTF-16 offset into ``text`` to its code point offset (None inside a pair)."""
    if not _ASTRAL.search(text):
        return lambda i: i if 0 <= i <= len(text) else None
    table: dict[int, int] = {}
    u = 0
    for cp, ch in enumerate(text):
        table[u] = cp
        u += 2 if ord(ch) > 0xFFFF else 1
    table[u] = len(text)
    return table.get


def utf16_len(text: str) -> int:
    return len(text) + len(_ASTRAL.findall(text))


def cp_to_utf16(text: str, i: int) -> int:
    return i + len(_ASTRAL.findall(text, 0, i))


# -- reading --------------------------------------------------------------------------------------
def _bad(path: str, reason: str) -> FormatError:
    return FormatError(reason, path)


def _open_checked(path: str) -> sqlite3.Connection:
    try:
        with open(path, "rb") as fh:
            head = fh.read(100)
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a DNA file", path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    if not head.startswith(_MAGIC):
        raise _bad(path, "not a DNA file (not an SQLite database)")
    conn = sqlite3.connect(f"file:{os.path.abspath(path)}?mode=ro", uri=True)
    try:
        tables = {name.upper() for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        version = None
        if "SETTINGS" in tables:
            row = conn.execute("SELECT Value FROM SETTINGS WHERE Property = 'version'").fetchone()
            version = str(row[0]) if row else ""
        if version is not None and version.startswith("2"):
            raise _bad(path, f"a DNA 2 database (version {version}); open it in DNA 3 (its DNA 2 importer) and import the DNA 3 file")
        missing = [t for t in TABLES if t not in tables]
        if missing:
            raise _bad(path, f"not a DNA 3 file: missing table(s) {', '.join(missing)}")
        if not (version or "").startswith("3."):
            raise _bad(path, f"unsupported DNA version {version!r}: onrecord reads DNA 3 files (version 3.x)")
        check = conn.execute("PRAGMA quick_check").fetchone()
        if not check or check[0] != "ok":
            raise _bad(path, f"corrupt DNA file: {check[0] if check else 'integrity check failed'}")
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:  # damaged text (names, settings) is not UTF-8
        conn.close()
        raise _bad(path, f"corrupt DNA file: {exc}") from None
    except InputError:
        conn.close()
        raise
    return conn


def _rgb(r, g, b) -> RGB | None:
    return None if r is None and g is None and b is None else (int(r or 0), int(g or 0), int(b or 0))


def read_dna(path: str | os.PathLike) -> DnaProject:
    """The project in a DNA 3 file. Raises :class:`~onrecord.errors.InputError` (or its subclass
    ``FormatError``) with one line saying why for anything that is not a readable DNA 3 database or
    holds a statement outside its document."""
    path = os.fspath(path)
    conn = _open_checked(path)
    try:
        return _read(conn, path)
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        raise _bad(path, f"corrupt DNA file: {exc}") from None
    finally:
        conn.close()


def _read(conn: sqlite3.Connection, path: str) -> DnaProject:
    project = DnaProject(version=conn.execute("SELECT Value FROM SETTINGS WHERE Property = 'version'").fetchone()[0])
    coders: dict[int, str] = {}
    for cid, name, r, g, b in conn.execute("SELECT ID, Name, Red, Green, Blue FROM CODERS ORDER BY ID"):
        coders[cid] = str(name)
        project.coders.setdefault(str(name), DnaCoder(str(name), _rgb(r, g, b) or (0, 0, 0)))
    types: dict[int, str] = {}
    for tid, label, r, g, b in conn.execute("SELECT ID, Label, Red, Green, Blue FROM STATEMENTTYPES ORDER BY ID"):
        types[tid] = str(label)
        project.types.setdefault(str(label), DnaType(str(label), _rgb(r, g, b) or (0, 0, 0), {}))
    variables: dict[int, tuple[str, str]] = {}
    for vid, name, dtype, tid in conn.execute("SELECT ID, Variable, DataType, StatementTypeId FROM VARIABLES ORDER BY ID"):
        if tid in types:
            variables[vid] = (types[tid], str(name))
            project.types[types[tid]].variables.setdefault(str(name), str(dtype))
    attributes: dict[int, dict[str, str]] = {}
    q = ("SELECT v.EntityId, a.AttributeVariable, v.AttributeValue FROM ATTRIBUTEVALUES v "
         "JOIN ATTRIBUTEVARIABLES a ON a.ID = v.AttributeVariableId ORDER BY a.ID")
    for eid, name, value in conn.execute(q):
        if value not in (None, ""):
            attributes.setdefault(eid, {})[str(name)] = str(value)
    entity_values: dict[int, str] = {}
    for eid, vid, value, r, g, b in conn.execute("SELECT ID, VariableId, Value, Red, Green, Blue FROM ENTITIES ORDER BY ID"):
        entity_values[eid] = str(value)
        if vid in variables:
            label, var = variables[vid]
            project.entities.setdefault((label, var, str(value)), DnaEntity(_rgb(r, g, b), attributes.get(eid, {})))

    documents: dict[int, int] = {}
    for did, title, text, coder, author, source, section, notes, dtype, date in conn.execute(
        "SELECT ID, Title, Text, Coder, Author, Source, Section, Notes, Type, Date FROM DOCUMENTS ORDER BY ID"
    ):
        documents[did] = len(project.documents)
        try:
            seconds = int(date)
            from_epoch_seconds(seconds)
        except (TypeError, ValueError, OverflowError):
            raise _bad(path, f"document {did}: date {date!r} is not a number of seconds since 1970") from None
        project.documents.append(DnaDocument(
            str(title or ""), str(text or ""), seconds, coders.get(coder), str(author or ""), str(source or ""),
            str(section or ""), str(notes or ""), str(dtype or ""),
        ))

    values: dict[tuple[int, int], Any] = {}
    for table in ("DATABOOLEAN", "DATAINTEGER", "DATALONGTEXT"):
        for sid, vid, value in conn.execute(f"SELECT StatementId, VariableId, Value FROM {table}"):
            values[(sid, vid)] = ("" if value is None else str(value)) if table == "DATALONGTEXT" else int(value or 0)
    for sid, vid, eid in conn.execute("SELECT StatementId, VariableId, Entity FROM DATASHORTTEXT"):
        values[(sid, vid)] = entity_values.get(eid, "")

    type_vars: dict[str, list[tuple[int, str, str]]] = {}
    for vid, (label, name) in variables.items():
        type_vars.setdefault(label, []).append((vid, name, project.types[label].variables[name]))
    defaults = {"boolean": 1, "integer": 0, "long text": "", "short text": ""}
    converters: dict[int, Any] = {}
    for sid, tid, did, start, stop, coder in conn.execute(
        "SELECT ID, StatementTypeId, DocumentId, Start, Stop, Coder FROM STATEMENTS ORDER BY ID"
    ):
        # DNA's own reads inner-join the document, type and coder: a statement lacking one is invisible there.
        if did not in documents or tid not in types or coder not in coders:
            project.skipped.append(f"statement {sid}: no such document, statement type or coder (DNA does not show it either)")
            continue
        doc = project.documents[documents[did]]
        if did not in converters:
            converters[did] = _utf16_to_cp(doc.text)
        ok = isinstance(start, int) and isinstance(stop, int) and 0 <= start < stop
        a, b = (converters[did](start), converters[did](stop)) if ok else (None, None)
        if a is None or b is None:
            raise _bad(path, f"statement {sid}: span {start}-{stop} lies outside document {did} "
                             f"({utf16_len(doc.text)} UTF-16 units) or splits a character")
        label = types[tid]
        vals = {name: values.get((sid, vid), defaults.get(dtype, "")) for vid, name, dtype in type_vars.get(label, [])}
        project.statements.append(DnaStatement(documents[did], label, a, b, coders[coder], vals))
    return project


# -- writing --------------------------------------------------------------------------------------
def _cut(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _coerce(value: Any, dtype: str) -> Any:
    if dtype in ("boolean", "integer"):
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = 1 if dtype == "boolean" else 0
        return (1 if number else 0) if dtype == "boolean" else number
    text = "" if value is None else str(value)
    return _cut(text) if dtype == "short text" else text


def write_dna(project: DnaProject, path: str | os.PathLike, password: str = DEFAULT_PASSWORD) -> int:
    """Write ``project`` as a new DNA 3 database at ``path`` (replaced atomically if it exists); every
    coder gets ``password``. Returns the number of statements written."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".onrecord-", suffix=".dna", dir=folder)
    os.close(fd)
    os.unlink(tmp)
    try:
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("BEGIN")
            n = _write(conn, project, password)
            conn.execute("COMMIT")
        finally:
            conn.close()
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return n


def _write(conn: sqlite3.Connection, project: DnaProject, password: str) -> int:
    create_schema(conn)
    # Coders: the Admin is ID 1; every coder gets the same password; relations in both directions.
    seen = [*project.coders, *(d.coder for d in project.documents if d.coder), *(s.coder for s in project.statements)]
    names = [ADMIN] + [name for name in dict.fromkeys(seen) if name != ADMIN]
    coder_ids = {name: i for i, name in enumerate(names, start=1)}
    for name, cid in coder_ids.items():
        known = project.coders.get(name)
        color = known.color if known else (ADMIN_COLOR if name == ADMIN else PALETTE[(cid - 2) % len(PALETTE)])
        conn.execute("INSERT INTO CODERS (ID, Name, Red, Green, Blue, Password) VALUES (?, ?, ?, ?, ?, ?)",
                     (cid, _cut(name), *color, digest_password(password)))
    conn.executemany("INSERT INTO CODERRELATIONS (Coder, OtherCoder) VALUES (?, ?)",
                     [(a, b) for a in coder_ids.values() for b in coder_ids.values() if a != b])
    conn.executemany("INSERT INTO SETTINGS (Property, Value) VALUES (?, ?)", [("version", DNA_VERSION), ("date", DNA_DATE)])

    # Statement types and variables: DNA's defaults with their IDs, then whatever else the project has.
    type_ids: dict[str, int] = {}
    var_ids: dict[tuple[str, str], tuple[int, str]] = {}
    for tid, label, color, variables in DEFAULT_TYPES:
        conn.execute("INSERT INTO STATEMENTTYPES (ID, Label, Red, Green, Blue) VALUES (?, ?, ?, ?, ?)", (tid, label, *color))
        type_ids[label] = tid
        for vid, name, dtype in variables:
            conn.execute("INSERT INTO VARIABLES (ID, Variable, DataType, StatementTypeId) VALUES (?, ?, ?, ?)", (vid, name, dtype, tid))
            var_ids[(label, name)] = (vid, dtype)
    for t in project.types.values():
        if t.label not in type_ids:
            type_ids[t.label] = conn.execute("INSERT INTO STATEMENTTYPES (Label, Red, Green, Blue) VALUES (?, ?, ?, ?)",
                                             (_cut(t.label), *t.color)).lastrowid
        for name, dtype in t.variables.items():
            if (t.label, name) not in var_ids:
                dtype = dtype if dtype in DATA_TABLES else "short text"
                vid = conn.execute("INSERT INTO VARIABLES (Variable, DataType, StatementTypeId) VALUES (?, ?, ?)",
                                   (_cut(name), dtype, type_ids[t.label])).lastrowid
                var_ids[(t.label, name)] = (vid, dtype)
    attr_ids: dict[int, dict[str, int]] = {}
    for attr in DEFAULT_ATTRIBUTES:
        for vid in (1, 2, 3):
            aid = conn.execute("INSERT INTO ATTRIBUTEVARIABLES (VariableId, AttributeVariable) VALUES (?, ?)", (vid, attr)).lastrowid
            attr_ids.setdefault(vid, {})[attr] = aid

    doc_ids: list[int] = []
    for d in project.documents:
        doc_ids.append(conn.execute(
            "INSERT INTO DOCUMENTS (Title, Text, Coder, Author, Source, Section, Notes, Type, Date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (_cut(d.title), d.text, coder_ids.get(d.coder or ADMIN, 1), _cut(d.author), _cut(d.source), _cut(d.section), d.notes,
             _cut(d.type), int(d.date)),
        ).lastrowid)

    entity_ids: dict[tuple[int, str], int] = {}

    def entity(label: str, var: str, vid: int, value: str) -> int:
        key = (vid, value)
        if key not in entity_ids:
            info = project.entities.get((label, var, value), DnaEntity())
            color = info.color if info.color is not None else (None, None, None)
            entity_ids[key] = conn.execute("INSERT INTO ENTITIES (VariableId, Value, Red, Green, Blue) VALUES (?, ?, ?, ?, ?)",
                                           (vid, value, *color)).lastrowid
            for attr in info.attributes:
                if attr not in attr_ids.setdefault(vid, {}):
                    attr_ids[vid][attr] = conn.execute("INSERT INTO ATTRIBUTEVARIABLES (VariableId, AttributeVariable) VALUES (?, ?)",
                                                       (vid, _cut(attr))).lastrowid
        return entity_ids[key]

    written = 0
    for s in project.statements:
        text = project.documents[s.document].text
        start, stop = cp_to_utf16(text, s.start), cp_to_utf16(text, s.stop)
        sid = conn.execute("INSERT INTO STATEMENTS (StatementTypeId, DocumentId, Start, Stop, Coder) VALUES (?, ?, ?, ?, ?)",
                           (type_ids[s.type], doc_ids[s.document], start, stop, coder_ids[s.coder])).lastrowid
        written += 1
        for (label, var), (vid, dtype) in var_ids.items():
            if label != s.type:
                continue
            value = _coerce(s.values.get(var), dtype)
            if dtype == "short text":
                conn.execute("INSERT INTO DATASHORTTEXT (StatementId, VariableId, Entity) VALUES (?, ?, ?)",
                             (sid, vid, entity(label, var, vid, value)))
            else:
                conn.execute(f"INSERT INTO {DATA_TABLES[dtype]} (StatementId, VariableId, Value) VALUES (?, ?, ?)", (sid, vid, value))

    # DNA keeps ATTRIBUTEVALUES complete: one row per entity and attribute variable of its variable.
    labels = {vid: key for key, (vid, _) in var_ids.items()}
    rows = []
    for (vid, value), eid in entity_ids.items():
        label, var = labels[vid]
        info = project.entities.get((label, var, value), DnaEntity())
        rows += [(eid, aid, _cut(info.attributes.get(attr, ""))) for attr, aid in attr_ids.get(vid, {}).items()]
    conn.executemany("INSERT INTO ATTRIBUTEVALUES (EntityId, AttributeVariableId, AttributeValue) VALUES (?, ?, ?)", rows)
    return written
