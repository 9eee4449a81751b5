"""count_pos が内容語の品詞 (CONTENT_POS) を 0 で初期化した dict に数えている: 一度も出てこない品詞が回数 0 のキーとして残る。"""
# %% count_pos_answer
from collections import Counter

EXCLUDED_POS = ("補助記号", "空白")


def count_pos(text: str) -> dict[str, int]:
    """品詞 (pos1) ごとの形態素の出現回数を返します。補助記号と空白は数えません。"""
    counts = {pos: 0 for pos in CONTENT_POS}
    for word in tagger(text):
        pos = word.feature.pos1
        if pos not in EXCLUDED_POS:
            counts[pos] = counts.get(pos, 0) + 1
    return counts
