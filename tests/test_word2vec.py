"""Tests of llm_shikumi.word2vec (skip-gram / CBOW with negative sampling) and
llm_shikumi.pretrained (chiVe vectors from ja-ginza)."""
from __future__ import annotations

import time
import warnings
from collections import Counter

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from llm_shikumi.word2vec import (
    Word2Vec,
    WordVectors,
    cbow_pairs,
    cbow_tensors,
    cosine_similarity,
    keep_probabilities,
    negative_sampling_loss,
    noise_distribution,
    pca_2d,
    plot_word_map,
    skipgram_pair_tensor,
    skipgram_pairs,
    train_word2vec,
)

# The settings chapters/04_word2vec.ipynb uses (keep them in sync with the chapter).
CHAPTER_SETTINGS = dict(dim=50, window=2, epochs=5, negatives=5, seed=0)

TINY = [
    "王 は 城 に 住む".split(), "女王 は 城 に 住む".split(),
    "男 は 町 に 住む".split(), "女 は 町 に 住む".split(),
    "王 は 彼 の 城 を 守る".split(), "女王 は 彼女 の 城 を 守る".split(),
    "男 は 彼 の 町 を 歩く".split(), "女 は 彼女 の 町 を 歩く".split(),
] * 20


# --------------------------------------------------------------------------- pairs
def test_skipgram_pairs_hand_example():
    # sentence a b c d (IDs 0 1 2 3), window 2: each word with up to two neighbours per side
    assert skipgram_pairs([0, 1, 2, 3], window=2) == [
        (0, 1), (0, 2),
        (1, 0), (1, 2), (1, 3),
        (2, 0), (2, 1), (2, 3),
        (3, 1), (3, 2),
    ]
    assert skipgram_pairs([7, 8, 9], window=1) == [(7, 8), (8, 7), (8, 9), (9, 8)]
    assert skipgram_pairs([4], window=3) == []
    assert skipgram_pairs([], window=3) == []
    with pytest.raises(ValueError):
        skipgram_pairs([1, 2], window=0)


def test_skipgram_pairs_count_and_repeated_words():
    ids = [5, 5, 6]
    assert skipgram_pairs(ids, window=1) == [(5, 5), (5, 5), (5, 6), (6, 5)]
    n = 10
    for w in (1, 2, 3):
        # every pair (i, j) with 0 < |i - j| <= w, counted inside the sentence
        expected = sum(min(i, w) + min(n - 1 - i, w) for i in range(n))
        assert len(skipgram_pairs(list(range(n)), window=w)) == expected


def test_pair_tensor_equals_per_sentence_pairs_and_respects_sentence_boundaries():
    sentences = [[0, 1, 2, 3], [4, 5], [6], [7, 8, 9]]
    for window in (1, 2, 3):
        expected = Counter(p for s in sentences for p in skipgram_pairs(s, window))
        got = Counter(map(tuple, skipgram_pair_tensor(sentences, window).tolist()))
        assert got == expected
    pairs = skipgram_pair_tensor(sentences, 3)
    assert pairs.shape[1] == 2 and pairs.dtype == torch.int64
    assert (3, 4) not in set(map(tuple, pairs.tolist()))  # never across a sentence boundary


def test_cbow_pairs_hand_example_and_tensors():
    assert cbow_pairs([0, 1, 2, 3], window=1) == [([1], 0), ([0, 2], 1), ([1, 3], 2), ([2], 3)]
    assert cbow_pairs([9], window=2) == []
    ctx, center = cbow_tensors([[0, 1, 2, 3], [4]], window=1)
    assert ctx.shape == (4, 2) and center.tolist() == [0, 1, 2, 3]
    assert ctx.tolist() == [[-1, 1], [0, 2], [1, 3], [2, -1]]  # -1 pads a missing neighbour


# --------------------------------------------------------------------------- noise, subsampling, loss
def test_noise_distribution_is_unigram_to_the_three_quarters():
    counts = np.array([100, 10, 1, 0])
    p = noise_distribution(counts)
    assert p.shape == (4,) and torch.isclose(p.sum(), torch.tensor(1.0))
    expected = counts ** 0.75 / (counts ** 0.75).sum()
    assert np.allclose(p.numpy(), expected, atol=1e-6)
    assert p[2] > counts[2] / counts.sum()  # rare words get more than their frequency
    assert p[3] == 0
    assert torch.allclose(noise_distribution(counts, power=1.0), torch.tensor(counts / counts.sum(), dtype=torch.float32))


def test_keep_probabilities():
    keep = keep_probabilities([9000, 900, 90, 10], threshold=1e-3)
    assert keep[-1] == 1.0 and keep[0] < keep[1] < 1.0
    assert np.isclose(keep[0], np.sqrt(1e-3 / 0.9))


def test_negative_sampling_loss_matches_the_formula():
    torch.manual_seed(0)
    B, K, D = 4, 3, 6
    v, u, n = torch.randn(B, D), torch.randn(B, D), torch.randn(B, K, D)
    loss = negative_sampling_loss(v, u, n)
    manual = 0.0
    for b in range(B):
        manual -= torch.log(torch.sigmoid(u[b] @ v[b]))
        for k in range(K):
            manual -= torch.log(torch.sigmoid(-(n[b, k] @ v[b])))
    assert torch.isclose(loss, manual / B, atol=1e-5)
    # the same as binary cross-entropy: label 1 for the true context, 0 for the noise words
    logits = torch.cat([(u * v).sum(-1, keepdim=True), torch.einsum("bkd,bd->bk", n, v)], dim=1)  # (B, 1+K)
    labels = torch.cat([torch.ones(B, 1), torch.zeros(B, K)], dim=1)
    bce = F.binary_cross_entropy_with_logits(logits, labels, reduction="sum") / B
    assert torch.isclose(loss, bce, atol=1e-5)


def test_loss_is_small_when_context_aligned_and_noise_opposite():
    v = torch.tensor([[3.0, 0.0]])
    good = negative_sampling_loss(v, torch.tensor([[3.0, 0.0]]), torch.tensor([[[-3.0, 0.0]]]))
    bad = negative_sampling_loss(v, torch.tensor([[-3.0, 0.0]]), torch.tensor([[[3.0, 0.0]]]))
    assert good < 0.01 < 10 < bad
    assert torch.isfinite(negative_sampling_loss(v * 1e4, v, v.unsqueeze(1)))  # no overflow


def test_embedding_is_one_hot_times_weight_matrix():
    model = Word2Vec(vocab_size=7, dim=4)
    ids = torch.tensor([3, 0, 6])
    one_hot = F.one_hot(ids, num_classes=7).float()  # (3, 7)
    assert torch.allclose(model.in_embed(ids), one_hot @ model.in_embed.weight)  # (3, 7) @ (7, 4)


def test_cbow_encoder_averages_context_vectors():
    model = Word2Vec(vocab_size=5, dim=3, mode="cbow")
    W = model.in_embed.weight
    h = model.encode(torch.tensor([[1, 2], [4, -1]]))
    assert torch.allclose(h[0], (W[1] + W[2]) / 2) and torch.allclose(h[1], W[4])
    with pytest.raises(ValueError):
        Word2Vec(5, 3, mode="glove")


# --------------------------------------------------------------------------- word vectors
def test_cosine_similarity_matches_torch():
    torch.manual_seed(1)
    x, y = torch.randn(10, 8), torch.randn(10, 8)
    assert torch.allclose(cosine_similarity(x, y), F.cosine_similarity(x, y, dim=-1), atol=1e-6)
    a, b = torch.randn(8), torch.randn(8)
    assert torch.isclose(cosine_similarity(a, b), F.cosine_similarity(a, b, dim=0), atol=1e-6)
    assert torch.isclose(cosine_similarity(a, 5 * a), torch.tensor(1.0))
    assert torch.isclose(cosine_similarity(a, -a), torch.tensor(-1.0))
    assert cosine_similarity(torch.zeros(8), a) == 0
    assert torch.isclose(cosine_similarity(np.array([1.0, 0.0]), np.array([1.0, 1.0])), torch.tensor(2 ** -0.5))


def _toy_vectors() -> WordVectors:
    # axes: royal, male, female. 王 = royal + male, 女王 = royal + female, ...
    words = ["王", "女王", "男", "女", "城"]
    vecs = [[1, 1, 0], [1, 0, 1], [0, 1, 0], [0, 0, 1], [1, 0, 0]]
    return WordVectors(words, torch.tensor(vecs, dtype=torch.float32))


def test_analogy_finds_the_answer_and_excludes_query_words():
    wv = _toy_vectors()
    result = wv.analogy("王", "男", "女", topn=5)
    assert result[0][0] == "女王"
    assert not {"王", "男", "女"} & {w for w, _ in result}
    assert len(result) == 2  # only 女王 and 城 are left
    scores = [s for _, s in result]
    assert scores == sorted(scores, reverse=True)
    # without the exclusion, 女 (a query word) would score as high as 女王
    query = wv.unit[0] - wv.unit[2] + wv.unit[3]
    assert [w for w, _ in wv.nearest(query, topn=5)][:1] in (["女王"], ["女"])


def test_most_similar_and_similarity():
    wv = _toy_vectors()
    near = wv.most_similar("王", topn=3)
    assert len(near) == 3 and "王" not in [w for w, _ in near]
    assert near[0][1] >= near[1][1] >= near[2][1]
    assert np.isclose(wv.similarity("王", "女王"), 0.5)
    assert np.isclose(wv.similarity("男", "女"), 0.0)
    assert wv["城"].tolist() == [1, 0, 0]
    with pytest.raises(KeyError, match="not in the vocabulary"):
        wv.most_similar("皇帝")
    sub = wv.subset(["女", "王", "存在しない"])
    assert sub.words == ["女", "王"] and sub.vectors.shape == (2, 3)
    with pytest.raises(ValueError):
        WordVectors(["a", "b"], torch.zeros(3, 2))


def test_pca_2d():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 5)) * np.array([5.0, 2.0, 0.1, 0.1, 0.1])
    xy = pca_2d(x)
    assert xy.shape == (20, 2)
    assert np.allclose(xy.mean(axis=0), 0, atol=1e-9)
    assert xy[:, 0].var() >= xy[:, 1].var()
    assert abs(np.corrcoef(xy[:, 0], xy[:, 1])[0, 1]) < 1e-6


def test_plot_word_map_renders_japanese_without_missing_glyphs():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    wv = _toy_vectors()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ax = plot_word_map(wv, ["王", "女王", "男", "女"], pairs=[("男", "女"), ("王", "女王")], title="単語の地図")
        ax.figure.canvas.draw()
    assert not [w for w in caught if "Glyph" in str(w.message)]
    assert {t.get_text() for t in ax.texts} >= {"王", "女王", "男", "女"}
    plt.close(ax.figure)
    with pytest.raises(KeyError):
        plot_word_map(wv, ["王", "皇帝"])


# --------------------------------------------------------------------------- training
def test_training_loss_decreases_and_is_reproducible():
    a = train_word2vec(TINY, dim=8, window=2, epochs=4, min_count=1, subsample=None, seed=3)
    assert len(a.loss_history) == 4
    assert a.loss_history[-1] < a.loss_history[0]
    b = train_word2vec(TINY, dim=8, window=2, epochs=4, min_count=1, subsample=None, seed=3)
    assert torch.equal(a.vectors, b.vectors)
    c = train_word2vec(TINY, dim=8, window=2, epochs=4, min_count=1, subsample=None, seed=4)
    assert not torch.equal(a.vectors, c.vectors)
    assert a.words[0] in ("は", "に")  # frequency order: the most frequent word gets ID 0
    assert a.dim == 8 and set(a.words) == {t for s in TINY for t in s}


def test_training_cbow_and_min_count():
    sentences = TINY + [["珍しい", "語"]]
    wv = train_word2vec(sentences, dim=8, window=2, epochs=3, min_count=2, mode="cbow", seed=0)
    assert wv.loss_history[-1] < wv.loss_history[0]
    assert "珍しい" not in wv and "王" in wv


def test_training_restores_thread_count():
    before = torch.get_num_threads()
    train_word2vec(TINY[:8], dim=4, epochs=1, min_count=1, num_threads=1)
    assert torch.get_num_threads() == before


@pytest.mark.slow
def test_chapter_settings_on_the_corpus():
    """The chapter's run: ≤ 60 s on 2 cores, and 女王 among the top 5 of 王 - 男 + 女."""
    from llm_shikumi.corpus import load_tokenized

    start = time.perf_counter()
    sentences = load_tokenized(drop_symbols=True)
    wv = train_word2vec(sentences, **CHAPTER_SETTINGS)
    elapsed = time.perf_counter() - start
    assert elapsed < 60, f"training took {elapsed:.1f} s"
    assert wv.loss_history[-1] < wv.loss_history[0]
    top5 = [w for w, _ in wv.analogy("王", "男", "女", topn=5)]
    assert "女王" in top5, top5
    assert [w for w, _ in wv.analogy("王子", "男", "女", topn=5)][0] == "王女"
    assert "東京" in [w for w, _ in wv.analogy("パリ", "フランス", "日本", topn=5)]
    fruits = {"みかん", "バナナ", "ぶどう", "いちご", "もも"}
    assert fruits & {w for w, _ in wv.most_similar("りんご", topn=5)}


# --------------------------------------------------------------------------- pretrained chiVe
def test_missing_package_gives_a_clear_error(monkeypatch):
    import importlib.util

    from llm_shikumi import pretrained

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a, **k: None)
    with pytest.raises(pretrained.PretrainedNotAvailable, match="pip install ja-ginza"):
        pretrained.chive_vocab_dir()
    assert pretrained.chive_available() is False
    assert issubclass(pretrained.PretrainedNotAvailable, ImportError)


@pytest.mark.slow
def test_chive_vectors():
    pytest.importorskip("ja_ginza", reason="ja-ginza is not installed")
    from llm_shikumi.pretrained import load_chive

    chive = load_chive()
    assert isinstance(chive, WordVectors)
    assert len(chive) > 19_000 and chive.dim == 300
    assert chive.words[0] == "の"  # most frequent first
    assert "女王" in [w for w, _ in chive.analogy("王", "男", "女", topn=5)]
    assert chive.analogy("父", "男", "女", topn=1)[0][0] == "母"
    assert load_chive() is chive  # cached
