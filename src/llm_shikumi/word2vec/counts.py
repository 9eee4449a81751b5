"""The count-based route to word vectors: co-occurrence counts → PPMI → truncated SVD.

1. 共起行列 (co-occurrence matrix) C: C[w, c] = how often c occurs within ``window`` words of w
   (the same pairs skip-gram trains on).
2. PPMI (positive pointwise mutual information):
   PMI(w, c) = log( P(w, c) / (P(w) P(c)) ) = log( C[w, c] · N / (C[w, ·] · C[·, c]) ),
   N the sum of all counts; PPMI = max(PMI, 0), and 0 where C[w, c] = 0.
   It asks "does c occur near w more often than chance?", which removes the pull of
   frequent words such as の that a raw count row has.
3. 特異値分解 (SVD) truncated to k dimensions: PPMI ≈ U_k S_k V_kᵀ; the word vectors are the
   rows of U_k S_k^{1/2} (Levy, Goldberg and Dagan 2015 found exponents below 1 work better
   than U_k S_k).

Levy and Goldberg (2014) showed that skip-gram with negative sampling implicitly factorises a
shifted PMI matrix, so the two routes are close relatives.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from llm_shikumi.vocab import Vocabulary
from llm_shikumi.word2vec.pairs import skipgram_pair_tensor
from llm_shikumi.word2vec.vectors import WordVectors


def cooccurrence_matrix(sentences: Sequence[Sequence[int]], vocab_size: int, window: int) -> np.ndarray:
    """C[w, c]: how often ID ``c`` occurs within ``window`` positions of ``w`` in the same
    sentence, shape (V, V), float64. Symmetric, because every pair is counted both ways."""
    pairs = skipgram_pair_tensor(sentences, window).numpy()  # (P, 2)
    flat = pairs[:, 0] * vocab_size + pairs[:, 1]  # (P,) row-major index of (w, c)
    counts = np.bincount(flat, minlength=vocab_size * vocab_size)  # (V*V,)
    return counts.reshape(vocab_size, vocab_size).astype(np.float64)  # (V*V,) -> (V, V)


def ppmi(counts: np.ndarray, context_power: float = 1.0) -> np.ndarray:
    """Positive PMI of a co-occurrence matrix (V_w, V_c) -> (V_w, V_c).

    ``context_power`` < 1 (e.g. 0.75, as word2vec's noise distribution) smooths P(c) and
    lowers the PMI of rare contexts (Levy et al. 2015); 1.0 is the plain definition."""
    c = np.asarray(counts, dtype=np.float64)
    total = c.sum()
    ctx = c.sum(axis=0, keepdims=True) ** context_power  # (1, V_c)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_w = c.sum(axis=1, keepdims=True) / total  # (V_w, 1)
        p_c = ctx / ctx.sum()  # (1, V_c)
        pmi = np.log((c / total) / (p_w * p_c))  # (V_w, V_c)
    pmi[~np.isfinite(pmi)] = 0.0  # zero counts (log 0) and empty rows/columns (0/0)
    return np.maximum(pmi, 0.0)


def truncated_svd(matrix: np.ndarray, k: int, n_iter: int = 4, oversample: int = 10,
                  seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``k`` largest singular triplets of ``matrix`` (M, N): U (M, k), S (k,), Vt (k, N).

    Randomised SVD (Halko, Martinsson and Tropp 2011): multiply by a random (N, k + p) matrix,
    sharpen with ``n_iter`` power iterations, orthonormalise, and take the exact SVD of the
    small projected matrix. Much faster than ``np.linalg.svd`` of the whole matrix when k is
    small; the tests check it against the exact SVD. Signs are fixed so that the largest entry
    of each column of U is positive (the SVD is unique only up to sign)."""
    a = np.asarray(matrix, dtype=np.float64)
    m, n = a.shape
    k = min(k, m, n)
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(a @ rng.standard_normal((n, min(n, k + oversample))))  # (M, k+p)
    for _ in range(n_iter):
        q, _ = np.linalg.qr(a.T @ q)  # (N, k+p)
        q, _ = np.linalg.qr(a @ q)  # (M, k+p)
    u_small, s, vt = np.linalg.svd(q.T @ a, full_matrices=False)  # (k+p, k+p), (k+p,), (k+p, N)
    u = q @ u_small  # (M, k+p)
    u, s, vt = u[:, :k], s[:k], vt[:k]
    signs = np.sign(u[np.abs(u).argmax(axis=0), np.arange(k)])  # (k,)
    signs[signs == 0] = 1
    return u * signs, s, vt * signs[:, None]


def _ids(sentences: Sequence[Sequence[str]], min_count: int) -> tuple[Vocabulary, list[list[int]]]:
    vocab = Vocabulary.from_tokens(sentences, min_count=min_count, order="frequency", unk_token=None)
    return vocab, [[vocab.token_to_id[t] for t in s if t in vocab] for s in sentences]


def cooccurrence_vectors(sentences: Sequence[Sequence[str]], window: int = 2, min_count: int = 2,
                         name: str = "共起回数") -> WordVectors:
    """Every word's raw co-occurrence row as its vector (V dimensions, no learning at all)."""
    vocab, ids = _ids(sentences, min_count)
    return WordVectors(vocab.tokens, cooccurrence_matrix(ids, len(vocab), window), name=name)


def ppmi_svd_vectors(sentences: Sequence[Sequence[str]], dim: int = 50, window: int = 2, min_count: int = 2,
                     context_power: float = 0.75, eigen_power: float = 0.5, seed: int = 0,
                     name: str = "PPMI + SVD") -> WordVectors:
    """Count-based word vectors: co-occurrence (``window``) → PPMI → the rows of U_k S_k^p,
    k = ``dim``, p = ``eigen_power``."""
    vocab, ids = _ids(sentences, min_count)
    m = ppmi(cooccurrence_matrix(ids, len(vocab), window), context_power=context_power)  # (V, V)
    u, s, _ = truncated_svd(m, dim, seed=seed)  # (V, k), (k,)
    return WordVectors(vocab.tokens, (u * s ** eigen_power).astype(np.float32), name=name)
