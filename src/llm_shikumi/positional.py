"""Position information for the Transformer (chapter 08).

Self-attention sees a set, not a sequence: permuting the tokens permutes its outputs and nothing else.
The order has to be put into the vectors. Three ways, as the chapter compares them:

- :func:`sinusoidal_encoding` / :class:`SinusoidalPositionalEncoding`: the fixed encoding of
  Vaswani et al. (2017), PE(pos, 2i) = sin(pos / 10000^{2i/d}), PE(pos, 2i+1) = cos(pos / 10000^{2i/d}),
  added to the token embeddings. :func:`offset_matrix` is the linear map with PE(pos + k) = PE(pos) @ M_k.T,
  the same for every pos (the "relative offset" property).
- :class:`LearnedPositionalEmbedding`: an absolute position embedding learned like a word embedding
  (BERT, GPT-2): one trainable vector per position 0 .. max_len - 1.
- :class:`RelativePositionBias`: a learned relative position bias (Shaw et al. 2018, T5): one trainable
  number per head and clipped offset j - i, added to the attention scores, so it depends only on how far
  apart two tokens are, not where they are.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn


def sinusoidal_encoding(max_len: int, d_model: int, base: float = 10000.0,
                        dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The (max_len, d_model) table PE with PE[pos, 2i] = sin(pos / base^(2i/d)), PE[pos, 2i+1] = cos(same).

    Computed in float64 and cast to ``dtype``. An odd ``d_model`` is allowed: the last column is a sine.
    """
    pos = torch.arange(max_len, dtype=torch.float64).unsqueeze(1)  # (max_len, 1)
    two_i = torch.arange(0, d_model, 2, dtype=torch.float64)  # (ceil(d/2),): 0, 2, 4, ...
    inv_freq = torch.exp(-math.log(base) * two_i / d_model)  # 1 / base^(2i/d), (ceil(d/2),)
    angles = pos * inv_freq  # (max_len, ceil(d/2))
    pe = torch.zeros(max_len, d_model, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angles)
    pe[:, 1::2] = torch.cos(angles[:, : d_model // 2])
    return pe.to(dtype)


def offset_matrix(k: int, d_model: int, base: float = 10000.0) -> torch.Tensor:
    """The (d_model, d_model) matrix M_k with PE(pos + k) = M_k @ PE(pos) for every pos (``d_model`` even).

    Block diagonal: for each frequency w_i the 2x2 rotation [[cos wk, sin wk], [-sin wk, cos wk]] acting
    on (sin w pos, cos w pos). It does not depend on pos, which is what makes relative offsets easy to read
    off for attention.
    """
    if d_model % 2:
        raise ValueError(f"offset_matrix needs an even d_model, got {d_model}")
    two_i = torch.arange(0, d_model, 2, dtype=torch.float64)
    w = torch.exp(-math.log(base) * two_i / d_model)  # (d/2,)
    c, s = torch.cos(w * k), torch.sin(w * k)
    m = torch.zeros(d_model, d_model, dtype=torch.float64)
    idx = torch.arange(0, d_model, 2)
    m[idx, idx] = c  # sin(w(p+k)) = cos(wk) sin(wp) + sin(wk) cos(wp)
    m[idx, idx + 1] = s
    m[idx + 1, idx] = -s  # cos(w(p+k)) = -sin(wk) sin(wp) + cos(wk) cos(wp)
    m[idx + 1, idx + 1] = c
    return m


class SinusoidalPositionalEncoding(nn.Module):
    """Adds the fixed sinusoidal table to (B, T, d_model) inputs, then dropout. No parameters."""

    def __init__(self, d_model: int, max_len: int = 512, dropout: float = 0.0):
        super().__init__()
        self.register_buffer("pe", sinusoidal_encoding(max_len, d_model), persistent=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, start: int = 0) -> torch.Tensor:
        """x: (B, T, d_model); ``start`` = position of x[:, 0] (used with a KV cache)."""
        T = x.size(1)
        if start + T > self.pe.size(0):
            raise ValueError(f"positions up to {start + T} but the table has {self.pe.size(0)} rows (max_len)")
        return self.dropout(x + self.pe[start : start + T].to(x.dtype))  # (B, T, d) + (T, d)


class LearnedPositionalEmbedding(nn.Module):
    """Adds a learned absolute position embedding (one vector per position, as in BERT and GPT-2)."""

    def __init__(self, d_model: int, max_len: int = 512, dropout: float = 0.0):
        super().__init__()
        self.embedding = nn.Embedding(max_len, d_model)
        nn.init.normal_(self.embedding.weight, std=0.02)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, start: int = 0) -> torch.Tensor:
        """x: (B, T, d_model); ``start`` = position of x[:, 0]."""
        T = x.size(1)
        if start + T > self.embedding.num_embeddings:
            raise ValueError(f"positions up to {start + T} but only {self.embedding.num_embeddings} are learned")
        positions = torch.arange(start, start + T, device=x.device)  # (T,)
        return self.dropout(x + self.embedding(positions))  # (B, T, d) + (T, d)


class RelativePositionBias(nn.Module):
    """A learned bias b[h, clip(j - i)] added to head h's score of query i for key j.

    Offsets beyond +-``max_distance`` share the outermost value. ``forward(Tq, Tk)`` returns the
    (n_heads, Tq, Tk) bias; its entry depends only on j - i (a Toeplitz matrix per head).
    """

    def __init__(self, n_heads: int, max_distance: int = 16):
        super().__init__()
        self.max_distance = max_distance
        self.bias = nn.Embedding(2 * max_distance + 1, n_heads)
        nn.init.normal_(self.bias.weight, std=0.02)

    def forward(self, Tq: int, Tk: int, offset: int = 0) -> torch.Tensor:
        """Bias for queries at positions offset .. offset+Tq-1 and keys 0 .. Tk-1: (n_heads, Tq, Tk)."""
        q_pos = torch.arange(offset, offset + Tq, device=self.bias.weight.device)  # (Tq,)
        k_pos = torch.arange(Tk, device=self.bias.weight.device)  # (Tk,)
        rel = (k_pos[None, :] - q_pos[:, None]).clamp(-self.max_distance, self.max_distance)  # (Tq, Tk)
        return self.bias(rel + self.max_distance).permute(2, 0, 1)  # (Tq, Tk, H) -> (H, Tq, Tk)
