"""count_pos が補助記号と空白を除いていない: 「。」なども品詞「補助記号」として数えてしまう。"""
# %% count_pos_answer
from collections import Counter

EXCLUDED_POS = ("補助記号", "空白")


def count_pos(text: str) -> dict[str, int]:
    """品詞 (pos1) ごとの形態素の出現回数を返します。補助記号と空白は数えません。"""
    return Counter(word.feature.pos1 for word in tagger(text))
