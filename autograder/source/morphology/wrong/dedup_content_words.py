"""content_words が重複を取り除いている (語彙を作るつもりで): 同じ語が 2 回出ても 1 回しか返さない。"""
# %% content_words_answer
CONTENT_POS = ("名詞", "動詞", "形容詞", "形状詞", "副詞")


def content_words(text: str) -> list[str]:
    """内容語 (品詞が CONTENT_POS のどれか) の原形 (orthBase、なければ表層形) の list を文中の順に返します。"""
    words = []
    for word in tagger(text):
        base = word.feature.orthBase or word.surface
        if word.feature.pos1 in CONTENT_POS and base not in words:
            words.append(base)
    return words
