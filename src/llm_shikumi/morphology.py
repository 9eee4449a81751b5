"""形態素解析 (morphological analysis) with fugashi + unidic-lite.

One shared tagger and a small, explicit record per morpheme, so that chapters, exercises
and tests do not each re-learn UniDic's feature layout.
"""
from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

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


def word_frequencies(text: str, content_only: bool = True) -> Counter[str]:
    """How often each 原形 (base form) occurs in ``text``; by default only content words."""
    counts: Counter[str] = Counter()
    for m in analyze(text):
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
