"""The novel as word2vec reads it: sentences of morphemes (fugashi + unidic-lite), without symbols.

Tokenising the training split (about 4,700 sentences) takes about a second; the result is cached
in the process, and every call returns fresh lists.
"""
from __future__ import annotations

from functools import lru_cache

from llm_shikumi import novel
from llm_shikumi.morphology import get_tagger

# UniDic's pos1 of punctuation, symbols and spaces: not words, left out.
SYMBOL_POS = ("補助記号", "記号", "空白")


@lru_cache(maxsize=4)
def _tokenized(split: str) -> tuple[tuple[str, ...], ...]:
    tagger = get_tagger()
    out = []
    for sentence in novel.load_sentences(split):
        tokens = tuple(w.surface for w in tagger(sentence) if w.feature.pos1 not in SYMBOL_POS)
        if tokens:
            out.append(tokens)
    return tuple(out)


def novel_sentences(split: str = "train") -> list[list[str]]:
    """『吾輩は猫である』 ``split`` (train / dev / test) as sentences of morphemes (surface forms),
    punctuation and symbols left out."""
    return [list(s) for s in _tokenized(split)]
