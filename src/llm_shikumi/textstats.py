"""Counting words in real text: Zipf's law, Heaps' law and unknown-word (OOV) rates.

Chapters 01 and 03 measure the novel (:mod:`llm_shikumi.novel`) with these functions:

- :func:`words` / :func:`novel_words` -- the morphemes of a text (surface forms, punctuation and
  whitespace left out), the unit every count here is made of
- :func:`rank_frequency`, :func:`zipf_fit` -- frequency against rank, and the fitted power law
  (Zipf's law: ``f(r) ≈ C r^a`` with ``a`` close to -1)
- :func:`vocabulary_growth`, :func:`heaps_fit` -- how many distinct words the first ``n`` tokens
  contain, and the fitted power law (Heaps' law: ``V(n) ≈ K n^β`` with ``0 < β < 1``)
- :func:`oov_rate`, :func:`vocabulary_with_min_count` -- the share of held-out tokens that a
  training vocabulary does not contain
- :func:`one_hot_nbytes` -- memory of a dense one-hot matrix

A power law ``y = C x^a`` is a straight line on log–log axes, ``log y = log C + a log x``; the fits
are least squares on the logarithms (:func:`fit_power_law`), the simple estimate textbooks use.
(Maximum-likelihood estimators are better for a precise exponent; here the slope is what matters.)
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

# UniDic's pos1 of punctuation, symbols and whitespace: not words
NON_WORD_POS = ("補助記号", "記号", "空白")


def words(text: str | Iterable[str]) -> list[str]:
    """The words of ``text`` (a string, or paragraphs): morphemes' surface forms in order,
    without punctuation, symbols and whitespace (UniDic pos1 補助記号, 記号, 空白).

    >>> words("吾輩は猫である。名前はまだ無い。")
    ['吾輩', 'は', '猫', 'で', 'ある', '名前', 'は', 'まだ', '無い']
    """
    from llm_shikumi.morphology import get_tagger

    tagger = get_tagger()
    paragraphs = [text] if isinstance(text, str) else text
    return [w.surface for p in paragraphs for w in tagger(p) if w.feature.pos1 not in NON_WORD_POS]


@lru_cache(maxsize=3)
def novel_words(split: str) -> tuple[str, ...]:
    """:func:`words` of one split of the novel (``"train"``, ``"dev"``, ``"test"``), in the book's order.
    Cached: the train split (≈ 130,000 words) takes about a second to analyse."""
    from llm_shikumi import novel

    return tuple(words(novel.load_split(split)))


@dataclass(frozen=True)
class PowerLaw:
    """``y = coefficient * x ** exponent``: a straight line of slope ``exponent`` on log–log axes."""

    exponent: float
    coefficient: float

    def __call__(self, x):
        return self.coefficient * np.asarray(x, dtype=float) ** self.exponent

    def as_tuple(self) -> tuple[float, float]:
        """``(exponent, coefficient)``, the ``fit=`` argument of :func:`llm_shikumi.plotting.loglog_plot`."""
        return (self.exponent, self.coefficient)


def fit_power_law(x: Sequence[float], y: Sequence[float]) -> PowerLaw:
    """Least-squares line through ``(log x, log y)``: returns ``y ≈ C x^a`` as :class:`PowerLaw`."""
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    if xs.shape != ys.shape or xs.ndim != 1:
        raise ValueError(f"x and y must be 1-D of equal length, got {xs.shape} and {ys.shape}")
    if xs.size < 2:
        raise ValueError(f"a line needs at least 2 points, got {xs.size}")
    if not ((xs > 0).all() and (ys > 0).all()):
        raise ValueError("x and y must be positive (log 0 is undefined)")
    lx, ly = np.log(xs), np.log(ys)
    slope, intercept = np.polyfit(lx, ly, 1)
    return PowerLaw(float(slope), float(np.exp(intercept)))


def rank_frequency(counts: Mapping[str, int] | Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
    """Ranks ``1..V`` and the frequencies sorted from the most frequent word down.

    ``counts`` is a ``{word: count}`` mapping (e.g. a ``Counter``) or the tokens themselves.
    """
    if not isinstance(counts, Mapping):
        counts = Counter(counts)
    freqs = np.array(sorted(counts.values(), reverse=True), dtype=np.int64)  # (V,)
    return np.arange(1, freqs.size + 1), freqs


def zipf_fit(counts: Mapping[str, int] | Iterable[str], min_rank: int = 1,
             max_rank: int | None = None) -> PowerLaw:
    """Zipf's law fitted on ranks ``min_rank..max_rank`` (inclusive; default: every rank).

    The exponent is the slope of the rank–frequency line (close to -1 for most texts).
    """
    ranks, freqs = rank_frequency(counts)
    hi = ranks.size if max_rank is None else min(max_rank, ranks.size)
    if min_rank < 1 or hi - min_rank < 1:
        raise ValueError(f"need at least 2 ranks to fit, got min_rank={min_rank}, max_rank={hi}")
    return fit_power_law(ranks[min_rank - 1:hi], freqs[min_rank - 1:hi])


def vocabulary_growth(tokens: Sequence[str], n_points: int = 40,
                      min_tokens: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Vocabulary size ``V(n)`` (distinct tokens among the first ``n``) at ``n_points`` values of
    ``n`` spaced evenly on a log scale from ``min_tokens`` to ``len(tokens)``.

    Returns ``(n, V(n))`` as integer arrays.
    """
    total = len(tokens)
    if total == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lo = max(1, min(min_tokens, total))
    ns = np.unique(np.geomspace(lo, total, n_points).round().astype(np.int64))
    sizes = np.empty_like(ns)
    seen: set[str] = set()
    done = 0
    for k, n in enumerate(ns):
        seen.update(tokens[done:n])
        done = int(n)
        sizes[k] = len(seen)
    return ns, sizes


def heaps_fit(tokens: Sequence[str], n_points: int = 40, min_tokens: int = 1000) -> PowerLaw:
    """Heaps' law ``V(n) ≈ K n^β`` fitted on :func:`vocabulary_growth` from ``min_tokens`` on.
    ``coefficient`` is ``K``, ``exponent`` is ``β``."""
    ns, sizes = vocabulary_growth(tokens, n_points, min_tokens)
    return fit_power_law(ns, sizes)


def vocabulary_with_min_count(counts: Mapping[str, int] | Iterable[str], min_count: int = 1) -> set[str]:
    """The words seen at least ``min_count`` times: the vocabulary a model built with that threshold knows."""
    if min_count < 1:
        raise ValueError(f"min_count must be >= 1, got {min_count}")
    if not isinstance(counts, Mapping):
        counts = Counter(counts)
    return {w for w, c in counts.items() if c >= min_count}


def oov_rate(vocabulary: Collection[str], tokens: Sequence[str]) -> float:
    """未知語率 (OOV rate): the share of ``tokens`` (counted with repeats) not in ``vocabulary``."""
    if len(tokens) == 0:
        raise ValueError("oov_rate of no tokens is undefined")
    known = vocabulary if isinstance(vocabulary, (set, frozenset, dict)) else set(vocabulary)
    return sum(t not in known for t in tokens) / len(tokens)


def one_hot_nbytes(n_tokens: int, vocab_size: int, itemsize: int = 4) -> int:
    """Bytes of a dense one-hot matrix of shape ``(n_tokens, vocab_size)`` (``itemsize=4``: float32)."""
    return int(n_tokens) * int(vocab_size) * int(itemsize)
