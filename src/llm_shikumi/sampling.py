"""Choosing the next token (次のトークンの選び方, decoding): greedy, temperature, top-k and top-p.

A language model gives scores (logits) for every token of the vocabulary; these functions turn them
into a choice. They work on the last dimension of a tensor, so a batch of logits ``(B, V)`` works as
well as one vector ``(V,)``.

The temperature example of the lecture notes, computed here (softmax of [2.0, 1.0, 0.1] / T):
T = 1 gives [0.66, 0.24, 0.10], T = 0.5 gives [0.86, 0.12, 0.02], T = 2 gives [0.50, 0.30, 0.19].
(The notes print [0.84, 0.14, 0.02] and [0.46, 0.33, 0.21] for T = 0.5 and T = 2; those values are
not what the formula gives, and the book shows the computed ones.)
"""
from __future__ import annotations

import torch


def softmax_with_temperature(logits: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """softmax(logits / T): T < 1 sharpens the distribution, T > 1 flattens it."""
    if temperature <= 0:
        raise ValueError("温度 temperature は正の数です（貪欲法には greedy() を使います）")
    return torch.softmax(logits / temperature, dim=-1)


def greedy(logits: torch.Tensor) -> torch.Tensor:
    """The id with the highest score (the first one among ties)."""
    return logits.argmax(dim=-1)


def top_k_filter(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Logits with everything below the k-th largest set to -inf (ties with the k-th are kept)."""
    if k <= 0:
        raise ValueError("k は 1 以上です")
    k = min(k, logits.size(-1))
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]  # (..., 1)
    return logits.masked_fill(logits < kth, float("-inf"))


def top_p_filter(logits: torch.Tensor, p: float) -> torch.Tensor:
    """Nucleus filtering: keep the smallest set of top tokens whose probability reaches p."""
    if not 0 < p <= 1:
        raise ValueError("p は 0 < p ≤ 1 の範囲です")
    sorted_logits, order = torch.sort(logits, dim=-1, descending=True)  # (..., V)
    probs = torch.softmax(sorted_logits, dim=-1)
    before = torch.cumsum(probs, dim=-1) - probs  # probability mass strictly before each token
    drop_sorted = before >= p  # the first token is always kept (before = 0 < p)
    drop = torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
    return logits.masked_fill(drop, float("-inf"))


def sample(logits: torch.Tensor, *, temperature: float = 1.0, top_k: int | None = None,
           top_p: float | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """Draw one id per row: temperature first, then top-k, then top-p, then a multinomial draw."""
    if temperature <= 0:  # the limit T -> 0 is greedy decoding
        return greedy(logits)
    scaled = logits / temperature
    if top_k is not None:
        scaled = top_k_filter(scaled, top_k)
    if top_p is not None:
        scaled = top_p_filter(scaled, top_p)
    probs = torch.softmax(scaled, dim=-1)
    flat = probs.reshape(-1, probs.size(-1))  # (B, V)
    ids = torch.multinomial(flat, 1, generator=generator)  # (B, 1)
    return ids.reshape(probs.shape[:-1])
