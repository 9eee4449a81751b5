"""-Owakati の出力を split(" ") で分けている: 空文字列で [''] を返し、全角空白が要素として残る。"""
# %% wakati_answer
import fugashi

wakati_tagger = fugashi.Tagger("-Owakati")


def wakati(text: str) -> list[str]:
    """text を形態素に分け、表層形 (word.surface) の list を返します。空白の形態素は含めません。"""
    return wakati_tagger.parse(text).split(" ")
