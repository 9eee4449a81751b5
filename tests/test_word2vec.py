"""Tests of llm_shikumi.word2vec.pairs (examples, subsampling, noise, loss and its gradient),
llm_shikumi.word2vec.model (the model and its training) and llm_shikumi.pretrained (chiVe).
The vectors' methods: test_word2vec_vectors.py; the count-based route: test_word2vec_counts.py."""
from __future__ import annotations

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
    keep_probabilities,
    negative_sampling_gradients,
    negative_sampling_loss,
    noise_distribution,
    skipgram_pair_tensor,
    skipgram_pairs,
    subsample,
    train_word2vec,
)
from llm_shikumi.word2vec import (
    NOVEL_CBOW,
    NOVEL_COUNTS,
    NOVEL_SKIPGRAM,
    NOVEL_WORD_GROUPS,
    chance_neighbour_accuracy,
    cooccurrence_vectors,
    evaluate_analogy,
    neighbour_accuracy,
    novel_sentences,
    ppmi_svd_vectors,
    random_vectors,
)
from llm_shikumi.word2vec.model import sgd_step

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


def test_cbow_gives_one_example_per_center_skipgram_up_to_two_windows():
    """The correction of the chapter: CBOW 1 example per center word, skip-gram up to 2 x window."""
    ids = list(range(12))
    for window in (1, 2, 3):
        assert len(cbow_pairs(ids, window)) == len(ids)
        per_center = Counter(c for c, _ in skipgram_pairs(ids, window))
        assert max(per_center.values()) == 2 * window
        assert min(per_center.values()) == window  # the two ends of the sentence


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


def test_subsample_keeps_each_token_with_its_probability():
    rng = np.random.default_rng(0)
    sentences = [[0, 1, 2] * 50] * 200  # 30,000 tokens, 10,000 of each ID
    keep = np.array([1.0, 0.5, 0.0])
    kept = Counter(i for s in subsample(sentences, keep, rng) for i in s)
    assert kept[0] == 10_000 and kept[2] == 0
    assert abs(kept[1] / 10_000 - 0.5) < 0.03  # binomial: 5 standard deviations is 0.025
    again = subsample(sentences, keep, np.random.default_rng(0))
    assert again == subsample(sentences, keep, np.random.default_rng(0))


def test_keep_probabilities_formula_on_the_novel_frequency_of_no():
    counts = np.array([5000, 100_000 - 5000])  # の at 5 % of the tokens
    keep = keep_probabilities(counts, threshold=1e-3)
    assert np.isclose(keep[0], np.sqrt(1e-3 / 0.05))  # kept about one time in seven
    assert keep_probabilities([0, 10])[0] == 1.0  # an unseen word is not a division by zero


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


def test_gradients_by_hand_equal_autograd():
    torch.manual_seed(2)
    D, K = 6, 4
    v = torch.randn(D, requires_grad=True)
    u_pos = torch.randn(D, requires_grad=True)
    u_neg = torch.randn(K, D, requires_grad=True)
    loss = negative_sampling_loss(v.unsqueeze(0), u_pos.unsqueeze(0), u_neg.unsqueeze(0))  # B = 1
    loss.backward()
    g_v, g_pos, g_neg = negative_sampling_gradients(v.detach(), u_pos.detach(), u_neg.detach())
    assert torch.allclose(g_v, v.grad, atol=1e-6)
    assert torch.allclose(g_pos, u_pos.grad, atol=1e-6)
    assert torch.allclose(g_neg, u_neg.grad, atol=1e-6)


def test_one_sgd_step_on_cbow_lowers_the_loss_of_that_example():
    model = Word2Vec(vocab_size=6, dim=4, mode="cbow")
    torch.nn.init.normal_(model.out_embed.weight, std=0.5)
    inputs, target, neg = torch.tensor([[1, 2, 4, -1]]), torch.tensor([3]), torch.tensor([[0, 5]])
    before = model(inputs, target, neg)
    before.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.5 * p.grad
    assert model(inputs, target, neg) < before
    # only the rows that took part moved: W_in rows 1, 2, 4 and W_out rows 3, 0, 5
    assert model.in_embed.weight.grad[[0, 3, 5]].abs().sum() == 0


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


@pytest.mark.parametrize("mode", ["skipgram", "cbow"])
def test_sgd_step_by_hand_equals_autograd_and_torch_sgd(mode):
    torch.manual_seed(0)
    a = Word2Vec(vocab_size=9, dim=5, mode=mode)
    torch.nn.init.normal_(a.out_embed.weight, std=0.3)
    torch.nn.init.normal_(a.in_embed.weight, std=0.3)
    b = Word2Vec(vocab_size=9, dim=5, mode=mode)
    b.load_state_dict(a.state_dict())
    if mode == "skipgram":
        inputs = torch.tensor([1, 2, 1, 7])  # word 1 twice: its row gets both updates
    else:
        inputs = torch.tensor([[1, 2, -1, -1], [3, 4, 5, 1], [2, 2, 6, -1], [8, -1, -1, -1]])  # (B, 2W)
    targets = torch.tensor([3, 4, 0, 3])
    negatives = torch.tensor([[5, 6], [0, 3], [8, 8], [1, 2]])  # (B, K)
    loss_by_hand = sgd_step(a, inputs, targets, negatives, lr=0.5)
    opt = torch.optim.SGD(b.parameters(), lr=0.5 * len(targets))  # the loss is a mean over B examples
    loss = b(inputs, targets, negatives)
    opt.zero_grad()
    loss.backward()
    opt.step()
    assert loss_by_hand == pytest.approx(loss.item(), abs=1e-6)
    assert torch.allclose(a.in_embed.weight, b.in_embed.weight, atol=1e-6)
    assert torch.allclose(a.out_embed.weight, b.out_embed.weight, atol=1e-6)


def test_training_with_sgd_learns_and_unknown_optimizer_fails():
    wv = train_word2vec(TINY, dim=8, window=2, epochs=4, min_count=1, subsample=None, seed=3,
                        optimizer="sgd", lr=0.05, batch_size=32)
    assert wv.loss_history[-1] < wv.loss_history[0]
    assert wv.examples_per_epoch[0] == sum(len(skipgram_pairs(s, 2)) for s in TINY)
    with pytest.raises(FloatingPointError, match="lower the learning rate"):
        train_word2vec(TINY, dim=8, epochs=2, min_count=1, subsample=None, optimizer="sgd", lr=50.0, batch_size=64)
    with pytest.raises(ValueError, match="optimizer"):
        train_word2vec(TINY[:4], dim=4, epochs=1, min_count=1, optimizer="rmsprop")


def test_training_restores_thread_count():
    before = torch.get_num_threads()
    train_word2vec(TINY[:8], dim=4, epochs=1, min_count=1, num_threads=1)
    assert torch.get_num_threads() == before


@pytest.mark.slow
def test_chapter_settings_give_sensible_neighbours_on_held_out_word_groups():
    """The chapter's runs on the novel: every method beats chance and random vectors on word groups
    that training never sees (numerals, body parts, people, times)."""
    sentences = novel_sentences("train")
    svd = ppmi_svd_vectors(sentences, **NOVEL_COUNTS)
    chance = chance_neighbour_accuracy(svd, NOVEL_WORD_GROUPS)
    baseline = neighbour_accuracy(random_vectors(svd.words, dim=50, seed=0), NOVEL_WORD_GROUPS)
    assert baseline < chance + 0.3  # the check itself cannot be passed by chance
    for wv in (svd, train_word2vec(sentences, **NOVEL_SKIPGRAM), train_word2vec(sentences, **NOVEL_CBOW)):
        assert torch.isfinite(wv.vectors).all(), wv
        if wv.loss_history:
            assert wv.loss_history[-1] < wv.loss_history[0], (wv, wv.loss_history)
        accuracy = neighbour_accuracy(wv, NOVEL_WORD_GROUPS)
        assert accuracy > max(chance, baseline) + 0.4, (wv, accuracy, chance, baseline)
        assert wv.words == svd.words or set(wv.words) == set(svd.words)  # same vocabulary (min_count)


@pytest.mark.slow
def test_laboratory_corpus_is_solved_by_raw_counts():
    """The chapter's claim: in the templated laboratory, raw co-occurrence counts (no learning)
    already put 女王 first for 王 - 男 + 女."""
    from llm_shikumi.corpus import load_tokenized

    raw = cooccurrence_vectors(load_tokenized(drop_symbols=True), window=2, min_count=2)
    result = evaluate_analogy(raw, "王", "男", "女", "女王")
    assert result.solved and result.margin > 0, result


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
