"""Chooses positions with u < mask_prob everywhere: [CLS], [SEP] and [PAD] can be masked too."""
# %% mask_tokens_answer
def mask_tokens(input_ids: torch.Tensor, special_ids: set[int], mask_id: int, vocab_size: int, seed: int,
                mask_prob: float = 0.15) -> tuple[torch.Tensor, torch.Tensor]:
    """80/10/10 の規則でマスクした (masked_ids, labels) を返します。乱数は u, r, random_ids の順に引きます。"""
    g = torch.Generator().manual_seed(seed)
    u = torch.rand(input_ids.shape, generator=g)
    r = torch.rand(input_ids.shape, generator=g)
    random_ids = torch.randint(vocab_size, input_ids.shape, generator=g)
    chosen = u < mask_prob
    masked_ids = input_ids.clone()
    masked_ids[chosen & (r < 0.8)] = mask_id
    to_random = chosen & (r >= 0.8) & (r < 0.9)
    masked_ids[to_random] = random_ids[to_random].to(input_ids.dtype)
    labels = torch.where(chosen, input_ids.long(), torch.full_like(input_ids.long(), -100))
    return masked_ids, labels
