"""Bits per character (ビット毎文字, bits per character): the one yardstick of every language model in the course.

Word models, character models and subword models cut text into different units, so their
perplexities are not comparable. What they all do is assign a probability to the same string of
characters. Bits per character (bpc) divides the total information of the held-out text by its
length in characters::

    bpc = - log2 P(text) / len(text)

The held-out text is :func:`llm_shikumi.novel.split_text("test") <llm_shikumi.novel.split_text>`:
every paragraph of chapter 十一 followed by ``"\\n"``, so a model also pays for predicting where a
paragraph ends. Rules every chapter follows, so that the numbers stay comparable:

- the probability covers every character of the text, line breaks included (a word model that
  predicts ``<unk>`` must still pay for spelling the unknown word out, see :func:`unk_spelling_nats`);
- the model is trained on the ``train`` split only and tuned on ``dev`` only;
- characters never seen in training map to one symbol :data:`UNK_CHAR` in a character model's
  vocabulary (178 of the 45,613 test characters; they cost the model as much as it assigns to it).

>>> round(bits_per_character(total_nats=math.log(2) * 10, n_chars=5), 3)
2.0
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

LN2 = math.log(2)
UNK_CHAR = "\ufffd"  # 置換文字: stands for every character that training never showed


def bits_per_character(total_nats: float, n_chars: int) -> float:
    """Bits per character from a total negative log-likelihood in nats (natural log) over ``n_chars`` characters."""
    if n_chars <= 0:
        raise ValueError("n_chars は正の整数でなければなりません")
    if total_nats < 0:
        raise ValueError("負の対数尤度の合計 total_nats は 0 以上です")
    return total_nats / LN2 / n_chars


def perplexity(total_nats: float, n_tokens: int) -> float:
    """Perplexity PP = exp(cross-entropy), with cross-entropy = total_nats / n_tokens (in nats per token)."""
    if n_tokens <= 0:
        raise ValueError("n_tokens は正の整数でなければなりません")
    return math.exp(total_nats / n_tokens)


def char_vocabulary(train_text: str) -> list[str]:
    """The characters of the training text, sorted, with :data:`UNK_CHAR` first."""
    return [UNK_CHAR] + sorted(set(train_text) - {UNK_CHAR})


def map_unknown_chars(text: str, vocabulary: Iterable[str]) -> str:
    """``text`` with every character outside ``vocabulary`` replaced by :data:`UNK_CHAR`."""
    known = set(vocabulary)
    return "".join(ch if ch in known else UNK_CHAR for ch in text)


class CharUnigram:
    """Add-one character unigram model: the cost of spelling out a word a word model does not know.

    A word-level model with ``<unk>`` would otherwise get every unknown word for the price of one
    symbol, and its bits per character would look better than they are.
    """

    def __init__(self, train_text: str) -> None:
        self.vocabulary = char_vocabulary(train_text)
        counts = Counter(map_unknown_chars(train_text, self.vocabulary))
        total = sum(counts.values()) + len(self.vocabulary)
        self.logprob = {ch: math.log((counts[ch] + 1) / total) for ch in self.vocabulary}

    def nats(self, word: str) -> float:
        """- ln P(word) under the unigram, one character at a time."""
        return -sum(self.logprob.get(ch, self.logprob[UNK_CHAR]) for ch in word)


def unk_spelling_nats(word: str, speller: CharUnigram) -> float:
    """Extra nats a word model pays when the actual word behind ``<unk>`` is ``word``."""
    return speller.nats(word)


def compressor_bits_per_character(train_text: str, test_text: str, preset: int = 9) -> float:
    """Bits per character a general-purpose compressor (LZMA, as in ``xz``) needs for ``test_text``.

    To be fair to the language models, which learned from the training text, the compressor may read
    it too: the cost of the test text is the growth of the compressed size when it is appended,
    8 * (|lzma(train + test)| - |lzma(train)|) / len(test).
    """
    import lzma

    def size(text: str) -> int:
        return len(lzma.compress(text.encode("utf-8"), preset=preset | lzma.PRESET_EXTREME))

    if not test_text:
        raise ValueError("test_text が空です")
    return 8 * (size(train_text + test_text) - size(train_text)) / len(test_text)
