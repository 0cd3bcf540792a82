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
    MOD_DEPS, Rule, TechniqueLexicon, clause_span, evaluative_head, is_future, load_techniques, phrase_span,
    technique_lexicon, tied_to_actor, whole_words,
)

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Span

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


class _SegView:
    """Per-token attributes of one parsed segment as plain Python lists (read once with
    ``Doc.to_array``), its sentences with their flags, and its text (``Doc.text`` is rebuilt on every
    access, ``Token.sent`` scans the document)."""

    def __init__(self, seg):
        from spacy.attrs import IDX, IS_ALPHA, IS_PUNCT, IS_SPACE, IS_STOP, LEMMA, LOWER, ORTH, POS, TAG

        d = self.doc = seg.doc
        strings = d.vocab.strings
        names: dict[int, str] = {}

        def names_of(col: tuple[int, ...]) -> list[str]:
            for h in set(col) - names.keys():
                names[h] = strings[h]
            return [names[h] for h in col]

        cols = list(zip(*d.to_array([LOWER, LEMMA, POS, TAG, ORTH, IS_ALPHA, IS_PUNCT, IS_SPACE, IS_STOP, IDX]).tolist())) if len(d) else [()] * 10
        self.lower = names_of(cols[0])
        self.lemma_raw = names_of(cols[1])
        lowered: dict[str, str] = {}
        self.lemma = [lowered.get(x) or lowered.setdefault(x, x.lower()) for x in self.lemma_raw]
        self.pos = names_of(cols[2])
        self.tag = names_of(cols[3])
        self.orth = names_of(cols[4])
        self.alpha = [bool(x) for x in cols[5]]
        self.punct = [bool(x) for x in cols[6]]
        self.space = [bool(x) for x in cols[7]]
        self.stop = [bool(x) for x in cols[8]]
        self.idx = list(cols[9])
        self.text = d.text
        self.sents: list["Span"] = list(d.sents)
        self.tok2sent: list[int] = []
        self.question: list[bool] = []
        self.exclaim: list[bool] = []
        self.nwords: list[int] = []
        for k, sent in enumerate(self.sents):
            self.tok2sent += [k] * (sent.end - sent.start)
            st = self.text[sent.start_char:sent.end_char].rstrip()
            self.question.append(st.rstrip("\"”’»)").endswith("?"))
            self.exclaim.append(st.endswith("!"))
            self.nwords.append(sum(1 for i in range(sent.start, sent.end) if not self.punct[i] and not self.space[i]))


class _Context:
    """One segment being analysed: its parse, sentence spans of the document, the speaker."""

    def __init__(self, doc: AnalysisDoc, lex: TechniqueLexicon, seg, sentences: list[tuple[int, int, str]], view: _SegView | None = None):
        self.text = doc.text
        self.lex = lex
        self.seg = seg
        self.view = view or _SegView(seg)
        self.host = seg.speaker.casefold() in lex.hosts
        self.sentences = sentences
        self.starts = [s for s, _, _ in sentences]

    def chars(self, s: int, e: int) -> tuple[int, int]:
        v = self.view
        return self.seg.start + v.idx[s], self.seg.start + v.idx[e - 1] + len(v.orth[e - 1])

    def sent_index(self, i: int) -> int:
        return self.view.tok2sent[i]

    def sentence_at(self, char: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.starts, char) - 1
        if i >= 0 and self.sentences[i][0] <= char < self.sentences[i][1]:
            return self.sentences[i][0], self.sentences[i][1]
        return char, char

    def hit(self, rule: Rule, s: int, e: int, score: float | None = None, span: tuple[int, int] | None = None, **extra: Any) -> Hit:
        """A hit of ``rule`` on tokens ``[s, e)`` of the segment, grown to the rule's span."""
        d = self.seg.doc
        k = self.view.tok2sent[s]
        sent = self.view.sents[k]
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
        if rule.label in EMOTIONAL and self.view.exclaim[k]:
            value += 0.1
        return Hit(rule, cue_start, cue_end, start, end, min(1.0, round(value, 3)), self.text[cue_start:cue_end], self.seg.speaker, extra)


def _accept(rule: Rule, ctx: _Context, s: int, e: int, single: bool) -> bool:
    v = ctx.view
    d = v.doc
    k = v.tok2sent[s]
    if single and rule.pos and v.pos[s] not in rule.pos:
        return False
    if rule.not_followed_by and e < len(v.lower) and v.lower[e] in rule.not_followed_by:
        return False
    if rule.not_host and ctx.host:
        return False
    when = rule.when
    if when == "question" and not v.question[k]:
        return False
    if when == "not_question" and v.question[k]:
        return False
    if when == "short" and v.nwords[k] > 4:
        return False
    if not (rule.contextual or when in ("future", "actor", "modifier", "evaluative_head")):
        return True
    root = d[s] if e - s == 1 else d[s:e].root
    if rule.contextual and (root.lemma_.lower() in rule.contextual or root.lower_ in rule.contextual):
        if not tied_to_actor(root, ctx.lex):
            return False
    if when == "future" and not is_future(root):
        return False
    if when == "actor" and not tied_to_actor(root, ctx.lex):
        return False
    if when == "modifier" and not (root.dep_ in MOD_DEPS and root.head.i > root.i):
        return False
    if when == "evaluative_head" and not evaluative_head(root, ctx.lex):
        return False
    return True


def _pattern_sentences(ctx: _Context) -> list["Span"]:
    """The sentences where a token pattern may match: those with a token some pattern requires."""
    lex, v = ctx.lex, ctx.view
    if lex.anchor_all:
        return v.sents
    keep: set[int] = set()
    t2s = v.tok2sent
    lows, lems, orths = lex.anchor_lower, lex.anchor_lemma, lex.anchor_orth
    for i, (low, lem, orth) in enumerate(zip(v.lower, v.lemma_raw, v.orth)):
        if low in lows or lem in lems or orth in orths:
            keep.add(t2s[i])
    if lex.anchor_regex:
        for attr, rx in lex.anchor_regex:
            values = v.lower if attr == "lower" else v.orth
            hits = {x for x in set(values) if rx.search(x)}
            if hits:
                keep.update(t2s[i] for i, x in enumerate(values) if x in hits)
    return [v.sents[k] for k in sorted(keep)]


def _matched(ctx: _Context) -> list[Hit]:
    """Hits of the word, phrase and pattern rules in one segment."""
    lex, v = ctx.lex, ctx.view
    d = v.doc
    words = lex.words
    tok2sent = v.tok2sent
    found: dict[tuple[int, int, int], bool] = {}  # (rule, start token, end token) -> single word
    for ti, (low, lem) in enumerate(zip(v.lower, v.lemma)):
        for key in (low, lem) if low != lem else (low,):
            rules = words.get(key)
            if rules:
                for i in rules:
                    found[(i, ti, ti + 1)] = True
    for matcher in (lex.lower, lex.lemma):
        for match_id, s, e in matcher(d) if len(matcher) else ():
            if tok2sent[s] == tok2sent[e - 1]:
                found.setdefault((int(d.vocab.strings[match_id]), s, e), False)
    for sent in _pattern_sentences(ctx) if len(lex.patterns) else ():
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
    text = ctx.view.text
    if not any(q in text for q in "“\"‘«"):
        return
    for m in _QUOTES.finditer(text):
        inner = next(g for g in m.groups() if g is not None)
        span = d.char_span(m.start(), m.end(), alignment_mode="expand")
        if span is not None and inner.strip():
            yield span.start, span.end, inner, m.start()


def _scare_quotes(ctx: _Context, rule: Rule) -> list[Hit]:
    p = rule.params
    after, terms = ctx.lex.param_set(rule, "after"), ctx.lex.param_set(rule, "terms")
    out = []
    for s, e, inner, at in _quotes(ctx):
        words = inner.split()
        if not 1 <= len(words) <= int(p.get("max_words", 3)) or inner.rstrip()[-1:] in ".!?,":
            continue
        before = ctx.view.text[:at]
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
    v = ctx.view
    out = []
    max_words = int(rule.params.get("max_words", 6))
    for k, sent in enumerate(v.sents):
        if not v.exclaim[k] or not 2 <= v.nwords[k] <= max_words:
            continue
        words = [i for i in range(sent.start, sent.end) if not v.punct[i] and not v.space[i]]
        if not any(v.pos[i] in ("NOUN", "PROPN") for i in words) or v.lower[words[0]] in ("thank", "thanks", "oh", "yes", "no", "well", "wow"):
            continue
        out.append(ctx.hit(rule, sent.start, sent.end))
    return out


def _parallel_slogans(ctx: _Context, rule: Rule) -> list[Hit]:
    """A short sentence of parallel parts that begin alike: "Our land, our rules." """
    v = ctx.view
    out = []
    max_words, max_part = int(rule.params.get("max_words", 10)), int(rule.params.get("max_part", 4))
    for k, sent in enumerate(v.sents):
        if not 4 <= v.nwords[k] <= max_words or v.question[k]:
            continue
        parts: list[list[int]] = [[]]
        for i in range(sent.start, sent.end):
            if v.orth[i] in (",", ";", "–", "—", "-") or v.lower[i] in ("and", "but"):
                parts.append([])
            elif not v.punct[i] and not v.space[i]:
                parts[-1].append(i)
        parts = [x for x in parts if x]
        if len(parts) >= 2 and all(len(x) <= max_part for x in parts) and len({v.lower[x[0]] for x in parts}) == 1 \
                and len({tuple(v.lower[i] for i in x) for x in parts}) == len(parts):
            out.append(ctx.hit(rule, sent.start, sent.end))
    return out


def _tautologies(ctx: _Context, rule: Rule) -> list[Hit]:
    """ "War is war." "A deal is a deal." "Facts are facts.": subject and predicate noun alike."""
    v = ctx.view
    d = v.doc
    out = []
    max_words = int(rule.params.get("max_words", 7))
    for k, sent in enumerate(v.sents):
        if not 3 <= v.nwords[k] <= max_words or v.question[k]:
            continue
        for i in range(sent.start, sent.end):
            if v.lemma_raw[i] != "be":
                continue
            t = d[i]
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
    exclude = ctx.lex.param_set(rule, "exclude")
    v = ctx.view
    out = []
    for i, low in enumerate(v.lower):
        val = table.get(low)
        if val is None or v.lemma[i] in exclude or not _accept(rule, ctx, i, i + 1, True):
            continue
        out.append(ctx.hit(rule, i, i + 1, score=rule.score + (0.1 if abs(val) >= 3.0 else 0.0)))
    return out


def _threats_to_us(ctx: _Context, rule: Rule) -> list[Hit]:
    """A future/conditional clause whose harm verb reaches "us", "you", "our children" ... (as its
    subject, object or their possessor)."""
    people, harm = ctx.lex.param_set(rule, "people"), ctx.lex.param_set(rule, "harm")
    v = ctx.view
    d = v.doc
    out = []
    for i, lem in enumerate(v.lemma):
        if v.pos[i] != "VERB" or lem not in harm:
            continue
        t = d[i]
        k = v.tok2sent[i]
        if not is_future(t) or v.question[k]:
            continue
        args = [c for c in t.children if c.dep_ in ("nsubj", "nsubjpass", "dobj", "pobj", "prep")]
        args += [g for c in args if c.dep_ == "prep" for g in c.children if g.dep_ == "pobj"]
        if not any(a.lower_ in people or any(x.lower_ in people for x in a.children if x.dep_ == "poss") for a in args):
            continue
        found = clause_span(d, t.i, t.i + 1, v.sents[k])
        if found:
            out.append(ctx.hit(rule, t.i, t.i + 1, span=ctx.chars(*found)))
    return out


def _superlatives(ctx: _Context, rule: Rule) -> list[Hit]:
    evaluative = ctx.lex.param_set(rule, "evaluative")
    boosters = sorted(ctx.lex.param_set(rule, "boosters"), key=len, reverse=True)
    v = ctx.view
    d = v.doc
    n = len(v.lower)
    out = []
    for i, tag in enumerate(v.tag):
        if tag not in ("JJS", "RBS") or (i > 0 and v.lower[i - 1] == "at"):
            continue
        s, e, lemma = i, i + 1, v.lemma[i]
        if v.lower[i] in ("most", "least"):
            if i + 1 >= n or v.pos[i + 1] not in ("ADJ", "ADV"):
                continue
            e, lemma = i + 2, v.lemma[i + 1]
        ps, pe = phrase_span(d, s, e)
        sent = v.sents[v.tok2sent[i]]
        rest = v.text[v.idx[pe - 1] + len(v.orth[pe - 1]): sent.end_char].lower()
        boost = next((b for b in boosters if re.match(r"\W{0,3}(?:\w+\W+){0,4}?" + re.escape(b) + r"\b", rest)), None)
        if lemma not in evaluative and boost is None:
            continue
        start, end = ctx.chars(ps, pe)
        if boost:
            end += rest.index(boost) + len(boost)
        out.append(ctx.hit(rule, s, e, score=rule.score + (0.1 if boost and lemma in evaluative else 0.0), span=(start, end)))
    return out


def _prefixes(ctx: _Context, rule: Rule) -> list[Hit]:
    prefixes = ctx.lex.param_set(rule, "prefixes")
    v = ctx.view
    d = v.doc
    n = len(v.lower)
    dashed = tuple(p + "-" for p in prefixes)
    out = []
    for i, low in enumerate(v.lower):
        if low in prefixes and i + 2 < n and v.orth[i + 1] == "-" and v.alpha[i + 2]:
            out.append(ctx.hit(rule, i, i + 3, span=ctx.chars(*phrase_span(d, i + 2, i + 3))))
        elif "-" in low and low.startswith(dashed):
            out.append(ctx.hit(rule, i, i + 1))
    return out


_DETECTORS = {"scare_quotes": _scare_quotes, "quoted_slogan": _quoted_slogans, "exclamation_slogan": _exclamation_slogans,
              "parallel_slogan": _parallel_slogans, "superlative": _superlatives, "prefix": _prefixes,
              "sentiment_words": _sentiment_words, "threat_to_us": _threats_to_us, "tautology": _tautologies}


# --- repetition (over the whole document) ---------------------------------------------------------------

def _repetition(doc: AnalysisDoc, res: Resources, lex: TechniqueLexicon, rule: Rule,
                views: list[tuple[Any, _SegView]] | None = None) -> list[Hit]:
    p = rule.params
    ignore = lex.param_set(rule, "ignore")
    max_words = int(p.get("max_words", 8))
    min_long, min_short, min_word = int(p.get("min_long", 3)), int(p.get("min_short", 3)), int(p.get("min_word", 3))
    min_clause = int(p.get("min_clause", 2))
    charged = lex.charged
    if views is None:
        views = [(seg, _SegView(seg)) for seg in res.segments(doc)]

    sents: list[tuple[Any, _SegView, "Span"]] = [(seg, v, sent) for seg, v in views for sent in v.sents]
    grams: dict[tuple[str, ...], list[tuple[int, int, int]]] = defaultdict(list)  # key -> (sentence, start, end) tokens
    for seg, v in views:
        # per token of the segment: content word? a break (punctuation but hyphens and apostrophes, space)?
        v_content = [
            al and not st and po in _CONTENT_POS and len(o) > 2 and le not in ignore
            for al, st, po, o, le in zip(v.alpha, v.stop, v.pos, v.orth, v.lemma)
        ]
        v_break = [(pu and o not in "-'’") or sp for pu, o, sp in zip(v.punct, v.orth, v.space)]
        v.rep = (v_content, v_break)
    for si, (seg, v, sent) in enumerate(sents):
        s0, n = sent.start, sent.end - sent.start
        v_content, v_break = v.rep
        content = v_content[s0:s0 + n]
        brk = v_break[s0:s0 + n]
        alpha = v.alpha[s0:s0 + n]
        stop = v.stop[s0:s0 + n]
        lower = v.lower[s0:s0 + n]
        lemma = v.lemma[s0:s0 + n]
        propn = [x == "PROPN" for x in v.pos[s0:s0 + n]]
        # stretches between punctuation ("We will win, we will win.") said again word for word
        stretch: list[int] = []
        for k in range(n + 1):
            if k < n and not brk[k]:
                stretch.append(k)
                continue
            if 2 <= len(stretch) <= 12 and any(alpha[x] and not stop[x] for x in stretch) and any(content[x] for x in stretch):
                grams[("§",) + tuple(lower[x] for x in stretch)].append((si, stretch[0], stretch[-1] + 1))
            stretch = []
        for i in range(n):
            if not alpha[i]:
                continue
            ci = content[i]
            if ci and (lemma[i] in charged or lower[i] in charged):
                grams[(lemma[i],)].append((si, i, i + 1))
            kinds = 1 if ci else 0
            nonprop = 1 if ci and not propn[i] else 0
            for j in range(i + 2, min(n, i + max_words) + 1):
                last = j - 1
                if brk[last]:
                    break
                if content[last]:
                    kinds += 1
                    if not propn[last]:
                        nonprop += 1
                if kinds < 2 or not nonprop:
                    continue
                if j - i <= 3 and not (ci and content[last]):
                    continue
                if not alpha[last]:
                    continue
                grams[tuple(lemma[i:j])].append((si, i, j))

    def threshold(key: tuple[str, ...]) -> int:
        if key[0] == "§":
            return min_clause
        if len(key) == 1:
            return min_word
        if len(key) >= 3:
            return min_long
        return min_short if any(w in charged for w in key) else -1

    def enough(key: tuple[str, ...], occ: list[tuple[int, int, int]]) -> bool:
        need = threshold(key)
        return need >= 0 and len(occ) >= need

    covered: set[tuple[int, int]] = set()
    out: list[Hit] = []
    # a word said again at once: "war, war, war", "never, never"
    for si, (seg, v, sent) in enumerate(sents):
        s0 = sent.start
        toks = [i for i in range(s0, sent.end) if v.orth[i] not in (",", "-", "–", "—", "...", "…")]
        i = 0
        while i < len(toks) - 1:
            j = i
            ti = toks[i]
            while j + 1 < len(toks) and v.alpha[toks[j + 1]] and v.lower[toks[j + 1]] == v.lower[ti] and toks[j + 1] - toks[j] <= 2:
                j += 1
            if j > i and v.alpha[ti] and len(v.orth[ti]) > 1:
                tj = toks[j]
                a = seg.start + v.idx[ti]
                b = seg.start + v.idx[tj] + len(v.orth[tj])
                covered.update((si, t - s0) for t in toks[i : j + 1])
                out.append(Hit(rule, a, b, a, b, min(1.0, rule.score + 0.1), doc.text[a:b], seg.speaker, {"count": j - i + 1}))
            i = j + 1
    # only keys said often enough can be kept (the occurrences still free are a subset)
    candidates = [(key, occ) for key, occ in grams.items() if 0 <= threshold(key) <= len(occ)]
    for key, occ in sorted(candidates, key=lambda kv: (-(kv[1][0][2] - kv[1][0][1]), -len(kv[1]), kv[0])):
        fresh: list[tuple[int, int, int]] = []
        for si, i, j in occ:
            if all((si, k) not in covered for k in range(i, j)) and not (fresh and fresh[-1][0] == si and fresh[-1][2] > i):
                fresh.append((si, i, j))
        if not enough(key, fresh):
            continue
        for si, i, j in fresh:
            covered.update((si, k) for k in range(i, j))
        for si, i, j in fresh[1:]:
            seg, v, sent = sents[si]
            a = seg.start + v.idx[sent.start + i]
            b = seg.start + v.idx[sent.start + j - 1] + len(v.orth[sent.start + j - 1])
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
    views = [(seg, _SegView(seg)) for seg in res.segments(doc)]
    for seg, view in views:
        ctx = _Context(doc, lex, seg, sentences, view)
        hits += _matched(ctx)
        for rule in lex.rules:
            if rule.computed in _DETECTORS and not (rule.not_host and ctx.host):
                hits += _DETECTORS[rule.computed](ctx, rule)
    for rule in lex.rules_of("repetition"):
        hits += _repetition(doc, res, lex, rule, views)
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
