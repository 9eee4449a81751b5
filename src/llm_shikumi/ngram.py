"""N-gram 言語モデル (N-gram language model) from counts.

A language model assigns a probability to a sequence of words. With the 連鎖律 (chain rule)

    P(w_1 ... w_m) = prod_i P(w_i | w_1 ... w_{i-1})

and the マルコフ仮定 (Markov assumption) that only the last n-1 words matter,

    P(w_i | w_1 ... w_{i-1}) ~= P(w_i | w_{i-n+1} ... w_{i-1}),

the model only needs the probability of a word ``w`` after a history ``h`` of n-1 words.
Estimated from counts C(.) in a training corpus:

- 最尤推定 (maximum likelihood estimate, MLE), ``k = 0``::

      P(w | h) = C(h, w) / C(h)

- add-k smoothing (平滑化), ``k > 0`` (``k = 1`` is add-one / Laplace smoothing)::

      P(w | h) = (C(h, w) + k) / (C(h) + k |V|)

  where |V| is the number of words the model can predict. C(h) is the number of times ``h``
  occurs *as a history*, i.e. the sum of C(h, w) over all w, so that the probabilities of all
  words of V after ``h`` sum to 1.

Sentences are padded with boundary tokens: n-1 ``<s>`` in front (so that the first word also
has a history of n-1 words) and one ``</s>`` at the end (so that the model also learns where a
sentence stops, and the probabilities of all finite sentences sum to 1). ``</s>`` is a word the
model predicts and is part of V; ``<s>`` is never predicted and is not. Words outside the
vocabulary are replaced by ``<unk>``, which is always part of V.

Logarithms are natural logarithms (``math.log``); パープレキシティ (perplexity) is

    PP = exp(-(1/N) sum_i log P(w_i | h_i))

over the N predicted tokens of the evaluation sentences (every word and each ``</s>``, never
``<s>``). It is the same number in any base: 2 ** (-(1/N) sum log2 P).

Beyond add-k (:class:`NGramModel`, and :class:`AddKNGram` on arrays), the models that mix every
order: :class:`InterpolatedNGram` (Jelinek–Mercer, weights tuned on held-out text by EM) and
:class:`KneserNeyNGram` (interpolated modified Kneser–Ney). The last section trains them on
『吾輩は猫である』 (:mod:`llm_shikumi.novel`), words (MeCab) and characters, and measures them in bits
per character on the test split (:mod:`llm_shikumi.lm_eval`): :func:`novel_results` (the table of
chapter 02) and :func:`novel_baselines` (label -> test bpc, for the later chapters).
"""
from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

BOS = "<s>"  # 文頭 (beginning of sentence)
EOS = "</s>"  # 文末 (end of sentence)
UNK = "<unk>"  # 未知語 (unknown word): everything outside the vocabulary

Sentence = Sequence[str]


def ngrams(tokens: Sequence[str], n: int) -> list[tuple[str, ...]]:
    """All contiguous n-grams of ``tokens``, in order: ``len(tokens) - n + 1`` tuples (none if the
    sequence is shorter than ``n``).

    >>> ngrams(["猫", "が", "鳴く"], 2)
    [('猫', 'が'), ('が', '鳴く')]
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    tokens = list(tokens)
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def pad(tokens: Sequence[str], n: int) -> list[str]:
    """``tokens`` with n-1 ``<s>`` in front and one ``</s>`` at the end.

    >>> pad(["猫", "が", "鳴く"], 3)
    ['<s>', '<s>', '猫', 'が', '鳴く', '</s>']
    """
    return [BOS] * (n - 1) + list(tokens) + [EOS]


def count_ngrams(sentences: Iterable[Sentence], n: int, padded: bool = True) -> Counter[tuple[str, ...]]:
    """How often each n-gram occurs in ``sentences`` (each a list of tokens), padded with
    ``<s>``/``</s>`` unless ``padded=False``. N-grams never cross a sentence boundary."""
    counts: Counter[tuple[str, ...]] = Counter()
    for tokens in sentences:
        counts.update(ngrams(pad(tokens, n) if padded else tokens, n))
    return counts


def _vocabulary_tokens(vocabulary) -> list[str]:
    """The token strings of a vocabulary: a plain iterable of str, or an object (such as
    :class:`llm_shikumi.vocab.Vocabulary`) with an ``itos`` / ``tokens`` list."""
    for attribute in ("itos", "tokens", "id_to_token"):
        tokens = getattr(vocabulary, attribute, None)
        if tokens is not None and not callable(tokens):
            return [str(t) for t in tokens]
    return [str(t) for t in vocabulary]


class NGramModel:
    """An N-gram language model estimated from counts, with optional add-k smoothing.

    ``n``: 1 (unigram), 2 (bigram), 3 (trigram), ...
    ``k``: add-k smoothing constant; 0 is the unsmoothed MLE, 1 is add-one (Laplace).
    ``vocabulary``: the words the model knows (an iterable of str, or a ``Vocabulary``); others
    become ``<unk>``. By default every word seen in :meth:`fit` is known. Boundary and special
    tokens in it are ignored; V is always these words plus ``</s>`` and ``<unk>``.

    The counts do not depend on ``k``: after :meth:`fit`, ``model.k`` may be changed to compare
    smoothing settings without counting again.
    """

    def __init__(self, n: int = 2, k: float = 0.0, vocabulary=None):
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        if k < 0:
            raise ValueError(f"k must be >= 0, got {k}")
        self.n = n
        self.k = float(k)
        self._given_vocabulary = None if vocabulary is None else _vocabulary_tokens(vocabulary)
        self.vocab: list[str] = []
        self._index: set[str] = set()
        self.ngram_counts: Counter[tuple[str, ...]] = Counter()
        self.context_counts: Counter[tuple[str, ...]] = Counter()
        self._followers: dict[tuple[str, ...], Counter[str]] = {}
        self._set_vocabulary(self._given_vocabulary or [])

    # ------------------------------------------------------------------ training
    def _set_vocabulary(self, words: Iterable[str]) -> None:
        specials = {BOS, EOS, UNK}
        vocab = list(dict.fromkeys(w for w in words if w not in specials and not _is_special(w)))
        self.vocab = vocab + [EOS, UNK]  # V: every word the model can predict
        self._index = set(self.vocab)

    def _known(self, word: str) -> str:
        return word if word in self._index else UNK

    def map_unknown(self, tokens: Sentence) -> list[str]:
        """``tokens`` with every word outside the vocabulary replaced by ``<unk>``."""
        return [t if t in self._index and t != EOS else UNK for t in tokens]

    def fit(self, sentences: Iterable[Sentence]) -> "NGramModel":
        """Count the n-grams of ``sentences`` (each a list of tokens, without ``<s>``/``</s>``)."""
        sentences = [list(s) for s in sentences]
        if self._given_vocabulary is None:
            self._set_vocabulary(w for s in sentences for w in s)
        self.ngram_counts = count_ngrams((self.map_unknown(s) for s in sentences), self.n)
        self.context_counts = Counter()
        self._followers = {}
        for gram, count in self.ngram_counts.items():
            history, word = gram[:-1], gram[-1]
            self.context_counts[history] += count  # C(h) = sum over w of C(h, w)
            self._followers.setdefault(history, Counter())[word] += count
        return self

    # ------------------------------------------------------------------ probabilities
    @property
    def vocab_size(self) -> int:
        """|V|: the number of words the model can predict (including ``</s>`` and ``<unk>``)."""
        return len(self.vocab)

    def history(self, context: Sentence) -> tuple[str, ...]:
        """The n-1 words that matter (マルコフ仮定): the end of ``context``, padded with ``<s>`` in
        front when the context is shorter (``context`` = the words so far in the sentence)."""
        if self.n == 1:
            return ()
        padded = [BOS] * (self.n - 1) + [t if t == BOS else self._known(t) for t in context]
        return tuple(padded[len(padded) - (self.n - 1) :])

    def count(self, word: str, context: Sentence = ()) -> int:
        """C(h, w): how often ``word`` followed the history of ``context`` in training."""
        h = self.history(context)
        w = self._known(word)
        return self.ngram_counts[h + (w,)]

    def prob(self, word: str, context: Sentence = ()) -> float:
        """P(word | context) = (C(h, w) + k) / (C(h) + k|V|) with h the last n-1 words of
        ``context``. With k = 0 (MLE) a history never seen in training gives 0.0."""
        return self._prob(self.history(context), self._known(word))

    def logprob(self, word: str, context: Sentence = ()) -> float:
        """log P(word | context) (natural log); ``-inf`` when the probability is 0."""
        p = self.prob(word, context)
        return math.log(p) if p > 0 else -math.inf

    def next_word_distribution(self, context: Sentence = ()) -> dict[str, float]:
        """P(w | context) for every w in V, in vocabulary order."""
        h = self.history(context)
        followers = self._followers.get(h, Counter())
        denominator = self.context_counts[h] + self.k * self.vocab_size
        if denominator == 0:
            return {w: 0.0 for w in self.vocab}
        return {w: (followers[w] + self.k) / denominator for w in self.vocab}

    def top_next_words(self, context: Sentence = (), top: int = 10) -> list[tuple[str, float]]:
        """The ``top`` most probable next words after ``context``, most probable first
        (ties in vocabulary order)."""
        distribution = self.next_word_distribution(context)
        return sorted(distribution.items(), key=lambda item: -item[1])[:top]

    # ------------------------------------------------------------------ sentences
    def _prob(self, h: tuple[str, ...], w: str) -> float:
        """P(w | h) for a history ``h`` of exactly n-1 known tokens and a known word ``w``."""
        numerator = self.ngram_counts[h + (w,)] + self.k
        denominator = self.context_counts[h] + self.k * self.vocab_size
        return numerator / denominator if denominator > 0 else 0.0

    def token_logprobs(self, tokens: Sentence) -> list[float]:
        """log P(w_i | h_i) for every token of ``tokens`` and the final ``</s>`` (natural log,
        ``-inf`` for probability 0), in one pass: the history slides along the sentence."""
        padded = [BOS] * (self.n - 1) + self.map_unknown(tokens) + [EOS]
        out = []
        for i in range(self.n - 1, len(padded)):
            p = self._prob(tuple(padded[i - self.n + 1 : i]), padded[i])
            out.append(math.log(p) if p > 0 else -math.inf)
        return out

    def sentence_logprob(self, tokens: Sentence) -> float:
        """log P(<s> tokens </s>) = sum of log P(w_i | h_i) over every word and the final
        ``</s>`` (natural log; ``-inf`` if any factor is 0)."""
        return sum(self.token_logprobs(tokens))

    def perplexity(self, sentences: Iterable[Sentence]) -> float:
        """exp(-(1/N) sum log P) over all N predicted tokens (words and one ``</s>`` per
        sentence). ``inf`` if the model gives any of them probability 0."""
        total_logprob, n_tokens = 0.0, 0
        for tokens in sentences:
            total_logprob += self.sentence_logprob(tokens)
            n_tokens += len(tokens) + 1  # + 1 for </s>
        if n_tokens == 0:
            raise ValueError("perplexity of no sentences is undefined")
        return math.exp(-total_logprob / n_tokens)

    # ------------------------------------------------------------------ generation
    def generate(self, prefix: Sentence = (), max_len: int = 30, seed: int | None = None,
                 temperature: float = 1.0) -> list[str]:
        """Sample a continuation of ``prefix`` word by word until ``</s>`` or ``max_len`` new
        words; returns prefix + new words (without ``</s>``).

        ``temperature`` reshapes the distribution as p ** (1 / T): T = 1 samples from the model,
        T < 1 favours likely words, T = 0 always takes the most probable one (greedy). The same
        ``seed`` gives the same text.
        """
        if temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {temperature}")
        rng = random.Random(seed)
        words = list(prefix)
        for _ in range(max_len):
            distribution = self.next_word_distribution(words)
            candidates = [(w, p) for w, p in distribution.items() if p > 0]
            if not candidates:
                raise ValueError(f"history {self.history(words)} was never seen in training "
                                 "(k = 0): no word can follow it; use k > 0 or another prefix")
            if temperature == 0:
                word = max(candidates, key=lambda item: item[1])[0]
            else:
                # p ** (1/T), computed relative to the largest p so that small T cannot underflow
                top = max(p for _, p in candidates)
                weights = [math.exp((math.log(p) - math.log(top)) / temperature) for _, p in candidates]
                word = rng.choices([w for w, _ in candidates], weights=weights)[0]
            if word == EOS:
                break
            words.append(word)
        return words

    def __repr__(self) -> str:
        return (f"NGramModel(n={self.n}, k={self.k:g}, |V|={self.vocab_size}, "
                f"{len(self.ngram_counts)} distinct {self.n}-grams)")


def _is_special(token: str) -> bool:
    """Special tokens of other vocabularies (<pad>, <unk>, ...) are not words."""
    return len(token) > 2 and token.startswith("<") and token.endswith(">")


# ====================================================================== all orders at once
def count_orders(sentences: Iterable[Sentence], n: int) -> list[Counter[tuple[str, ...]]]:
    """The m-gram counts for every order m = 1 .. n, each m-gram ending at a predicted token.

    Each sentence is padded with n-1 ``<s>`` and one ``</s>``; for every predicted token (each
    word and the final ``</s>``) the m-gram that ends at it is counted, for m = 1 .. n. So every
    order has exactly one m-gram per predicted token, ``<s>`` is never counted as a word, and the
    counts of order m are the same for any n >= m. Returns ``[C_1, C_2, ..., C_n]``.

    >>> [dict(c) for c in count_orders([["a", "b"]], 2)]
    [{('a',): 1, ('b',): 1, ('</s>',): 1}, {('<s>', 'a'): 1, ('a', 'b'): 1, ('b', '</s>'): 1}]
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    counts: list[Counter[tuple[str, ...]]] = [Counter() for _ in range(n)]
    for tokens in sentences:
        padded = [BOS] * (n - 1) + list(tokens) + [EOS]
        for m in range(1, n + 1):  # order m: padded[i-m+1 .. i] for each predicted position i
            counts[m - 1].update(zip(*(padded[n - m + j :] for j in range(m))))
    return counts


def continuation_counts(counts: Counter[tuple[str, ...]]) -> Counter[tuple[str, ...]]:
    """N1+(• g): for each (m-1)-gram g, the number of distinct tokens v such that the m-gram
    (v, *g) occurs in ``counts`` (m-gram counts). Kneser–Ney's lower orders use these instead of
    raw counts: in how many different contexts a word occurs, not how often.

    >>> sorted(continuation_counts(Counter({("a", "x"): 5, ("b", "x"): 1, ("a", "y"): 2})).items())
    [(('x',), 2), (('y',), 1)]
    """
    return Counter(gram[1:] for gram in counts)


def kn_discounts(counts) -> tuple[float, float, float]:
    """The three discounts D1, D2, D3+ of modified Kneser–Ney (Chen & Goodman 1999) from the
    count-of-counts n_r (how many n-grams occur exactly r times) of ``counts`` (a Counter or an
    array of counts)::

        Y = n1 / (n1 + 2 n2),  D1 = 1 - 2Y n2/n1,  D2 = 2 - 3Y n3/n2,  D3+ = 3 - 4Y n4/n3

    each clipped to [0, r]; when n1 or n2 is 0 (tiny corpora) the defaults 0.5, 1.0, 1.5."""
    values = counts.values() if hasattr(counts, "values") and callable(counts.values) else counts
    n_r = Counter(int(c) for c in values if c <= 4)
    n1, n2, n3, n4 = (n_r[r] for r in (1, 2, 3, 4))
    if n1 == 0 or n2 == 0:
        return (0.5, 1.0, 1.5)
    y = n1 / (n1 + 2 * n2)
    d1 = 1 - 2 * y * n2 / n1
    d2 = 2 - 3 * y * n3 / n2
    d3 = 3 - 4 * y * n4 / n3 if n3 else 1.5
    return (min(max(d1, 0.0), 1.0), min(max(d2, 0.0), 2.0), min(max(d3, 0.0), 3.0))


class _Table:
    """m-gram counts as two sorted numpy arrays: integer keys and their counts.

    An m-gram of token ids (t_1 .. t_m) has the key sum_j t_j B^(m-j) (B = number of ids), so
    the key of (h, w) is key(h) * B + w and the key of h is key(h, w) // B.
    """

    def __init__(self, keys, counts):
        self.keys, self.counts = keys, counts

    @classmethod
    def count(cls, keys) -> "_Table":
        import numpy as np

        k, c = np.unique(keys, return_counts=True)
        return cls(k, c.astype(np.float64))

    def lookup(self, queries):
        """The count of each query key (0 where absent)."""
        import numpy as np

        if len(self.keys) == 0:
            return np.zeros(len(queries))
        i = np.searchsorted(self.keys, queries).clip(0, len(self.keys) - 1)
        return np.where(self.keys[i] == queries, self.counts[i], 0.0)

    def by_history(self, base: int) -> dict[str, "_Table"]:
        """Per history h = key // base: C(h) (sum of counts), N1(h), N2(h), N3+(h)."""
        import numpy as np

        hist = self.keys // base  # sorted, since keys are
        h, start = np.unique(hist, return_index=True)
        if len(h) == 0:
            empty = _Table(h, np.zeros(0))
            return {"total": empty, "n1": empty, "n2": empty, "n3": empty}
        c = self.counts
        return {"total": _Table(h, np.add.reduceat(c, start)),
                "n1": _Table(h, np.add.reduceat((c == 1).astype(float), start)),
                "n2": _Table(h, np.add.reduceat((c == 2).astype(float), start)),
                "n3": _Table(h, np.add.reduceat((c >= 3).astype(float), start))}


class _MultiOrderModel(NGramModel):
    """Shared part of the models that use all orders 1 .. n (add-k on arrays, interpolation,
    Kneser–Ney): counts kept as numpy arrays, held-out text scored in one vectorised pass.

    ``prob``, ``sentence_logprob``, ``perplexity`` and ``generate`` are inherited from
    :class:`NGramModel`; the subclass defines ``_probs(windows)``: P(w | h) for a (T, n) array of
    token ids, each row h_1 .. h_{n-1} w.
    """

    def __init__(self, n: int = 3, vocabulary=None):
        super().__init__(n=n, k=0.0, vocabulary=vocabulary)
        self.tables: list[_Table] = []

    # ---------------------------------------------------------------- ids and windows
    def _set_vocabulary(self, words: Iterable[str]) -> None:
        super()._set_vocabulary(words)
        self._id = {w: i + 1 for i, w in enumerate(self.vocab)}  # 0 is <s>
        self._id[BOS] = 0
        self._base = len(self.vocab) + 1
        if self._base ** self.n >= 2 ** 62:
            raise ValueError(f"|V| = {len(self.vocab)} と n = {self.n} ではキーが 64 ビットに収まりません")

    def windows(self, sentences: Iterable[Sentence]):
        """(T, n) int64 array: for each predicted token of ``sentences`` (words and one ``</s>``
        each), the ids of its n-1 history tokens and of itself."""
        import numpy as np

        flat: list[int] = []
        ends: list[int] = []
        for tokens in sentences:
            ids = [0] * (self.n - 1) + [self._id[t] for t in self.map_unknown(tokens)] + [self._id[EOS]]
            ends.extend(range(len(flat) + self.n - 1, len(flat) + len(ids)))
            flat.extend(ids)
        flat_a, ends_a = np.array(flat, dtype=np.int64), np.array(ends, dtype=np.int64)
        return np.stack([flat_a[ends_a - (self.n - 1) + j] for j in range(self.n)], axis=1).reshape(-1, self.n)

    def _keys(self, windows, m: int):
        """Keys of the m-grams (last m columns) of ``windows``: (T,)."""
        import numpy as np

        keys = np.zeros(len(windows), dtype=np.int64)
        for j in range(self.n - m, self.n):
            keys = keys * self._base + windows[:, j]
        return keys

    # ---------------------------------------------------------------- training
    def fit(self, sentences: Iterable[Sentence]) -> "_MultiOrderModel":
        sentences = [list(s) for s in sentences]
        if self._given_vocabulary is None:
            self._set_vocabulary(w for s in sentences for w in s)
        w = self.windows(sentences)
        self.n_train_tokens = len(w)
        self.tables = [_Table.count(self._keys(w, m)) for m in range(1, self.n + 1)]  # orders 1 .. n
        self._top_totals = self.tables[-1].by_history(self._base)["total"]  # C(h) of the highest order
        self._prepare()
        return self

    def _prepare(self) -> None:  # pragma: no cover - overridden
        pass

    def order_counts(self, m: int) -> Counter[tuple[str, ...]]:
        """The m-gram counts as a Counter of token tuples (decoded; for inspection)."""
        tokens = [BOS] + self.vocab
        out: Counter[tuple[str, ...]] = Counter()
        for key, c in zip(self.tables[m - 1].keys.tolist(), self.tables[m - 1].counts.tolist()):
            gram = []
            for _ in range(m):
                key, t = divmod(key, self._base)
                gram.append(tokens[t])
            out[tuple(reversed(gram))] = int(c)
        return out

    def count(self, word: str, context: Sentence = ()) -> int:
        return int(self.tables[-1].lookup(self._keys(self._window(context, [word]), self.n))[0])

    # ---------------------------------------------------------------- probabilities
    def _window(self, context: Sentence, words: Sequence[str]):
        import numpy as np

        h = [self._id[t] for t in self.history(context)]
        return np.array([h + [self._id[self._known(w)]] for w in words], dtype=np.int64).reshape(-1, self.n)

    def _probs(self, windows):  # pragma: no cover - overridden
        raise NotImplementedError

    def _prob(self, h: tuple[str, ...], w: str) -> float:
        import numpy as np

        window = np.array([[self._id[t] for t in h] + [self._id[w]]], dtype=np.int64)
        return float(self._probs(window)[0])

    def _next_probs(self, context: Sentence):
        """P(w | context) for every w of V, in vocabulary order: a (|V|,) array."""
        import numpy as np

        h = [self._id[t] for t in self.history(context)]
        windows = np.empty((len(self.vocab), self.n), dtype=np.int64)  # (|V|, n): h_1 .. h_{n-1} w
        windows[:, : self.n - 1] = h
        windows[:, -1] = np.arange(1, len(self.vocab) + 1)  # every word of V (ids 1 .. |V|)
        return self._probs(windows)

    def next_word_distribution(self, context: Sentence = ()) -> dict[str, float]:
        return dict(zip(self.vocab, self._next_probs(context).tolist()))

    def context_count(self, context: Sentence = ()) -> int:
        """C(h): how often the history of ``context`` (its last n-1 tokens) preceded a token in training."""
        import numpy as np

        key = 0
        for t in self.history(context):
            key = key * self._base + self._id[t]
        return int(self._top_totals.lookup(np.array([key], dtype=np.int64))[0])

    def generate(self, prefix: Sentence = (), max_len: int = 30, seed: int | None = None,
                 temperature: float = 1.0) -> list[str]:
        """As :meth:`NGramModel.generate` (same sampling rule, p ** (1/T)), on arrays."""
        import bisect

        import numpy as np

        if temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {temperature}")
        rng = random.Random(seed)
        words = list(prefix)
        for _ in range(max_len):
            p = self._next_probs(words)
            if not (p > 0).any():
                raise ValueError(f"history {self.history(words)} was never seen in training: no word can follow it")
            if temperature == 0:
                word = self.vocab[int(np.argmax(p))]
            else:
                with np.errstate(divide="ignore"):
                    weights = np.exp((np.log(p) - np.log(p.max())) / temperature)  # p ** (1/T), relative to the max
                cumulative = np.cumsum(weights)
                word = self.vocab[bisect.bisect(cumulative.tolist(), rng.random() * cumulative[-1])]
            if word == EOS:
                break
            words.append(word)
        return words

    def token_logprobs(self, tokens: Sentence) -> list[float]:
        import numpy as np

        with np.errstate(divide="ignore"):
            return np.log(self._probs(self.windows([tokens]))).tolist()

    def total_logprob(self, sentences: Iterable[Sentence]) -> tuple[float, int]:
        """(sum of log P over every predicted token of ``sentences``, number of those tokens)."""
        import numpy as np

        p = self._probs(self.windows(sentences))
        with np.errstate(divide="ignore"):
            return float(np.log(p).sum()), len(p)

    def perplexity(self, sentences: Iterable[Sentence]) -> float:
        total, n_tokens = self.total_logprob(sentences)
        if n_tokens == 0:
            raise ValueError("perplexity of no sentences is undefined")
        return math.exp(-total / n_tokens)


class AddKNGram(_MultiOrderModel):
    """add-k smoothing, P(w | h) = (C(h w) + k) / (C(h) + k|V|), exactly as :class:`NGramModel`
    computes it, on arrays (fast enough for the novel); :meth:`tune` picks k on held-out text."""

    def __init__(self, n: int = 3, k: float = 1.0, vocabulary=None):
        super().__init__(n=n, vocabulary=vocabulary)
        if k < 0:
            raise ValueError(f"k must be >= 0, got {k}")
        self.k = float(k)

    def _prepare(self) -> None:
        self._totals = self._top_totals

    def _counts(self, windows):
        key = self._keys(windows, self.n)
        return self.tables[-1].lookup(key), self._totals.lookup(key // self._base)

    def _probs(self, windows):
        import numpy as np

        c_hw, c_h = self._counts(windows)
        denominator = c_h + self.k * self.vocab_size
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(denominator > 0, (c_hw + self.k) / np.where(denominator > 0, denominator, 1), 0.0)

    def tune(self, sentences: Iterable[Sentence],
             ks: Sequence[float] = tuple(10.0 ** (e / 4) for e in range(-24, 1))) -> "AddKNGram":
        """Set k to the value of ``ks`` (default 10^-6 .. 1, four per decade) that gives the
        held-out ``sentences`` the highest likelihood."""
        import numpy as np

        c_hw, c_h = self._counts(self.windows(sentences))
        V = self.vocab_size
        self.k = float(max((k for k in ks if k > 0),
                           key=lambda k: float(np.log((c_hw + k) / (c_h + k * V)).sum())))
        return self

    def __repr__(self) -> str:
        return f"AddKNGram(n={self.n}, k={self.k:g}, |V|={self.vocab_size})"


class InterpolatedNGram(_MultiOrderModel):
    """線形補間 (linear interpolation, Jelinek–Mercer smoothing) of the MLE of every order.

    Recursively, with P_0(w) = 1/|V| (uniform) and one weight λ_m per order m::

        P_m(w | h) = λ_m C(h w) / C(h) + (1 - λ_m) P_{m-1}(w | h')    if C(h) > 0
        P_m(w | h) = P_{m-1}(w | h')                                 if C(h) = 0 (h never seen)

    where h' is h without its first token. Each P_m sums to 1 over V, so the mixture does. The
    weights are chosen on held-out text with :meth:`tune` (EM); ``lambdas[m-1]`` is λ_m.
    """

    def __init__(self, n: int = 3, vocabulary=None, lambdas: Sequence[float] | None = None):
        super().__init__(n=n, vocabulary=vocabulary)
        self.lambdas = list(lambdas) if lambdas is not None else [0.5] * n
        if len(self.lambdas) != n or not all(0 <= lam <= 1 for lam in self.lambdas):
            raise ValueError(f"lambdas must be {n} numbers in [0, 1], got {self.lambdas}")

    def _prepare(self) -> None:
        self._totals = [t.by_history(self._base)["total"] for t in self.tables]

    def _components(self, windows):
        """(T, n+1) probabilities and (T, n+1) mask: column 0 the uniform 1/|V|, column m the MLE
        C(h_m w)/C(h_m) of order m, defined where C(h_m) > 0."""
        import numpy as np

        p = np.empty((len(windows), self.n + 1))
        defined = np.ones((len(windows), self.n + 1), dtype=bool)
        p[:, 0] = 1.0 / self.vocab_size
        for m in range(1, self.n + 1):
            key = self._keys(windows, m)
            c_h = self._totals[m - 1].lookup(key // self._base)
            defined[:, m] = c_h > 0
            p[:, m] = self.tables[m - 1].lookup(key) / np.where(c_h > 0, c_h, 1)
        return p, defined

    @staticmethod
    def _mixture_weights(lambdas, defined):
        """Weight of each component: order m gets λ_m prod_{j > m, defined} (1 - λ_j)."""
        import numpy as np

        lam = np.where(defined, np.concatenate([[1.0], lambdas])[None, :], 0.0)  # (T, n+1), λ_0 = 1
        reach = np.ones_like(lam)
        for m in range(lam.shape[1] - 2, -1, -1):  # the share that falls through the orders above m
            reach[:, m] = reach[:, m + 1] * (1 - lam[:, m + 1])
        return lam * reach  # rows sum to 1

    def _probs(self, windows):
        p, defined = self._components(windows)
        return (self._mixture_weights(self.lambdas, defined) * p).sum(axis=1)

    def tune(self, sentences: Iterable[Sentence], iterations: int = 100, tol: float = 1e-6) -> "InterpolatedNGram":
        """Choose the λ_m that maximise the likelihood of ``sentences`` (held-out text, never the
        training text: there the highest order's MLE always wins) with the EM algorithm.

        The recursion is a mixture: the token comes from order n with probability λ_n, else from
        order n-1 with probability λ_{n-1}, ..., else from the uniform distribution. E step: the
        posterior that each held-out token came from each order; M step: λ_m = (posterior mass of
        order m) / (mass of orders <= m), over the tokens whose order-m history was seen.
        """
        import numpy as np

        p, defined = self._components(self.windows(sentences))
        if len(p) == 0:
            raise ValueError("tune needs at least one held-out sentence")
        lam = np.clip(np.array(self.lambdas, dtype=float), 0.01, 0.99)
        previous = -np.inf
        for _ in range(iterations):
            joint = self._mixture_weights(lam, defined) * p  # (T, n+1)
            total = joint.sum(axis=1)
            loglik = float(np.log(total).sum())
            post = joint / total[:, None]  # E step
            below = np.cumsum(post, axis=1)  # posterior of orders <= m
            for m in range(1, self.n + 1):  # M step
                mask = defined[:, m]
                if below[mask, m].sum() > 0:
                    lam[m - 1] = post[mask, m].sum() / below[mask, m].sum()
            if loglik - previous < tol * len(p):
                break
            previous = loglik
        self.lambdas = [float(x) for x in lam]
        return self

    def __repr__(self) -> str:
        lambdas = ", ".join(f"{x:.3f}" for x in self.lambdas)
        return f"InterpolatedNGram(n={self.n}, λ=[{lambdas}], |V|={self.vocab_size})"


class KneserNeyNGram(_MultiOrderModel):
    """Interpolated modified Kneser–Ney smoothing (Kneser & Ney 1995; Chen & Goodman 1999).

    With P_0(w) = 1/|V| and, for order m with adjusted counts c_m (raw counts for the highest
    order n, continuation counts N1+(• h w) for the lower orders, see :func:`continuation_counts`)::

        P_m(w | h) = max(c_m(h w) - D(c_m(h w)), 0) / c_m(h) + γ(h) P_{m-1}(w | h')
        γ(h) = (D1 N1(h) + D2 N2(h) + D3+ N3+(h)) / c_m(h)

    and P_m(w | h) = P_{m-1}(w | h') when c_m(h) = 0. D(c) is D1, D2 or D3+ for c = 1, 2, >= 3
    (:func:`kn_discounts`, per order); N_r(h) is the number of words with c_m(h w) = r. γ(h) is
    exactly the mass the discounts removed, so every P_m sums to 1 over V.
    """

    def _prepare(self) -> None:
        import numpy as np

        self.adjusted: list[_Table] = []
        for m in range(1, self.n):  # N1+(• g): one per distinct (m+1)-gram, keyed by its last m tokens
            suffix = self.tables[m].keys % (self._base ** m)
            self.adjusted.append(_Table.count(suffix))
        self.adjusted.append(self.tables[-1])
        self.discounts = [kn_discounts(t.counts) for t in self.adjusted]
        self._stats = [t.by_history(self._base) for t in self.adjusted]

    def continuation_count(self, gram: Sequence[str]) -> int:
        """The adjusted count c_m of ``gram`` (m = len(gram)): N1+(• gram) for m < n, C(gram) for m = n."""
        import numpy as np

        m = len(gram)
        key = 0
        for t in gram:
            key = key * self._base + self._id[t if t == BOS else self._known(t)]
        return int(self.adjusted[m - 1].lookup(np.array([key], dtype=np.int64))[0])

    def _probs(self, windows):
        import numpy as np

        p = np.full(len(windows), 1.0 / self.vocab_size)
        for m in range(1, self.n + 1):
            key = self._keys(windows, m)
            hist = key // self._base
            stats = self._stats[m - 1]
            c_h = stats["total"].lookup(hist)
            d1, d2, d3 = self.discounts[m - 1]
            c = self.adjusted[m - 1].lookup(key)
            discount = np.where(c == 1, d1, np.where(c == 2, d2, d3))
            safe = np.where(c_h > 0, c_h, 1)
            gamma = (d1 * stats["n1"].lookup(hist) + d2 * stats["n2"].lookup(hist) + d3 * stats["n3"].lookup(hist)) / safe
            p = np.where(c_h > 0, np.maximum(c - discount, 0.0) / safe + gamma * p, p)
        return p

    def __repr__(self) -> str:
        return f"KneserNeyNGram(n={self.n}, |V|={self.vocab_size})"


# ====================================================================== the novel
# Every model of this section is trained on novel.load_split("train"), tuned on "dev" and measured
# on "test" in bits per character, following llm_shikumi.lm_eval. One paragraph = one "sentence";
# the "\n" that ends it in novel.split_text is the </s> the model predicts.
WORD_MIN_COUNT = 2  # words seen once in train become <unk> (so that <unk> itself is learned)
SMOOTHING_LABELS = {"add-k": "add-k", "interpolated": "補間", "kneser-ney": "Kneser–Ney"}
NOVEL_MODELS: tuple[tuple[str, int, str], ...] = (
    ("word", 1, "add-k"),
    ("word", 2, "add-k"), ("word", 2, "interpolated"), ("word", 2, "kneser-ney"),
    ("word", 3, "add-k"), ("word", 3, "interpolated"), ("word", 3, "kneser-ney"),
    ("char", 3, "add-k"), ("char", 3, "interpolated"), ("char", 3, "kneser-ney"),
    ("char", 5, "add-k"), ("char", 5, "interpolated"), ("char", 5, "kneser-ney"),
)


def word_tokenize(text: str) -> list[str]:
    """MeCab (fugashi + unidic-lite) surface forms of ``text``, with the spaces MeCab skips kept
    as tokens of their own, so that ``"".join(word_tokenize(text)) == text``: a word model then
    pays for every character of the text."""
    from llm_shikumi.morphology import get_tagger

    tokens: list[str] = []
    for word in get_tagger()(text):
        if word.white_space:
            tokens.append(word.white_space)
        tokens.append(word.surface)
    return tokens


def _unit_label(unit: str) -> str:
    if unit not in ("word", "char"):
        raise ValueError(f"unit は 'word' か 'char' です（{unit!r} が渡されました）")
    return "単語" if unit == "word" else "文字"


def model_label(unit: str, n: int, smoothing: str) -> str:
    """The name of a novel model in tables, e.g. ``"単語 3-gram Kneser–Ney"``."""
    return f"{_unit_label(unit)} {n}-gram {SMOOTHING_LABELS[smoothing]}"


@lru_cache(maxsize=8)
def novel_tokens(split: str, unit: str = "word") -> tuple[tuple[str, ...], ...]:
    """The paragraphs of one split of the novel as token tuples: MeCab words
    (:func:`word_tokenize`) or characters. Tokenised once per process (about a second for train)."""
    from llm_shikumi import novel

    _unit_label(unit)
    paragraphs = novel.load_split(split)
    if unit == "char":
        return tuple(tuple(p) for p in paragraphs)
    return tuple(tuple(word_tokenize(p)) for p in paragraphs)


@lru_cache(maxsize=4)
def novel_vocabulary(unit: str = "word", min_count: int = WORD_MIN_COUNT) -> tuple[str, ...]:
    """The known tokens of the novel's models (the model adds ``</s>`` and ``<unk>``).

    Words: those seen at least ``min_count`` times in train. Characters: every character of
    ``novel.split_text("train")`` (:func:`llm_shikumi.lm_eval.char_vocabulary`), whose "\\n" is the
    model's ``</s>`` and whose ``UNK_CHAR`` is the model's ``<unk>``: |V| is the same."""
    from llm_shikumi import lm_eval, novel

    if unit == "char":
        return tuple(c for c in lm_eval.char_vocabulary(novel.split_text("train"))
                     if c not in (lm_eval.UNK_CHAR, "\n"))
    counts = Counter(w for p in novel_tokens("train", "word") for w in p)
    return tuple(w for w, c in counts.items() if c >= min_count)


def make_model(unit: str, n: int, smoothing: str, min_count: int = WORD_MIN_COUNT) -> _MultiOrderModel:
    """A model of the novel trained on train and tuned on dev: ``"add-k"`` (k by grid search on
    dev), ``"interpolated"`` (λ by EM on dev) or ``"kneser-ney"`` (discounts from the training
    counts; nothing to tune). ``min_count``: the word vocabulary (ignored for characters)."""
    vocabulary = novel_vocabulary(unit, min_count) if unit == "word" else novel_vocabulary(unit)
    train, dev = novel_tokens("train", unit), novel_tokens("dev", unit)
    if smoothing == "add-k":
        model: _MultiOrderModel = AddKNGram(n=n, vocabulary=vocabulary).fit(train).tune(dev)
    elif smoothing == "interpolated":
        model = InterpolatedNGram(n=n, vocabulary=vocabulary).fit(train).tune(dev)
    elif smoothing == "kneser-ney":
        model = KneserNeyNGram(n=n, vocabulary=vocabulary).fit(train)
    else:
        raise ValueError(f"smoothing は {sorted(SMOOTHING_LABELS)} のどれかです（{smoothing!r}）")
    model.unit = unit  # type: ignore[attr-defined]
    return model


@dataclass(frozen=True)
class HeldOut:
    """What a model paid on a held-out split: ``nats`` over its ``n_tokens`` predicted tokens
    (words or characters, plus one ``</s>`` per paragraph); ``spelling_nats`` for spelling out
    the ``n_unk`` words behind ``<unk>`` (word models only); ``n_chars`` characters, "\\n" included."""

    nats: float
    n_tokens: int
    n_unk: int
    spelling_nats: float
    n_chars: int

    @property
    def perplexity(self) -> float:
        """PP = exp(nats / n_tokens) per word or per character (``<unk>`` costs one symbol)."""
        from llm_shikumi import lm_eval

        return lm_eval.perplexity(self.nats, self.n_tokens)

    @property
    def bpc(self) -> float:
        """Bits per character with unknown words spelled out: (nats + spelling) / ln 2 / n_chars."""
        from llm_shikumi import lm_eval

        return lm_eval.bits_per_character(self.nats + self.spelling_nats, self.n_chars)


@lru_cache(maxsize=1)
def _speller():
    from llm_shikumi import lm_eval, novel

    return lm_eval.CharUnigram(novel.split_text("train"))


def evaluate(model: _MultiOrderModel, split: str) -> HeldOut:
    """Score a model from :func:`make_model` on ``split`` following :mod:`llm_shikumi.lm_eval`."""
    unit = getattr(model, "unit", "word")
    paragraphs = novel_tokens(split, unit)
    total, n_tokens = model.total_logprob(paragraphs)
    unknown = [t for p in paragraphs for t in p if t not in model._index or t in (EOS, UNK)]
    # a character model's <unk> is UNK_CHAR, a symbol of its own: nothing more to pay
    spelling = sum(_speller().nats(t) for t in unknown) if unit == "word" else 0.0
    n_chars = sum(len(t) for p in paragraphs for t in p) + len(paragraphs)
    return HeldOut(-total, n_tokens, len(unknown), spelling, n_chars)


@dataclass(frozen=True)
class NovelResult:
    """One row of the results table of the N-gram models on the novel."""

    label: str
    unit: str  # "word" or "char"
    n: int
    smoothing: str
    setting: str  # what was tuned on dev or estimated: k, λ or the highest order's KN discounts
    vocab_size: int
    dev_perplexity: float
    test_perplexity: float
    perplexity_unit: str  # "単語" or "文字": PP per word and PP per character are not comparable
    dev_bpc: float
    test_bpc: float


def _setting(model: _MultiOrderModel) -> str:
    if isinstance(model, InterpolatedNGram):
        return "λ=(" + ", ".join(f"{x:.2f}" for x in model.lambdas) + ")"
    if isinstance(model, KneserNeyNGram):
        return "D=(" + ", ".join(f"{d:.2f}" for d in model.discounts[-1]) + ")"
    return f"k={model.k:.2g}"


def run_novel_model(unit: str, n: int, smoothing: str) -> NovelResult:
    """Train, tune and measure one model of :data:`NOVEL_MODELS` (no cache)."""
    model = make_model(unit, n, smoothing)
    dev, test = evaluate(model, "dev"), evaluate(model, "test")
    return NovelResult(model_label(unit, n, smoothing), unit, n, smoothing, _setting(model), model.vocab_size,
                       dev.perplexity, test.perplexity, _unit_label(unit), dev.bpc, test.bpc)


def _cache_key() -> tuple[str, dict, list]:
    """Name, settings and modules under which :func:`novel_results` is kept by :mod:`llm_shikumi.results`:
    the list of models, this module, the tokenizer module, lm_eval, the MeCab dictionary version (and,
    as for every stored result, the novel itself), so that any change to code or data means a fresh run."""
    import sys
    from importlib import metadata

    from llm_shikumi import lm_eval, morphology

    settings: dict = {"models": [list(spec) for spec in NOVEL_MODELS]}
    for package in ("fugashi", "unidic-lite"):
        try:
            settings[package] = metadata.version(package)
        except metadata.PackageNotFoundError:  # pragma: no cover
            settings[package] = None
    return "ngram_novel", settings, [sys.modules[__name__], morphology, lm_eval]


def _cache_path():
    """The file of :mod:`llm_shikumi.results` that keeps :func:`novel_results` (``None`` when
    ``LLM_SHIKUMI_NO_CACHE`` is set)."""
    from llm_shikumi import results

    return results.cache_path(*_cache_key())


@lru_cache(maxsize=1)
def novel_results() -> tuple[NovelResult, ...]:
    """Every model of :data:`NOVEL_MODELS`, trained, tuned and measured (:func:`run_novel_model`).

    The runs take a few seconds; their results are kept in memory and on disk with
    :func:`llm_shikumi.results.remember` (keyed by the code and data they come from, :func:`_cache_key`),
    so later chapters get the same numbers at once. ``tests/test_ngram.py`` recomputes rows from
    scratch and compares."""
    from dataclasses import asdict

    from llm_shikumi import results

    def compute() -> dict:
        return {"rows": [asdict(run_novel_model(*spec)) for spec in NOVEL_MODELS]}

    values, _ = results.remember(*_cache_key(), compute)
    try:
        return tuple(NovelResult(**row) for row in values["rows"])
    except (KeyError, TypeError):  # a file from another layout: run again and keep the new rows
        values = compute()
        results.store(*_cache_key(), values)
        return tuple(NovelResult(**row) for row in values["rows"])


def novel_baselines() -> dict[str, float]:
    """Label -> bits per character on ``novel.split_text("test")`` of every N-gram model of
    :data:`NOVEL_MODELS`, from the runs of :func:`novel_results` (for later chapters' tables)."""
    return {r.label: r.test_bpc for r in novel_results()}


def generate_text(model: NGramModel, seed: int, max_len: int = 120, prefix: str = "",
                  temperature: float = 1.0) -> str:
    """A paragraph sampled from a novel model (word or character), as a string."""
    unit = getattr(model, "unit", "word")
    tokens = word_tokenize(prefix) if unit == "word" else list(prefix)
    return "".join(model.generate(tokens, max_len=max_len, seed=seed, temperature=temperature))
