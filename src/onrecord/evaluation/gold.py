"""The onrecord gold format: ``NAME.txt`` + ``NAME.gold.jsonl`` (see docs/annotation.md).

Each gold line names its span by ``quote`` (with an optional ``occurrence``) and/or ``start``/``end``;
loading resolves and checks them against the text as ingest stores it (decoded, NFC, ``\\n``).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._types import Annotation
from ..errors import FormatError
from ..ingest.formats import ImportOptions, import_text

__all__ = ["GoldDocument", "load_gold_dir", "load_gold_file", "GOLD_LAYERS"]

GOLD_LAYERS = ("actor", "statement", "prediction", "technique", "claim")


@dataclass
class GoldDocument:
    name: str
    path: Path
    text: str
    annotations: list[Annotation] = field(default_factory=list)

    def layer(self, name: str) -> list[Annotation]:
        return [a for a in self.annotations if a.layer == name]


def _stored_text(path: Path) -> str:
    """The text exactly as ``onrecord ingest`` stores it, so that gold offsets are store offsets."""
    for item in import_text(path.read_bytes(), str(path), ImportOptions()):
        if isinstance(item, Exception):
            raise item
        return item.text
    raise FormatError("no document in file", str(path))


def _resolve(text: str, row: dict[str, Any], where: str) -> tuple[int, int]:
    quote = row.get("quote")
    start, end = row.get("start"), row.get("end")
    if start is not None and end is not None:
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            raise FormatError(f"bad offsets {start}..{end} (text has {len(text)} characters)", where)
        if quote is not None and text[start:end] != quote:
            raise FormatError(f"offsets {start}..{end} give {text[start:end]!r}, not the quote {quote!r}", where)
        return start, end
    if not isinstance(quote, str) or not quote:
        raise FormatError("needs a non-empty 'quote' or 'start' and 'end'", where)
    occurrence = row.get("occurrence", 1)
    if not isinstance(occurrence, int) or occurrence < 1:
        raise FormatError(f"'occurrence' must be a positive integer, not {occurrence!r}", where)
    at = -1
    for _ in range(occurrence):
        at = text.find(quote, at + 1)
        if at < 0:
            raise FormatError(f"quote not found in the text (occurrence {occurrence}): {quote[:80]!r}", where)
    return at, at + len(quote)


def load_gold_file(text_path: Path, gold_path: Path) -> GoldDocument:
    text = _stored_text(text_path)
    doc = GoldDocument(text_path.stem, text_path, text)
    for number, line in enumerate(gold_path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{gold_path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise FormatError(f"not JSON: {exc.msg}", str(gold_path), number) from None
        if not isinstance(row, dict):
            raise FormatError("each line must be a JSON object", str(gold_path), number)
        layer = row.get("layer")
        if layer not in GOLD_LAYERS:
            raise FormatError(f"unknown layer {layer!r}; expected one of {', '.join(GOLD_LAYERS)}", str(gold_path), number)
        label = row.get("label")
        if not isinstance(label, str) or not label:
            raise FormatError("needs a non-empty string 'label'", str(gold_path), number)
        attrs = row.get("attrs") or {}
        if not isinstance(attrs, dict):
            raise FormatError("'attrs' must be an object", str(gold_path), number)
        try:
            start, end = _resolve(text, row, where)
        except FormatError as exc:
            raise FormatError(exc.reason, str(gold_path), number) from None
        doc.annotations.append(Annotation(start, end, layer, label, attrs, source="gold", verified=True))
    return doc


def load_gold_dir(directory: str | Path) -> list[GoldDocument]:
    """Every ``NAME.txt`` with a ``NAME.gold.jsonl`` beside it, in name order."""
    root = Path(directory)
    if not root.is_dir():
        raise FormatError("not a folder", str(root))
    docs = []
    for gold_path in sorted(root.glob("*.gold.jsonl")):
        text_path = gold_path.with_name(gold_path.name[: -len(".gold.jsonl")] + ".txt")
        if not text_path.exists():
            raise FormatError(f"no text file {text_path.name} for this gold file", str(gold_path))
        docs.append(load_gold_file(text_path, gold_path))
    if not docs:
        raise FormatError("no NAME.gold.jsonl files", str(root))
    return docs


def _main(argv: list[str]) -> int:  # python -m onrecord.evaluation.gold DIR: check a gold folder
    from collections import Counter

    for directory in argv or ["gold/onrecord"]:
        for doc in load_gold_dir(directory):
            counts = Counter(a.layer for a in doc.annotations)
            print(f"{doc.name}: {len(doc.text)} chars, " + ", ".join(f"{k} {counts[k]}" for k in GOLD_LAYERS))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
