"""Byte-pair encoding (バイト対符号化, BPE) written from scratch: train, encode, decode.

BPE starts from single characters (or single bytes) and repeatedly merges the most frequent pair of
adjacent symbols into a new symbol, until the vocabulary has the size asked for. The merges, in the
order they were learned, are the tokenizer: encoding a new text replays them.

This implementation follows the same rules as the ``tokenizers`` library's BPE trainer, so that both
learn the same merges and give the same ids on the same text (``tests/test_bpe.py`` checks it):

- the text is first cut into pieces by :func:`pretokenize` (punctuation and line breaks stand alone;
  with ``byte_level`` each piece is then written as bytes); pairs never cross a piece boundary;
- ids: special tokens first, then the alphabet sorted by code point, then merged symbols in the order
  they were learned;
- the pair with the highest count wins; among equal counts, the pair with the smaller ids
  (left id first) wins;
- pair counts are updated incrementally after each merge, the way the library does it;
- training stops when the vocabulary reaches ``vocab_size`` or the best count is below
  ``min_frequency``;
- encoding applies, inside each piece, the merge with the lowest rank first (the leftmost among
  equals), until no learned merge applies.

``byte_level=True`` works on UTF-8 bytes instead of characters (as GPT-2 does): every text can then be
encoded without an unknown token, at the price of 3 symbols for most Japanese characters before any
merge. Bytes are shown as printable characters with GPT-2's byte-to-character table.
"""
from __future__ import annotations

import heapq
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

UNK = "<unk>"

# Pieces: a run of characters that are not separators, or one separator on its own.
PRETOKENIZE_PATTERN = r"[。、，．・！？!?「」『』（）()\n\s]"
_SEPARATOR = re.compile(PRETOKENIZE_PATTERN)


def pretokenize(text: str) -> list[str]:
    """Cut ``text`` into the pieces BPE works inside: separators (。、「」 … and whitespace) stand alone.

    >>> pretokenize("吾輩は猫である。名前はまだ無い。")
    ['吾輩は猫である', '。', '名前はまだ無い', '。']
    """
    pieces: list[str] = []
    start = 0
    for m in _SEPARATOR.finditer(text):
        if m.start() > start:
            pieces.append(text[start:m.start()])
        pieces.append(m.group())
        start = m.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


@lru_cache(maxsize=1)
def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's table from the 256 byte values to printable characters (printable bytes map to themselves)."""
    printable = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
                 + list(range(ord("®"), ord("ÿ") + 1)))
    table: dict[int, str] = {}
    shift = 0
    for b in range(256):
        if b in printable:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + shift)
            shift += 1
    return table


def to_byte_symbols(text: str) -> str:
    """``text`` as its UTF-8 bytes, each written as one printable character (GPT-2's table)."""
    table = bytes_to_unicode()
    return "".join(table[b] for b in text.encode("utf-8"))


def from_byte_symbols(symbols: str) -> str:
    """Inverse of :func:`to_byte_symbols`; bytes that do not form valid UTF-8 become U+FFFD."""
    inverse = {c: b for b, c in bytes_to_unicode().items()}
    return bytes(inverse[c] for c in symbols).decode("utf-8", errors="replace")


def _merge_in_word(word: list[int], left: int, right: int, new: int) -> list[tuple[tuple[int, int], int]]:
    """Merge every (left, right) in ``word`` from left to right; return the pair-count changes."""
    changes: list[tuple[tuple[int, int], int]] = []
    i = 0
    while i < len(word):
        if word[i] == left and i + 1 < len(word) and word[i + 1] == right:
            if i > 0:
                changes.append(((word[i - 1], left), -1))
                changes.append(((word[i - 1], new), 1))
            word[i:i + 2] = [new]
            if i < len(word) - 1:
                changes.append(((right, word[i + 1]), -1))
                changes.append(((new, word[i + 1]), 1))
        i += 1
    return changes


@dataclass
class BPETokenizer:
    """A trained BPE tokenizer: the vocabulary (token → id) and the merges in the order learned."""

    vocab: dict[str, int]
    merges: list[tuple[str, str]]
    byte_level: bool = False
    unk_token: str | None = UNK
    _ranks: dict[tuple[str, str], int] = field(init=False, repr=False)
    _id_to_token: list[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._ranks = {pair: rank for rank, pair in enumerate(self.merges)}
        self._id_to_token = [""] * len(self.vocab)
        for token, i in self.vocab.items():
            self._id_to_token[i] = token

    def __len__(self) -> int:
        return len(self.vocab)

    @classmethod
    def train(cls, texts: Iterable[str], vocab_size: int, *, min_frequency: int = 0,
              special_tokens: Sequence[str] = (UNK,), byte_level: bool = False) -> "BPETokenizer":
        """Learn merges from ``texts`` until the vocabulary has ``vocab_size`` tokens."""
        word_counts: Counter[str] = Counter()
        for text in texts:
            pieces = pretokenize(text)
            if byte_level:
                pieces = [to_byte_symbols(p) for p in pieces]
            word_counts.update(pieces)

        id_to_token: list[str] = []
        vocab: dict[str, int] = {}

        def add(token: str) -> int:
            if token not in vocab:
                vocab[token] = len(id_to_token)
                id_to_token.append(token)
            return vocab[token]

        for token in special_tokens:
            add(token)
        alphabet = {ch for word in word_counts for ch in word}
        if byte_level:  # every byte is in the alphabet, seen or not, so nothing is ever unknown
            alphabet |= set(bytes_to_unicode().values())
        for ch in sorted(alphabet):
            add(ch)

        words = [[vocab[ch] for ch in word] for word in word_counts]
        counts = list(word_counts.values())

        # Pair counts over all words (overlapping pairs counted, as in the library), and where they occur.
        pair_counts: Counter[tuple[int, int]] = Counter()
        where: dict[tuple[int, int], set[int]] = {}
        for w, (word, count) in enumerate(zip(words, counts)):
            for pair in zip(word, word[1:]):
                pair_counts[pair] += count
                where.setdefault(pair, set()).add(w)
        # Max-heap by count, then the smaller pair: store (-count, pair).
        queue = [(-pair_counts[p], p, positions) for p, positions in where.items() if pair_counts[p] > 0]
        heapq.heapify(queue)

        merges: list[tuple[str, str]] = []
        while len(vocab) < vocab_size and queue:
            neg_count, pair, positions = heapq.heappop(queue)
            if -neg_count != pair_counts[pair]:  # stale entry: put it back with its current count
                if pair_counts[pair] > 0:
                    heapq.heappush(queue, (-pair_counts[pair], pair, positions))
                continue
            if -neg_count < 1 or -neg_count < min_frequency:
                break
            left, right = pair
            new = add(id_to_token[left] + id_to_token[right])
            merges.append((id_to_token[left], id_to_token[right]))
            changed: dict[tuple[int, int], set[int]] = {}
            for w in sorted(positions):
                for changed_pair, delta in _merge_in_word(words[w], left, right, new):
                    pair_counts[changed_pair] += delta * counts[w]
                    if delta > 0:
                        changed.setdefault(changed_pair, set()).add(w)
            for changed_pair, ws in changed.items():
                if pair_counts[changed_pair] > 0:
                    heapq.heappush(queue, (-pair_counts[changed_pair], changed_pair, ws))
        unk = UNK if UNK in vocab else None
        return cls(vocab=vocab, merges=merges, byte_level=byte_level, unk_token=unk)

    def _symbols(self, piece: str) -> list[str]:
        """One piece as tokens: its characters, merged by rank (lowest first, leftmost among equals)."""
        symbols = list(piece)
        while len(symbols) > 1:
            best = None
            for i, pair in enumerate(zip(symbols, symbols[1:])):
                rank = self._ranks.get(pair)
                if rank is not None and (best is None or rank < best[0]):
                    best = (rank, i)
            if best is None:
                break
            i = best[1]
            symbols[i:i + 2] = [symbols[i] + symbols[i + 1]]
        return symbols

    def tokenize(self, text: str) -> list[str]:
        """``text`` as a list of token strings (byte-level tokens are shown in GPT-2's byte alphabet)."""
        pieces = pretokenize(text)
        if self.byte_level:
            pieces = [to_byte_symbols(p) for p in pieces]
        return [s for piece in pieces for s in self._symbols(piece)]

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``; characters outside the alphabet become the unknown token."""
        ids = []
        for token in self.tokenize(text):
            if token in self.vocab:
                ids.append(self.vocab[token])
            elif self.unk_token is not None:
                ids.append(self.vocab[self.unk_token])
            else:
                raise KeyError(f"語彙にない記号です: {token!r}")
        return ids

    def decode(self, ids: Iterable[int]) -> str:
        """The text of token ids (the inverse of :meth:`encode` for text without unknown characters)."""
        joined = "".join(self._id_to_token[i] for i in ids)
        return from_byte_symbols(joined) if self.byte_level else joined
