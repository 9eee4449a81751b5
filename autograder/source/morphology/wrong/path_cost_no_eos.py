"""path_cost が文末 EOS の連接コストを足し忘れている (文頭 BOS の分だけ足す)。"""
# %% path_cost_answer
def path_cost(path: list, connection: dict) -> int:
    """経路の生起コストと連接コスト (BOS と EOS を含む) の合計を返します。つながらない経路には ValueError。"""
    path = [Word(*t) for t in path]  # 5 つ組の tuple を名前付きタプルに
    position, previous, total = 0, "BOS", 0
    for word in path:
        if word.start != position:
            raise ValueError("つながらない経路です")
        total += connection[(previous, word.pos)] + word.cost
        position, previous = word.end, word.pos
    return total
