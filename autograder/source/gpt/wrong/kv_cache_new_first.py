"""Puts the new key and value in front of the cache: the output is the same, but the cache is in the wrong order."""
# %% kv_cache_answer
def attend_with_cache(q, k, v, cache):
    """新しい位置の q, k, v (B, 1, d) とキャッシュから (出力 (B, 1, d), (K, V)) を返します。"""
    if cache is not None:
        k = torch.cat([k, cache[0]], dim=1)
        v = torch.cat([v, cache[1]], dim=1)
    weights = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(q.size(-1)), dim=-1)
    return weights @ v, (k, v)
