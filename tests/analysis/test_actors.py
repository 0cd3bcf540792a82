"""Actor mentions: codebook forms, case rules, membership, NER candidates, pronouns, user codebooks."""

import pytest

from onrecord.analysis.actors import actors, mentions_of, normalise_name
from onrecord.analysis.codebook import load_actor_codebook
from onrecord.analysis.resources import Resources
from onrecord.analysis.sentences import sentences
from onrecord.errors import ConfigError


def _mentions(adoc, resources, text, **kw):
    doc = adoc(text, **kw)
    return doc, [(doc.text[a.start : a.end], a.label, a.attrs) for a in actors(doc, resources)]


def test_codebook_forms_resolve_to_canonical_actors(adoc, resources):
    _, found = _mentions(adoc, resources, "Vladimir Vladimirovich met Steve Witkoff. The Kiev regime and the Americans objected.")
    got = {(t, l) for t, l, _ in found}
    assert {("Vladimir Vladimirovich", "putin"), ("Steve Witkoff", "witkoff"), ("The Kiev regime", "ukraine"), ("the Americans", "us")} <= got


def test_case_rules_keep_pronoun_us_and_common_words_apart(adoc, resources):
    _, found = _mentions(adoc, resources, "They told us the alliance is weak. The US and NATO disagree with the Alliance.")
    labels = [(t, l) for t, l, a in found if not a.get("pronoun")]
    assert ("us", "us") not in labels and ("alliance", "nato") not in labels
    assert ("US", "us") in labels and ("NATO", "nato") in labels and ("the Alliance", "nato") in labels


def test_membership_is_transitive():
    book = load_actor_codebook()
    assert book.ancestors("witkoff") == ["us_delegation", "us"]


def test_unknown_people_become_candidates_and_near_spellings_resolve(adoc, resources):
    _, found = _mentions(adoc, resources, "Yesterday Zelenskyi spoke with Mark Pemberton-Hale, a banker who advises the Kremlin.")
    by_text = {t: (l, a) for t, l, a in found}
    assert by_text["Zelenskyi"][0] == "zelensky" and by_text["Zelenskyi"][1]["match"] == "fuzzy"
    assert by_text["Mark Pemberton-Hale"][0] == "other" and by_text["Mark Pemberton-Hale"][1]["candidate"]


def test_first_person_resolves_only_for_speakers_the_codebook_names(adoc, resources):
    text = " date 2025-12-04 Radio, Show Host: What do we want?\n\nAlexander Dugin: We want victory. Our army advances."
    _, found = _mentions(adoc, resources, text)
    pron = [(t, l, a["speaker"]) for t, l, a in found if a.get("pronoun")]
    assert ("We", "russia", "Alexander Dugin") in pron
    assert not any(who == "Host" for _, _, who in pron)  # the host's "we" stays unresolved
    assert all(a.get("inferred") for t, l, a in found if a.get("pronoun"))


def test_he_resolves_to_the_last_person_in_the_turn(adoc, resources):
    _, found = _mentions(adoc, resources, "Trump called Putin. He said the talks went well.")
    he = [(t, l) for t, l, a in found if t == "He"]
    assert he == [("He", "putin")]


def test_user_codebook_extends_the_shipped_one(tmp_path, adoc):
    extra = tmp_path / "extra.yaml"
    extra.write_text(
        "actors:\n  - id: budanov\n    name: Kyrylo Budanov\n    type: person\n    member_of: [ukraine]\n    aliases: [Budanov]\n"
        "  - id: trump\n    epithets: [the Donald]\n",
        encoding="utf-8",
    )
    res = Resources(codebook=str(extra))
    doc = adoc("Budanov warned that the Donald is impatient.")
    sentences(doc, res)
    got = {(doc.text[a.start : a.end], a.label) for a in actors(doc, res)}
    assert ("Budanov", "budanov") in got and ("the Donald", "trump") in got
    assert res.actors.ancestors("budanov") == ["ukraine"]


def test_bad_codebooks_are_refused(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("actors:\n  - id: x\n    member_of: [nowhere]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="member_of"):
        load_actor_codebook(str(bad))
    bad.write_text("actors:\n  - id: Bad Id\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="id"):
        load_actor_codebook(str(bad))


@pytest.mark.parametrize("raw, name", [("the Kremlin's", "Kremlin"), ("Mr. Witkoff", "Witkoff"), ("  Steve   Bannon ", "Steve Bannon")])
def test_normalise_name(raw, name):
    assert normalise_name(raw) == name


def test_mentions_are_anchored_in_the_text(adoc, resources):
    doc = adoc(" date 2025-06-08 Trump wants out; Zelensky does not.")
    for m in mentions_of(doc, resources):
        assert doc.text[m.start : m.end].strip() == doc.text[m.start : m.end] and m.end > m.start
