"""path_cost が経路のつながりを確かめない: 隙間や重なりのある経路にも黙ってコストを返す。"""
# %% path_cost_answer
def path_cost(path: list, connection: dict) -> int:
    """経路の生起コストと連接コスト (BOS と EOS を含む) の合計を返します。つながらない経路には ValueError。"""
    path = [Word(*t) for t in path]  # 5 つ組の tuple を名前付きタプルに
    pos = ["BOS"] + [word.pos for word in path] + ["EOS"]
    return sum(word.cost for word in path) + sum(connection[(a, b)] for a, b in zip(pos, pos[1:]))
