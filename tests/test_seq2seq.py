"""Tests of llm_shikumi.seq2seq: teacher forcing, the encoder's context vector, greedy decoding, scores."""
from __future__ import annotations

import math

import pytest
import torch

from llm_shikumi.seq2seq import (
    Encoder, Seq2Seq, accuracy_by_length, corpus_bleu, exact_match, greedy_decode, reverse_source,
    sentence_bleu, shift_targets, train_translation, translate,
)
from llm_shikumi.translation import BOS_ID, EOS_ID, PAD_ID, make_dataset


def test_shift_targets():
    tgt = torch.tensor([[BOS_ID, 7, 8, EOS_ID], [BOS_ID, 9, EOS_ID, PAD_ID]])
    inp, out = shift_targets(tgt)
    assert inp.tolist() == [[BOS_ID, 7, 8], [BOS_ID, 9, EOS_ID]]
    assert out.tolist() == [[7, 8, EOS_ID], [9, EOS_ID, PAD_ID]]


def test_reverse_source_keeps_padding_at_the_end():
    src = torch.tensor([[5, 6, 7, 0], [8, 9, 0, 0]])
    assert reverse_source(src, torch.tensor([3, 2])).tolist() == [[7, 6, 5, 0], [9, 8, 0, 0]]


def test_encoder_context_is_the_state_after_the_last_real_word():
    torch.manual_seed(0)
    enc = Encoder(20, 8, 16)
    src = torch.tensor([[4, 5, 6, 7], [8, 9, 0, 0]])
    out, h = enc(src, torch.tensor([4, 2]))
    assert out.shape == (2, 4, 16) and h.shape == (1, 2, 16)
    _, h_short = enc(src[1:, :2], torch.tensor([2]))  # the second sentence alone, unpadded
    assert torch.allclose(h[:, 1], h_short[:, 0], atol=1e-6)
    assert torch.allclose(out[1, 1], h_short[0, 0], atol=1e-6)
    assert (out[1, 2:] == 0).all()  # padding positions are zeros


def test_greedy_decode_stops_each_sentence_at_eos_and_pads():
    # a scripted "model": sentence 0 says 5, 6, <eos>; sentence 1 says 7, <eos>; logits ignore the input
    script = torch.tensor([[5, 7], [6, EOS_ID], [EOS_ID, 9], [9, 9]])
    calls = []

    def step(prev, t):
        calls.append(prev.tolist())
        return torch.nn.functional.one_hot(script[t], 10).float(), t + 1

    ids = greedy_decode(step, 0, batch_size=2, max_len=10)
    assert ids.tolist() == [[5, 6, EOS_ID], [7, EOS_ID, PAD_ID]]
    assert calls[0] == [BOS_ID, BOS_ID] and calls[1] == [5, 7]  # feeds its own previous output
    assert len(calls) == 3  # stopped when both sentences had finished

    ids = greedy_decode(step, 0, batch_size=2, max_len=2)  # cut by max_len
    assert ids.shape == (2, 2)


def test_greedy_decode_matches_teacher_forced_argmax():
    """Feeding the greedy output back with teacher forcing must reproduce the same argmax."""
    torch.manual_seed(0)
    for attention in (None, "dot", "additive"):
        model = Seq2Seq(15, 12, emb=8, hidden=16, attention=attention).eval()
        src = torch.tensor([[4, 5, 6, 7], [8, 9, 0, 0]])
        lengths = torch.tensor([4, 2])
        ids, weights = model.greedy_decode(src, lengths, max_len=6)
        tgt_in = torch.cat([torch.full((2, 1), BOS_ID), ids[:, :-1]], dim=1)  # (B, L)
        logits, tf_weights = model(src, lengths, tgt_in)
        first = ids[0].tolist().index(EOS_ID) + 1 if EOS_ID in ids[0].tolist() else ids.size(1)
        assert logits[0, :first].argmax(-1).tolist() == ids[0, :first].tolist()
        if attention is None:
            assert weights is None
        else:
            assert weights.shape == (2, ids.size(1), 4)
            assert (weights[1, :, 2:] == 0).all()  # padding gets exactly zero attention
            assert torch.allclose(weights.sum(-1), torch.ones_like(weights.sum(-1)), atol=1e-5)
            assert torch.allclose(weights[0, :first], tf_weights[0, :first], atol=1e-5)


def test_unknown_attention_is_rejected():
    with pytest.raises(ValueError):
        Seq2Seq(5, 5, attention="cosine")


def test_exact_match():
    assert exact_match([["a", "b"], ["c"]], [["a", "b"], ["d"]]) == 0.5
    assert exact_match([], []) == 0.0
    assert exact_match([["a", "b"]], [["a"]]) == 0.0
    with pytest.raises(ValueError):
        exact_match([["a"]], [])


def test_bleu_hand_computed():
    hyp, ref = "the cat sat on the mat".split(), "the cat is on the mat".split()
    # p1 = 5/6, p2 = 3/5 (the cat, on the, the mat), equal lengths: BP = 1
    assert sentence_bleu(hyp, ref, max_n=2) == pytest.approx(math.sqrt(5 / 6 * 3 / 5))
    assert sentence_bleu(hyp, ref) == 0.0  # no 4-gram in common, no smoothing
    # p1..p4 = 4/5, 3/4, 2/3, 1/2; hyp 5 words, ref 6: BP = exp(1 - 6/5)
    a, b = "a b c d e".split(), "a b c d f g".split()
    expected = math.exp(1 - 6 / 5) * (4 / 5 * 3 / 4 * 2 / 3 * 1 / 2) ** 0.25
    assert sentence_bleu(a, b) == pytest.approx(expected)
    # clipping: "the" counts at most as often as in the reference
    assert sentence_bleu("the the the the".split(), "the cat".split(), max_n=1) == pytest.approx(1 / 4)
    assert sentence_bleu(b, b) == pytest.approx(1.0)
    assert sentence_bleu([], b) == 0.0


def test_corpus_bleu_sums_counts_before_averaging():
    hyps = ["a b c d e".split(), "a b c d".split()]
    refs = ["a b c d f g".split(), "a b c d".split()]
    # p1..p4 = 8/9, 6/7, 4/5, 2/3; lengths 9 vs 10
    expected = math.exp(1 - 10 / 9) * (8 / 9 * 6 / 7 * 4 / 5 * 2 / 3) ** 0.25
    assert corpus_bleu(hyps, refs) == pytest.approx(expected)
    assert corpus_bleu(refs, refs) == pytest.approx(1.0)
    mean_sentence = (sentence_bleu(hyps[0], refs[0]) + sentence_bleu(hyps[1], refs[1])) / 2
    assert corpus_bleu(hyps, refs) != pytest.approx(mean_sentence)


def test_accuracy_by_length():
    acc = accuracy_by_length([["x"], ["y"], ["z"]], [["x"], ["n"], ["z"]], [3, 3, 5])
    assert acc == {3: (0.5, 2), 5: (1.0, 1)}


def test_short_training_run_learns_something():
    """A few dozen steps on a small dataset: loss falls and translate() returns word lists."""
    ds = make_dataset(n_train=300, n_test=20, seed=0)
    run = train_translation(ds, attention="dot", steps=40, batch_size=32, emb=16, hidden=32)
    assert sum(run.history.loss[-5:]) / 5 < 0.8 * run.history.loss[0], run.history.loss
    hyps, weights = translate(run.model, ds.test[:5], ds, return_weights=True)
    assert len(hyps) == 5 and all(isinstance(w, str) for h in hyps for w in h)
    assert weights[0].shape[1] == len(ds.test[0].en)
