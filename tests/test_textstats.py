"""Tests of llm_shikumi.textstats: fits recover known power laws; counts agree with brute force."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from llm_shikumi import textstats as ts


def test_words_drop_punctuation_and_whitespace():
    assert ts.words("吾輩は猫である。名前は\u3000まだ無い。") == ["吾輩", "は", "猫", "で", "ある", "名前", "は", "まだ", "無い"]
    assert ts.words(["猫。", "「犬」"]) == ["猫", "犬"]
    assert ts.words("") == []


def test_fit_power_law_recovers_an_exact_power_law_like_polyfit():
    x = np.arange(1, 200)
    law = ts.fit_power_law(x, 500.0 * x ** -1.2)
    assert law.exponent == pytest.approx(-1.2, abs=1e-9)
    assert law.coefficient == pytest.approx(500.0, rel=1e-9)
    np.testing.assert_allclose(law(x), 500.0 * x ** -1.2, rtol=1e-9)
    # with noise: the same numbers as numpy's least squares on the logarithms
    rng = np.random.default_rng(0)
    y = 3.0 * x ** 0.7 * np.exp(rng.normal(0, 0.1, x.size))
    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)
    law = ts.fit_power_law(x, y)
    assert law.as_tuple() == pytest.approx((slope, np.exp(intercept)))
    with pytest.raises(ValueError, match="positive"):
        ts.fit_power_law([1, 2, 3], [1, 0, 2])
    with pytest.raises(ValueError, match="2 points"):
        ts.fit_power_law([1], [1])


def test_rank_frequency_and_zipf_fit():
    tokens = ["a"] * 60 + ["b"] * 30 + ["c"] * 20 + ["d"] * 15 + ["e"] * 12
    ranks, freqs = ts.rank_frequency(tokens)
    assert ranks.tolist() == [1, 2, 3, 4, 5] and freqs.tolist() == [60, 30, 20, 15, 12]
    assert ts.rank_frequency(Counter(tokens))[1].tolist() == freqs.tolist()
    law = ts.zipf_fit(tokens)  # 60 / r exactly
    assert law.exponent == pytest.approx(-1.0) and law.coefficient == pytest.approx(60.0)
    assert ts.zipf_fit(tokens, min_rank=2, max_rank=4).exponent == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="2 ranks"):
        ts.zipf_fit(tokens, min_rank=5)


def test_vocabulary_growth_matches_brute_force():
    rng = np.random.default_rng(1)
    tokens = [f"w{int(k)}" for k in rng.zipf(1.5, size=3000)]
    ns, sizes = ts.vocabulary_growth(tokens, n_points=25, min_tokens=10)
    assert ns[0] == 10 and ns[-1] == 3000 and np.all(np.diff(ns) > 0)
    assert sizes.tolist() == [len(set(tokens[:n])) for n in ns]
    empty_n, empty_sizes = ts.vocabulary_growth([])
    assert empty_n.size == 0 and empty_sizes.size == 0
    # Heaps: vocabulary that grows exactly as 2 * sqrt(n)
    exact = []
    for n in range(1, 10_001):
        exact.append(f"new{n}" if len(set(exact)) < 2 * np.sqrt(n) else exact[0])
    law = ts.heaps_fit(exact, min_tokens=100)
    assert law.exponent == pytest.approx(0.5, abs=0.01) and law.coefficient == pytest.approx(2.0, rel=0.05)


def test_oov_rate_and_min_count():
    counts = Counter({"猫": 5, "主人": 2, "鼠": 1})
    assert ts.vocabulary_with_min_count(counts, 2) == {"猫", "主人"}
    assert ts.vocabulary_with_min_count(["a", "a", "b"], 1) == {"a", "b"}
    with pytest.raises(ValueError):
        ts.vocabulary_with_min_count(counts, 0)
    held_out = ["猫", "鼠", "鼠", "犬"]
    assert ts.oov_rate({"猫", "主人"}, held_out) == pytest.approx(3 / 4)  # tokens, with repeats
    assert ts.oov_rate(["猫", "鼠", "犬"], held_out) == 0.0
    with pytest.raises(ValueError):
        ts.oov_rate({"猫"}, [])


def test_one_hot_nbytes_is_the_size_numpy_allocates():
    from llm_shikumi.vocab import one_hot

    assert ts.one_hot_nbytes(7, 5) == one_hot([0, 1, 2, 1, 2, 3, 4], 5).nbytes == 140
    assert ts.one_hot_nbytes(3, 10, itemsize=8) == 240


def test_novel_splits_have_disjoint_text_and_plausible_laws():
    train, dev = ts.novel_words("train"), ts.novel_words("dev")
    assert 100_000 < len(train) < 200_000 and 10_000 < len(dev) < 40_000
    zipf = ts.zipf_fit(Counter(train), max_rank=1000)
    heaps = ts.heaps_fit(train)
    assert -1.3 < zipf.exponent < -0.8
    assert 0.5 < heaps.exponent < 0.9
    rate = ts.oov_rate(set(train), dev)
    assert 0.01 < rate < 0.2
