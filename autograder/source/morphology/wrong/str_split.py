"""分かち書きに MeCab を使わず str.split() で分けている: 日本語は単語の間に空白がないので、文がほぼ丸ごと 1 要素になる。"""
# %% wakati_answer
def wakati(text: str) -> list[str]:
    """text を形態素に分け、表層形 (word.surface) の list を返します。空白の形態素は含めません。"""
    return text.split()
