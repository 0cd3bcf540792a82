"""The DNA 3 ``.dna`` database (Discourse Network Analyzer, SQLite flavour): its 16 tables, the rows a
new database starts with, and coder password digests.

Written from the facts in ``docs/networks.md`` ("DNA files"), not from DNA's code: the column names,
types, defaults and constraints are those of the databases DNA 3.0.7 to 3.1.2 write (a test compares
them with DNA's own ``sample.dna`` through ``PRAGMA table_info``). Nothing here needs a SQLite
newer than 3.36 (DNA's driver): no STRICT tables, the default rollback journal.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import sqlite3
import unicodedata

__all__ = [
    "DATA_TABLES",
    "DEFAULT_ATTRIBUTES",
    "DEFAULT_TYPES",
    "DNA_DATE",
    "DNA_VERSION",
    "MAX_TEXT",
    "TABLES",
    "check_password",
    "create_schema",
    "digest_password",
]

#: The DNA release whose schema is written (DNA opens any file whose version starts with "3.").
DNA_VERSION = "3.1.2"
DNA_DATE = "2026-06-30"
#: DNA's CHECK constraints allow at most this many characters in names, titles and entity values.
MAX_TEXT = 190

#: Statement types of a new DNA database: (id, label, rgb, [(variable id, name, data type)]).
DEFAULT_TYPES: tuple[tuple[int, str, tuple[int, int, int], tuple[tuple[int, str, str], ...]], ...] = (
    (1, "DNA Statement", (239, 208, 51),
     ((1, "person", "short text"), (2, "organization", "short text"), (3, "concept", "short text"), (4, "agreement", "boolean"))),
    (2, "NPF Story Element", (100, 200, 190),
     tuple((5 + i, name, "short text") for i, name in enumerate(("narrator", "victim", "villain", "plot", "hero", "policy solution")))),
    (3, "Annotation", (211, 211, 211), ((11, "note", "long text"),)),
)
#: Attribute variables of a new database, in the order DNA numbers them: each name for variables 1-3.
DEFAULT_ATTRIBUTES = ("Type", "Alias", "Notes")
#: DNA data type -> the table holding the values of variables of that type.
DATA_TABLES = {"boolean": "DATABOOLEAN", "integer": "DATAINTEGER", "long text": "DATALONGTEXT", "short text": "DATASHORTTEXT"}


def _short(col: str, default: str | None = None) -> str:
    dflt = f" DEFAULT {default}" if default is not None else ""
    return f"{col} TEXT NOT NULL{dflt} CHECK (LENGTH({col}) < 191)"


def _flag(col: str, default: int) -> str:
    return f"{col} INTEGER NOT NULL DEFAULT {default} CHECK ({col} BETWEEN 0 AND 1)"


def _rgb(nullable: bool = False) -> list[str]:
    if nullable:
        return [f"{c} INTEGER CHECK ({c} BETWEEN 0 AND 255)" for c in ("Red", "Green", "Blue")]
    return [f"{c} INTEGER NOT NULL DEFAULT 0 CHECK ({c} BETWEEN 0 AND 255)" for c in ("Red", "Green", "Blue")]


def _fk(col: str, table: str) -> str:
    return f"FOREIGN KEY ({col}) REFERENCES {table}(ID) ON DELETE CASCADE"


_PERMISSIONS = ("AddDocuments", "EditDocuments", "DeleteDocuments", "ImportDocuments", "AddStatements", "EditStatements",
                "DeleteStatements", "EditAttributes", "EditRegex", "EditStatementTypes", "EditCoders", "EditCoderRelations",
                "ViewOthersDocuments", "EditOthersDocuments", "ViewOthersStatements", "EditOthersStatements")

_ID = "ID INTEGER NOT NULL PRIMARY KEY"


def _value_table(value: str, fk: tuple[str, str] | None = None) -> list[str]:
    cols = [_ID, "StatementId INTEGER NOT NULL", "VariableId INTEGER NOT NULL", value, _fk("StatementId", "STATEMENTS"),
            _fk("VariableId", "VARIABLES")]
    if fk:
        cols.append(_fk(*fk))
    return cols + ["UNIQUE (StatementId, VariableId)"]


#: Table name -> column and table constraint definitions, in DNA's creation order.
TABLES: dict[str, list[str]] = {
    "SETTINGS": ["Property TEXT PRIMARY KEY", "Value TEXT NOT NULL"],
    "CODERS": [
        _ID, _short("Name"), *_rgb(),
        "Refresh INTEGER NOT NULL DEFAULT 0 CHECK (Refresh BETWEEN 0 AND 9999)",
        "FontSize INTEGER NOT NULL DEFAULT 14 CHECK (FontSize BETWEEN 1 AND 99)",
        _short("Password"),
        "PopupWidth INTEGER DEFAULT 300 CHECK (PopupWidth BETWEEN 100 AND 9999)",
        _flag("ColorByCoder", 0), _flag("PopupDecoration", 0), _flag("PopupAutoComplete", 1),
        *(_flag("Permission" + p, 1) for p in _PERMISSIONS),
    ],
    "DOCUMENTS": [
        _ID, _short("Title"), "Text TEXT NOT NULL", "Coder INTEGER", _short("Author", "''"), _short("Source", "''"),
        _short("Section", "''"), "Notes TEXT NOT NULL DEFAULT ''", _short("Type", "''"), "Date INTEGER NOT NULL",
        _fk("Coder", "CODERS"),
    ],
    "STATEMENTTYPES": [_ID, _short("Label"), *_rgb()],
    "VARIABLES": [
        _ID, _short("Variable"),
        "DataType TEXT NOT NULL DEFAULT 'short text' CHECK (DataType IN ('boolean', 'integer', 'long text', 'short text'))",
        "StatementTypeId INTEGER", _fk("StatementTypeId", "STATEMENTTYPES"), "UNIQUE (Variable, StatementTypeId)",
    ],
    "VARIABLELINKS": [
        _ID, "SourceVariableId INTEGER", "TargetVariableId INTEGER", _fk("SourceVariableId", "VARIABLES"),
        _fk("TargetVariableId", "VARIABLES"), "CHECK (SourceVariableId != TargetVariableId)",
    ],
    "REGEXES": ["Label TEXT PRIMARY KEY CHECK (LENGTH(Label) < 191)", *_rgb()],
    "CODERRELATIONS": [
        _ID, "Coder INTEGER CHECK (Coder > 0)", "OtherCoder INTEGER CHECK (OtherCoder > 0)",
        _flag("viewStatements", 1), _flag("editStatements", 1), _flag("viewDocuments", 1), _flag("editDocuments", 1),
        _fk("Coder", "CODERS"), _fk("OtherCoder", "CODERS"), "CHECK (Coder != OtherCoder)",
    ],
    "STATEMENTS": [
        _ID, "StatementTypeId INTEGER", "DocumentId INTEGER", "Start INTEGER NOT NULL CHECK (Start >= 0)",
        "Stop INTEGER NOT NULL CHECK (Stop >= 0)", "Coder INTEGER", _fk("StatementTypeId", "STATEMENTTYPES"),
        _fk("DocumentId", "DOCUMENTS"), _fk("Coder", "CODERS"), "CHECK (Start < Stop)",
    ],
    "DATABOOLEAN": _value_table("Value INTEGER NOT NULL DEFAULT 1"),
    "DATAINTEGER": _value_table("Value INTEGER NOT NULL DEFAULT 0"),
    "DATASHORTTEXT": _value_table("Entity INTEGER NOT NULL", ("Entity", "ENTITIES")),
    "DATALONGTEXT": _value_table("Value TEXT DEFAULT ''"),
    "ENTITIES": [
        _ID, "VariableId INTEGER NOT NULL", _short("Value", "''"), *_rgb(nullable=True), "ChildOf INTEGER CHECK (ChildOf > 0)",
        _fk("VariableId", "VARIABLES"), _fk("ChildOf", "ENTITIES"), "UNIQUE (VariableId, Value)",
    ],
    "ATTRIBUTEVARIABLES": [
        _ID, "VariableId INTEGER NOT NULL", _short("AttributeVariable"), _fk("VariableId", "VARIABLES"),
        "UNIQUE (VariableId, AttributeVariable)",
    ],
    "ATTRIBUTEVALUES": [
        _ID, "EntityId INTEGER NOT NULL", "AttributeVariableId INTEGER NOT NULL", _short("AttributeValue", "''"),
        _fk("EntityId", "ENTITIES"), _fk("AttributeVariableId", "ATTRIBUTEVARIABLES"), "UNIQUE (EntityId, AttributeVariableId)",
    ],
}


def create_schema(conn: sqlite3.Connection) -> None:
    """Create the 16 tables (empty) in ``conn``, inside the caller's transaction."""
    for name, cols in TABLES.items():
        conn.execute(f"CREATE TABLE {name} (\n    " + ",\n    ".join(cols) + "\n)")


# -- coder passwords: jasypt's StrongPasswordEncryptor scheme ----------------------------------------
_SALT = 16
_ITERATIONS = 100_000


def _digest(password: str, salt: bytes) -> bytes:
    d = hashlib.sha256(salt + unicodedata.normalize("NFC", password).encode("utf-8")).digest()
    for _ in range(_ITERATIONS - 1):
        d = hashlib.sha256(d).digest()
    return d


def digest_password(password: str, salt: bytes | None = None) -> str:
    """The digest DNA stores in ``CODERS.Password``: Base64 of a 16-byte random salt followed by
    SHA-256 applied 100,000 times to salt + the NFC-normalised UTF-8 password (64 characters)."""
    salt = os.urandom(_SALT) if salt is None else salt
    if len(salt) != _SALT:
        raise ValueError("the salt must be 16 bytes")
    return base64.b64encode(salt + _digest(password, salt)).decode("ascii")


def check_password(password: str, digest: str) -> bool:
    """Whether ``password`` matches a stored digest (re-digested with the digest's own salt)."""
    try:
        raw = base64.b64decode(digest, validate=True)
    except (ValueError, TypeError):
        return False
    if len(raw) != _SALT + 32:
        return False
    return hmac.compare_digest(raw[_SALT:], _digest(password, raw[:_SALT]))
