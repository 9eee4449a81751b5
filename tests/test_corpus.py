"""Tests of llm_shikumi.corpus: the generated Japanese corpus shipped with the package."""
from __future__ import annotations

from llm_shikumi import corpus
from llm_shikumi.corpus import (
    CORPUS_PATH,
    COUNTRIES,
    GENDER_PAIRS,
    describe,
    generate_sentences,
    load_sentences,
    load_tokenized,
)
from llm_shikumi.morphology import tokenize


def test_file_exists_is_small_and_utf8():
    assert CORPUS_PATH.exists(), "run: python -m llm_shikumi.corpus --build"
    size = CORPUS_PATH.stat().st_size
    assert 100_000 < size < 2_000_000, f"corpus is {size} bytes; it must stay under 2 MB"
    text = CORPUS_PATH.read_bytes().decode("utf-8")  # raises if not UTF-8
    assert text.endswith("\n") and "\r" not in text


def test_generator_is_deterministic_and_matches_the_committed_file():
    first = generate_sentences()
    assert first == generate_sentences()
    assert generate_sentences(n_templated=100, seed=1) != generate_sentences(n_templated=100, seed=2)
    committed = CORPUS_PATH.read_text(encoding="utf-8")
    assert committed == "\n".join(first) + "\n", (
        "data/corpus_ja.txt is out of date: run python -m llm_shikumi.corpus --build"
    )


def test_one_sentence_per_line():
    sentences = load_sentences()
    assert len(sentences) > 10_000
    assert all(s and s == s.strip() for s in sentences)
    assert all(s.endswith("。") for s in sentences), [s for s in sentences if not s.endswith("。")][:5]
    assert load_sentences() is not load_sentences()  # fresh lists: callers may modify them


def test_hand_written_prose_is_included_in_order():
    sentences = load_sentences()
    for passage in corpus.PASSAGES:
        start = sentences.index(passage[0])
        assert sentences[start:start + len(passage)] == passage


def test_key_words_are_single_morphemes():
    words = [w for pair in GENDER_PAIRS for w in pair]
    words += [w for c, k, _, _ in COUNTRIES for w in (c, k)]
    words += [job for job, *_ in corpus.JOBS] + [a for a, *_ in corpus.ANIMALS]
    words += [f for f, *_ in corpus.FOODS]
    for word in words:
        assert tokenize(word) == [word], f"{word!r} splits into {tokenize(word)}"
        # also inside a sentence, where the neighbours could change the segmentation
        assert word in tokenize(f"{word}は町にいます。"), tokenize(f"{word}は町にいます。")


def test_relation_words_occur_often():
    counts = {}
    for sentence in load_tokenized():
        for token in sentence:
            counts[token] = counts.get(token, 0) + 1
    for male, female in GENDER_PAIRS:
        assert counts.get(male, 0) >= 100 and counts.get(female, 0) >= 100, (male, female)
    for country, capital, _, _ in COUNTRIES:
        assert counts.get(country, 0) >= 50 and counts.get(capital, 0) >= 50, (country, capital)
    assert "日本の首都は東京です。" in load_sentences()


def test_tokenized_matches_sentences_and_is_cached():
    sentences = load_sentences()
    tokens = load_tokenized()
    assert len(tokens) == len(sentences)
    assert all("".join(t) == s for t, s in zip(tokens[:500], sentences[:500]))
    assert tokens[0] == tokenize(sentences[0])
    tokens[0].append("変更")  # a caller changing its copy ...
    assert load_tokenized()[0] == tokenize(sentences[0])  # ... does not change the cache
    no_symbols = load_tokenized(drop_symbols=True)
    assert all("。" not in s and "、" not in s for s in no_symbols)
    assert sum(map(len, no_symbols)) < sum(map(len, tokens))


def test_describe():
    stats = describe()
    assert stats["sentences"] == len(load_sentences())
    assert stats["bytes"] == CORPUS_PATH.stat().st_size
    assert 300 < stats["vocabulary"] < 5000
    assert stats["tokens"] > stats["sentences"]
    assert stats["most_common"][0][1] >= stats["most_common"][-1][1]
