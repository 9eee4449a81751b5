"""count_pos が補助記号だけを除き、品詞「空白」(全角空白) を数えてしまう。"""
# %% count_pos_answer
from collections import Counter

EXCLUDED_POS = ("補助記号", "空白")


def count_pos(text: str) -> dict[str, int]:
    """品詞 (pos1) ごとの形態素の出現回数を返します。補助記号と空白は数えません。"""
    counts = {}
    for word in tagger(text):
        if word.feature.pos1 != "補助記号":
            counts[word.feature.pos1] = counts.get(word.feature.pos1, 0) + 1
    return counts
