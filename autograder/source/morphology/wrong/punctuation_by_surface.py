"""count_pos が品詞ではなく表層形で句読点「、」「。」だけを除いている: 括弧や「！」を補助記号として数えてしまう。"""
# %% count_pos_answer
from collections import Counter

EXCLUDED_POS = ("補助記号", "空白")


def count_pos(text: str) -> dict[str, int]:
    """品詞 (pos1) ごとの形態素の出現回数を返します。補助記号と空白は数えません。"""
    counts = Counter()
    for word in tagger(text):
        if word.surface not in ("、", "。"):
            counts[word.feature.pos1] += 1
    return counts
