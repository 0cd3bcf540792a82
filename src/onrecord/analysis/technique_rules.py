"""The data of stage ``onrecord.techniques.v1``: the rules of ``data/techniques.yaml`` compiled into
spaCy matchers, the contexts a rule may require, and how a hit grows to its span.

Rule conditions (``when``): ``question`` / ``not_question`` (the sentence ends in "?" or not),
``future`` (the cue's clause, or the clause it depends on, has will/would/could/may, "going to" or
"if"), ``actor`` (a label tied to an actor: modified by a proper noun, a capitalised adjective or an
``actor_modifiers`` word, or applied - apposition, predicate noun, "call X a ..." - to a proper noun,
a pronoun or an ``actor_nouns`` word; "the regime in Kiev"), ``short`` (a sentence of at most four
words), ``modifier`` (the cue modifies a word after it), ``evaluative_head`` (the word the cue modifies
is a word of feeling: |VADER valence| >= 2 or a charged word of the rules: "absolute disaster").

Spans (``span``): ``cue`` (the matched words, grown to whole hyphenated words), ``phrase`` (the cue
with the word it modifies, "utter disaster", or with its own left modifiers, "Kiev regime"; no
leading determiner), ``clause`` (the subtree of the cue's verb without conjoined clauses, at most
40 tokens, else the sentence), ``sentence``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources as importlib_resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

import yaml

from ..errors import ConfigError
from .resources import Resources

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc, Span, Token

__all__ = ["Rule", "TechniqueLexicon", "load_techniques", "technique_lexicon", "SPAN_MODES", "CONDITIONS", "COMPUTED"]

SPAN_MODES = ("cue", "phrase", "clause", "sentence")
CONDITIONS = ("question", "not_question", "future", "actor", "short", "modifier", "evaluative_head")
COMPUTED = ("repetition", "scare_quotes", "quoted_slogan", "exclamation_slogan", "parallel_slogan", "superlative", "prefix",
            "sentiment_words", "threat_to_us", "tautology")
_RULE_KEYS = {"id", "score", "span", "pos", "when", "speaker", "not_followed_by", "words", "phrases", "patterns",
              "computed", "contextual"}
_FUTURE = {"will", "would", "shall", "'ll", "’ll", "wo", "could", "may", "might"}
_PERSONAL = {"he", "she", "they", "you", "him", "her", "them"}
MOD_DEPS = {"amod", "compound", "nmod", "npadvmod", "nummod", "advmod"}
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


def lower_set(items: Iterable[Any] | None) -> frozenset[str]:
    return frozenset(str(x).casefold() for x in items or [])


class TechniqueLexicon:
    """The rules compiled into spaCy matchers, once per process."""

    def __init__(self, res: Resources, path: str | Path | None = None):
        from spacy.matcher import Matcher, PhraseMatcher

        data = load_techniques(path)
        nlp = res.parser
        self.labels = tuple(data["techniques"])
        self.min_score = float(data.get("min_score", 0.0))
        self.hosts = lower_set(data.get("hosts"))
        self.actor_modifiers = lower_set(data.get("actor_modifiers"))
        self.actor_nouns = lower_set(data.get("actor_nouns"))
        self.rules: list[Rule] = []
        self.words: dict[str, list[int]] = defaultdict(list)
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.lemma = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self.patterns = Matcher(nlp.vocab)
        #: for skipping sentences no token pattern can match: one required token of each pattern,
        #: as exact LOWER / LEMMA / ORTH strings or a regular expression on the text
        self.anchor_lower: set[str] = set()
        self.anchor_lemma: set[str] = set()
        self.anchor_orth: set[str] = set()
        self.anchor_regex: list[tuple[str, Any]] = []  # (attribute "lower" / "orth", compiled)
        self.anchor_all = False  # a pattern without an anchor: every sentence is matched
        phrases: list[tuple[int, str]] = []
        for label, spec in data["techniques"].items():
            for raw in (spec or {}).get("rules") or []:
                rule = Rule(
                    len(self.rules), label, str(raw.get("id", len(self.rules))), float(raw.get("score", 0.5)),
                    raw.get("span", "cue"), frozenset(raw.get("pos") or ()), raw.get("when"), raw.get("speaker") == "not_host",
                    lower_set(raw.get("not_followed_by")), raw.get("computed"), lower_set(raw.get("contextual")),
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
                    for pattern in raw["patterns"]:
                        self._add_anchor(pattern, frozenset(nlp.Defaults.stop_words))
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
        #: per sentiment_words rule: lower-cased word -> valence (VADER's lexicon, filtered)
        self.sentiment: dict[int, dict[str, float]] = {
            r.index: _sentiment_table(r.params) for r in self.rules if r.computed == "sentiment_words"
        }
        #: single charged words, for repetition
        self.charged = frozenset(
            w for w, idx in self.words.items()
            if any(self.rules[i].label in ("Loaded_Language", "Name_Calling,Labeling", "Bandwagon,Reductio_ad_hitlerum")
                   and self.rules[i].when is None and w not in self.rules[i].contextual for i in idx)
        )

    def _add_anchor(self, pattern: Any, common: frozenset[str] = frozenset()) -> None:
        """Record the most selective required token of ``pattern`` (words that are not stop words or
        punctuation, fewest values; a regular expression only where no exact word is required)."""
        import re

        exact: list[tuple[tuple[bool, int], set[str], set[str]]] = []
        regex: list[tuple[str, Any]] = []
        for spec in pattern if isinstance(pattern, list) else ():
            if not isinstance(spec, dict) or spec.get("OP", "1") not in ("1", "+"):
                continue
            for attr, target in (("LOWER", self.anchor_lower), ("LEMMA", self.anchor_lemma), ("ORTH", self.anchor_orth),
                                 ("TEXT", self.anchor_orth)):
                value = spec.get(attr)
                if isinstance(value, str):
                    values = {value}
                elif isinstance(value, dict) and set(value) == {"IN"} and isinstance(value["IN"], list) \
                        and all(isinstance(x, str) for x in value["IN"]):
                    values = set(value["IN"])
                elif isinstance(value, dict) and set(value) == {"REGEX"} and isinstance(value["REGEX"], str) and attr != "LEMMA":
                    regex.append(("lower" if attr == "LOWER" else "orth", re.compile(value["REGEX"])))
                    continue
                else:
                    continue
                if attr == "LOWER":
                    values |= {x.lower() for x in values}
                frequent = any(x.lower() in common or not x.replace("-", "").replace(".", "").isalpha() for x in values)
                exact.append(((frequent, len(values)), values, target))
        if exact:
            _, values, target = min(exact, key=lambda x: x[0])
            target.update(values)
        elif regex:
            self.anchor_regex.append(regex[0])
        else:
            self.anchor_all = True

    def param_set(self, rule: Rule, key: str) -> frozenset[str]:
        """``lower_set`` of a computed rule's parameter ``key``, built once."""
        memo = self.__dict__.setdefault("_param_sets", {})
        found = memo.get((rule.index, key))
        if found is None:
            found = memo[(rule.index, key)] = lower_set(rule.params.get(key))
        return found

    def rules_of(self, computed: str) -> list[Rule]:
        return [r for r in self.rules if r.computed == computed]


_VADER: dict[str, float] | None = None


def vader_lexicon() -> dict[str, float]:
    """VADER's word -> valence (-4..+4) table (the vaderSentiment package), loaded once."""
    global _VADER
    if _VADER is None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        _VADER = {w: float(v) for w, v in SentimentIntensityAnalyzer().lexicon.items() if w.isalpha() and len(w) > 2}
    return _VADER


def _sentiment_table(params: dict[str, Any]) -> dict[str, float]:
    neg, pos = float(params.get("min_negative", -2.5)), float(params.get("min_positive", 2.5))
    exclude = lower_set(params.get("exclude"))
    return {w: v for w, v in vader_lexicon().items() if (v <= neg or v >= pos) and w not in exclude}


def technique_lexicon(res: Resources) -> TechniqueLexicon:
    return res.memo("techniques.lexicon", lambda: TechniqueLexicon(res))


# --- conditions -------------------------------------------------------------------------------------

def is_question(sent: "Span") -> bool:
    return sent.text.rstrip().rstrip("\"”’»)").endswith("?")


def evaluative_head(tok: "Token", lex: "TechniqueLexicon") -> bool:
    """``tok`` modifies (as a left modifier) a word of strong feeling: "absolute disaster", "totally insane"."""
    if tok.dep_ not in MOD_DEPS or tok.head.i <= tok.i:
        return False
    head = tok.head
    word = head.lower_
    return abs(vader_lexicon().get(word, 0.0)) >= 2.0 or word in lex.charged or head.lemma_.lower() in lex.charged


def _governing_verb(tok: "Token") -> "Token":
    v = tok
    while v.pos_ not in ("VERB", "AUX") and v.head.i != v.i:
        v = v.head
    return v


def is_future(tok: "Token") -> bool:
    """The clause of ``tok`` (or the clause it depends on) is about the future or a condition:
    a modal will/would/could/may, "going to", or "if"/"unless"."""
    v = _governing_verb(tok)
    for verb in (v, v.head):
        for c in verb.children:
            if (c.tag_ == "MD" and c.lower_ in _FUTURE) or (c.lower_ in ("if", "unless") and c.dep_ == "mark"):
                return True
            if c.lower_ == "going" and c.i + 1 < len(c.doc) and c.doc[c.i + 1].lower_ == "to":
                return True
        if verb.tag_ == "MD" and verb.lower_ in _FUTURE:
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


def tied_to_actor(tok: "Token", lex: TechniqueLexicon) -> bool:
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

def trim_span(doc: "Doc", s: int, e: int, determiners: bool = True) -> tuple[int, int]:
    """Without edge punctuation (quotes kept) and conjunctions, and for a phrase without a leading
    determiner or possessive pronoun."""
    while s < e - 1 and (
        (doc[s].is_punct and doc[s].text not in "“\"‘«#") or doc[s].pos_ == "CCONJ"
        or (determiners and (doc[s].pos_ == "DET" or doc[s].tag_ == "PRP$"))
    ):
        s += 1
    while e > s + 1 and (doc[e - 1].is_punct and doc[e - 1].text not in "”\"’»!" or doc[e - 1].pos_ == "CCONJ"):
        e -= 1
    return s, e


def whole_words(doc: "Doc", s: int, e: int) -> tuple[int, int]:
    """``[s, e)`` grown to whole hyphenated words: "terrorist" in "Nazi-terrorist" -> "Nazi-terrorist"."""
    while s > 0 and not doc[s - 1].whitespace_ and (doc[s - 1].text == "-" or doc[s].text == "-") and not doc[s - 1].is_space:
        s -= 1
    while e < len(doc) and not doc[e - 1].whitespace_ and (doc[e].text == "-" or doc[e - 1].text == "-") and not doc[e].is_space:
        e += 1
    while s < e - 1 and doc[s].text == "-":
        s += 1
    while e > s + 1 and doc[e - 1].text == "-":
        e -= 1
    return s, e


def phrase_span(doc: "Doc", s: int, e: int) -> tuple[int, int]:
    """The cue with the word it modifies ("utter disaster") or its own modifiers ("Kiev regime")."""
    root = doc[s:e].root
    start, end = s, e
    if root.dep_ in MOD_DEPS and root.head.i >= e and root.head.i - e <= 3 and root.head.pos_ in ("NOUN", "PROPN", "ADJ"):
        head = root.head
        end = head.i + 1
        if head.pos_ == "ADJ" and head.dep_ == "amod" and head.head.i > head.i and head.head.i - head.i <= 2:
            end = head.head.i + 1
    last = doc[end - 1]
    if last.pos_ in ("NOUN", "PROPN"):
        for c in last.lefts:
            if c.i < start and (c.dep_ in MOD_DEPS or (c.dep_ == "poss" and c.pos_ == "PROPN")) and c.right_edge.i >= start - 2:
                start = min(start, c.left_edge.i)
    start, end = trim_span(doc, start, end)
    return whole_words(doc, start, end)


def clause_span(doc: "Doc", s: int, e: int, sent: "Span") -> tuple[int, int] | None:
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
    return trim_span(doc, lo, hi, determiners=False)
