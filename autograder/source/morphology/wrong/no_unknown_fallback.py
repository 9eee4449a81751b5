"""content_words が orthBase をそのまま使い、未知語や数字 (orthBase が None) で表層形に戻していない: list に None が入る。"""
# %% content_words_answer
CONTENT_POS = ("名詞", "動詞", "形容詞", "形状詞", "副詞")


def content_words(text: str) -> list[str]:
    """内容語 (品詞が CONTENT_POS のどれか) の原形 (orthBase、なければ表層形) の list を文中の順に返します。"""
    return [word.feature.orthBase for word in tagger(text) if word.feature.pos1 in CONTENT_POS]
