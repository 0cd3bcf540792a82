"""The raw transcript format: a ` date YYYY-MM-DD` header, optional outlet/programme, speaker labels.

Pure functions over a normalised text; offsets are into that same text. The format, as it arrives
when copied off a web page::

     date 2025-12-04 Radio Sputnik, Escalation Host: Let's start with ...

    Alexander Dugin: This is, of course, ...

* the first line begins with `` date <date>`` and runs straight on into the text;
* an outlet and a programme (comma-separated) may follow the date; when a speaker label follows them
  on the same line everything between the date and the label is outlet/programme; when the header line
  ends by itself it is read as ``outlet[, programme[, title]]``; otherwise only a known outlet
  (``data/transcripts.yaml``) is taken, so that the first words of a monologue are never mistaken
  for one;
* speaker turns begin with ``Name:`` at the start of a line. A label of two to five capitalised words
  counts at once; a single word counts when it is a known role (Host, Q, Ведущий, ...), the document's
  author, or labels two or more turns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Iterable

import yaml

from .._types import Annotation, Meta
from ..errors import DateError
from .dates import parse_date

__all__ = ["LabelLexicon", "ParsedTranscript", "parse_transcript", "load_lexicon", "SOURCE"]

SOURCE = "onrecord.transcript.v1"

_HEADER = re.compile(r"\A[ \t\ufeff]*date:?[ \t]+(?P<date>\d[\d./-]*\d)(?=[\s,]|\Z)", re.IGNORECASE)
_LINE_LABEL = re.compile(
    r"^[ \t]*(?P<label>[^\W\d_][^\n:.!?;\"“”()\[\]]{0,60}?)[ \t]*:(?:[ \t]+(?=\S)|[ \t]*\n)",
    re.MULTILINE,
)
_FIRST_COLON = re.compile(r":(?:[ \t]+(?=\S)|[ \t]*\n|[ \t]*\Z)")
_EDITORIAL = re.compile(r"\[[^\[\]\n]{1,200}\]")
_PARTICLES = {"de", "da", "di", "du", "van", "von", "der", "den", "la", "le", "bin", "ibn", "al", "el", "y", "of"}
_SENTENCE_PUNCT = re.compile(r"[.!?;]\s|[\"“”«»()]")
_HEADER_LINE_MAX = 120


@dataclass(frozen=True)
class LabelLexicon:
    roles: frozenset[str]
    not_labels: frozenset[str]
    outlets: tuple[str, ...]
    programmes: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, data: dict, base: "LabelLexicon | None" = None) -> "LabelLexicon":
        roles = {str(r).casefold() for r in data.get("roles", [])}
        not_labels = {str(r).casefold() for r in data.get("not_labels", [])}
        outlets = [str(o) for o in data.get("outlets", [])]
        programmes = [str(p) for p in data.get("programmes", [])]
        if base is not None:
            roles |= base.roles
            not_labels |= base.not_labels
            outlets = list(base.outlets) + outlets
            programmes = list(base.programmes) + programmes
        # Longest first, so "Radio Sputnik" wins over "Sputnik".
        return cls(
            frozenset(roles), frozenset(not_labels), tuple(sorted(set(outlets), key=len, reverse=True)),
            tuple(sorted(set(programmes), key=len, reverse=True)),
        )


@lru_cache(maxsize=1)
def load_lexicon() -> LabelLexicon:
    """The shipped lexicon of speaker roles, non-label words and known outlets."""
    raw = resources.files("onrecord").joinpath("data/transcripts.yaml").read_text(encoding="utf-8")
    return LabelLexicon.from_mapping(yaml.safe_load(raw))


@dataclass
class ParsedTranscript:
    meta: Meta
    annotations: list[Annotation] = field(default_factory=list)

    def layer(self, name: str) -> list[Annotation]:
        return [a for a in self.annotations if a.layer == name]


def _name_like(label: str, lexicon: LabelLexicon) -> bool:
    words = label.split()
    if not 1 <= len(words) <= 5 or label.casefold() in lexicon.not_labels:
        return False
    for word in words:
        if word.casefold() in _PARTICLES:
            continue
        head = word.lstrip("'’-")
        if not head or not head[0].isupper() or any(ch.isdigit() for ch in word):
            return False
    return True


def _speaker_labels(text: str, lexicon: LabelLexicon, author: str | None) -> dict[str, list[re.Match]]:
    """Line-initial labels that pass as speakers, with every match of each."""
    found: dict[str, list[re.Match]] = {}
    for m in _LINE_LABEL.finditer(text):
        label = " ".join(m.group("label").split())
        if _name_like(label, lexicon):
            found.setdefault(label, []).append(m)
    accepted = {}
    for label, matches in found.items():
        single_word = len(label.split()) == 1
        known = label.casefold() in lexicon.roles or (author is not None and label.casefold() == author.casefold())
        if not single_word or known or len(matches) >= 2:
            accepted[label] = matches
    return accepted


def _split_segments(text: str, base: int) -> list[tuple[int, int]]:
    """Comma-separated, stripped segments of ``text`` as absolute ``(start, end)`` offsets."""
    spans, pos = [], 0
    for part in text.split(","):
        lead = len(part) - len(part.lstrip())
        stripped = part.strip()
        if stripped:
            spans.append((base + pos + lead, base + pos + lead + len(stripped)))
        pos += len(part) + 1
    return spans


def _first_line_label(
    text: str, start: int, line_end: int, known: set[str], lexicon: LabelLexicon
) -> tuple[tuple[int, int] | None, int]:
    """Find a speaker label on the header line after ``start``.

    Returns ``(label_span or None, content_start)``: the outlet/programme prefix runs from ``start``
    to the label; the turn text starts at ``content_start``.
    """
    colon = _FIRST_COLON.search(text, start, min(line_end + 1, start + 200))
    if colon is None or colon.start() > line_end:
        return None, start
    prefix = text[start : colon.start()]
    if _SENTENCE_PUNCT.search(prefix + " "):
        return None, start
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", prefix)]
    # Longest suffix of words that is a speaker known from the rest of the document, or a role.
    for i in range(len(words)):
        s, e = words[i][0], words[-1][1]
        candidate = " ".join(text[s:e].split()).rstrip(",")
        if candidate.casefold() in known or candidate.casefold() in lexicon.roles:
            return (s, e), colon.end()
    segments = _split_segments(prefix, start)
    if segments:
        s, e = segments[-1]
        if _name_like(text[s:e], lexicon) and len(text[s:e].split()) <= 4:
            return (s, e), colon.end()
    return None, start


def _outlet_programme(text: str, start: int, end: int, annotations: list[Annotation], meta: Meta) -> None:
    segments = _split_segments(text[start:end], start)
    names = ("outlet", "programme", "title")
    for i, (s, e) in enumerate(segments[:2]):
        setattr(meta, names[i], text[s:e])
        annotations.append(Annotation(s, e, "header", names[i], source=SOURCE))
    if len(segments) > 2:
        s, e = segments[2][0], segments[-1][1]
        meta.title = text[s:e]
        annotations.append(Annotation(s, e, "header", "title", source=SOURCE))


_OUTLET_NAME = re.compile(r"(?:[A-Z][\w'’&.-]*|of|the|and|for|on|de|&)(?: (?:[A-Z][\w'’&.-]*|of|the|and|for|on|de|&)){0,5}")


def _run_on_header(text: str, after: int, line_end: int, lexicon: LabelLexicon, annotations: list[Annotation], meta: Meta) -> int:
    """Outlet (and programme) on a header line that runs straight into the text: a known outlet, or
    any title-case name followed by a comma and a known programme name (``The Daily Ledger, Opinion``).
    Returns where the body starts."""
    lead = after + len(text[after:line_end]) - len(text[after:line_end].lstrip())
    rest = text[lead:line_end]
    outlet = next((o for o in lexicon.outlets if rest.startswith(o) and (len(rest) == len(o) or not rest[len(o)].isalnum())), None)
    if outlet is None:
        m = _OUTLET_NAME.match(rest)
        comma = m.end() if m and rest[m.end() : m.end() + 2] == ", " else -1
        if comma < 0 or not any(_starts_with_word(rest[comma + 2 :], p) for p in lexicon.programmes):
            return after
        outlet = rest[:comma]
    meta.outlet = outlet
    annotations.append(Annotation(lead, lead + len(outlet), "header", "outlet", source=SOURCE))
    body = lead + len(outlet)
    if text[body : body + 2] == ", ":
        tail = text[body + 2 : line_end]
        programme = next((p for p in lexicon.programmes if _starts_with_word(tail, p)), None)
        if programme:
            meta.programme = programme
            annotations.append(Annotation(body + 2, body + 2 + len(programme), "header", "programme", source=SOURCE))
            return body + 2 + len(programme)
    return body + 1 if text[body : body + 1] == "," else body


def _starts_with_word(text: str, word: str) -> bool:
    return text.startswith(word) and (len(text) == len(word) or not text[len(word)].isalnum())


def parse_transcript(
    text: str,
    default_speaker: str | None = None,
    lexicon: LabelLexicon | None = None,
) -> ParsedTranscript:
    """Parse header metadata, speaker turns and editorial insertions of ``text``.

    ``default_speaker`` speaks every stretch of text that has no label (the whole text when there is
    none). Raises :class:`DateError` (line 1) when the header's date does not parse.
    """
    lexicon = lexicon or load_lexicon()
    meta = Meta()
    annotations: list[Annotation] = []
    labels = _speaker_labels(text, lexicon, default_speaker)
    known = {label.casefold() for label in labels} | ({default_speaker.casefold()} if default_speaker else set())
    # Turn starts: (label_start, label_end, content_start, speaker)
    starts: list[tuple[int, int, int, str]] = []
    body_start = 0

    header = _HEADER.match(text)
    if header:
        try:
            meta.date = parse_date(header.group("date"))
        except DateError as exc:
            raise DateError(exc.reason, line=1) from None
        annotations.append(Annotation(header.start("date"), header.end("date"), "header", "date", source=SOURCE))
        line_end = text.find("\n")
        line_end = len(text) if line_end < 0 else line_end
        after = header.end()
        label_span, content = _first_line_label(text, after, line_end, known, lexicon)
        if label_span is not None:
            _outlet_programme(text, after, label_span[0], annotations, meta)
            speaker = " ".join(text[label_span[0] : label_span[1]].split())
            starts.append((label_span[0], label_span[1], content, speaker))
            body_start = content
        elif line_end - after <= _HEADER_LINE_MAX and not _SENTENCE_PUNCT.search(text[after:line_end] + " ") and (
            line_end < len(text)
        ):
            _outlet_programme(text, after, line_end, annotations, meta)
            body_start = line_end
        else:
            body_start = _run_on_header(text, after, line_end, lexicon, annotations, meta)

    for label, matches in labels.items():
        for m in matches:
            if m.start("label") < body_start:
                continue
            starts.append((m.start("label"), m.start("label") + len(m.group("label").rstrip()), m.end(), label))
    starts.sort()

    # Unlabelled text before the first label (or the whole body) belongs to the default speaker.
    first_label = starts[0][0] if starts else len(text)
    segments: list[tuple[int, int, str | None, tuple[int, int] | None]] = []
    if text[body_start:first_label].strip():
        segments.append((body_start, first_label, default_speaker, None))
    for i, (ls, le, content, speaker) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        segments.append((content, end, speaker, (ls, le)))

    for start, end, speaker, label_span in segments:
        seg = text[start:end]
        start += len(seg) - len(seg.lstrip())
        end -= len(seg) - len(seg.rstrip())
        if end <= start:
            continue
        attrs: dict = {"speaker": speaker}
        if label_span is None:
            attrs["unlabelled"] = True
        else:
            attrs["label_start"], attrs["label_end"] = label_span
        annotations.append(Annotation(start, end, "turn", speaker or "unknown", attrs=attrs, source=SOURCE))
        for m in _EDITORIAL.finditer(text, start, end):
            annotations.append(Annotation(m.start(), m.end(), "editorial", "insertion", source=SOURCE))
    annotations.sort(key=lambda a: (a.start, a.end, a.layer))
    return ParsedTranscript(meta, annotations)


def speakers_of(annotations: Iterable[Annotation]) -> list[str]:
    """Distinct turn speakers in order of first appearance."""
    seen: dict[str, None] = {}
    for a in annotations:
        if a.layer == "turn" and a.attrs.get("speaker"):
            seen.setdefault(a.attrs["speaker"], None)
    return list(seen)
