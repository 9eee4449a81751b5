"""Returns the cache as a list [K, V] instead of the tuple (K, V) the task asks for."""
# %% kv_cache_answer
def attend_with_cache(q, k, v, cache):
    """新しい位置の q, k, v (B, 1, d) とキャッシュから (出力 (B, 1, d), (K, V)) を返します。"""
    if cache is not None:
        k = torch.cat([cache[0], k], dim=1)
        v = torch.cat([cache[1], v], dim=1)
    weights = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(q.size(-1)), dim=-1)
    return weights @ v, [k, v]
