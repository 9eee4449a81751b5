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
"""
from __future__ import annotations

import math
import random
from collections import Counter
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
        h = self.history(context)
        w = self._known(word)
        numerator = self.ngram_counts[h + (w,)] + self.k
        denominator = self.context_counts[h] + self.k * self.vocab_size
        return numerator / denominator if denominator > 0 else 0.0

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
    def sentence_logprob(self, tokens: Sentence) -> float:
        """log P(<s> tokens </s>) = sum of log P(w_i | h_i) over every word and the final
        ``</s>`` (natural log; ``-inf`` if any factor is 0)."""
        tokens = self.map_unknown(tokens) + [EOS]
        return sum(self.logprob(word, tokens[:i]) for i, word in enumerate(tokens))

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
