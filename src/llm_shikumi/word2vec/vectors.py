"""Word vectors and what we do with them: cosine similarity, nearest neighbours, analogies
(with the margin of the answer), a random baseline and a neighbour test on held-out word groups.

:class:`WordVectors` holds the vectors we train (:func:`~llm_shikumi.word2vec.train_word2vec`),
the count-based ones (:func:`~llm_shikumi.word2vec.counts.ppmi_svd_vectors`) and pretrained ones
(:func:`llm_shikumi.pretrained.load_chive`), so the chapter compares them with the same code.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np
import torch


def cosine_similarity(x: torch.Tensor | np.ndarray, y: torch.Tensor | np.ndarray, eps: float = 1e-8) -> torch.Tensor:
    """cos(x, y) = x·y / (|x| |y|) along the last dimension (broadcasting like ``x * y``).
    A zero vector has similarity 0 with everything."""
    x = torch.as_tensor(x, dtype=torch.float32)
    y = torch.as_tensor(y, dtype=torch.float32)
    dot = (x * y).sum(dim=-1)  # (...,)
    norms = x.norm(dim=-1) * y.norm(dim=-1)  # (...,)
    return dot / norms.clamp(min=eps)


class WordVectors:
    """Words and their vectors: ``vectors[i]`` is the vector of ``words[i]``."""

    def __init__(self, words: Sequence[str], vectors: torch.Tensor | np.ndarray, name: str = "") -> None:
        self.words = list(words)
        self.vectors = torch.as_tensor(np.asarray(vectors) if not isinstance(vectors, torch.Tensor) else vectors,
                                       dtype=torch.float32).detach()  # (N, D)
        if self.vectors.ndim != 2 or self.vectors.shape[0] != len(self.words):
            raise ValueError(f"need one row per word: {len(self.words)} words, vectors of shape "
                             f"{tuple(self.vectors.shape)}")
        self.index = {w: i for i, w in enumerate(self.words)}
        if len(self.index) != len(self.words):
            raise ValueError("duplicate words")
        self.name = name
        self.loss_history: list[float] = []  # filled by train_word2vec
        self.examples_per_epoch: list[int] = []
        norms = self.vectors.norm(dim=1, keepdim=True).clamp(min=1e-8)  # (N, 1)
        self.unit = self.vectors / norms  # (N, D), every non-zero row of length 1

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
        exclude = set(exclude)
        for w in exclude:
            if w in self.index:
                scores[self.index[w]] = -math.inf
        k = min(topn, len(self) - sum(w in self.index for w in exclude))
        values, ids = scores.topk(max(k, 0))
        return [(self.words[i], float(v)) for v, i in zip(values.tolist(), ids.tolist())]

    def most_similar(self, word: str, topn: int = 10) -> list[tuple[str, float]]:
        """最近傍 (nearest neighbours) of ``word`` by cosine similarity, ``word`` itself left out."""
        return self.nearest(self[word], topn, exclude=[word])

    def analogy_query(self, a: str, b: str, c: str) -> torch.Tensor:
        """unit(a) - unit(b) + unit(c), shape (D,) ("3CosAdd")."""
        return self.unit[self._id(a)] - self.unit[self._id(b)] + self.unit[self._id(c)]  # (D,)

    def analogy(self, a: str, b: str, c: str, topn: int = 5) -> list[tuple[str, float]]:
        """Words closest to ``a - b + c`` (王 - 男 + 女), the three query words left out.

        The query words are normalised first (unit(a) - unit(b) + unit(c)), so a word with a
        long vector does not dominate. They are left out of the answer because a - b + c is
        usually still closest to a itself."""
        return self.nearest(self.analogy_query(a, b, c), topn, exclude=[a, b, c])

    def subset(self, words: Iterable[str]) -> "WordVectors":
        """The vectors of ``words`` only (those present), in that order."""
        kept = [w for w in dict.fromkeys(words) if w in self.index]
        return WordVectors(kept, self.vectors[[self.index[w] for w in kept]], name=self.name)


def random_vectors(words: Sequence[str], dim: int, seed: int = 0, name: str = "ランダム") -> WordVectors:
    """A baseline: a standard-normal random vector for every word (what a table of untrained
    vectors gives). Any similarity it shows is chance."""
    rng = np.random.default_rng(seed)
    return WordVectors(words, rng.standard_normal((len(words), dim)).astype(np.float32), name=name)


# --------------------------------------------------------------------------------------
# Evaluation: analogies with margins, neighbours on held-out groups
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AnalogyResult:
    """One analogy ``a - b + c ≈ expected`` answered by one set of vectors.

    ``rank``: 1 when ``expected`` is the top answer (None when a word is missing);
    ``margin``: cos(query, expected) minus the best cosine among the *other* candidates
    (positive: solved, and by how much; negative: how far the expected word is behind)."""

    question: str
    expected: str
    top: str | None
    rank: int | None
    expected_score: float | None
    margin: float | None

    @property
    def solved(self) -> bool:
        return self.rank == 1


def evaluate_analogy(wv: WordVectors, a: str, b: str, c: str, expected: str) -> AnalogyResult:
    """Rank and margin of ``expected`` as the answer of ``a - b + c`` (query words left out)."""
    question = f"{a} - {b} + {c}"
    if any(w not in wv for w in (a, b, c, expected)):
        return AnalogyResult(question, expected, None, None, None, None)
    ranked = wv.nearest(wv.analogy_query(a, b, c), topn=len(wv), exclude=[a, b, c])
    words = [w for w, _ in ranked]
    rank = words.index(expected) + 1
    score = ranked[rank - 1][1]
    best_other = ranked[1][1] if rank == 1 else ranked[0][1]
    return AnalogyResult(question, expected, words[0], rank, score, score - best_other)


def neighbour_accuracy(wv: WordVectors, groups: Mapping[str, Sequence[str]]) -> float:
    """How often a word's nearest neighbour *among the words of all groups* is from its own group.

    A held-out check of "similar words get similar vectors": the groups (e.g. numerals, body
    parts, people of the novel) are never shown to the training. Words missing from ``wv``
    are left out; chance level is about the share of a group among the words."""
    members = [(w, g) for g, ws in groups.items() for w in ws if w in wv]
    if len(members) < 2:
        raise ValueError("need at least two of the group words in the vocabulary")
    sub = wv.subset(w for w, _ in members)
    group_of = dict(members)
    hits = sum(group_of[sub.most_similar(w, topn=1)[0][0]] == g for w, g in members)
    return hits / len(members)


def chance_neighbour_accuracy(wv: WordVectors, groups: Mapping[str, Sequence[str]]) -> float:
    """The expected :func:`neighbour_accuracy` of a random guess among the other group words."""
    sizes = [sum(w in wv for w in ws) for ws in groups.values()]
    n = sum(sizes)
    return sum(s * (s - 1) for s in sizes) / (n * (n - 1))
