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


# The settings chapter 04 trains with on the novel (the tests use the same ones).
NOVEL_SKIPGRAM = dict(mode="skipgram", dim=50, window=2, negatives=5, epochs=3, batch_size=1024, lr=0.1,
                      optimizer="sgd", min_count=5, subsample=1e-3, seed=0)
# CBOW needs a larger rate: each context row receives only 1/C of the gradient of h. Summed batch
# updates make plain SGD diverge when the rate is too large (frequent rows get hundreds of updates
# per batch); train_word2vec then stops with an error.
NOVEL_CBOW = {**NOVEL_SKIPGRAM, "lr": 0.5, "batch_size": 512, "mode": "cbow"}
NOVEL_COUNTS = dict(dim=50, window=2, min_count=5)

# Word groups of the novel for a held-out check of neighbours (never used in training):
# is a word's nearest neighbour among these words from its own group?
NOVEL_WORD_GROUPS = {
    "登場人物": ["迷亭", "寒月", "東風", "鈴木", "金田", "細君", "主人"],
    "数": ["一", "二", "三", "四", "五", "六", "七", "八", "十"],
    "体": ["顔", "鼻", "眼", "口", "手", "足", "頭", "耳", "腹"],
    "時": ["今日", "昨日", "朝", "晩", "夜", "昔", "今"],
}
