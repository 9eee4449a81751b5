"""viterbi がコストだけを比べる: 同じコストの経路が複数あるとき、語の数ではなくラティスの並び順で先に見つかった経路を返す。"""
# %% viterbi_answer
def viterbi(lattice: list, n: int, connection: dict):
    """位置 0 から n までのコスト最小の経路を (コスト, 表層形の list) で返します。同じコストなら語の少ない経路。経路がなければ None。"""
    lattice = [Word(*t) for t in lattice]  # 5 つ組の tuple を名前付きタプルに
    if n == 0:
        return connection[("BOS", "EOS")], []
    best = {}  # 語の番号 -> (コスト, 1 つ前の語の番号)
    order = sorted(range(len(lattice)), key=lambda k: lattice[k].start)
    for k in order:
        word = lattice[k]
        if word.start == 0:
            best[k] = (connection[("BOS", word.pos)] + word.cost, None)
            continue
        for j in list(best):
            if lattice[j].end == word.start:
                cost = best[j][0] + connection[(lattice[j].pos, word.pos)] + word.cost
                if k not in best or cost < best[k][0]:
                    best[k] = (cost, j)
    final = None
    for k in range(len(lattice)):  # ラティスに並んだ順に見て、より安いものだけで置き換える
        if k in best and lattice[k].end == n:
            cost = best[k][0] + connection[(lattice[k].pos, "EOS")]
            if final is None or cost < final[0]:
                final = (cost, k)
    if final is None:
        return None
    path, k = [], final[1]
    while k is not None:
        path.append(lattice[k].surface)
        k = best[k][1]
    return final[0], path[::-1]
