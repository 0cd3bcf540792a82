"""Clause-level stance from the dependency parse: who (holder) takes which side (polarity) of what
(concept), how sure (modality) and in what way (kind). Shared by statements and predictions.

For each sentence, the predicates are the root and verbs conjoined to it with a subject of their own.
A speech verb ("Peskov said that ...") or a verb of thinking ("Trump believes ...") with an actor as
subject makes that actor the holder of its complement clause; "I think ..." hedges the complement and
leaves its own subject as the holder; "according to X" makes X the holder. A subject that is an actor
mention (a name, an epithet, or a resolved pronoun) is the holder; otherwise the speaker holds it.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from .actors import Mention, MentionIndex
from .lexicon import ConceptHit, Lexicon

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Span, Token

__all__ = ["Clause", "clauses_of", "speaker_holder"]

SUBJECT_DEPS = {"nsubj", "nsubjpass", "csubj"}
COMPLEMENT_DEPS = {"ccomp", "xcomp"}
COGNITIVE = {"think", "believe", "know", "understand", "consider", "feel", "realize", "realise", "suspect", "fear",
             "assume", "guess", "suppose", "doubt", "see", "recognize", "recognise", "expect", "predict", "forecast", "foresee"}
FIRST_SINGULAR = {"i", "me", "my"}


def speaker_holder(speaker: str) -> str:
    return f"speaker:{speaker}"


@dataclass
class Clause:
    predicate: "Token"
    holders: list[str]
    polarity: str
    modality: str
    kind: str
    concept: ConceptHit | None
    phrase: str
    holder_is_actor: bool
    attributed: bool = False  # the holder comes from "X said / believes / according to X"
    content: "Token | None" = None
    extent: tuple[int, int] = (0, 0)  # token range of the clause in the Doc


def _mention_at(token: "Token", offset: int, mentions: MentionIndex) -> Mention | None:
    return mentions.at(offset + token.idx)


def _subject_tokens(pred: "Token") -> list["Token"]:
    # a passive with an agent: "... is denied by the parties" -> the parties
    agents = [p for c in pred.children if c.dep_ == "agent" for p in c.children if p.dep_ == "pobj"]
    subs = agents or [c for c in pred.children if c.dep_ in SUBJECT_DEPS]
    if pred.dep_ == "relcl" and subs and subs[0].lower_ in ("who", "which", "that"):
        subs = [pred.head]  # "Trump, who wants ..." -> Trump
    if not subs and pred.dep_ in ("conj", "xcomp", "advcl") and pred.head is not pred:
        return _subject_tokens(pred.head)
    out = []
    for s in subs:
        out.append(s)
        out.extend(t for t in s.subtree if t.dep_ == "conj" and t.head.i in {x.i for x in out})
    return out


def _holders(subjects: list["Token"], offset: int, mentions: MentionIndex, speaker: str) -> tuple[list[str], bool]:
    holders: list[str] = []
    actor = False
    for tok in subjects:
        found = None
        for t in [tok, *tok.subtree]:  # the subject phrase's head or any word of it ("the American side")
            m = _mention_at(t, offset, mentions)
            if m and m.actor != "other":
                found = m.actor
                break
            if m:
                found = f"other:{m.name}"
                break
        if found is None and tok.lower_ in FIRST_SINGULAR:
            found = speaker_holder(speaker)
        if found:
            actor = actor or not found.startswith("speaker:")
            if found not in holders:
                holders.append(found)
    return holders or [speaker_holder(speaker)], actor


def _negations(pred: "Token", lex: Lexicon, subjects: list["Token"]) -> int:
    n = sum(1 for c in pred.children if c.dep_ == "neg" or (c.dep_ in ("advmod", "det") and c.lower_ in ("never", "no", "hardly")))
    n += sum(1 for s in subjects for t in s.subtree if t.lower_ in ("neither", "no", "nobody", "none"))
    for c in pred.children:  # "no ceasefire", "any kind of ... " under a negated verb stays one flip
        if c.dep_ in ("dobj", "attr", "pobj") and any(d.lower_ == "no" and d.dep_ == "det" for d in c.children):
            n += 1
    return n


#: Objects that make an opposing verb a supporting one: to stop the war is to want peace.
HARMS = {"war", "conflict", "fighting", "hostility", "bloodshed", "killing", "aggression", "escalation", "violence", "massacre", "slaughter"}


def _oppose_word(pred: "Token", lex: Lexicon) -> bool:
    if lex.has("oppose_verbs", pred.lemma_):
        objects = [c for c in pred.children if c.dep_ in ("dobj", "nsubjpass")]
        return not any(o.lemma_.lower() in HARMS for o in objects)
    for c in pred.children:
        if c.dep_ in ("acomp", "attr", "prep") and (lex.has("oppose_adjectives", c.lemma_) or c.lower_ == "against"):
            return True
        if c.dep_ in ("xcomp",) and lex.has("oppose_verbs", c.lemma_):
            return True
    return False


def _kind(pred: "Token", sent: "Span", phrases: dict, lex: Lexicon, subjects: list["Token"], actor_subject: bool) -> str:
    if "condition_phrases" in phrases:
        return "condition"
    aux = {c.lower_ for c in pred.children if c.dep_ in ("aux", "auxpass")}
    if aux & {"must", "should", "ought"} or ("prescription_phrases" in phrases and pred.lemma_ in ("need", "have")):
        return "prescription"
    if lex.has("interest_verbs", pred.lemma_) or any(lex.has("interest_nouns", t.lemma_) for t in sent if t.dep_ in ("nsubj", "attr")) or any(
        c.dep_ == "dobj" and lex.has("interest_nouns", c.lemma_) for c in pred.children
    ):
        return "interest"
    if pred.lemma_ == "be" and actor_subject:
        comp = [c for c in pred.children if c.dep_ in ("attr", "acomp")]
        if any(lex.has("negative_evaluation", t.lemma_) or lex.has("positive_evaluation", t.lemma_) for c in comp for t in c.subtree):
            return "evaluation"
    if any(lex.has(k, pred.lemma_) for k in ("support_verbs", "oppose_verbs")) or any(
        c.dep_ == "acomp" and (lex.has("support_adjectives", c.lemma_) or lex.has("oppose_adjectives", c.lemma_)) for c in pred.children
    ):
        return "position"
    if "prescription_phrases" in phrases:
        return "prescription"
    return "claim"


def _sentiment(text: str) -> float:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    global _VADER
    if _VADER is None:
        _VADER = SentimentIntensityAnalyzer()
    return _VADER.polarity_scores(text)["compound"]


_VADER = None
#: |VADER compound| from which a plain claim reads as an evaluation.
EVALUATIVE = 0.4


def _own_tokens(head: "Token", preds: list["Token"]) -> list["Token"]:
    """The tokens of ``head``'s clause without the clauses of other predicates nested in it."""
    out, todo = [], [head]
    while todo:
        t = todo.pop()
        out.append(t)
        todo.extend(c for c in t.children if c not in preds)
    return sorted(out, key=lambda t: t.i)


def _evaluation(content: "Token", preds: list["Token"], sent: "Span", polarity: str, kind: str, lex: Lexicon) -> tuple[str, str]:
    """A claim worded with clear sentiment (VADER's lexicon, or the evaluation words of the stance
    lexicon) is an evaluation, positive -> support, negative -> oppose."""
    if kind not in ("claim", "evaluation"):
        return polarity, kind
    words = _own_tokens(content, preds)
    if any(lex.has("negative_evaluation", t.lemma_) for t in words):
        return "oppose", "evaluation"
    if any(lex.has("positive_evaluation", t.lemma_) for t in words):
        return ("oppose" if polarity == "oppose" else "support"), "evaluation"
    score = _sentiment(" ".join(t.text for t in words))
    if score <= -EVALUATIVE:
        return "oppose", "evaluation"
    if score >= EVALUATIVE:
        return "support", "evaluation"
    return polarity, kind


def _modality(phrases: dict, reported: bool, hedged: bool, sent_start_conditional: bool) -> str:
    if sent_start_conditional:
        return "conditional"
    if reported or "reported_phrases" in phrases:
        return "reported"
    if hedged or "hedge_phrases" in phrases:
        return "hedged"
    return "asserted"


def _phrase(pred: "Token") -> str:
    for c in pred.children:
        if c.dep_ in ("dobj", "attr", "pobj", "xcomp", "ccomp", "acomp"):
            words = [t.text for t in itertools.islice(c.subtree, 8)]
            return " ".join(words)
    return pred.lemma_


def _predicates(sent: "Span", lex: Lexicon) -> list["Token"]:
    """The root, verbs conjoined to it, and clauses set beside it (parataxis, or a complement of a
    verb that is not one of saying or thinking), each with a subject of its own."""
    root = sent.root
    preds = [root]
    for t in sent:
        if t.head not in preds or t.pos_ not in ("VERB", "AUX") or not any(c.dep_ in SUBJECT_DEPS for c in t.children):
            continue
        if t.dep_ in ("conj", "parataxis", "advcl", "relcl") or (
            t.dep_ == "ccomp" and not lex.has("speech_verbs", t.head.lemma_) and t.head.lemma_ not in COGNITIVE
        ):
            preds.append(t)
    return preds


def clause_extent(pred: "Token", sent: "Span", preds: list["Token"]) -> tuple[int, int]:
    """Token range ``[start, end)`` (Doc positions) of a predicate's clause: the whole sentence for
    the root, else the predicate's subtree."""
    if pred is sent.root:
        return sent.start, sent.end
    return pred.left_edge.i, pred.right_edge.i + 1


def _according_to(sent: "Span", offset: int, mentions: MentionIndex) -> str | None:
    for t in sent:
        if t.lower_ == "according" and t.i + 1 < len(t.doc) and t.doc[t.i + 1].lower_ == "to":
            for c in t.doc[t.i + 1].children:
                for x in c.subtree:
                    m = _mention_at(x, offset, mentions)
                    if m and m.actor != "other":
                        return m.actor
    return None


def clauses_of(sent: "Span", offset: int, speaker: str, mentions: "MentionIndex | list[Mention]", lex: Lexicon) -> list[Clause]:
    """The stance-bearing clauses of one parsed sentence (``offset`` = the segment's start)."""
    if not isinstance(mentions, MentionIndex):
        mentions = MentionIndex(mentions)
    phrases = lex.phrase_keys(sent)
    sent_conditional = "conditional_phrases" in phrases and any(
        s - sent.start <= 2 for s, _ in phrases["conditional_phrases"]
    ) or any(t.dep_ == "mark" and t.lower_ in ("if", "unless") for t in sent)
    source = _according_to(sent, offset, mentions)
    out: list[Clause] = []
    all_hits = lex.concepts(sent)  # sorted by start
    hit_starts = [h.start for h in all_hits]
    preds = _predicates(sent, lex)
    for pred in preds:
        subjects = _subject_tokens(pred)
        holders, actor_subject = _holders(subjects, offset, mentions, speaker)
        reported = False
        hedged = False
        attributed = False
        content = pred
        # "X said that ...", "X believes ...", "I think ...": move to the complement
        comp = [c for c in pred.children if c.dep_ in COMPLEMENT_DEPS and c.pos_ in ("VERB", "AUX")]
        if comp and (lex.has("speech_verbs", pred.lemma_) or pred.lemma_ in COGNITIVE):
            inner = comp[0]
            inner_subjects = _subject_tokens(inner)
            if actor_subject:
                reported = lex.has("speech_verbs", pred.lemma_)
                attributed = True
                content = inner
            else:
                hedged = pred.lemma_ in COGNITIVE and any(s.lower_ in FIRST_SINGULAR for s in subjects)
                content = inner
                subjects = inner_subjects
                holders, actor_subject = _holders(inner_subjects, offset, mentions, speaker)
        if source and not actor_subject:
            holders, actor_subject, reported, attributed = [source], True, True, True
        negs = _negations(content, lex, subjects) + (_negations(pred, lex, []) if content is not pred else 0)
        polarity = "oppose" if (negs + _oppose_word(content, lex)) % 2 else "support"
        kind = _kind(content if content is not pred and not lex.has("interest_verbs", pred.lemma_) else pred, sent, phrases, lex, subjects, actor_subject)
        polarity, kind = _evaluation(content, preds, sent, polarity, kind, lex)
        if actor_subject and not attributed and kind == "evaluation":
            # "Zelensky is a clown": a judgement the speaker passes on an actor is the speaker's own
            holders, actor_subject = [speaker_holder(speaker)], False
        lo, hi = content.left_edge.i, content.right_edge.i + 1
        in_clause = [h for h in all_hits[bisect.bisect_left(hit_starts, lo) :] if h.start < hi and h.end <= hi] or all_hits
        concept = lex.best_concept(in_clause)
        out.append(
            Clause(pred, holders, polarity, _modality(phrases, reported, hedged, sent_conditional), kind, concept,
                   _phrase(content), actor_subject, attributed, content, clause_extent(pred, sent, preds))
        )
    return out


def iter_sentences(segments: Iterable) -> Iterable[tuple[object, "Span"]]:
    for seg in segments:
        for sent in seg.doc.sents:
            yield seg, sent
