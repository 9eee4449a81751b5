"""Tests of llm_shikumi.texts: the example texts and the sentence / paragraph splitters."""
from llm_shikumi import texts
from llm_shikumi.morphology import analyze, word_frequencies


def test_shotengai_shape():
    paras = texts.paragraphs(texts.SHOTENGAI)
    assert len(paras) == 4, f"SHOTENGAI should have 4 paragraphs, got {len(paras)}"
    sents = texts.sentences(texts.SHOTENGAI)
    assert len(sents) == 12, f"SHOTENGAI should have 12 sentences, got {len(sents)}: {sents}"
    assert all(s.endswith("。") for s in sents), sents
    assert "".join(sents) == texts.SHOTENGAI.replace("\n", ""), "sentences must cover the whole text"


def test_shotengai_has_no_unknown_words():
    # The chapter says the analyzer knows every word of this text; keep it so.
    unknown = [m.surface for m in analyze(texts.SHOTENGAI) if m.is_unknown]
    assert unknown == [], f"unknown words in SHOTENGAI: {unknown}"


def test_shotengai_frequencies_used_in_chapter_01():
    # Chapter 01 plots these; its prose names 猫 and 商店 (from 商店街) among the most frequent.
    counts = word_frequencies(texts.SHOTENGAI)
    assert counts["猫"] == 5, counts["猫"]
    assert counts["商店"] == 5, counts["商店"]
    assert counts["いる"] == 5, counts["いる"]
    assert "商店街" not in counts, "UniDic splits 商店街 into 商店 + 街 (short unit words)"


def test_sentences_brackets_and_missing_final_mark():
    assert texts.sentences("猫が来ました。「こんにちは。」と言いました。\nまた来てね") == [
        "猫が来ました。", "「こんにちは。」と言いました。", "また来てね"]
    assert texts.sentences("本当？うん！") == ["本当？", "うん！"]


def test_empty_input():
    assert texts.sentences("") == []
    assert texts.paragraphs("") == []
    assert texts.paragraphs("\n\n  \n") == []
