"""注意機構 (attention), from scratch (chapter 07; reused by the Transformer of chapter 08).

- :func:`scaled_dot_product_attention` -- softmax(Q K^T / sqrt(d)) V with a boolean mask
  (True = may attend). Same numbers as ``torch.nn.functional.scaled_dot_product_attention``,
  but it also returns the weights, sets masked weights to exactly 0, and returns zeros (not NaN)
  for a query that may attend to nothing.
- :func:`padding_mask` -- a (B, 1, T_k) mask from the true lengths of padded sequences.
- :func:`causal_mask` -- a (T, T) lower-triangular mask (a position sees itself and the past).
- :class:`DotProductScore`, :class:`AdditiveScore` -- the two score functions of chapter 07
  (Luong-style dot product and Bahdanau-style additive), as modules returning (..., T_q, T_k) scores.
- :func:`attend` -- scores + mask -> weights -> weighted sum, shared by both score functions.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = [
    "masked_softmax",
    "scaled_dot_product_attention",
    "padding_mask",
    "causal_mask",
    "DotProductScore",
    "AdditiveScore",
    "attend",
]


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor | None = None, dim: int = -1) -> torch.Tensor:
    """Softmax over ``dim`` where positions with ``mask == False`` get weight exactly 0.

    A row in which every position is masked gets all-zero weights (not NaN).
    """
    if mask is None:
        return torch.softmax(scores, dim=dim)
    mask = mask.to(torch.bool)
    neg = torch.finfo(scores.dtype).min
    filled = scores.masked_fill(~mask, neg)  # same shape as scores (broadcast)
    weights = torch.softmax(filled, dim=dim)
    # zero masked positions exactly; fully masked rows become 0 everywhere
    weights = weights.masked_fill(~mask, 0.0)
    return weights


def scaled_dot_product_attention(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    mask: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Scaled dot-product attention: softmax(Q K^T / sqrt(d)) V.

    Args:
        query: (..., T_q, d)
        key:   (..., T_k, d)
        value: (..., T_k, d_v)
        mask:  bool, broadcastable to (..., T_q, T_k); True = the query may attend to that key.

    Returns:
        output  (..., T_q, d_v) and weights (..., T_q, T_k). Masked weights are exactly 0; a query
        row with no allowed key has all-zero weights and a zero output (no NaN).
    """
    d = query.size(-1)
    scores = query @ key.transpose(-2, -1) / math.sqrt(d)  # (..., T_q, T_k)
    weights = masked_softmax(scores, mask, dim=-1)  # (..., T_q, T_k)
    output = weights @ value  # (..., T_q, d_v)
    return output, weights


def padding_mask(lengths: torch.Tensor, max_len: int | None = None) -> torch.Tensor:
    """Bool mask (B, 1, T_k): True where the key position is a real token (index < length).

    The middle dimension of size 1 broadcasts over the queries.
    """
    lengths = torch.as_tensor(lengths)
    T = int(lengths.max().item()) if max_len is None else max_len
    positions = torch.arange(T, device=lengths.device)  # (T,)
    mask = positions[None, :] < lengths[:, None]  # (B, T)
    return mask[:, None, :]  # (B, 1, T)


def causal_mask(T: int, device: torch.device | str | None = None) -> torch.Tensor:
    """Bool mask (T, T): position i may attend to positions j <= i."""
    return torch.ones(T, T, dtype=torch.bool, device=device).tril()  # (T, T)


class DotProductScore(nn.Module):
    """score(q, k) = q . k / sqrt(d) (scaled dot product; no parameters)."""

    def forward(self, query: torch.Tensor, key: torch.Tensor) -> torch.Tensor:
        # query (..., T_q, d), key (..., T_k, d) -> (..., T_q, T_k)
        return query @ key.transpose(-2, -1) / math.sqrt(query.size(-1))


class AdditiveScore(nn.Module):
    """score(q, k) = v^T tanh(W_q q + W_k k) (Bahdanau et al. 2014, "additive" attention).

    ``query_dim`` and ``key_dim`` may differ; ``hidden`` is the size of the tanh layer.
    """

    def __init__(self, query_dim: int, key_dim: int, hidden: int):
        super().__init__()
        self.W_q = nn.Linear(query_dim, hidden, bias=False)
        self.W_k = nn.Linear(key_dim, hidden, bias=True)
        self.v = nn.Linear(hidden, 1, bias=False)

    def forward(self, query: torch.Tensor, key: torch.Tensor) -> torch.Tensor:
        # query (..., T_q, d_q), key (..., T_k, d_k) -> (..., T_q, T_k)
        q = self.W_q(query).unsqueeze(-2)  # (..., T_q, 1, H)
        k = self.W_k(key).unsqueeze(-3)  # (..., 1, T_k, H)
        return self.v(torch.tanh(q + k)).squeeze(-1)  # (..., T_q, T_k)


def attend(
    score: nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    mask: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Attention with any score module: weights = masked softmax(score(q, k)), output = weights @ v.

    Shapes as in :func:`scaled_dot_product_attention`; returns (output (..., T_q, d_v), weights (..., T_q, T_k)).
    """
    scores = score(query, key)  # (..., T_q, T_k)
    weights = masked_softmax(scores, mask, dim=-1)  # (..., T_q, T_k)
    return weights @ value, weights  # (..., T_q, d_v), (..., T_q, T_k)
