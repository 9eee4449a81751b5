"""viterbi が位置ごとに最安の経路を 1 つだけ覚える: 最後の語の品詞で連接コストが変わるのに、安いが続きにくい経路を残してしまう。"""
# %% viterbi_answer
def viterbi(lattice: list, n: int, connection: dict):
    """位置 0 から n までのコスト最小の経路を (コスト, 表層形の list) で返します。同じコストなら語の少ない経路。経路がなければ None。"""
    lattice = [Word(*t) for t in lattice]  # 5 つ組の tuple を名前付きタプルに
    if n == 0:
        return connection[("BOS", "EOS")], []
    best = {0: (0, 0, "BOS", [])}  # 位置 -> (コスト, 語の数, 最後の品詞, 経路)
    for position in range(n):
        if position not in best:
            continue
        cost, count, pos, path = best[position]
        for word in lattice:
            if word.start != position:
                continue
            candidate = (cost + connection[(pos, word.pos)] + word.cost, count + 1, word.pos, path + [word.surface])
            old = best.get(word.end)
            if old is None or candidate[:2] < old[:2]:
                best[word.end] = candidate
    if n not in best:
        return None
    cost, count, pos, path = best[n]
    return cost + connection[(pos, "EOS")], path
