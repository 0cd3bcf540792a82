"""Stage ``onrecord.actors.v1``: actor mentions resolved to codebook actors.

1. Codebook forms (names, aliases, epithets, forms of address) are matched on tokens (spaCy
   ``PhraseMatcher``): case-insensitively, except that capitalised words of a form must be capitalised
   in the text and all-capital forms (US, EU, NATO) must match exactly. Overlaps keep the longest.
2. Names the codebook lacks are found by spaCy NER (``en_core_web_sm``; PERSON, ORG, GPE), run only on
   sentences with a proper noun no codebook form covers. Each is fuzzy-matched (rapidfuzz) against the
   codebook's forms; a close match resolves to that actor, anything else becomes a candidate
   (label ``other``, ``attrs.name``) that ``onrecord actors --candidates`` lists.
3. Pronouns: "we / us / our" resolve to the speaker's side only where the codebook's ``first_person``
   names the speaker; "he / him / his" to the last person mentioned in the same turn. Both are marked
   ``inferred`` (and ``pronoun``) and score lower.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from .._types import Annotation
from .base import AnalysisDoc, stage
from .resources import Resources
from .sentences import sentence_spans

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Span

__all__ = ["actors", "Mention", "MentionIndex", "mentions_of", "normalise_name", "FUZZY_CUTOFF"]

NAME = "onrecord.actors.v1"
NER_TYPES = {"PERSON": "person", "ORG": "organisation", "GPE": "state"}
ACTING_DEPS = {"nsubj", "nsubjpass", "agent", "poss", "conj", "appos"}
FIRST_PERSON = {"we", "us", "our", "ours", "ourselves"}
THIRD_PERSON_MALE = {"he", "him", "his", "himself"}
#: rapidfuzz ratio (0-100) from which an unknown name is taken to be a known form.
FUZZY_CUTOFF = 90.0
_LEADING = ("the ", "The ", "Mr ", "Mr. ", "Mrs ", "Mrs. ", "Ms ", "Ms. ", "President ", "Minister ")


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    actor: str  # codebook id, or "other"
    kind: str  # name | alias | epithet | fuzzy | ner | pronoun
    speaker: str
    name: str
    type: str
    score: float

    @property
    def inferred(self) -> bool:
        return self.kind == "pronoun"


class MentionIndex:
    """Mentions by character position, for O(log n) "which mention covers this character?"."""

    def __init__(self, mentions: Iterable[Mention]):
        self.mentions = sorted(mentions, key=lambda m: (m.start, -m.end))
        self.starts = [m.start for m in self.mentions]

    def at(self, char: int) -> Mention | None:
        import bisect

        i = bisect.bisect_right(self.starts, char) - 1
        while i >= 0 and self.mentions[i].start <= char:
            if char < self.mentions[i].end:
                return self.mentions[i]
            if char - self.mentions[i].start > 200:  # no mention is this long
                break
            i -= 1
        return None


def normalise_name(text: str) -> str:
    """A name as a candidate key: no leading article or title, no possessive, single spaces."""
    name = " ".join(text.split())
    changed = True
    while changed:
        changed = False
        for prefix in _LEADING:
            if name.startswith(prefix) and len(name) > len(prefix):
                name, changed = name[len(prefix):], True
    for suffix in ("'s", "’s", "'", "’"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name.strip(" .,;:-–—\"“”")


def _case_sensitive(form: str) -> bool:
    letters = [c for c in form if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


class _Matchers:
    def __init__(self, res: Resources):
        from spacy.matcher import PhraseMatcher

        nlp = res.parser
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        groups: dict[tuple[str, str], list] = {}
        self.capitals: dict[str, list[tuple[bool, ...]]] = {}
        for actor_id, form, kind in res.actors.surface_forms():
            pattern = nlp.make_doc(form)
            target = "exact" if _case_sensitive(form) else "lower"
            key = f"{actor_id}|{kind}|{target}"
            groups.setdefault((key, target), []).append(pattern)
        for (key, target), patterns in groups.items():
            (self.exact if target == "exact" else self.lower).add(key, patterns)
        # Forms a match must agree with on capitals, by token count (checked after matching).
        self.forms: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        for _, form, _ in res.actors.surface_forms():
            toks = tuple(t.text for t in nlp.make_doc(form))
            self.forms.setdefault(tuple(t.lower() for t in toks), []).append(toks)
        self.names = {}
        for a in res.actors:
            for _, form, _ in [(a.id, a.name, "name"), *((a.id, f, "alias") for f in a.aliases)]:
                self.names.setdefault(normalise_name(form).casefold(), a.id)
        self.name_list = list(self.names)

    def capitals_ok(self, span: "Span") -> bool:
        """Every capitalised token of some codebook form with these words is capitalised here
        (so 'us' is not US, 'alliance' is not the Alliance); a leading 'the' is exempt."""
        words = tuple(t.text for t in span)
        for form in self.forms.get(tuple(w.lower() for w in words), []):
            if all(not f[:1].isupper() or w[:1].isupper() or (i == 0 and f.lower() == "the") for i, (f, w) in enumerate(zip(form, words))):
                return True
        return False


def _matchers(res: Resources) -> _Matchers:
    return res.memo("actors.matchers", lambda: _Matchers(res))


def _fuzzy(m: _Matchers, name: str) -> tuple[str, float] | None:
    from rapidfuzz import fuzz, process

    key = name.casefold()
    if key in m.names:
        return m.names[key], 100.0
    found = process.extractOne(key, m.name_list, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
    if found is None:
        return None
    return m.names[found[0]], float(found[1])


def _codebook_mentions(res: Resources, m: _Matchers, seg, speaker: str) -> list[Mention]:
    from spacy.util import filter_spans

    found = []
    for matcher in (m.lower, m.exact):
        for match_id, s, e in matcher(seg.doc):
            span = seg.doc[s:e]
            key = res.parser.vocab.strings[match_id]
            if key.endswith("|lower") and not m.capitals_ok(span):
                continue
            span.label_ = key
            found.append(span)
    out = []
    for span in filter_spans(found):
        actor_id, kind, _ = span.label_.split("|")
        actor = res.actors[actor_id]
        out.append(Mention(seg.start + span.start_char, seg.start + span.end_char, actor_id, kind, speaker, actor.name, actor.type, 1.0))
    return out


def _ner_mentions(res: Resources, m: _Matchers, seg, speaker: str, covered: list[tuple[int, int]]) -> list[Mention]:
    out = []
    for sent in seg.doc.sents:
        s0, e0 = seg.start + sent.start_char, seg.start + sent.end_char
        inside = [(s, e) for s, e in covered if s < e0 and e > s0]
        if not any(
            t.pos_ == "PROPN" and t.text[:1].isupper() and not any(s <= seg.start + t.idx < e for s, e in inside) for t in sent
        ):
            continue
        ents = res.ner(sent.as_doc()).ents
        for ent in ents:
            kind = NER_TYPES.get(ent.label_)
            if kind is None or (kind == "state" and ent.root.dep_ not in ACTING_DEPS):
                continue  # a place is an actor only where it acts (subject, agent, possessor)
            start, end = s0 + ent.start_char, s0 + ent.end_char
            if any(s < end and e > start for s, e in inside):
                continue
            raw = seg.doc.text[start - seg.start : end - seg.start]
            name = normalise_name(raw)
            if len(name) < 2 or not name[:1].isupper() or any(c.isdigit() for c in name):
                continue
            # span without a leading article/title or trailing possessive
            lead = raw.find(name)
            start, end = start + max(lead, 0), start + max(lead, 0) + len(name)
            hit = _fuzzy(m, name)
            if hit:
                actor = res.actors[hit[0]]
                out.append(Mention(start, end, actor.id, "fuzzy", speaker, actor.name, actor.type, round(hit[1] / 100, 3)))
            else:
                out.append(Mention(start, end, "other", "ner", speaker, name, kind, 0.6))
    return out


def _state_of(res: Resources, actor_id: str) -> str:
    """The state (or top-level actor) an actor belongs to: putin -> russia, russian_army -> russia."""
    actor = res.actors[actor_id]
    if actor.side:
        return actor.side
    chain = [actor_id, *res.actors.ancestors(actor_id)]
    states = [a for a in chain if res.actors[a].type == "state"]
    return states[0] if states else chain[-1]


def inferred_sides(res: Resources, doc: AnalysisDoc, named: list[Mention]) -> dict[str, str]:
    """Speaker -> the actor their "we" stands for: the codebook's ``first_person`` entry, else the
    side a speaker claims with a first-person epithet ("our President", "our army") when all such
    epithets in their turns point to one side."""
    sides: dict[str, set[str]] = {}
    for m in named:
        if m.actor != "other" and doc.text[m.start : m.end].lower().startswith("our "):
            sides.setdefault(m.speaker, set()).add(_state_of(res, m.actor))
    out = {who: next(iter(found)) for who, found in sides.items() if len(found) == 1}
    for who in {m.speaker for m in named} | set(out):
        explicit = res.actors.first_person_side(who)
        if explicit:
            out[who] = explicit
    return out


def _pronoun_mentions(res: Resources, doc: AnalysisDoc, seg, speaker: str, named: list[Mention], side: str | None) -> list[Mention]:
    persons = [x for x in named if x.type == "person" and x.start >= seg.start and x.end <= seg.end]
    out = []
    for t in seg.doc:
        low = t.lower_
        at = seg.start + t.idx
        if side and low in FIRST_PERSON and t.pos_ == "PRON":
            actor = res.actors[side]
            out.append(Mention(at, at + len(t.text), side, "pronoun", speaker, actor.name, actor.type, 0.5))
        elif low in THIRD_PERSON_MALE and t.pos_ == "PRON":
            before = [x for x in persons if x.end <= at]
            if before:
                last = before[-1]
                out.append(Mention(at, at + len(t.text), last.actor, "pronoun", speaker, last.name, "person", 0.4))
    return out


def mentions_of(doc: AnalysisDoc, res: Resources) -> list[Mention]:
    """Every actor mention of ``doc``, in text order (cached on the document for later stages)."""
    cached = doc.cache.get("mentions")
    if cached is not None:
        return cached
    m = _matchers(res)
    out: list[Mention] = []
    per_segment = []
    for seg in res.segments(doc):
        named = _codebook_mentions(res, m, seg, seg.speaker)
        named += _ner_mentions(res, m, seg, seg.speaker, [(x.start, x.end) for x in named])
        named.sort(key=lambda x: x.start)
        per_segment.append((seg, named))
        out += named
    sides = inferred_sides(res, doc, out)
    for seg, named in per_segment:
        out += _pronoun_mentions(res, doc, seg, seg.speaker, named, sides.get(seg.speaker) or res.actors.first_person_side(seg.speaker))
    out.sort(key=lambda x: (x.start, -x.end))
    doc.cache["mentions"] = out
    return out


def _to_annotation(x: Mention) -> Annotation:
    attrs = {"name": x.name, "type": x.type, "match": x.kind, "speaker": x.speaker}
    if x.inferred:
        attrs["inferred"] = True
        attrs["pronoun"] = True
    if x.actor == "other":
        attrs["candidate"] = True
    return Annotation(x.start, x.end, "actor", x.actor, attrs, score=x.score, source=NAME)


@stage(NAME, requires=("turn", "sentence"), assigns=("actor",))
def actors(doc: AnalysisDoc, res: Resources) -> list[Annotation]:
    """Actor mentions: codebook forms, NER names (fuzzy-resolved or candidates), flagged pronouns."""
    sentence_spans(doc, res)
    return [_to_annotation(x) for x in mentions_of(doc, res)]


def known_forms(res: Resources) -> Iterable[tuple[str, str]]:
    """``(form, actor_id)`` of every codebook name and alias, normalised (for candidate suggestions)."""
    return _matchers(res).names.items()
