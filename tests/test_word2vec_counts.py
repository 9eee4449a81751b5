"""Tests of llm_shikumi.word2vec.counts: co-occurrence counts, PPMI and truncated SVD computed by hand."""
from __future__ import annotations

import math

import numpy as np

from llm_shikumi.word2vec import (
    cooccurrence_matrix,
    cooccurrence_vectors,
    ppmi,
    ppmi_svd_vectors,
    truncated_svd,
)


def test_cooccurrence_by_hand():
    # sentence 0 1 2 and sentence 2 0, window 1: pairs (0,1) (1,0) (1,2) (2,1) and (2,0) (0,2)
    c = cooccurrence_matrix([[0, 1, 2], [2, 0]], vocab_size=4, window=1)
    assert c.tolist() == [[0, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 0], [0, 0, 0, 0]]
    c2 = cooccurrence_matrix([[0, 1, 2], [2, 0]], vocab_size=4, window=2)
    assert c2[0, 2] == 2 and c2[2, 0] == 2  # 0..2 now in one window, plus the second sentence
    assert np.array_equal(c2, c2.T)


def test_ppmi_by_hand():
    counts = np.array([[10.0, 1.0], [1.0, 0.0]])  # N = 12, row/column sums 11 and 1
    got = ppmi(counts)
    pmi_00 = math.log((10 / 12) / ((11 / 12) * (11 / 12)))  # log(120/121) < 0 -> clipped to 0
    pmi_01 = math.log((1 / 12) / ((11 / 12) * (1 / 12)))  # log(12/11) > 0
    assert pmi_00 < 0
    assert np.allclose(got, [[0.0, pmi_01], [pmi_01, 0.0]])  # zero count -> 0, not log 0
    counts = np.array([[0.0, 2.0, 1.0], [2.0, 0.0, 1.0], [1.0, 1.0, 0.0]])  # N = 8
    got = ppmi(counts)
    assert np.isclose(got[0, 1], math.log((2 / 8) / ((3 / 8) * (3 / 8))))
    assert np.isclose(got[0, 2], math.log((1 / 8) / ((3 / 8) * (2 / 8))))
    assert np.all(np.diag(got) == 0)
    # smoothed contexts: P(c) from column sums to the power 0.75
    p_c = np.array([3.0, 3.0, 2.0]) ** 0.75
    p_c /= p_c.sum()
    assert np.isclose(ppmi(counts, context_power=0.75)[0, 2], math.log((1 / 8) / ((3 / 8) * p_c[2])))
    assert np.all(np.isfinite(ppmi(np.zeros((2, 2)))))  # an empty matrix gives zeros, not nan


def test_truncated_svd_rank_one_by_hand_and_against_numpy():
    a, b = np.array([1.0, 2.0, 2.0]), np.array([3.0, 4.0])
    u, s, vt = truncated_svd(np.outer(a, b), k=1)
    assert np.allclose(s, [15.0])  # |a| |b| = 3 * 5
    assert np.allclose(u[:, 0], a / 3) and np.allclose(vt[0], b / 5)
    rng = np.random.default_rng(0)
    m = rng.normal(size=(60, 8)) @ rng.normal(size=(8, 40)) + 0.01 * rng.normal(size=(60, 40))
    u, s, vt = truncated_svd(m, k=5)
    exact = np.linalg.svd(m, compute_uv=False)
    assert np.allclose(s, exact[:5], rtol=1e-6)
    assert np.allclose(u.T @ u, np.eye(5), atol=1e-8)
    assert u.shape == (60, 5) and vt.shape == (5, 40)
    full_u, _, _ = np.linalg.svd(m, full_matrices=False)
    assert np.allclose(np.abs(u.T @ full_u[:, :5]), np.eye(5), atol=1e-5)  # same subspace, up to sign


def test_vectors_from_counts_on_a_tiny_corpus():
    sentences = [["犬", "が", "吠える"], ["猫", "が", "鳴く"], ["犬", "を", "飼う"], ["猫", "を", "飼う"]] * 3
    raw = cooccurrence_vectors(sentences, window=1, min_count=1)
    assert raw.dim == len(raw) and raw["犬"][raw.index["が"]] == 3
    svd = ppmi_svd_vectors(sentences, dim=3, window=1, min_count=1)
    assert svd.dim == 3 and svd.words == raw.words
    assert svd.similarity("犬", "猫") > svd.similarity("犬", "飼う")  # same contexts が / を
