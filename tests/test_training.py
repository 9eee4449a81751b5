"""Tests of llm_shikumi.training: the shared training helpers of the neural chapters."""
import math
import random

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from llm_shikumi import training
from llm_shikumi.training import (
    batchify, count_parameters, encode_text, evaluate_nll, random_windows, sequence_nll, set_seed,
    stream_chunks, torch_threads, train_loop,
)


def test_set_seed_makes_every_library_repeat():
    g1 = set_seed(3)
    a = (random.random(), np.random.rand(), torch.rand(2), torch.rand(2, generator=g1))
    g2 = set_seed(3)
    b = (random.random(), np.random.rand(), torch.rand(2), torch.rand(2, generator=g2))
    assert a[0] == b[0] and a[1] == b[1]
    assert torch.equal(a[2], b[2]) and torch.equal(a[3], b[3])
    set_seed(4)
    assert not torch.equal(torch.rand(2), b[2])


def test_count_parameters_matches_hand_count():
    model = nn.Sequential(nn.Embedding(10, 4), nn.Linear(4, 3))  # 40 + 12 + 3
    assert count_parameters(model) == 55
    model[0].weight.requires_grad_(False)
    assert count_parameters(model) == 15
    assert count_parameters(model, trainable_only=False) == 55


def test_encode_text_maps_unknown_characters():
    ids = encode_text("猫が犬", {"?": 0, "猫": 1, "が": 2})
    assert ids.dtype == torch.long and ids.tolist() == [1, 2, 0]
    assert encode_text("", {"a": 1}).shape == (0,)


def test_batchify_rows_are_contiguous_streams():
    streams = batchify(torch.arange(10), 3)
    assert streams.shape == (3, 3)
    assert streams.tolist() == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    with pytest.raises(ValueError):
        batchify(torch.arange(2), 3)
    with pytest.raises(ValueError):
        batchify(torch.zeros(2, 2, dtype=torch.long), 1)


def test_stream_chunks_tile_every_prediction_once():
    streams = batchify(torch.arange(2 * 11), 2)  # (2, 11): 10 predictions per stream
    chunks = list(stream_chunks(streams, 4))
    assert [x.shape[1] for x, _ in chunks] == [4, 4, 2]
    xs = torch.cat([x for x, _ in chunks], dim=1)
    ys = torch.cat([y for _, y in chunks], dim=1)
    assert torch.equal(xs, streams[:, :-1]) and torch.equal(ys, streams[:, 1:])


def test_random_windows_are_shifted_by_one_and_seeded():
    ids = torch.arange(100)
    x, y = next(random_windows(ids, 5, 7, torch.Generator().manual_seed(0)))
    assert x.shape == y.shape == (5, 7)
    assert torch.equal(y, x + 1)  # ids are consecutive integers: the target is the next one
    x2, _ = next(random_windows(ids, 5, 7, torch.Generator().manual_seed(0)))
    assert torch.equal(x, x2)
    assert int(x.max()) + 1 <= 99
    with pytest.raises(ValueError):
        next(random_windows(torch.arange(5), 1, 5))


def test_sequence_nll_sums_cross_entropy_and_ignores_padding():
    torch.manual_seed(0)
    logits = torch.randn(2, 3, 5)
    targets = torch.tensor([[1, 2, 3], [4, 0, -100]])
    total, n = sequence_nll(logits, targets)
    expected = -sum(F.log_softmax(logits[b, t], -1)[targets[b, t]]
                    for b in range(2) for t in range(3) if targets[b, t] != -100)
    assert n == 5
    assert torch.allclose(total, expected, atol=1e-5)


def _toy_problem():
    # a deterministic "language": the next token is (token + 1) mod 5
    set_seed(0)
    ids = torch.arange(400) % 5
    model = nn.Sequential(nn.Embedding(5, 8), nn.Linear(8, 5))

    def loss_fn(m, batch):
        x, y = batch
        total, n = sequence_nll(m(x), y)
        return total / n

    def nll_fn(m, batch):
        x, y = batch
        return sequence_nll(m(x), y)

    return ids, model, loss_fn, nll_fn


def test_train_loop_learns_and_records_history():
    ids, model, loss_fn, nll_fn = _toy_problem()
    streams = batchify(ids, 4)
    before, n = evaluate_nll(model, stream_chunks(streams, 10), nll_fn)
    assert n == 4 * 99
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    hist = train_loop(model, random_windows(ids, 8, 10, torch.Generator().manual_seed(1)), loss_fn, opt,
                      steps=60, eval_fn=lambda m: evaluate_nll(m, stream_chunks(streams, 10), nll_fn)[0] / n,
                      eval_every=25)
    after, _ = evaluate_nll(model, stream_chunks(streams, 10), nll_fn)
    assert hist.steps == list(range(1, 61)) and len(hist.loss) == 60 and len(hist.grad_norm) == 60
    assert hist.eval_steps == [25, 50, 60]
    assert after / n < 0.1 < math.log(5) * 0.9 < before / n  # from ~ln 5 nats to almost 0
    assert hist.eval[-1] == pytest.approx(after / n)
    assert not model.training  # left in eval mode
    assert len(hist.smoothed(10)) == 60 and hist.smoothed(1) == hist.loss


def test_train_loop_stops_when_batches_run_out_and_clips():
    ids, model, loss_fn, _ = _toy_problem()
    opt = torch.optim.SGD(model.parameters(), lr=0.0)  # lr 0: nothing changes, we only watch the norms
    batches = list(stream_chunks(batchify(ids, 4), 10))
    hist = train_loop(model, batches, loss_fn, opt, clip_norm=1e-3)
    assert len(hist.loss) == len(batches)
    # the recorded norm is the norm before clipping; after clipping the gradient norm is the limit
    assert hist.grad_norm[-1] > 1e-3
    total = torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in model.parameters()]))
    assert float(total) == pytest.approx(1e-3, rel=1e-3)


def test_train_loop_refuses_a_non_finite_loss():
    ids, model, _, _ = _toy_problem()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(FloatingPointError):
        train_loop(model, [None], lambda m, b: torch.tensor(float("nan"), requires_grad=True), opt)


def test_evaluate_nll_restores_training_mode():
    _, model, _, nll_fn = _toy_problem()
    model.train()
    evaluate_nll(model, [(torch.tensor([[0, 1]]), torch.tensor([[1, 2]]))], nll_fn)
    assert model.training
    assert training.nats_to_bits(math.log(2)) == pytest.approx(1.0)


def test_torch_threads_restores_the_setting():
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with torch_threads(None):
        assert torch.get_num_threads() == before
