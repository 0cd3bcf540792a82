"""Persuasion techniques: the label set, each technique's cues and spans, the overlap rule, the data checks."""

import pytest

from onrecord.analysis.base import check_pipeline, get_stage
from onrecord.analysis.techniques import NAME, TechniqueLexicon, load_techniques, technique_hits, techniques
from onrecord.errors import ConfigError
from onrecord.evaluation.ptc import PTC_TECHNIQUES


def _found(adoc, resources, text, **kw):
    doc = adoc(text, **kw)
    anns = techniques(doc, resources)
    return doc, anns, {(doc.text[a.start : a.end], a.label) for a in anns}


def test_the_label_set_is_exactly_the_fourteen_of_semeval_2020_task_11():
    assert set(load_techniques()["techniques"]) == set(PTC_TECHNIQUES)
    assert len(PTC_TECHNIQUES) == 14


def test_the_stage_is_registered_with_its_contract():
    st = get_stage(NAME)
    assert st.requires == ("turn", "sentence") and st.assigns == ("technique",)
    assert [s.name for s in check_pipeline(["onrecord.sentences.v1", NAME])] == ["onrecord.sentences.v1", NAME]


@pytest.mark.parametrize(
    "text, span, label",
    [
        ("The committee's decision was a shameful betrayal of the voters.", "shameful betrayal", "Loaded_Language"),
        ("The vote was simply outrageous.", "outrageous", "Loaded_Language"),
        ("Those warmongers in the capital never rest.", "warmongers", "Name_Calling,Labeling"),
        ("The governor, a puppet of the developers, signed it.", "puppet", "Name_Calling,Labeling"),
        ("The corrupt mayor signed it.", "corrupt mayor", "Name_Calling,Labeling"),  # an epithet of an actor
        ("The corrupt deal failed.", "corrupt", "Loaded_Language"),  # the same word, no actor
        ("The regime in Minsk answered with threats.", "regime", "Name_Calling,Labeling"),
        ("This is an absolute disaster for the farmers.", "absolute disaster", "Exaggeration,Minimisation"),
        ("It is the most cynical decision ever made in this town.", "most cynical decision ever", "Exaggeration,Minimisation"),
        ("The so-called reform changed nothing.", "so-called reform", "Doubt"),
        ("They held a pseudo-referendum in the spring.", "pseudo-referendum", "Doubt"),
        ("Their “reform” changed nothing at all.", "“reform”", "Doubt"),
        ("If the dam breaks, the valley will be wiped out.", "If the dam breaks, the valley will be wiped out",
         "Appeal_to_fear-prejudice"),
        ("The new tariff would mean a nuclear war of prices.", "The new tariff would mean a nuclear war of prices",
         "Appeal_to_fear-prejudice"),
        ("If they win, they will come for your children next.", "If they win, they will come for your children next",
         "Appeal_to_fear-prejudice"),
        ("Every true patriot will stand up for our motherland.", "true patriot", "Flag-Waving"),
        ("The crisis happened all because of the central bank.", "The crisis happened all because of the central bank.", "Causal_Oversimplification"),
        ("The crowd kept chanting “Tax the rich!” outside.", "“Tax the rich!”", "Slogans"),
        ("Experts agree that the bridge is unsafe.", "Experts agree that the bridge is unsafe.", "Appeal_to_Authority"),
        ("There is no middle ground: you back the plan or you betray the town.",
         "There is no middle ground: you back the plan or you betray the town.", "Black-and-White_Fallacy"),
        ("We tried, we lost. It is what it is.", "It is what it is", "Thought-terminating_Cliches"),
        ("A deal is a deal.", "A deal is a deal.", "Thought-terminating_Cliches"),
        ("Our land, our rules.", "Our land, our rules.", "Slogans"),
        ("The plan is a total disaster.", "total disaster", "Exaggeration,Minimisation"),
        ("And what about the mayor's own debts?", "And what about the mayor's own debts?", "Whataboutism,Straw_Men,Red_Herring"),
        ("Everybody knows the budget is fiction.", "Everybody knows", "Bandwagon,Reductio_ad_hitlerum"),
        ("The minister behaves like Hitler in a tie.", "like Hitler", "Bandwagon,Reductio_ad_hitlerum"),
    ],
)
def test_each_technique_is_found_with_its_ptc_span(adoc, resources, text, span, label):
    _, anns, found = _found(adoc, resources, text, speaker="Jane Roe")
    assert (span, label) in found, sorted(found)
    assert all(a.label in PTC_TECHNIQUES for a in anns)


def test_repetition_marks_every_use_after_the_first(adoc, resources):
    text = ("We want a fair wage for every nurse. The hospital board ignores us. A fair wage for every nurse is not a luxury. "
            "Say it again: a fair wage for every nurse. War, war, war is all they offer.")
    doc, anns, found = _found(adoc, resources, text, speaker="Jane Roe")
    reps = sorted((a.start, doc.text[a.start : a.end]) for a in anns if a.label == "Repetition")
    assert [t for _, t in reps] == ["A fair wage for every nurse", "a fair wage for every nurse", "War, war, war"]
    first = doc.text.index("fair wage")
    assert all(start > first for start, _ in reps)


def test_a_label_needs_an_actor_when_the_word_is_also_neutral(adoc, resources):
    _, _, found = _found(adoc, resources, "The sanctions regime was tightened. The Havana regime answered.", speaker="Jane Roe")
    labels = {t for t, lab in found if lab == "Name_Calling,Labeling"}
    assert labels == {"Havana regime"}


def test_a_cue_inside_a_longer_cue_of_another_technique_yields(adoc, resources):
    doc, anns, found = _found(adoc, resources, "The whole world knows the truth.", speaker="Jane Roe")
    assert ("The whole world knows", "Bandwagon,Reductio_ad_hitlerum") in found
    assert not any(a.label == "Exaggeration,Minimisation" for a in anns)


def test_interviewers_do_not_commit_whataboutism(adoc, resources):
    text = " date 2025-03-01 Radio, Talk Host: What about the budget?\n\nJane Roe: What about their own budget?"
    doc, anns, _ = _found(adoc, resources, text)
    whatabout = [doc.text[a.start : a.end] for a in anns if a.label.startswith("Whataboutism")]
    assert whatabout == ["What about their own budget?"]


def test_spans_of_one_technique_are_merged_and_attrs_name_the_cue(adoc, resources):
    doc, anns, _ = _found(adoc, resources, "It was a brutal, barbaric, vile act.", speaker="Jane Roe")
    loaded = [a for a in anns if a.label == "Loaded_Language"]
    assert loaded, anns
    for a in anns:
        assert a.source == NAME and 0.0 <= a.score <= 1.0
        assert a.attrs["rule"].startswith(a.label + "|") and a.attrs["cue"] and a.attrs["speaker"] == "Jane Roe"
        assert doc.text[a.start : a.end] == doc.text[a.start : a.end].strip()
    spans = sorted((a.start, a.end) for a in loaded)
    assert all(e1 <= s2 for (_, e1), (s2, _) in zip(spans, spans[1:]))  # no overlaps within one technique


def test_neutral_reporting_has_no_techniques(adoc, resources):
    text = ("The council met on Tuesday and approved the budget for next year. The vote was seven to two. "
            "The mayor said the new library will open in May, and the road works will finish in June. "
            "A total of 40 people attended. The war is a war of attrition, the general said. "
            "The sanctions regime was extended. We will see the results in a complete report next month.")
    _, anns, found = _found(adoc, resources, text, speaker="Jane Roe")
    assert anns == [], found


def test_editorial_insertions_are_not_the_speakers_words(adoc, resources):
    text = " date 2025-03-01 Radio, Talk Jane Roe: They answered [with a shameful vote] quickly.\n"
    doc, anns, _ = _found(adoc, resources, text)
    assert doc.layer("editorial") and not anns


def test_analysis_covers_text_after_a_title_that_looks_like_a_label(adoc, resources):
    text = "Senate: the so-called reform\n\nThe warmongers won again. Everybody knows it."
    doc, anns, found = _found(adoc, resources, text)
    assert ("so-called reform", "Doubt") in found
    assert ("warmongers", "Name_Calling,Labeling") in found and ("Everybody knows", "Bandwagon,Reductio_ad_hitlerum") in found


def test_hits_before_merging_carry_cue_offsets(adoc, resources):
    doc = adoc("The so-called experts lied.", speaker="Jane Roe")
    hits = technique_hits(doc, resources)
    doubt = next(h for h in hits if h.label == "Doubt")
    assert doc.text[doubt.cue_start : doubt.cue_end] == "so-called"
    assert doc.text[doubt.start : doubt.end] == "so-called experts"


@pytest.mark.parametrize(
    "yaml_text, message",
    [
        ("version: 1\n", "techniques"),
        ("techniques:\n  Doubt:\n    rules:\n      - {id: x, words: [yes, no]}\n", "not a word"),
        ("techniques:\n  Doubt:\n    rules:\n      - {id: x, span: paragraph, words: [odd]}\n", "span must be"),
        ("techniques:\n  Doubt:\n    rules:\n      - {id: x, when: sometimes, words: [odd]}\n", "when must be"),
        ("techniques:\n  Doubt:\n    rules:\n      - {id: x, colour: red, words: [odd]}\n", "unknown key"),
        ("techniques:\n  Doubt:\n    rules:\n      - {id: x, score: 2, words: [odd]}\n", "score"),
        ("techniques:\n  Doubt:\n    rules:\n      - {id: x, computed: magic}\n", "computed must be"),
    ],
)
def test_bad_technique_data_is_refused(tmp_path, yaml_text, message):
    path = tmp_path / "t.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_techniques(path)


def test_a_bad_token_pattern_is_refused(tmp_path, resources):
    path = tmp_path / "t.yaml"
    path.write_text("techniques:\n  Doubt:\n    rules:\n      - {id: x, patterns: [[{NOSUCH: 1}]]}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad token pattern"):
        TechniqueLexicon(resources, path)


def test_a_custom_lexicon_is_used(tmp_path, resources, adoc):
    path = tmp_path / "t.yaml"
    path.write_text("techniques:\n  Doubt:\n    rules:\n      - {id: mine, score: 0.9, words: [purported]}\n", encoding="utf-8")
    lex = TechniqueLexicon(resources, path)
    hits = technique_hits(adoc("The purported deal.", speaker="Jane Roe"), resources, lex)
    assert [(h.label, h.cue, h.score, h.rule.name) for h in hits] == [("Doubt", "purported", 0.9, "Doubt|mine")]


def test_pattern_sentence_filter_misses_no_match(adoc, resources):
    """Sentences skipped before the token-pattern Matcher (no required token of any pattern) hold no match."""
    from onrecord.analysis.techniques import _Context, _pattern_sentences, _SegView
    from onrecord.analysis.technique_rules import technique_lexicon

    lex = technique_lexicon(resources)
    doc = adoc("Case closed. Who really believes that? Is it just a coincidence? As the great Kissinger said, wait.\n\n"
               "Either we win or they do. The weather is fine. #StopTheWar! Period.")
    for seg in resources.segments(doc):
        ctx = _Context(doc, lex, seg, [], _SegView(seg))
        kept = {s.start for s in _pattern_sentences(ctx)}
        for sent in seg.doc.sents:
            if sent.start not in kept:
                assert not lex.patterns(sent), sent.text
        assert kept
