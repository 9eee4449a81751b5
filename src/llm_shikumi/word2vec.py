"""word2vec from scratch in PyTorch: skip-gram (and CBOW) with 負例サンプリング (negative sampling).

The idea (Mikolov et al. 2013): learn a dense vector for every word by predicting, from a
word, the words around it (skip-gram), or a word from the words around it (CBOW,
continuous bag-of-words). Two tables of vectors are learned, both ``nn.Embedding`` used as
a lookup table (a one-hot row vector times a weight matrix, without the multiplication):

- ``W_in``  (V, D): the vector v_w of a word as the *center* word. These are the word vectors.
- ``W_out`` (V, D): the vector u_c of a word as a *context* word.

Negative sampling replaces the softmax over the whole vocabulary by K binary decisions:
for a true pair (w, c) and K words n_1..n_K drawn from the noise distribution
P_n(w) ∝ count(w)^0.75, the loss is

    L = -log σ(u_c · v_w) - Σ_k log σ(-u_{n_k} · v_w)

(σ the sigmoid): push the true context's score up, the random words' scores down.

Main entry points: :func:`skipgram_pairs`, :func:`cbow_pairs`, :func:`noise_distribution`,
:func:`negative_sampling_loss`, :func:`train_word2vec` and :class:`WordVectors`
(:meth:`~WordVectors.most_similar`, :meth:`~WordVectors.analogy`), :func:`cosine_similarity`,
:func:`plot_word_map`.
"""
from __future__ import annotations

import math
import time
from typing import Iterable, Literal, Sequence

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from llm_shikumi.vocab import Vocabulary

Mode = Literal["skipgram", "cbow"]


# --------------------------------------------------------------------------------------
# Training pairs
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
    """(contexts, center) pairs of one sentence for CBOW: the words within ``window`` of
    position ``i`` (left to right, ``i`` itself left out) and the word at ``i``::

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
# Noise distribution, subsampling, loss
# --------------------------------------------------------------------------------------
def noise_distribution(counts: Sequence[int] | np.ndarray | torch.Tensor, power: float = 0.75) -> torch.Tensor:
    """P_n(w) = count(w)^power / Σ count^power: the distribution negatives are drawn from.
    ``power=0.75`` (Mikolov et al. 2013) gives rare words a bit more chance than their
    frequency, frequent words a bit less."""
    c = torch.as_tensor(np.asarray(counts), dtype=torch.float64)
    if c.ndim != 1 or (c < 0).any():
        raise ValueError("counts must be a 1-D sequence of non-negative numbers")
    weights = c.pow(power)
    return (weights / weights.sum()).float()


def keep_probabilities(counts: Sequence[int] | np.ndarray, threshold: float = 1e-3) -> np.ndarray:
    """Subsampling of frequent words (Mikolov et al. 2013): a word with relative frequency
    f is kept with probability min(1, sqrt(t / f)). Particles such as は and の are then
    mostly skipped, which both speeds training up and helps content words."""
    c = np.asarray(counts, dtype=np.float64)
    f = c / c.sum()
    with np.errstate(divide="ignore"):
        p = np.sqrt(threshold / f)
    return np.minimum(1.0, np.nan_to_num(p, nan=1.0, posinf=1.0))


def negative_sampling_loss(center: torch.Tensor, context: torch.Tensor, negatives: torch.Tensor) -> torch.Tensor:
    """Mean negative-sampling loss of a batch.

    - ``center``: (B, D) input vectors v_w
    - ``context``: (B, D) output vectors u_c of the true contexts
    - ``negatives``: (B, K, D) output vectors u_n of K noise words per pair

    L = -log σ(u_c·v_w) - Σ_k log σ(-u_{n_k}·v_w), averaged over the batch.
    ``F.logsigmoid`` computes log σ without overflow for large scores.
    """
    pos = (center * context).sum(dim=-1)  # (B,)
    neg = torch.bmm(negatives, center.unsqueeze(2)).squeeze(2)  # (B, K, D) @ (B, D, 1) -> (B, K, 1) -> (B, K)
    return -(F.logsigmoid(pos) + F.logsigmoid(-neg).sum(dim=1)).mean()


class Word2Vec(nn.Module):
    """The two embedding tables of word2vec and the negative-sampling loss.

    ``mode="skipgram"``: the input is one center word; ``mode="cbow"``: the input is the
    mean of the context words' vectors. Either way the target is scored with ``W_out``."""

    def __init__(self, vocab_size: int, dim: int, mode: Mode = "skipgram") -> None:
        super().__init__()
        if mode not in ("skipgram", "cbow"):
            raise ValueError(f"mode must be 'skipgram' or 'cbow', got {mode!r}")
        self.mode = mode
        self.in_embed = nn.Embedding(vocab_size, dim)  # W_in: (V, D), the word vectors
        self.out_embed = nn.Embedding(vocab_size, dim)  # W_out: (V, D), the context vectors
        # As in the original C code: small random input vectors, zero output vectors.
        nn.init.uniform_(self.in_embed.weight, -0.5 / dim, 0.5 / dim)
        nn.init.zeros_(self.out_embed.weight)

    def encode(self, inputs: torch.Tensor) -> torch.Tensor:
        """Center IDs (B,) -> (B, D); for CBOW context IDs (B, 2W) padded with -1 -> their mean (B, D)."""
        if self.mode == "skipgram":
            return self.in_embed(inputs)  # (B,) -> (B, D)
        mask = (inputs >= 0).float()  # (B, 2W): 1 for a real context word, 0 for padding
        vecs = self.in_embed(inputs.clamp(min=0))  # (B, 2W, D)
        summed = (vecs * mask.unsqueeze(-1)).sum(dim=1)  # (B, 2W, D) * (B, 2W, 1) -> sum -> (B, D)
        return summed / mask.sum(dim=1, keepdim=True).clamp(min=1.0)  # (B, D) / (B, 1)

    def forward(self, inputs: torch.Tensor, targets: torch.Tensor, negatives: torch.Tensor) -> torch.Tensor:
        """inputs (B,) or (B, 2W), targets (B,), negatives (B, K) -> scalar loss."""
        v = self.encode(inputs)  # (B, D)
        u_pos = self.out_embed(targets)  # (B, D)
        u_neg = self.out_embed(negatives)  # (B, K, D)
        return negative_sampling_loss(v, u_pos, u_neg)


# --------------------------------------------------------------------------------------
# Word vectors: similarity and analogies
# --------------------------------------------------------------------------------------
def cosine_similarity(x: torch.Tensor | np.ndarray, y: torch.Tensor | np.ndarray, eps: float = 1e-8) -> torch.Tensor:
    """cos(x, y) = x·y / (|x| |y|) along the last dimension (broadcasting like ``x * y``).
    A zero vector has similarity 0 with everything."""
    x = torch.as_tensor(x, dtype=torch.float32)
    y = torch.as_tensor(y, dtype=torch.float32)
    dot = (x * y).sum(dim=-1)  # (...,)
    norms = x.norm(dim=-1) * y.norm(dim=-1)  # (...,)
    return dot / norms.clamp(min=eps)


class WordVectors:
    """Words and their vectors: ``vectors[i]`` is the vector of ``words[i]``.

    Used both for the vectors we train (:func:`train_word2vec`) and for pretrained ones
    (:func:`llm_shikumi.pretrained.load_chive`), so the chapter can compare them."""

    def __init__(self, words: Sequence[str], vectors: torch.Tensor | np.ndarray, name: str = "") -> None:
        self.words = list(words)
        self.vectors = torch.as_tensor(vectors, dtype=torch.float32).detach()  # (N, D)
        if self.vectors.ndim != 2 or self.vectors.shape[0] != len(self.words):
            raise ValueError(f"need one row per word: {len(self.words)} words, vectors of shape "
                             f"{tuple(self.vectors.shape)}")
        self.index = {w: i for i, w in enumerate(self.words)}
        if len(self.index) != len(self.words):
            raise ValueError("duplicate words")
        self.name = name
        self.loss_history: list[float] = []  # filled by train_word2vec
        norms = self.vectors.norm(dim=1, keepdim=True).clamp(min=1e-8)  # (N, 1)
        self.unit = self.vectors / norms  # (N, D), every row of length 1

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    def __repr__(self) -> str:
        label = f"{self.name}, " if self.name else ""
        return f"WordVectors({label}{len(self)} words x {self.dim} dims)"

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def _id(self, word: str) -> int:
        try:
            return self.index[word]
        except KeyError:
            raise KeyError(f"{word!r} is not in the vocabulary ({len(self)} words)") from None

    def __getitem__(self, word: str) -> torch.Tensor:
        """The vector of ``word``, shape (D,)."""
        return self.vectors[self._id(word)]

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two words."""
        return float(self.unit[self._id(a)] @ self.unit[self._id(b)])

    def nearest(self, vector: torch.Tensor, topn: int = 10, exclude: Iterable[str] = ()) -> list[tuple[str, float]]:
        """The ``topn`` words whose vectors have the largest cosine similarity with ``vector``."""
        query = torch.as_tensor(vector, dtype=torch.float32)  # (D,)
        query = query / query.norm().clamp(min=1e-8)
        scores = (self.unit @ query).clone()  # (N, D) @ (D,) -> (N,)
        for w in exclude:
            if w in self.index:
                scores[self.index[w]] = -math.inf
        k = min(topn, len(self) - sum(w in self.index for w in set(exclude)))
        values, ids = scores.topk(max(k, 0))
        return [(self.words[i], float(v)) for v, i in zip(values.tolist(), ids.tolist())]

    def most_similar(self, word: str, topn: int = 10) -> list[tuple[str, float]]:
        """最近傍 (nearest neighbours) of ``word`` by cosine similarity, ``word`` itself left out."""
        return self.nearest(self[word], topn, exclude=[word])

    def analogy(self, a: str, b: str, c: str, topn: int = 5) -> list[tuple[str, float]]:
        """Words closest to ``a - b + c`` (王 - 男 + 女), the three query words left out.

        The query words are normalised first (unit(a) - unit(b) + unit(c), "3CosAdd"), so a
        word with a long vector does not dominate. They are left out of the answer because
        a - b + c is usually still closest to a itself."""
        query = self.unit[self._id(a)] - self.unit[self._id(b)] + self.unit[self._id(c)]  # (D,)
        return self.nearest(query, topn, exclude=[a, b, c])

    def subset(self, words: Iterable[str]) -> "WordVectors":
        """The vectors of ``words`` only (those present), in that order."""
        kept = [w for w in dict.fromkeys(words) if w in self.index]
        return WordVectors(kept, self.vectors[[self.index[w] for w in kept]], name=self.name)


# --------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------
def train_word2vec(sentences: Sequence[Sequence[str]], dim: int = 50, window: int = 2, epochs: int = 5,
                   negatives: int = 5, batch_size: int = 256, lr: float = 0.01, min_count: int = 2,
                   subsample: float | None = 1e-3, mode: Mode = "skipgram", seed: int = 0,
                   num_threads: int | None = 1, verbose: bool = False) -> WordVectors:
    """Train word2vec on tokenized ``sentences`` (lists of morphemes) and return the input
    vectors ``W_in`` as :class:`WordVectors`.

    - ``dim``: vector size D; ``window``: context words on each side; ``negatives``: K.
    - ``min_count``: words seen fewer times are dropped (too few examples to learn from).
    - ``subsample``: threshold t of :func:`keep_probabilities` (``None``: keep every word);
      redrawn every epoch.
    - ``mode``: ``"skipgram"`` or ``"cbow"``.
    - ``seed``: makes the result reproducible (IDs, initial vectors, subsampling, negatives,
      batch order). ``num_threads``: ``torch.set_num_threads`` while training (restored
      afterwards). One thread is the fastest here: a batch is a few small matrices, too
      small to share between threads, and on a busy 2-core machine extra threads spend
      their time waiting for each other (10x slower in our measurements).

    The mean loss of every epoch is kept in ``.loss_history`` of the result.
    """
    vocab = Vocabulary.from_tokens(sentences, min_count=min_count, order="frequency", unk_token=None)
    ids = [[vocab.token_to_id[t] for t in s if t in vocab] for s in sentences]
    counts = vocab.id_counts()  # (V,)
    noise = noise_distribution(counts)  # (V,)
    keep = keep_probabilities(counts, subsample) if subsample else None

    old_threads = torch.get_num_threads()
    if num_threads:
        torch.set_num_threads(num_threads)
    try:
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        gen = torch.Generator().manual_seed(seed)
        model = Word2Vec(len(vocab), dim, mode)
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        history = []
        start = time.perf_counter()
        for epoch in range(epochs):
            if keep is not None:  # drop frequent words, a different random choice each epoch
                epoch_ids = [[i for i in s if rng.random() < keep[i]] for s in ids]
            else:
                epoch_ids = ids
            if mode == "skipgram":
                pairs = skipgram_pair_tensor(epoch_ids, window)  # (P, 2)
                inputs, targets = pairs[:, 0], pairs[:, 1]  # (P,), (P,)
            else:
                inputs, targets = cbow_tensors(epoch_ids, window)  # (P, 2W), (P,)
            order = torch.randperm(len(targets), generator=gen)
            total, n = 0.0, 0
            for s in range(0, len(order), batch_size):
                batch = order[s:s + batch_size]  # (B,)
                neg = torch.multinomial(noise, len(batch) * negatives, replacement=True, generator=gen)
                neg = neg.view(len(batch), negatives)  # (B*K,) -> (B, K)
                loss = model(inputs[batch], targets[batch], neg)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += loss.item() * len(batch)
                n += len(batch)
            history.append(total / max(n, 1))
            if verbose:
                print(f"epoch {epoch + 1}/{epochs}: loss {history[-1]:.4f} "
                      f"({n} examples, {time.perf_counter() - start:.1f} s)")
    finally:
        torch.set_num_threads(old_threads)
    wv = WordVectors(vocab.tokens, model.in_embed.weight.detach().clone(), name=f"word2vec ({mode})")
    wv.loss_history = history
    return wv


# --------------------------------------------------------------------------------------
# A 2-D map of word vectors
# --------------------------------------------------------------------------------------
def pca_2d(vectors: torch.Tensor | np.ndarray) -> np.ndarray:
    """主成分分析 (PCA) to 2 dimensions: (N, D) -> (N, 2), via the SVD of the centred rows."""
    x = np.asarray(vectors, dtype=np.float64)  # (N, D)
    x = x - x.mean(axis=0, keepdims=True)  # (N, D), centred
    _, _, vt = np.linalg.svd(x, full_matrices=False)  # vt: (min(N, D), D)
    return x @ vt[:2].T  # (N, D) @ (D, 2) -> (N, 2)


def plot_word_map(wv: WordVectors, words: Sequence[str], pairs: Sequence[tuple[str, str]] = (),
                  title: str = "", ax=None, normalize: bool = True):
    """Scatter ``words`` on the first two principal components of their vectors, with
    Japanese labels, and an arrow for each (from, to) in ``pairs`` (e.g. 男 -> 女)."""
    import matplotlib.pyplot as plt

    from llm_shikumi.plotting import use_japanese_font

    family = use_japanese_font()  # also for an ``ax`` created before the font was set
    sub = wv.subset(words)
    missing = [w for w in words if w not in sub]
    if missing:
        raise KeyError(f"not in the vocabulary: {missing}")
    xy = pca_2d(sub.unit if normalize else sub.vectors)  # (N, 2)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    ax.scatter(xy[:, 0], xy[:, 1], color="#4C72B0")
    for (x, y), w, offset in zip(xy, sub.words, _label_offsets(ax, xy, sub.words)):
        ax.annotate(w, (x, y), xytext=offset, textcoords="offset points", fontsize=12, fontfamily=family)
    for a, b in pairs:
        (x0, y0), (x1, y1) = xy[sub.index[a]], xy[sub.index[b]]
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                    arrowprops=dict(arrowstyle="->", color="#C44E52", alpha=0.7))
    ax.set_title(title, fontfamily=family)
    ax.set_xlabel("第1主成分", fontfamily=family)
    ax.set_ylabel("第2主成分", fontfamily=family)
    ax.figure.tight_layout()
    return ax


_CANDIDATE_OFFSETS = [(4, 4), (4, -14), (-8, 8), (-8, -16), (10, -4), (-20, -4), (4, 16), (4, -26)]


def _label_offsets(ax, xy: np.ndarray, labels: Sequence[str], fontsize: float = 12) -> list[tuple[int, int]]:
    """Offsets (in points) for the labels of the points ``xy`` so that labels of nearby
    points do not overlap: greedy, trying a few positions around each point in turn."""
    ax.figure.canvas.draw_idle()
    width_pt = ax.bbox.width * 72 / ax.figure.dpi  # the axes' size in points
    height_pt = ax.bbox.height * 72 / ax.figure.dpi
    span = np.ptp(xy, axis=0) * 1.1 + 1e-12  # data range, with matplotlib's margins
    to_pt = np.array([width_pt, height_pt]) / span  # points per data unit
    pts = (xy - xy.min(axis=0)) * to_pt  # (N, 2) point positions in points
    # boxes to keep clear (x0, y0, x1, y1 in points): the markers, then each label placed
    placed: list[tuple[float, float, float, float]] = [(px - 3, py - 3, px + 3, py + 3) for px, py in pts]
    offsets = []
    for (px, py), label in zip(pts, labels):
        w, h = fontsize * max(len(label), 1), fontsize  # Japanese glyphs are about 1 em wide
        best, best_overlap = _CANDIDATE_OFFSETS[0], None
        for dx, dy in _CANDIDATE_OFFSETS:
            box = (px + dx, py + dy, px + dx + w, py + dy + h)
            overlap = sum(max(0.0, min(box[2], b[2]) - max(box[0], b[0])) *
                          max(0.0, min(box[3], b[3]) - max(box[1], b[1])) for b in placed)
            if best_overlap is None or overlap < best_overlap:
                best, best_overlap = (dx, dy), overlap
            if overlap == 0:
                break
        dx, dy = best
        placed.append((px + dx, py + dy, px + dx + w, py + dy + h))
        offsets.append(best)
    return offsets
