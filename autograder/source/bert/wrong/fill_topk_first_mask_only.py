"""Finds the [MASK] with list.index: only the first [MASK] is answered, and a sentence without one raises."""
# %% fill_mask_answer
def fill_mask_topk(logits: torch.Tensor, input_ids: torch.Tensor, mask_id: int, k: int) -> list[list[tuple[int, float]]]:
    """[MASK] の位置ごとに、確率の高い順 (同点は ID の小さい順) の上位 k 個の (トークン ID, 確率) の list を返します。"""
    position = input_ids.tolist().index(mask_id)
    probs = torch.softmax(logits[position], dim=-1)
    order = torch.sort(probs, descending=True, stable=True).indices[:k]
    return [[(int(i), float(probs[i])) for i in order]]
