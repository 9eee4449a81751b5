"""Passes k straight to torch.topk: k larger than the vocabulary raises instead of returning all V candidates."""
# %% fill_mask_answer
def fill_mask_topk(logits: torch.Tensor, input_ids: torch.Tensor, mask_id: int, k: int) -> list[list[tuple[int, float]]]:
    """[MASK] の位置ごとに、確率の高い順 (同点は ID の小さい順) の上位 k 個の (トークン ID, 確率) の list を返します。"""
    results = []
    for position in (input_ids == mask_id).nonzero().flatten().tolist():
        probs = torch.softmax(logits[position], dim=-1)
        values, indices = torch.topk(probs, k)
        results.append([(int(i), float(p)) for p, i in zip(values, indices)])
    return results
