"""wakati が品詞「空白」の形態素 (全角空白) を取り除いていない: 表層形をすべて返している。"""
# %% wakati_answer
def wakati(text: str) -> list[str]:
    """text を形態素に分け、表層形 (word.surface) の list を返します。空白の形態素は含めません。"""
    return [word.surface for word in tagger(text)]
