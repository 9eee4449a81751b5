"""Tests of llm_shikumi.attention against torch.nn.functional.scaled_dot_product_attention."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from llm_shikumi.attention import (
    AdditiveScore,
    DotProductScore,
    attend,
    causal_mask,
    masked_softmax,
    padding_mask,
    scaled_dot_product_attention,
)

ATOL = 1e-5


def _qkv(B=2, H=3, T_q=4, T_k=5, d=8, d_v=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(B, H, T_q, d, generator=g)
    k = torch.randn(B, H, T_k, d, generator=g)
    v = torch.randn(B, H, T_k, d_v, generator=g)
    return q, k, v


def test_matches_torch_without_mask():
    q, k, v = _qkv()
    out, w = scaled_dot_product_attention(q, k, v)
    ref = F.scaled_dot_product_attention(q, k, v)
    assert out.shape == (2, 3, 4, 6) and w.shape == (2, 3, 4, 5)
    assert torch.allclose(out, ref, atol=ATOL)
    assert torch.allclose(w.sum(-1), torch.ones(2, 3, 4), atol=ATOL)


def test_matches_torch_with_padding_mask():
    q, k, v = _qkv()
    lengths = torch.tensor([5, 2])
    mask = padding_mask(lengths)  # (B, 1, T_k)
    assert mask.shape == (2, 1, 5)
    mask4 = mask[:, None]  # (B, 1, 1, T_k): broadcast over heads and queries
    out, w = scaled_dot_product_attention(q, k, v, mask4)
    ref = F.scaled_dot_product_attention(q, k, v, attn_mask=mask4)
    assert torch.allclose(out, ref, atol=ATOL)
    # masked weights are exactly zero, rows sum to 1
    assert (w[1, :, :, 2:] == 0).all()
    assert torch.allclose(w.sum(-1), torch.ones(2, 3, 4), atol=ATOL)


def test_matches_torch_with_causal_mask():
    q, k, v = _qkv(T_q=5, T_k=5)
    mask = causal_mask(5)
    out, w = scaled_dot_product_attention(q, k, v, mask)
    ref = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    assert torch.allclose(out, ref, atol=ATOL)
    assert (w.triu(1) == 0).all()


def test_fully_masked_row_gives_zeros_not_nan():
    q, k, v = _qkv(B=1, H=1, T_q=2, T_k=3)
    mask = torch.tensor([[True, False, True], [False, False, False]])  # second query sees nothing
    out, w = scaled_dot_product_attention(q, k, v, mask)
    assert not torch.isnan(out).any() and not torch.isnan(w).any()
    assert (w[..., 1, :] == 0).all() and (out[..., 1, :] == 0).all()
    assert torch.allclose(w[..., 0, :].sum(-1), torch.ones(1, 1))
    # gradients stay finite too
    q.requires_grad_(True)
    out, _ = scaled_dot_product_attention(q, k, v, mask)
    out.sum().backward()
    assert torch.isfinite(q.grad).all()


def test_hand_computed_example():
    # one query, two keys: scores 0 and 2/sqrt(2), weights softmax of those
    q = torch.tensor([[1.0, 1.0]])
    k = torch.tensor([[1.0, -1.0], [1.0, 1.0]])
    v = torch.tensor([[10.0], [20.0]])
    out, w = scaled_dot_product_attention(q, k, v)
    s = 2 / math.sqrt(2)
    w1 = math.exp(s) / (1 + math.exp(s))
    assert torch.allclose(w, torch.tensor([[1 - w1, w1]]), atol=ATOL)
    assert torch.allclose(out, torch.tensor([[10 * (1 - w1) + 20 * w1]]), atol=1e-4)


def test_unbatched_and_float64():
    q, k, v = (t[0, 0].double() for t in _qkv())
    out, w = scaled_dot_product_attention(q, k, v)
    assert out.dtype == torch.float64 and w.dtype == torch.float64
    ref = F.scaled_dot_product_attention(q, k, v)
    assert torch.allclose(out, ref, atol=1e-10)


def test_masked_softmax_without_mask_is_softmax():
    x = torch.randn(3, 4)
    assert torch.allclose(masked_softmax(x), torch.softmax(x, -1))


def test_dot_product_score_equals_sdpa():
    q, k, v = _qkv()
    out, w = attend(DotProductScore(), q, k, v)
    ref_out, ref_w = scaled_dot_product_attention(q, k, v)
    assert torch.allclose(out, ref_out, atol=ATOL) and torch.allclose(w, ref_w, atol=ATOL)


def test_additive_score_formula_and_mask():
    torch.manual_seed(0)
    score = AdditiveScore(query_dim=4, key_dim=6, hidden=5)
    q = torch.randn(2, 3, 4)  # (B, T_q, d_q)
    k = torch.randn(2, 7, 6)  # (B, T_k, d_k)
    v = torch.randn(2, 7, 2)
    s = score(q, k)
    assert s.shape == (2, 3, 7)
    # loop version of v^T tanh(W_q q + W_k k)
    b, i, j = 1, 2, 5
    expect = score.v(torch.tanh(score.W_q(q[b, i]) + score.W_k(k[b, j])))
    assert torch.allclose(s[b, i, j], expect.squeeze(), atol=ATOL)
    mask = padding_mask(torch.tensor([7, 3]))
    out, w = attend(score, q, k, v, mask)
    assert out.shape == (2, 3, 2)
    assert (w[1, :, 3:] == 0).all()
    assert torch.allclose(w.sum(-1), torch.ones(2, 3), atol=ATOL)


@pytest.mark.parametrize("T_k", [1, 2])
def test_length_one_keys(T_k):
    q, k, v = _qkv(T_k=T_k)
    out, w = scaled_dot_product_attention(q, k, v)
    assert torch.allclose(out, F.scaled_dot_product_attention(q, k, v), atol=ATOL)
