"""Tests of llm_shikumi.word2vec.vectors (WordVectors, analogies with margins, baselines, held-out
neighbours) and of the 2-D word map (llm_shikumi.plotting.plot_word_map)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from llm_shikumi.word2vec import (
    WordVectors,
    chance_neighbour_accuracy,
    cosine_similarity,
    evaluate_analogy,
    neighbour_accuracy,
    random_vectors,
)
from llm_shikumi.plotting import pca_2d, plot_word_map


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


def test_evaluate_analogy_rank_and_margin():
    wv = _toy_vectors()
    solved = evaluate_analogy(wv, "王", "男", "女", "女王")
    query = wv.unit[0] - wv.unit[2] + wv.unit[3]
    cos = lambda w: float(cosine_similarity(query, wv[w]))  # noqa: E731
    assert solved.rank == 1 and solved.solved and solved.top == "女王"
    assert np.isclose(solved.expected_score, cos("女王"), atol=1e-6)
    assert np.isclose(solved.margin, cos("女王") - cos("城"), atol=1e-6) and solved.margin > 0
    failed = evaluate_analogy(wv, "王", "男", "女", "城")
    assert failed.rank == 2 and not failed.solved and failed.top == "女王"
    assert np.isclose(failed.margin, cos("城") - cos("女王"), atol=1e-6) and failed.margin < 0
    missing = evaluate_analogy(wv, "王", "男", "女", "皇后")
    assert missing.rank is None and missing.margin is None and not missing.solved


def test_neighbour_accuracy_on_a_planted_structure_and_random_baseline():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 16)) * 3
    groups = {g: [f"{g}{i}" for i in range(5)] for g in "abc"}
    words = [w for ws in groups.values() for w in ws]
    vecs = np.concatenate([centres[k] + rng.normal(size=(5, 16)) for k in range(3)])  # (15, 16)
    planted = WordVectors(words + ["other"], np.concatenate([vecs, rng.normal(size=(1, 16))]))
    assert neighbour_accuracy(planted, groups) == 1.0
    noise = random_vectors(words, dim=16, seed=1)
    assert neighbour_accuracy(noise, groups) < 0.7
    assert np.isclose(chance_neighbour_accuracy(noise, groups), 3 * 5 * 4 / (15 * 14))
    assert random_vectors(words, 16, seed=1).vectors.equal(noise.vectors)
    with pytest.raises(ValueError):
        neighbour_accuracy(planted, {"x": ["missing"]})
