"""Applies each merge to the original characters' string with str.replace and splits at the end: symbols blur."""
# %% bpe_encode_answer
def bpe_encode(piece: str, merges: list[tuple[str, str]]) -> list[str]:
    """piece を 1 文字ずつに分け、merges を学習した順に当てはめた記号の list を返します。"""
    symbols = list(piece)
    for left, right in merges:
        text = " ".join(symbols)
        text = text.replace(f"{left} {right}", left + right)
        symbols = text.split(" ") if text else []
    return symbols
