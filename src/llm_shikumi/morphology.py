"""形態素解析 (morphological analysis) with fugashi + unidic-lite.

One shared tagger and a small, explicit record per morpheme, so that chapters, exercises
and tests do not each re-learn UniDic's feature layout. Also the idea inside the tagger, small
enough to follow by hand: a lattice of dictionary words and the Viterbi search for its cheapest
path (:func:`build_lattice`, :func:`viterbi`, with the hand-made :data:`SUMOMO_DICTIONARY`).
"""
from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Iterator, Mapping, NamedTuple, Sequence

import fugashi

# 品詞 (part of speech, UniDic's pos1) that carry content: used when we want "words that
# mean something" rather than particles and punctuation.
CONTENT_POS = ("名詞", "動詞", "形容詞", "形状詞", "副詞")


@dataclass(frozen=True)
class Morpheme:
    """One 形態素 (morpheme) as UniDic describes it."""

    surface: str  # 表層形: the characters as they appear in the text
    pos: str  # 品詞 (pos1): 名詞, 動詞, 助詞, ...
    pos_detail: str  # 品詞細分類 (pos2): 普通名詞, 固有名詞, 格助詞, ...
    base_form: str  # 原形 (書字形基本形, orthBase): 食べ -> 食べる, し -> する, 東京 -> 東京
    lemma: str  # 語彙素 (lemma), UniDic's dictionary headword: し -> 為る, 東京 -> トウキョウ
    reading: str  # 読み in katakana; empty for unknown words and symbols
    is_unknown: bool = False  # 未知語 (unknown word): not in the dictionary, features guessed

    @property
    def is_content(self) -> bool:
        return self.pos in CONTENT_POS


@lru_cache(maxsize=1)
def get_tagger() -> fugashi.Tagger:
    """The shared fugashi tagger (unidic-lite is found automatically). Created once: loading
    the dictionary is the slow part."""
    return fugashi.Tagger()


def _field(features, name: str) -> str:
    value = getattr(features, name, None)
    return "" if value in (None, "*") else str(value)


def analyze(text: str) -> list[Morpheme]:
    """Split ``text`` into morphemes with their 品詞, 原形 and 読み."""
    morphemes = []
    for word in get_tagger()(text):
        f = word.feature
        # UniDic adds the origin of loanwords to the lemma: ケーキ-cake -> ケーキ
        lemma = (_field(f, "lemma") or word.surface).split("-")[0] or word.surface
        morphemes.append(
            Morpheme(
                surface=word.surface,
                pos=_field(f, "pos1"),
                pos_detail=_field(f, "pos2"),
                base_form=_field(f, "orthBase") or word.surface,
                lemma=lemma,
                reading=_field(f, "kana"),
                is_unknown=bool(word.is_unk),
            )
        )
    return morphemes


def tokenize(text: str) -> list[str]:
    """分かち書き (wakati-gaki): the surface forms of the morphemes of ``text``."""
    return [word.surface for word in get_tagger()(text)]


def is_symbol(morpheme: Morpheme) -> bool:
    """Punctuation and whitespace: 補助記号, 記号 and 空白 in UniDic."""
    return morpheme.pos in ("補助記号", "記号", "空白")


def word_frequencies(text: str | Iterable[Morpheme], content_only: bool = True) -> Counter[str]:
    """How often each 原形 (base form) occurs in ``text`` (a string, or the morphemes
    :func:`analyze` already returned); by default only content words."""
    counts: Counter[str] = Counter()
    for m in (analyze(text) if isinstance(text, str) else text):
        if is_symbol(m) or (content_only and not m.is_content):
            continue
        counts[m.base_form] += 1
    return counts


def char_tokens(text: str) -> list[str]:
    """文字単位 (character-level) segmentation, for comparison with morphemes."""
    return [c for c in text if not c.isspace()]


def display_width(text: str) -> int:
    """Columns a string takes in a monospaced font: full-width (Japanese) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def format_table(morphemes: Iterable[Morpheme]) -> str:
    """A plain-text table of morphemes for printing in a notebook, columns aligned for Japanese."""
    rows = [("表層形", "品詞", "品詞細分類", "原形", "読み")]
    rows += [(m.surface, m.pos, m.pos_detail, m.base_form, m.reading) for m in morphemes]
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell + " " * (width - display_width(cell)) for cell, width in zip(row, widths)).rstrip()
        for row in rows
    )


# --- the lattice and the Viterbi algorithm, on a hand-made dictionary -------------------------
# MeCab finds the segmentation of least total cost in a lattice of dictionary words. Its costs are
# learned (CRF) and number in the thousands; the small dictionary below has hand-made costs so that
# the whole computation fits on a page (chapter 01 and the exercise use it).

BOS, EOS = "BOS", "EOS"  # the start and the end of the sentence, as pseudo parts of speech


class LatticeWord(NamedTuple):
    """One candidate word in a lattice: it covers characters ``start..end-1`` of the text."""

    start: int
    end: int
    surface: str
    pos: str
    cost: int  # 生起コスト (word cost): how unlikely the word is


# surface -> (pos, word cost). Hand-made for すもももももももものうち: 李 (すもも), 桃 (もも), 物 (もの),
# 脳 (のう), 内 (うち), 酢 (す), 鵜 (う), 血 (ち), and the particles も and の.
SUMOMO_DICTIONARY: dict[str, tuple[str, int]] = {
    "すもも": ("名詞", 3), "す": ("名詞", 6), "もも": ("名詞", 3), "も": ("助詞", 1),
    "もの": ("名詞", 4), "の": ("助詞", 1), "のう": ("名詞", 5), "うち": ("名詞", 3),
    "う": ("名詞", 6), "ち": ("名詞", 6),
}
# (left pos, right pos) -> 連接コスト (connection cost): how unlikely the two are next to each other
SUMOMO_CONNECTION: dict[tuple[str, str], int] = {
    (BOS, "名詞"): 0, (BOS, "助詞"): 8, (BOS, EOS): 0,
    ("名詞", "助詞"): 0, ("助詞", "名詞"): 0, ("名詞", "名詞"): 4, ("助詞", "助詞"): 6,
    ("名詞", EOS): 0, ("助詞", EOS): 4,
}


def build_lattice(text: str, dictionary: Mapping[str, tuple[str, int]]) -> list[LatticeWord]:
    """Every dictionary word at every position of ``text``, ordered by (start, end)."""
    lattice = []
    for start in range(len(text)):
        for end in range(start + 1, len(text) + 1):
            entry = dictionary.get(text[start:end])
            if entry is not None:
                lattice.append(LatticeWord(start, end, text[start:end], entry[0], entry[1]))
    return lattice


def lattice_paths(lattice: Sequence[LatticeWord], n: int) -> Iterator[list[LatticeWord]]:
    """Every path of words from position 0 to ``n`` (brute force: only for small lattices)."""
    by_start: dict[int, list[LatticeWord]] = {}
    for word in lattice:
        by_start.setdefault(word.start, []).append(word)

    def extend(position: int, path: list[LatticeWord]) -> Iterator[list[LatticeWord]]:
        if position == n:
            yield list(path)
            return
        for word in by_start.get(position, []):
            path.append(word)
            yield from extend(word.end, path)
            path.pop()

    yield from extend(0, [])


def path_cost(path: Sequence[LatticeWord], connection: Mapping[tuple[str, str], float]) -> float:
    """Total cost of a path: its word costs plus the connection costs BOS → first, between
    neighbours, and last → EOS. The words must follow each other from position 0."""
    position, previous, total = 0, BOS, 0
    for word in path:
        if word.start != position:
            raise ValueError(f"{word.surface!r} starts at {word.start}, the path is at {position}")
        total += connection[(previous, word.pos)] + word.cost
        position, previous = word.end, word.pos
    return total + connection[(previous, EOS)]


def viterbi(lattice: Sequence[LatticeWord], n: int,
            connection: Mapping[tuple[str, str], float]) -> tuple[float, list[LatticeWord]] | None:
    """The path from 0 to ``n`` of least :func:`path_cost`, by dynamic programming (Viterbi).

    Each word keeps the cheapest way to reach its end with it as the last word: the cost of a
    word is ``min over the words p ending where it starts of best[p] + connection[p.pos, pos]``
    plus its own cost. Work grows with the number of connected word pairs, not the number of paths.
    Ties in cost go to the path with fewer words. Returns ``(cost, path)``, or ``None`` when no
    path covers ``0..n``.
    """
    words = sorted(lattice, key=lambda w: (w.start, w.end))
    # best[k] = ((cost, n_words), index of the previous word or -1) for the path ending with words[k]
    best: list[tuple[tuple[float, int], int] | None] = []
    ending_at: dict[int, list[int]] = {}
    for k, word in enumerate(words):
        if word.start == 0:
            candidate = ((connection[(BOS, word.pos)] + word.cost, 1), -1)
        else:
            candidate = None
            for p in ending_at.get(word.start, []):
                if best[p] is None:
                    continue
                (cost, count), _ = best[p]
                score = (cost + connection[(words[p].pos, word.pos)] + word.cost, count + 1)
                if candidate is None or score < candidate[0]:
                    candidate = (score, p)
        best.append(candidate)
        ending_at.setdefault(word.end, []).append(k)
    if n == 0:
        return connection[(BOS, EOS)], []
    final = None
    for k in ending_at.get(n, []):
        if best[k] is None:
            continue
        (cost, count), _ = best[k]
        score = (cost + connection[(words[k].pos, EOS)], count)
        if final is None or score < final[0]:
            final = (score, k)
    if final is None:
        return None
    path, k = [], final[1]
    while k != -1:
        path.append(words[k])
        k = best[k][1]
    return final[0][0], path[::-1]
