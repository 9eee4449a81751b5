"""path_cost が生起コストだけを足し、連接コストを忘れている。"""
# %% path_cost_answer
def path_cost(path: list, connection: dict) -> int:
    """経路の生起コストと連接コスト (BOS と EOS を含む) の合計を返します。つながらない経路には ValueError。"""
    path = [Word(*t) for t in path]  # 5 つ組の tuple を名前付きタプルに
    return sum(word.cost for word in path)
