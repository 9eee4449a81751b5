"""Training examples and the loss of word2vec: skip-gram / CBOW examples, subsampling,
the noise distribution and the negative-sampling loss.

- skip-gram: one example per (center, context) pair, so a center word gives up to ``2 * window``
  examples (fewer at the sentence ends);
- CBOW (continuous bag-of-words): one example per center word, its up to ``2 * window`` context
  words together.

Subsampling (Mikolov et al. 2013b): a word of relative frequency f is kept with probability
min(1, sqrt(t / f)) (threshold t, e.g. 1e-3); frequent words such as の and は are mostly skipped.

Negative sampling: for a true pair (input vector v, context vector u_c) and K noise words n_k
drawn from P_n(w) ∝ count(w)^0.75,

    L = -log σ(u_c · v) - Σ_k log σ(-u_{n_k} · v).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F


# --------------------------------------------------------------------------------------
# Examples of one sentence (readable versions) and of a whole corpus (vectorised)
# --------------------------------------------------------------------------------------
def skipgram_pairs(ids: Sequence[int], window: int) -> list[tuple[int, int]]:
    """(center, context) pairs of one sentence for skip-gram.

    Every position ``i`` is a center; its contexts are the positions ``j`` with
    ``0 < |i - j| <= window`` that lie inside the sentence, from left to right::

        >>> skipgram_pairs([10, 11, 12], window=1)
        [(10, 11), (11, 10), (11, 12), (12, 11)]
    """
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    ids = list(ids)
    pairs = []
    for i, center in enumerate(ids):
        for j in range(max(0, i - window), min(len(ids), i + window + 1)):
            if j != i:
                pairs.append((center, ids[j]))
    return pairs


def cbow_pairs(ids: Sequence[int], window: int) -> list[tuple[list[int], int]]:
    """(contexts, center) examples of one sentence for CBOW: the words within ``window`` of
    position ``i`` (left to right, ``i`` itself left out) and the word at ``i``. One example
    per center word (a one-word sentence gives none)::

        >>> cbow_pairs([10, 11, 12], window=1)
        [([11], 10), ([10, 12], 11), ([11], 12)]
    """
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    ids = list(ids)
    out = []
    for i, center in enumerate(ids):
        context = [ids[j] for j in range(max(0, i - window), min(len(ids), i + window + 1)) if j != i]
        if context:
            out.append((context, center))
    return out


def _flat_with_sentence_ids(sentences: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """All IDs in one array, and for each the index of its sentence."""
    lengths = np.array([len(s) for s in sentences], dtype=np.int64)
    flat = np.fromiter((i for s in sentences for i in s), dtype=np.int64, count=int(lengths.sum()))
    sent = np.repeat(np.arange(len(sentences)), lengths)
    return flat, sent


def skipgram_pair_tensor(sentences: Sequence[Sequence[int]], window: int) -> torch.Tensor:
    """All skip-gram pairs of many sentences at once, as a ``(P, 2)`` tensor of
    (center, context) IDs. Same pairs as :func:`skipgram_pairs` on each sentence (in a
    different order); vectorised, so it takes milliseconds for the whole corpus."""
    flat, sent = _flat_with_sentence_ids(sentences)
    n = len(flat)
    pos = np.arange(n)
    chunks = []
    for offset in [o for o in range(-window, window + 1) if o != 0]:
        j = pos + offset  # (n,) index of the context word
        ok = (j >= 0) & (j < n)
        ok[ok] &= sent[j[ok]] == sent[pos[ok]]  # both words in the same sentence
        chunks.append(np.stack([flat[ok], flat[j[ok]]], axis=1))  # (n_ok, 2)
    pairs = np.concatenate(chunks) if chunks else np.zeros((0, 2), dtype=np.int64)  # (P, 2)
    return torch.from_numpy(pairs)


def cbow_tensors(sentences: Sequence[Sequence[int]], window: int) -> tuple[torch.Tensor, torch.Tensor]:
    """All CBOW examples at once: contexts ``(N, 2*window)`` padded with -1, and centers ``(N,)``."""
    flat, sent = _flat_with_sentence_ids(sentences)
    n = len(flat)
    pos = np.arange(n)
    offsets = [o for o in range(-window, window + 1) if o != 0]
    ctx = np.full((n, len(offsets)), -1, dtype=np.int64)  # (N, 2W)
    for k, offset in enumerate(offsets):
        j = pos + offset
        ok = (j >= 0) & (j < n)
        ok[ok] &= sent[j[ok]] == sent[pos[ok]]
        ctx[ok, k] = flat[j[ok]]
    keep = (ctx >= 0).any(axis=1)  # one-word sentences have no context
    return torch.from_numpy(ctx[keep]), torch.from_numpy(flat[keep])


# --------------------------------------------------------------------------------------
# Subsampling and the noise distribution
# --------------------------------------------------------------------------------------
def keep_probabilities(counts: Sequence[int] | np.ndarray, threshold: float = 1e-3) -> np.ndarray:
    """Subsampling of frequent words (Mikolov et al. 2013b): a word with relative frequency
    f = count / total is kept with probability min(1, sqrt(t / f)), t = ``threshold``.
    Words with f <= t are always kept; の (f ≈ 0.05) with t = 1e-3 only about one time in seven."""
    c = np.asarray(counts, dtype=np.float64)
    f = c / c.sum()
    with np.errstate(divide="ignore"):
        p = np.sqrt(threshold / f)
    return np.minimum(1.0, np.nan_to_num(p, nan=1.0, posinf=1.0))


def subsample(sentences: Sequence[Sequence[int]], keep: np.ndarray,
              rng: np.random.Generator) -> list[list[int]]:
    """Each ID ``i`` of each sentence kept with probability ``keep[i]`` (one random draw per token).
    The window is applied *after* this, so skipping a frequent word brings farther words into it."""
    return [[i for i, r in zip(s, rng.random(len(s))) if r < keep[i]] for s in sentences]


def noise_distribution(counts: Sequence[int] | np.ndarray | torch.Tensor, power: float = 0.75) -> torch.Tensor:
    """P_n(w) = count(w)^power / Σ count^power: the distribution negatives are drawn from.
    ``power=0.75`` (Mikolov et al. 2013b) gives rare words a bit more chance than their
    frequency, frequent words a bit less."""
    c = torch.as_tensor(np.asarray(counts), dtype=torch.float64)
    if c.ndim != 1 or (c < 0).any():
        raise ValueError("counts must be a 1-D sequence of non-negative numbers")
    weights = c.pow(power)
    return (weights / weights.sum()).float()


# --------------------------------------------------------------------------------------
# The loss and its gradient
# --------------------------------------------------------------------------------------
def negative_sampling_loss(center: torch.Tensor, context: torch.Tensor, negatives: torch.Tensor) -> torch.Tensor:
    """Mean negative-sampling loss of a batch.

    - ``center``: (B, D) input vectors v (for CBOW: the mean of the context words' vectors)
    - ``context``: (B, D) output vectors u_c of the true targets
    - ``negatives``: (B, K, D) output vectors u_n of K noise words per example

    L = -log σ(u_c·v) - Σ_k log σ(-u_{n_k}·v), averaged over the batch.
    ``F.logsigmoid`` computes log σ without overflow for large scores.
    """
    pos = (center * context).sum(dim=-1)  # (B,)
    neg = torch.bmm(negatives, center.unsqueeze(2)).squeeze(2)  # (B, K, D) @ (B, D, 1) -> (B, K, 1) -> (B, K)
    return -(F.logsigmoid(pos) + F.logsigmoid(-neg).sum(dim=1)).mean()


def negative_sampling_gradients(v: torch.Tensor, u_pos: torch.Tensor,
                                u_neg: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The gradient of the loss of ONE example, by hand: v (D,), u_pos (D,), u_neg (K, D).

    With s = u_pos·v and s_k = u_neg[k]·v, dL/ds = σ(s) - 1 and dL/ds_k = σ(s_k), so

    - dL/dv      = (σ(s) - 1) u_pos + Σ_k σ(s_k) u_neg[k]
    - dL/du_pos  = (σ(s) - 1) v
    - dL/du_neg[k] = σ(s_k) v

    Returns (grad_v, grad_u_pos, grad_u_neg). For CBOW, v is the mean of C context vectors,
    so each of them receives grad_v / C.
    """
    g_pos = torch.sigmoid(u_pos @ v) - 1  # () dL/ds, in (-1, 0)
    g_neg = torch.sigmoid(u_neg @ v)  # (K,) dL/ds_k, in (0, 1)
    grad_v = g_pos * u_pos + g_neg @ u_neg  # (D,) + (K,) @ (K, D) -> (D,)
    grad_u_pos = g_pos * v  # (D,)
    grad_u_neg = g_neg.unsqueeze(1) * v.unsqueeze(0)  # (K, 1) * (1, D) -> (K, D)
    return grad_v, grad_u_pos, grad_u_neg
