"""Stage ``onrecord.techniques.v1``: persuasion techniques, with the 14 labels of SemEval-2020 Task 11.

The cues are data (``data/techniques.yaml``): for each technique, rules of single words (matched on the
lemma or the lower-cased form), phrases (lower-cased tokens, and lemmas, so "everyone knew" matches
"everyone knows"), spaCy ``Matcher`` token patterns, and a few detectors written here: repetition,
scare quotes, quoted and exclaimed slogans, superlatives, discrediting prefixes ("pseudo-state").

A hit is kept when the rule's conditions hold (part of speech; a question / not a question; a future
or conditional sentence; a label tied to an actor by the dependency parse, as in "the Kiev regime",
"Zelensky, a puppet", "they are criminals"; not an interviewer's turn), and is then grown to its span,
as the PTC guidelines ask: the cue itself, the phrase it belongs to ("utter disaster", "globalist
puppets"), its clause, or its sentence (a black-and-white fallacy, whataboutism).

Overlaps: a cue inside a longer cue of another technique yields to it ("the whole world knows" is
bandwagon, not exaggeration; repetition coexists with everything); overlapping spans of one technique
are merged, keeping the best score. Each annotation has label = technique, score 0..1 (the rule's,
+0.1 in an exclamation for the emotional techniques), and attrs ``cue`` (the words that fired),
``rule`` (``Technique|rule id``), ``speaker`` and, for merged spans, ``cues``.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources as importlib_resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

import yaml

from .._types import Annotation
from ..errors import ConfigError
from .base import AnalysisDoc, stage
from .resources import Resources
from .sentences import sentence_spans

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc, Span, Token

__all__ = ["techniques", "technique_hits", "TechniqueLexicon", "load_techniques", "Hit", "NAME"]

NAME = "onrecord.techniques.v1"
SPAN_MODES = ("cue", "phrase", "clause", "sentence")
CONDITIONS = ("question", "not_question", "future", "actor")
COMPUTED = ("repetition", "scare_quotes", "quoted_slogan", "exclamation_slogan", "superlative", "prefix")
#: Techniques whose score rises in an exclamation.
EMOTIONAL = {"Loaded_Language", "Name_Calling,Labeling", "Flag-Waving", "Slogans", "Appeal_to_fear-prejudice"}
_RULE_KEYS = {"id", "score", "span", "pos", "when", "speaker", "not_followed_by", "words", "phrases", "patterns",
              "computed", "contextual"}
_FUTURE = {"will", "would", "shall", "'ll", "’ll", "wo", "could", "may", "might"}
_PERSONAL = {"he", "she", "they", "you", "him", "her", "them", "it", "this", "these", "those"}
_MOD_DEPS = {"amod", "compound", "nmod", "npadvmod", "nummod", "advmod"}
_CONTENT_POS = {"NOUN", "VERB", "ADJ", "ADV", "PROPN"}
_QUOTES = re.compile(r"“([^“”\n]{1,80})”|\"([^\"\n]{1,80})\"|‘([^‘’\n]{1,80})’|«([^«»\n]{1,80})»")
_PREV_WORD = re.compile(r"([\w’'-]+)[\s(]*$")
_MAX_CLAUSE = 40


# --- the data ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    index: int
    label: str
    id: str
    score: float
    span: str
    pos: frozenset[str]
    when: str | None
    not_host: bool
    not_followed_by: frozenset[str]
    computed: str | None
    contextual: frozenset[str]
    params: dict[str, Any] = field(hash=False, compare=False)

    @property
    def name(self) -> str:
        return f"{self.label}|{self.id}"


def load_techniques(path: str | Path | None = None) -> dict[str, Any]:
    """The technique rules (``data/techniques.yaml`` unless ``path``), checked."""
    if path is None:
        raw = importlib_resources.files("onrecord").joinpath("data", "techniques.yaml").read_text(encoding="utf-8")
        where = "techniques.yaml"
    else:
        raw, where = Path(path).read_text(encoding="utf-8"), str(path)
    data = yaml.safe_load(raw) or {}
    if not isinstance(data.get("techniques"), dict) or not data["techniques"]:
        raise ConfigError(f"{where}: needs a 'techniques' mapping of label -> rules")
    for label, spec in data["techniques"].items():
        for i, rule in enumerate((spec or {}).get("rules") or []):
            at = f"{where}: {label} rule {rule.get('id', i)}"
            unknown = set(rule) - _RULE_KEYS - set(_computed_params(rule))
            if unknown:
                raise ConfigError(f"{at}: unknown key(s) {', '.join(sorted(unknown))}")
            if rule.get("span", "cue") not in SPAN_MODES:
                raise ConfigError(f"{at}: span must be one of {', '.join(SPAN_MODES)}")
            if rule.get("when") not in (None, *CONDITIONS):
                raise ConfigError(f"{at}: when must be one of {', '.join(CONDITIONS)}")
            if rule.get("computed") not in (None, *COMPUTED):
                raise ConfigError(f"{at}: computed must be one of {', '.join(COMPUTED)}")
            for key in ("words", "phrases", "contextual", "pos", "not_followed_by"):
                bad = [w for w in rule.get(key) or [] if not isinstance(w, str) or not w.strip()]
                if bad:
                    raise ConfigError(f"{at}: {key} holds {bad[0]!r}, not a word (quote yes/no/on/off in YAML)")
            if not 0.0 <= float(rule.get("score", 0.5)) <= 1.0:
                raise ConfigError(f"{at}: score must be between 0 and 1")
    return data


def _computed_params(rule: dict[str, Any]) -> list[str]:
    return [k for k in rule if rule.get("computed") and k not in _RULE_KEYS]


def _lower_set(items: Iterable[Any] | None) -> frozenset[str]:
    return frozenset(str(x).casefold() for x in items or [])


class TechniqueLexicon:
    """The rules compiled into spaCy matchers, once per process."""

    def __init__(self, res: Resources, path: str | Path | None = None):
        from spacy.matcher import Matcher, PhraseMatcher

        data = load_techniques(path)
        nlp = res.parser
        self.labels = tuple(data["techniques"])
        self.min_score = float(data.get("min_score", 0.0))
        self.hosts = _lower_set(data.get("hosts"))
        self.actor_modifiers = _lower_set(data.get("actor_modifiers"))
        self.actor_nouns = _lower_set(data.get("actor_nouns"))
        self.rules: list[Rule] = []
        self.words: dict[str, list[int]] = defaultdict(list)
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.lemma = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self.patterns = Matcher(nlp.vocab)
        phrases: list[tuple[int, str]] = []
        for label, spec in data["techniques"].items():
            for raw in (spec or {}).get("rules") or []:
                rule = Rule(
                    len(self.rules), label, str(raw.get("id", len(self.rules))), float(raw.get("score", 0.5)),
                    raw.get("span", "cue"), frozenset(raw.get("pos") or ()), raw.get("when"), raw.get("speaker") == "not_host",
                    _lower_set(raw.get("not_followed_by")), raw.get("computed"), _lower_set(raw.get("contextual")),
                    {k: raw[k] for k in _computed_params(raw)},
                )
                self.rules.append(rule)
                for w in raw.get("words") or []:
                    if len(nlp.make_doc(w)) == 1:
                        self.words[w.casefold()].append(rule.index)
                    else:
                        phrases.append((rule.index, w))
                phrases += [(rule.index, p) for p in raw.get("phrases") or []]
                if raw.get("patterns"):
                    try:
                        self.patterns.add(str(rule.index), raw["patterns"])
                    except (ValueError, TypeError, KeyError) as exc:
                        raise ConfigError(f"techniques.yaml: {rule.name}: bad token pattern: {exc}") from None
        variants = sorted({(i, v) for i, p in phrases for v in (p, p.replace("'", "’"))})
        by_rule: dict[int, list] = defaultdict(list)
        for (i, _), parsed in zip(variants, res.parse([v for _, v in variants])):
            by_rule[i].append(parsed)
        for i, docs in by_rule.items():
            self.lower.add(str(i), docs)
            self.lemma.add(str(i), docs)
        #: single charged words, for repetition
        self.charged = frozenset(
            w for w, idx in self.words.items()
            if any(self.rules[i].label in ("Loaded_Language", "Name_Calling,Labeling", "Bandwagon,Reductio_ad_hitlerum") for i in idx)
        )

    def rules_of(self, computed: str) -> list[Rule]:
        return [r for r in self.rules if r.computed == computed]


def _lexicon(res: Resources) -> TechniqueLexicon:
    return res.memo("techniques.lexicon", lambda: TechniqueLexicon(res))


# --- conditions -------------------------------------------------------------------------------------

def _is_question(sent: "Span") -> bool:
    return sent.text.rstrip().rstrip("\"”’»)").endswith("?")


def _is_future(sent: "Span") -> bool:
    for t in sent:
        if (t.tag_ == "MD" and t.lower_ in _FUTURE) or (t.lower_ in ("if", "unless") and t.dep_ == "mark"):
            return True
        if t.lower_ == "going" and t.i + 1 < sent.end and t.doc[t.i + 1].lower_ == "to":
            return True
    return False


def _actorish(t: "Token", lex: TechniqueLexicon) -> bool:
    if t.pos_ == "PROPN" or (t.pos_ == "PRON" and t.lower_ in _PERSONAL):
        return True
    if t.lemma_.lower() in lex.actor_nouns or t.lower_ in lex.actor_nouns:
        return True
    return any(c.dep_ in ("compound", "poss") and c.pos_ == "PROPN" for c in t.children)


def _subject_actorish(verb: "Token", lex: TechniqueLexicon) -> bool:
    return any(c.dep_ in ("nsubj", "nsubjpass", "dobj") and _actorish(c, lex) for c in verb.children)


def _tied_to_actor(tok: "Token", lex: TechniqueLexicon) -> bool:
    """A label or epithet applied to an actor (see the module docstring)."""
    if tok.pos_ == "ADJ" or tok.dep_ in ("amod",):
        if tok.dep_ in ("amod", "compound", "nmod") and _actorish(tok.head, lex):
            return True
        return tok.dep_ in ("acomp", "attr", "oprd") and _subject_actorish(tok.head, lex)
    for c in tok.children:
        if c.dep_ in ("compound", "amod", "poss", "nmod"):
            if c.pos_ == "PROPN" or c.lower_ in lex.actor_modifiers or (c.text[:1].isupper() and c.i != tok.sent.start):
                return True
        if c.dep_ == "prep" and c.lower_ in ("in", "of", "from") and any(g.dep_ == "pobj" and g.pos_ == "PROPN" for g in c.children):
            return True
        if c.dep_ == "appos" and _actorish(c, lex):
            return True
    if tok.dep_ in ("appos", "compound") and _actorish(tok.head, lex):
        return True
    if tok.dep_ in ("attr", "oprd") and _subject_actorish(tok.head, lex):
        return True
    return False


# --- spans ------------------------------------------------------------------------------------------

def _trim(doc: "Doc", s: int, e: int) -> tuple[int, int]:
    while s < e - 1 and (doc[s].is_punct and doc[s].text not in "“\"‘«#" or doc[s].pos_ in ("DET", "CCONJ") or doc[s].tag_ == "PRP$"):
        s += 1
    while e > s + 1 and (doc[e - 1].is_punct and doc[e - 1].text not in "”\"’»!" or doc[e - 1].pos_ == "CCONJ"):
        e -= 1
    return s, e


def _phrase(doc: "Doc", s: int, e: int) -> tuple[int, int]:
    """The cue with the word it modifies ("utter disaster") or its own modifiers ("Kiev regime")."""
    root = doc[s:e].root
    start, end = s, e
    if root.dep_ in _MOD_DEPS and root.head.i >= e and root.head.i - e <= 3 and root.head.pos_ in ("NOUN", "PROPN", "ADJ"):
        head = root.head
        end = head.i + 1
        if head.pos_ == "ADJ" and head.dep_ == "amod" and head.head.i > head.i and head.head.i - head.i <= 2:
            end = head.head.i + 1
    last = doc[end - 1]
    if last.pos_ in ("NOUN", "PROPN"):
        for c in last.lefts:
            if c.i < start and (c.dep_ in _MOD_DEPS or (c.dep_ == "poss" and c.pos_ == "PROPN")) and c.right_edge.i >= start - 2:
                start = min(start, c.left_edge.i)
    return _trim(doc, start, end)


def _clause(doc: "Doc", s: int, e: int, sent: "Span") -> tuple[int, int] | None:
    v = doc[s:e].root
    while v.pos_ not in ("VERB", "AUX") and v.head.i != v.i:
        v = v.head
    if v.pos_ not in ("VERB", "AUX"):
        return None
    skip = {x.i for c in v.children if c.dep_ in ("conj", "cc") and c.i > e for x in c.subtree}
    idx = [x.i for x in v.subtree if x.i not in skip] + [s, e - 1]
    lo, hi = max(min(idx), sent.start), min(max(idx) + 1, sent.end)
    if hi - lo > _MAX_CLAUSE:
        return None
    return _trim(doc, lo, hi)


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

    def __init__(self, doc: AnalysisDoc, res: Resources, lex: TechniqueLexicon, seg, sentences: list[tuple[int, int, str]]):
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

    def hit(self, rule: Rule, s: int, e: int, score: float | None = None, span: tuple[int, int] | None = None, **extra: Any) -> Hit | None:
        """A hit of ``rule`` on tokens ``[s, e)`` of the segment, grown to the rule's span."""
        d = self.seg.doc
        sent = d[s].sent
        cue_start, cue_end = self.chars(s, e)
        if span is None:
            if rule.span == "phrase":
                span = self.chars(*_phrase(d, s, e))
            elif rule.span == "clause":
                found = _clause(d, s, e, sent)
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
        if not _tied_to_actor(root, ctx.lex):
            return False
    if rule.when == "question" and not _is_question(sent):
        return False
    if rule.when == "not_question" and _is_question(sent):
        return False
    if rule.when == "future" and not _is_future(sent):
        return False
    if rule.when == "actor" and not _tied_to_actor(root, ctx.lex):
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
        for match_id, s, e in matcher(d):
            if d[s].sent.start == d[e - 1].sent.start:
                found.setdefault((int(d.vocab.strings[match_id]), s, e), False)
    for sent in d.sents:
        for match_id, s, e in lex.patterns(sent):
            found.setdefault((int(d.vocab.strings[match_id]), sent.start + s, sent.start + e), False)
    out = []
    for (i, s, e), single in sorted(found.items()):
        rule = lex.rules[i]
        if _accept(rule, ctx, s, e, single):
            h = ctx.hit(rule, s, e)
            if h:
                out.append(h)
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
    after, terms = _lower_set(p.get("after")), _lower_set(p.get("terms"))
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
            h = ctx.hit(rule, s, e)
            if h:
                out.append(h)
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
            h = ctx.hit(rule, s, e)
            if h:
                out.append(h)
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
        h = ctx.hit(rule, sent.start, sent.end)
        if h:
            out.append(h)
    return out


def _superlatives(ctx: _Context, rule: Rule) -> list[Hit]:
    p = rule.params
    evaluative = _lower_set(p.get("evaluative"))
    boosters = sorted(_lower_set(p.get("boosters")), key=len, reverse=True)
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
        ps, pe = _phrase(d, s, e)
        sent = t.sent
        rest = d.text[d[pe - 1].idx + len(d[pe - 1].text): sent.end_char].lower()
        boost = next((b for b in boosters if re.match(r"\W{0,3}(?:\w+\W+){0,4}?" + re.escape(b) + r"\b", rest)), None)
        if lemma not in evaluative and boost is None:
            continue
        start, end = ctx.chars(ps, pe)
        if boost:
            end += rest.index(boost) + len(boost)
        h = ctx.hit(rule, s, e, score=rule.score + (0.1 if boost and lemma in evaluative else 0.0), span=(start, end))
        if h:
            out.append(h)
    return out


def _prefixes(ctx: _Context, rule: Rule) -> list[Hit]:
    prefixes = _lower_set(rule.params.get("prefixes"))
    d = ctx.seg.doc
    out = []
    for t in d:
        if t.lower_ in prefixes and t.i + 2 < len(d) and d[t.i + 1].text == "-" and d[t.i + 2].is_alpha:
            h = ctx.hit(rule, t.i, t.i + 3, span=ctx.chars(*_phrase(d, t.i + 2, t.i + 3)))
        elif any(t.lower_.startswith(p + "-") for p in prefixes):
            h = ctx.hit(rule, t.i, t.i + 1)
        else:
            continue
        if h:
            out.append(h)
    return out


_DETECTORS = {"scare_quotes": _scare_quotes, "quoted_slogan": _quoted_slogans, "exclamation_slogan": _exclamation_slogans,
              "superlative": _superlatives, "prefix": _prefixes}


# --- repetition (over the whole document) ---------------------------------------------------------------

def _repetition(doc: AnalysisDoc, res: Resources, lex: TechniqueLexicon, rule: Rule) -> list[Hit]:
    p = rule.params
    ignore = _lower_set(p.get("ignore"))
    max_words = int(p.get("max_words", 8))
    min_long, min_short, min_word = int(p.get("min_long", 2)), int(p.get("min_short", 3)), int(p.get("min_word", 3))

    def content(t: "Token") -> bool:
        return t.is_alpha and not t.is_stop and t.pos_ in _CONTENT_POS and len(t.text) > 2 and t.lemma_.lower() not in ignore

    sents: list[tuple[Any, "Span"]] = [(seg, sent) for seg in res.segments(doc) for sent in seg.doc.sents]
    grams: dict[tuple[str, ...], list[tuple[int, int, int]]] = defaultdict(list)  # key -> (sentence, start, end) tokens
    for si, (_, sent) in enumerate(sents):
        toks = list(sent)
        for i, first in enumerate(toks):
            if not content(first):
                continue
            if first.lemma_.lower() in lex.charged or first.lower_ in lex.charged:
                grams[(first.lemma_.lower(),)].append((si, i, i + 1))
            for j in range(i + 2, min(len(toks), i + max_words) + 1):
                window = toks[i:j]
                last = window[-1]
                if (last.is_punct and last.text not in "-'’") or last.is_space:
                    break
                if not content(last):
                    continue
                kinds = [t for t in window if content(t)]
                if len(kinds) >= 2 and not all(t.pos_ == "PROPN" for t in kinds):
                    grams[tuple(t.lemma_.lower() for t in window)].append((si, i, j))

    def enough(key: tuple[str, ...], occ: list[tuple[int, int, int]]) -> bool:
        if len(key) == 1:
            return len(occ) >= min_word
        if len(key) >= 3:
            return len(occ) >= min_long
        close = any(b[0] - a[0] <= 1 for a, b in zip(occ, occ[1:]))
        return (len(occ) >= min_short and any(w in lex.charged for w in key)) or (len(occ) >= 2 and close)

    covered: set[tuple[int, int]] = set()
    out: list[Hit] = []
    for key, occ in sorted(grams.items(), key=lambda kv: (-len(kv[0]), -len(kv[1]), kv[0])):
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
    """A cue inside a longer (or equal, better scored) cue of another technique yields to it."""
    order = sorted(hits, key=lambda h: (-(h.cue_end - h.cue_start), -h.score, h.rule.index, h.cue_start))
    kept: list[Hit] = []
    for h in order:
        if h.rule.computed != "repetition" and any(
            k.label != h.label and k.rule.computed != "repetition" and k.cue_start <= h.cue_start and h.cue_end <= k.cue_end
            for k in kept
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
    lex = lexicon or _lexicon(res)
    sentences = sentence_spans(doc, res)
    hits: list[Hit] = []
    for seg in res.segments(doc):
        ctx = _Context(doc, res, lex, seg, sentences)
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
