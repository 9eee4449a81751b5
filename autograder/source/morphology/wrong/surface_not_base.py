"""content_words が原形 (orthBase) ではなく表層形 (surface) を返している: 「食べ」が「食べる」にならない。"""
# %% content_words_answer
CONTENT_POS = ("名詞", "動詞", "形容詞", "形状詞", "副詞")


def content_words(text: str) -> list[str]:
    """内容語 (品詞が CONTENT_POS のどれか) の原形 (orthBase、なければ表層形) の list を文中の順に返します。"""
    return [word.surface for word in tagger(text) if word.feature.pos1 in CONTENT_POS]
