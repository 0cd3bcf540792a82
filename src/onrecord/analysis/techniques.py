"""Stage ``onrecord.techniques.v1``: persuasion techniques, with the 14 labels of SemEval-2020 Task 11.

The cues are data (``data/techniques.yaml``, compiled in ``technique_rules.py``): for each technique,
rules of single words (matched on the lemma or the lower-cased form), phrases (lower-cased tokens, and
lemmas, so "everyone knew" matches "everyone knows"), spaCy ``Matcher`` token patterns, and detectors
written here: repetition (over the whole document), scare quotes, quoted / exclaimed / parallel
slogans ("Our land, our rules."), superlatives, discrediting prefixes ("pseudo-state"), tautologies
("War is war."), threats to "us" in a future clause, and words of strong feeling from VADER's
general sentiment lexicon.

A hit is kept when its rule's conditions hold (part of speech; question or not; a future or
conditional clause; a label tied to an actor by the dependency parse, as in "the Kiev regime",
"Zelensky, a puppet", "they are criminals"; not an interviewer's turn), and is then grown to its span,
as the PTC guidelines ask: the cue itself, the phrase it belongs to ("utter disaster", "globalist
puppets"), its clause, or its sentence (a black-and-white fallacy, whataboutism).

Overlaps: a cue inside a longer cue yields to it ("the whole world knows" is bandwagon, not
exaggeration; repetition neither yields nor wins); overlapping spans of one technique are merged,
keeping the best score. Each annotation has label = technique, score 0..1 (the rule's, +0.1 in an
exclamation for the emotional techniques), and attrs ``cue`` (the words that fired), ``rule``
(``Technique|rule id``), ``speaker`` and, for merged spans, ``cues``. Editorial insertions
(``[...]``) are not the speaker's words and yield nothing.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._types import Annotation
from .base import AnalysisDoc, stage
from .resources import Resources
from .sentences import sentence_spans
from .technique_rules import (
    MOD_DEPS, Rule, TechniqueLexicon, clause_span, evaluative_head, is_future, is_question, load_techniques, lower_set, phrase_span,
    technique_lexicon, tied_to_actor, whole_words,
)

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Span, Token

__all__ = ["techniques", "technique_hits", "TechniqueLexicon", "load_techniques", "Hit", "NAME"]

NAME = "onrecord.techniques.v1"
#: Techniques whose score rises in an exclamation.
EMOTIONAL = {"Loaded_Language", "Name_Calling,Labeling", "Flag-Waving", "Slogans", "Appeal_to_fear-prejudice"}
_CONTENT_POS = {"NOUN", "VERB", "ADJ", "ADV", "PROPN"}
_QUOTES = re.compile(r"“([^“”\n]{1,80})”|\"([^\"\n]{1,80})\"|‘([^‘’\n]{1,80})’|«([^«»\n]{1,80})»")
_PREV_WORD = re.compile(r"([\w’'-]+)[\s(]*$")


# --- hits -------------------------------------------------------------------------------------------

@dataclass
class Hit:
    rule: Rule
    cue_start: int  # characters of the stored text
    cue_end: int
    start: int
    end: int
    score: float
    cue: str
    speaker: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.rule.label


class _Context:
    """One segment being analysed: its parse, sentence spans of the document, the speaker."""

    def __init__(self, doc: AnalysisDoc, lex: TechniqueLexicon, seg, sentences: list[tuple[int, int, str]]):
        self.text = doc.text
        self.lex = lex
        self.seg = seg
        self.host = seg.speaker.casefold() in lex.hosts
        self.sentences = sentences
        self.starts = [s for s, _, _ in sentences]

    def chars(self, s: int, e: int) -> tuple[int, int]:
        d = self.seg.doc
        return self.seg.start + d[s].idx, self.seg.start + d[e - 1].idx + len(d[e - 1].text)

    def sentence_at(self, char: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.starts, char) - 1
        if i >= 0 and self.sentences[i][0] <= char < self.sentences[i][1]:
            return self.sentences[i][0], self.sentences[i][1]
        return char, char

    def hit(self, rule: Rule, s: int, e: int, score: float | None = None, span: tuple[int, int] | None = None, **extra: Any) -> Hit:
        """A hit of ``rule`` on tokens ``[s, e)`` of the segment, grown to the rule's span."""
        d = self.seg.doc
        sent = d[s].sent
        s, e = whole_words(d, s, e)
        cue_start, cue_end = self.chars(s, e)
        if span is None:
            if rule.span == "phrase":
                span = self.chars(*phrase_span(d, s, e))
            elif rule.span == "clause":
                found = clause_span(d, s, e, sent)
                span = self.chars(*found) if found else self.sentence_at(cue_start)
            elif rule.span == "sentence":
                span = self.sentence_at(cue_start)
            else:
                span = (cue_start, cue_end)
        start, end = min(span[0], cue_start), max(span[1], cue_end)
        value = rule.score if score is None else score
        if rule.label in EMOTIONAL and sent.text.rstrip().endswith("!"):
            value += 0.1
        return Hit(rule, cue_start, cue_end, start, end, min(1.0, round(value, 3)), self.text[cue_start:cue_end], self.seg.speaker, extra)


def _accept(rule: Rule, ctx: _Context, s: int, e: int, single: bool) -> bool:
    d = ctx.seg.doc
    root = d[s:e].root
    sent = d[s].sent
    if single and rule.pos and root.pos_ not in rule.pos:
        return False
    if rule.not_followed_by and e < len(d) and d[e].lower_ in rule.not_followed_by:
        return False
    if rule.not_host and ctx.host:
        return False
    if rule.contextual and (root.lemma_.lower() in rule.contextual or root.lower_ in rule.contextual):
        if not tied_to_actor(root, ctx.lex):
            return False
    if rule.when == "question" and not is_question(sent):
        return False
    if rule.when == "not_question" and is_question(sent):
        return False
    if rule.when == "future" and not is_future(root):
        return False
    if rule.when == "actor" and not tied_to_actor(root, ctx.lex):
        return False
    if rule.when == "short" and sum(1 for t in sent if not t.is_punct and not t.is_space) > 4:
        return False
    if rule.when == "modifier" and not (root.dep_ in MOD_DEPS and root.head.i > root.i):
        return False
    if rule.when == "evaluative_head" and not evaluative_head(root, ctx.lex):
        return False
    return True


def _matched(ctx: _Context) -> list[Hit]:
    """Hits of the word, phrase and pattern rules in one segment."""
    lex, d = ctx.lex, ctx.seg.doc
    found: dict[tuple[int, int, int], bool] = {}  # (rule, start token, end token) -> single word
    for t in d:
        for key in {t.lower_, t.lemma_.lower()}:
            for i in lex.words.get(key, ()):
                found[(i, t.i, t.i + 1)] = True
    for matcher in (lex.lower, lex.lemma):
        for match_id, s, e in matcher(d) if len(matcher) else ():
            if d[s].sent.start == d[e - 1].sent.start:
                found.setdefault((int(d.vocab.strings[match_id]), s, e), False)
    for sent in d.sents if len(lex.patterns) else ():
        for match_id, s, e in lex.patterns(sent):
            found.setdefault((int(d.vocab.strings[match_id]), sent.start + s, sent.start + e), False)
    out = []
    for (i, s, e), single in sorted(found.items()):
        rule = lex.rules[i]
        if _accept(rule, ctx, s, e, single):
            out.append(ctx.hit(rule, s, e))
    return out


# --- detectors written in code ------------------------------------------------------------------------

def _quotes(ctx: _Context):
    """``(start token, end token, inner text, char offset in segment)`` of quoted stretches."""
    d = ctx.seg.doc
    for m in _QUOTES.finditer(d.text):
        inner = next(g for g in m.groups() if g is not None)
        span = d.char_span(m.start(), m.end(), alignment_mode="expand")
        if span is not None and inner.strip():
            yield span.start, span.end, inner, m.start()


def _scare_quotes(ctx: _Context, rule: Rule) -> list[Hit]:
    p = rule.params
    after, terms = lower_set(p.get("after")), lower_set(p.get("terms"))
    out = []
    for s, e, inner, at in _quotes(ctx):
        words = inner.split()
        if not 1 <= len(words) <= int(p.get("max_words", 3)) or inner.rstrip()[-1:] in ".!?,":
            continue
        before = ctx.seg.doc.text[:at]
        if before.rstrip().endswith(":"):
            continue  # quoted speech
        prev = _PREV_WORD.search(before)
        inner_words = {w.strip(".,;:!?()").casefold() for w in words} | {inner.strip().casefold()}
        if (prev and prev.group(1).casefold() in after) or inner_words & terms:
            out.append(ctx.hit(rule, s, e))
    return out


def _quoted_slogans(ctx: _Context, rule: Rule) -> list[Hit]:
    p = rule.params
    d = ctx.seg.doc
    out = []
    for s, e, inner, _ in _quotes(ctx):
        n = len(inner.split())
        if not int(p.get("min_words", 2)) <= n <= int(p.get("max_words", 7)):
            continue
        first = next((t for t in d[s:e] if not t.is_punct), None)
        imperative = first is not None and first.tag_ == "VB" and first.dep_ == "ROOT" and first.lower_ not in ("be", "let")
        if inner.rstrip().endswith("!") or imperative:
            out.append(ctx.hit(rule, s, e))
    return out


def _exclamation_slogans(ctx: _Context, rule: Rule) -> list[Hit]:
    out = []
    for sent in ctx.seg.doc.sents:
        if not sent.text.rstrip().endswith("!"):
            continue
        words = [t for t in sent if not t.is_punct and not t.is_space]
        if not 2 <= len(words) <= int(rule.params.get("max_words", 6)):
            continue
        if not any(t.pos_ in ("NOUN", "PROPN") for t in words) or words[0].lower_ in ("thank", "thanks", "oh", "yes", "no", "well", "wow"):
            continue
        out.append(ctx.hit(rule, sent.start, sent.end))
    return out


def _parallel_slogans(ctx: _Context, rule: Rule) -> list[Hit]:
    """A short sentence of parallel parts that begin alike: "Our land, our rules." """
    out = []
    max_words, max_part = int(rule.params.get("max_words", 10)), int(rule.params.get("max_part", 4))
    for sent in ctx.seg.doc.sents:
        words = [t for t in sent if not t.is_punct and not t.is_space]
        if not 4 <= len(words) <= max_words or is_question(sent):
            continue
        parts: list[list["Token"]] = [[]]
        for t in sent:
            if t.text in (",", ";", "–", "—", "-") or t.lower_ in ("and", "but"):
                parts.append([])
            elif not t.is_punct and not t.is_space:
                parts[-1].append(t)
        parts = [x for x in parts if x]
        if len(parts) >= 2 and all(len(x) <= max_part for x in parts) and len({x[0].lower_ for x in parts}) == 1 \
                and len({tuple(t.lower_ for t in x) for x in parts}) == len(parts):
            out.append(ctx.hit(rule, sent.start, sent.end))
    return out


def _tautologies(ctx: _Context, rule: Rule) -> list[Hit]:
    """ "War is war." "A deal is a deal." "Facts are facts.": subject and predicate noun alike."""
    out = []
    for sent in ctx.seg.doc.sents:
        words = [t for t in sent if not t.is_punct and not t.is_space]
        if not 3 <= len(words) <= int(rule.params.get("max_words", 7)) or is_question(sent):
            continue
        for t in sent:
            if t.lemma_ != "be":
                continue
            subj = [c for c in t.children if c.dep_ == "nsubj"]
            attr = [c for c in t.children if c.dep_ in ("attr", "acomp")]
            bare = all(c.dep_ == "det" for x in subj[:1] + attr[:1] for c in x.children)
            if subj and attr and bare and subj[0].lemma_.lower() == attr[0].lemma_.lower() and subj[0].is_alpha and not any(
                c.dep_ == "neg" for c in t.children
            ):
                out.append(ctx.hit(rule, subj[0].i, attr[0].i + 1))
                break
    return out


def _sentiment_words(ctx: _Context, rule: Rule) -> list[Hit]:
    table = ctx.lex.sentiment.get(rule.index, {})
    exclude = lower_set(rule.params.get("exclude"))
    out = []
    for t in ctx.seg.doc:
        v = table.get(t.lower_)
        if v is None or t.lemma_.lower() in exclude or not _accept(rule, ctx, t.i, t.i + 1, True):
            continue
        out.append(ctx.hit(rule, t.i, t.i + 1, score=rule.score + (0.1 if abs(v) >= 3.0 else 0.0)))
    return out


def _threats_to_us(ctx: _Context, rule: Rule) -> list[Hit]:
    """A future/conditional clause whose harm verb reaches "us", "you", "our children" ... (as its
    subject, object or their possessor)."""
    p = rule.params
    people, harm = lower_set(p.get("people")), lower_set(p.get("harm"))
    out = []
    for t in ctx.seg.doc:
        if t.pos_ != "VERB" or t.lemma_.lower() not in harm or not is_future(t) or is_question(t.sent):
            continue
        args = [c for c in t.children if c.dep_ in ("nsubj", "nsubjpass", "dobj", "pobj", "prep")]
        args += [g for c in args if c.dep_ == "prep" for g in c.children if g.dep_ == "pobj"]
        if not any(a.lower_ in people or any(x.lower_ in people for x in a.children if x.dep_ == "poss") for a in args):
            continue
        found = clause_span(ctx.seg.doc, t.i, t.i + 1, t.sent)
        if found:
            out.append(ctx.hit(rule, t.i, t.i + 1, span=ctx.chars(*found)))
    return out


def _superlatives(ctx: _Context, rule: Rule) -> list[Hit]:
    p = rule.params
    evaluative = lower_set(p.get("evaluative"))
    boosters = sorted(lower_set(p.get("boosters")), key=len, reverse=True)
    d = ctx.seg.doc
    out = []
    for t in d:
        if t.tag_ not in ("JJS", "RBS") or (t.i > 0 and d[t.i - 1].lower_ == "at"):
            continue
        s, e, lemma = t.i, t.i + 1, t.lemma_.lower()
        if t.lower_ in ("most", "least"):
            if t.i + 1 >= len(d) or d[t.i + 1].pos_ not in ("ADJ", "ADV"):
                continue
            e, lemma = t.i + 2, d[t.i + 1].lemma_.lower()
        ps, pe = phrase_span(d, s, e)
        sent = t.sent
        rest = d.text[d[pe - 1].idx + len(d[pe - 1].text): sent.end_char].lower()
        boost = next((b for b in boosters if re.match(r"\W{0,3}(?:\w+\W+){0,4}?" + re.escape(b) + r"\b", rest)), None)
        if lemma not in evaluative and boost is None:
            continue
        start, end = ctx.chars(ps, pe)
        if boost:
            end += rest.index(boost) + len(boost)
        out.append(ctx.hit(rule, s, e, score=rule.score + (0.1 if boost and lemma in evaluative else 0.0), span=(start, end)))
    return out


def _prefixes(ctx: _Context, rule: Rule) -> list[Hit]:
    prefixes = lower_set(rule.params.get("prefixes"))
    d = ctx.seg.doc
    out = []
    for t in d:
        if t.lower_ in prefixes and t.i + 2 < len(d) and d[t.i + 1].text == "-" and d[t.i + 2].is_alpha:
            out.append(ctx.hit(rule, t.i, t.i + 3, span=ctx.chars(*phrase_span(d, t.i + 2, t.i + 3))))
        elif any(t.lower_.startswith(p + "-") for p in prefixes):
            out.append(ctx.hit(rule, t.i, t.i + 1))
    return out


_DETECTORS = {"scare_quotes": _scare_quotes, "quoted_slogan": _quoted_slogans, "exclamation_slogan": _exclamation_slogans,
              "parallel_slogan": _parallel_slogans, "superlative": _superlatives, "prefix": _prefixes,
              "sentiment_words": _sentiment_words, "threat_to_us": _threats_to_us, "tautology": _tautologies}


# --- repetition (over the whole document) ---------------------------------------------------------------

def _repetition(doc: AnalysisDoc, res: Resources, lex: TechniqueLexicon, rule: Rule) -> list[Hit]:
    p = rule.params
    ignore = lower_set(p.get("ignore"))
    max_words = int(p.get("max_words", 8))
    min_long, min_short, min_word = int(p.get("min_long", 3)), int(p.get("min_short", 3)), int(p.get("min_word", 3))
    min_clause = int(p.get("min_clause", 2))

    def content(t: "Token") -> bool:
        return t.is_alpha and not t.is_stop and t.pos_ in _CONTENT_POS and len(t.text) > 2 and t.lemma_.lower() not in ignore

    sents: list[tuple[Any, "Span"]] = [(seg, sent) for seg in res.segments(doc) for sent in seg.doc.sents]
    grams: dict[tuple[str, ...], list[tuple[int, int, int]]] = defaultdict(list)  # key -> (sentence, start, end) tokens
    for si, (_, sent) in enumerate(sents):
        toks = list(sent)
        # stretches between punctuation ("We will win, we will win.") said again word for word
        stretch: list[int] = []
        for k, t in enumerate(toks + [None]):  # type: ignore[list-item]
            if t is not None and not (t.is_punct and t.text not in "-'’") and not t.is_space:
                stretch.append(k)
                continue
            words = [toks[x] for x in stretch]
            if 2 <= len(words) <= 12 and any(w.is_alpha and not w.is_stop for w in words) and any(content(w) for w in words):
                grams[("§",) + tuple(w.lower_ for w in words)].append((si, stretch[0], stretch[-1] + 1))
            stretch = []
        for i, first in enumerate(toks):
            if not first.is_alpha:
                continue
            if content(first) and (first.lemma_.lower() in lex.charged or first.lower_ in lex.charged):
                grams[(first.lemma_.lower(),)].append((si, i, i + 1))
            for j in range(i + 2, min(len(toks), i + max_words) + 1):
                window = toks[i:j]
                last = window[-1]
                if (last.is_punct and last.text not in "-'’") or last.is_space:
                    break
                kinds = [t for t in window if content(t)]
                if len(kinds) < 2 or all(t.pos_ == "PROPN" for t in kinds):
                    continue
                if len(window) <= 3 and not (content(first) and content(last)):
                    continue
                if not last.is_alpha:
                    continue
                grams[tuple(t.lemma_.lower() for t in window)].append((si, i, j))

    def enough(key: tuple[str, ...], occ: list[tuple[int, int, int]]) -> bool:
        if key[0] == "§":
            return len(occ) >= min_clause
        if len(key) == 1:
            return len(occ) >= min_word
        if len(key) >= 3:
            return len(occ) >= min_long
        return len(occ) >= min_short and any(w in lex.charged for w in key)

    covered: set[tuple[int, int]] = set()
    out: list[Hit] = []
    # a word said again at once: "war, war, war", "never, never"
    for si, (seg, sent) in enumerate(sents):
        toks = [t for t in sent if t.text not in (",", "-", "–", "—", "...", "…")]
        i = 0
        while i < len(toks) - 1:
            j = i
            while j + 1 < len(toks) and toks[j + 1].is_alpha and toks[j + 1].lower_ == toks[i].lower_ and toks[j + 1].i - toks[j].i <= 2:
                j += 1
            if j > i and toks[i].is_alpha and len(toks[i].text) > 1:
                a = seg.start + toks[i].idx
                b = seg.start + toks[j].idx + len(toks[j].text)
                covered.update((si, t.i - sent.start) for t in toks[i : j + 1])
                out.append(Hit(rule, a, b, a, b, min(1.0, rule.score + 0.1), doc.text[a:b], seg.speaker, {"count": j - i + 1}))
            i = j + 1
    for key, occ in sorted(grams.items(), key=lambda kv: (-(kv[1][0][2] - kv[1][0][1]), -len(kv[1]), kv[0])):
        fresh: list[tuple[int, int, int]] = []
        for si, i, j in occ:
            if all((si, k) not in covered for k in range(i, j)) and not (fresh and fresh[-1][0] == si and fresh[-1][2] > i):
                fresh.append((si, i, j))
        if not enough(key, fresh):
            continue
        for si, i, j in fresh:
            covered.update((si, k) for k in range(i, j))
        for si, i, j in fresh[1:]:
            seg, sent = sents[si]
            a = seg.start + sent[i].idx
            b = seg.start + sent[j - 1].idx + len(sent[j - 1].text)
            score = rule.score + (0.1 if len(fresh) >= 4 else 0.0)
            out.append(Hit(rule, a, b, a, b, min(1.0, score), doc.text[a:b], seg.speaker, {"count": len(fresh)}))
    return out


# --- the stage --------------------------------------------------------------------------------------

def _resolve(hits: list[Hit]) -> list[Hit]:
    """A cue inside a longer (or the same, better scored) cue yields to it: of another technique
    ("the whole world knows" is not exaggeration) or of the same one (the more specific rule's span
    wins). Repetition neither yields nor wins."""
    order = sorted(hits, key=lambda h: (-(h.cue_end - h.cue_start), -h.score, h.rule.index, h.cue_start))
    kept: list[Hit] = []
    for h in order:
        if h.rule.computed != "repetition" and any(
            k.rule.computed != "repetition" and k.cue_start <= h.cue_start and h.cue_end <= k.cue_end for k in kept
        ):
            continue
        kept.append(h)
    return kept


def _merge(hits: list[Hit]) -> list[tuple[Hit, int, int, list[str]]]:
    """Overlapping spans of one technique as one: (best hit, start, end, all cues)."""
    out = []
    by_label: dict[str, list[Hit]] = defaultdict(list)
    for h in hits:
        by_label[h.label].append(h)
    for group in by_label.values():
        group.sort(key=lambda h: (h.start, -h.end))
        cur: list[Hit] = []
        end = -1
        for h in group + [None]:  # type: ignore[list-item]
            if h is not None and cur and h.start < end:
                cur.append(h)
                end = max(end, h.end)
                continue
            if cur:
                best = max(cur, key=lambda x: (x.score, -x.rule.index))
                out.append((best, min(x.start for x in cur), end, list(dict.fromkeys(x.cue for x in cur))))
            if h is not None:
                cur, end = [h], h.end
    return sorted(out, key=lambda x: (x[1], -x[2], x[0].label))


def technique_hits(doc: AnalysisDoc, res: Resources, lexicon: TechniqueLexicon | None = None) -> list[Hit]:
    """Every rule hit in ``doc`` after the overlap rule (before spans of one technique are merged)."""
    lex = lexicon or technique_lexicon(res)
    sentences = sentence_spans(doc, res)
    hits: list[Hit] = []
    for seg in res.segments(doc):
        ctx = _Context(doc, lex, seg, sentences)
        hits += _matched(ctx)
        for rule in lex.rules:
            if rule.computed in _DETECTORS and not (rule.not_host and ctx.host):
                hits += _DETECTORS[rule.computed](ctx, rule)
    for rule in lex.rules_of("repetition"):
        hits += _repetition(doc, res, lex, rule)
    editorial = [(a.start, a.end) for a in doc.layer("editorial")]
    hits = [h for h in hits if h.score >= lex.min_score and not any(s <= h.cue_start and h.cue_end <= e for s, e in editorial)]
    return _resolve(hits)


@stage(NAME, requires=("turn", "sentence"), assigns=("technique",))
def techniques(doc: AnalysisDoc, res: Resources) -> list[Annotation]:
    """Persuasion techniques (SemEval-2020 Task 11 labels): lexicon, pattern and parse cues, repetition."""
    out = []
    for best, start, end, cues in _merge(technique_hits(doc, res)):
        attrs: dict[str, Any] = {"cue": best.cue, "rule": best.rule.name, "speaker": best.speaker, **best.extra}
        if len(cues) > 1:
            attrs["cues"] = cues
        out.append(Annotation(start, end, "technique", best.label, attrs, round(best.score, 2), NAME))
    return out
