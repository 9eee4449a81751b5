"""Decoding rules (llm_shikumi.sampling): the temperature example, top-k, top-p, seeded sampling."""
from __future__ import annotations

import pytest
import torch

from llm_shikumi.sampling import greedy, sample, softmax_with_temperature, top_k_filter, top_p_filter

LOGITS = torch.tensor([2.0, 1.0, 0.1])


@pytest.mark.parametrize("temperature, expected", [
    (1.0, [0.66, 0.24, 0.10]),
    (0.5, [0.86, 0.12, 0.02]),
    (2.0, [0.50, 0.30, 0.19]),
])
def test_temperature_example(temperature, expected):
    probs = softmax_with_temperature(LOGITS, temperature)
    assert [round(x, 2) for x in probs.tolist()] == expected


def test_lecture_notes_values_for_t_half_and_two_are_not_softmax():
    """The notes print [0.84, 0.14, 0.02] (T = 0.5) and [0.46, 0.33, 0.21] (T = 2): the formula disagrees."""
    assert not torch.allclose(softmax_with_temperature(LOGITS, 0.5), torch.tensor([0.84, 0.14, 0.02]), atol=0.005)
    assert not torch.allclose(softmax_with_temperature(LOGITS, 2.0), torch.tensor([0.46, 0.33, 0.21]), atol=0.005)


def test_temperature_must_be_positive():
    with pytest.raises(ValueError):
        softmax_with_temperature(LOGITS, 0.0)


def test_top_k_keeps_k_and_ties_and_tolerates_large_k():
    logits = torch.tensor([1.0, 3.0, 3.0, 0.0])
    assert torch.isinf(top_k_filter(logits, 1)).tolist() == [True, False, False, True]  # tie kept
    assert torch.equal(top_k_filter(logits, 10), logits)
    batch = torch.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]])
    assert torch.isinf(top_k_filter(batch, 2)).tolist() == [[True, False, False], [False, False, True]]


def test_top_p_keeps_the_nucleus():
    logits = torch.log(torch.tensor([0.5, 0.3, 0.15, 0.05]))
    assert torch.isinf(top_p_filter(logits, 0.7)).tolist() == [False, False, True, True]
    assert torch.isinf(top_p_filter(logits, 0.5)).tolist() == [False, True, True, True]
    assert not torch.isinf(top_p_filter(logits, 1.0)).any()
    assert torch.isinf(top_p_filter(logits[[3, 2, 1, 0]], 0.7)).tolist() == [True, True, False, False]


def test_sampling_is_seeded_and_follows_the_distribution():
    g1, g2 = torch.Generator().manual_seed(0), torch.Generator().manual_seed(0)
    logits = LOGITS.expand(4000, 3)
    a = sample(logits, generator=g1)
    assert torch.equal(a, sample(logits, generator=g2))
    freq = torch.bincount(a, minlength=3).float() / len(a)
    assert torch.allclose(freq, softmax_with_temperature(LOGITS), atol=0.03)
    only_top = sample(logits, top_k=1, generator=g1)
    assert (only_top == 0).all()
    assert greedy(torch.tensor([[0.0, 5.0, 5.0]])).tolist() == [1]
    assert sample(LOGITS, temperature=0).item() == 0
