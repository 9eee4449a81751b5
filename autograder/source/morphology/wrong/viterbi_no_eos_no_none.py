"""viterbi が文末 EOS の連接コストを足さず、経路がないときは None ではなく (inf, []) を返す。"""
# %% viterbi_answer
def viterbi(lattice: list, n: int, connection: dict):
    """位置 0 から n までのコスト最小の経路を (コスト, 表層形の list) で返します。同じコストなら語の少ない経路。経路がなければ None。"""
    lattice = [Word(*t) for t in lattice]  # 5 つ組の tuple を名前付きタプルに
    if n == 0:
        return connection[("BOS", "EOS")], []
    words = sorted(lattice, key=lambda w: (w.start, w.end))
    best = {}
    for k, word in enumerate(words):
        if word.start == 0:
            best[k] = ((connection[("BOS", word.pos)] + word.cost, 1), None)
            continue
        for j, (score, _) in list(best.items()):
            if words[j].end == word.start:
                candidate = (score[0] + connection[(words[j].pos, word.pos)] + word.cost, score[1] + 1)
                if k not in best or candidate < best[k][0]:
                    best[k] = (candidate, j)
    ends = [k for k in best if words[k].end == n]
    if not ends:
        return float("inf"), []
    k = min(ends, key=lambda k: best[k][0])
    cost = best[k][0][0]
    path = []
    while k is not None:
        path.append(words[k].surface)
        k = best[k][1]
    return cost, path[::-1]
