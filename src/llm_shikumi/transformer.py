"""The Transformer of Vaswani et al. (2017), from its parts (chapter 08; chapter 10's GPT reuses the blocks).

Everything is built on chapter 07's :func:`llm_shikumi.attention.scaled_dot_product_attention`
(softmax(QK^T / sqrt(d_k)) V with a boolean mask, True = may attend).

- :func:`split_heads` / :func:`merge_heads`: (B, T, H*D) <-> (B, H, T, D).
- :func:`causal_mask`, :func:`key_padding_mask`: boolean masks, True = may attend, broadcastable to (B, H, Tq, Tk).
- :class:`MultiHeadAttention`: h heads in parallel, each on its own d_model/h slice of learned projections;
  self-attention (query = key = value = x), source-target (cross) attention (key = value = encoder output),
  optional KV cache for step-by-step decoding. Same numbers as ``torch.nn.MultiheadAttention`` with copied
  weights (``tests/test_transformer.py``).
- :class:`FeedForward`: the position-wise FFN max(0, x W1 + b1) W2 + b2 (or GELU, as in GPT).
- :class:`EncoderBlock`, :class:`DecoderBlock`: attention + FFN, each wrapped in Add & Norm, either post-LN
  (``norm_first=False``, the paper: x = LN(x + f(x))) or pre-LN (``norm_first=True``, GPT-2: x = x + f(LN(x))).
  The encoder block equals ``torch.nn.TransformerEncoderLayer`` with copied weights. A decoder block with
  ``cross_attention=False`` is the decoder-only (GPT) block: masked self-attention + FFN.
- :class:`Seq2SeqTransformer`: embeddings + positions + N encoder blocks + N decoder blocks + output layer,
  trained with teacher forcing, :meth:`Seq2SeqTransformer.greedy_decode` for translation.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from llm_shikumi.attention import scaled_dot_product_attention
from llm_shikumi.positional import LearnedPositionalEmbedding, SinusoidalPositionalEncoding


def split_heads(x: torch.Tensor, n_heads: int) -> torch.Tensor:
    """(B, T, H*D) -> (B, H, T, D): head h gets the features h*D .. (h+1)*D - 1."""
    B, T, C = x.shape
    if C % n_heads:
        raise ValueError(f"d_model={C} is not divisible by n_heads={n_heads}")
    x = x.view(B, T, n_heads, C // n_heads)  # (B, T, H, D)
    return x.transpose(1, 2)  # (B, H, T, D)


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """(B, H, T, D) -> (B, T, H*D), the inverse of :func:`split_heads`."""
    B, H, T, D = x.shape
    x = x.transpose(1, 2)  # (B, T, H, D)
    return x.reshape(B, T, H * D)  # (B, T, H*D); reshape copies, since the transpose is not contiguous


def causal_mask(Tq: int, Tk: int | None = None, device=None) -> torch.Tensor:
    """(Tq, Tk) boolean mask, True = may attend: query i sees keys j <= i + (Tk - Tq).

    With Tk = Tq this is chapter 07's :func:`llm_shikumi.attention.causal_mask` (the lower triangle). With a KV cache the Tq new queries come after Tk - Tq cached
    positions, so the diagonal moves right by that amount.
    """
    Tk = Tq if Tk is None else Tk
    return torch.ones(Tq, Tk, dtype=torch.bool, device=device).tril(diagonal=Tk - Tq)


def key_padding_mask(tokens: torch.Tensor, pad_id: int) -> torch.Tensor:
    """(B, T) token ids -> (B, 1, 1, T) boolean mask, True where the key is a real token (not padding).

    Chapter 07's :func:`llm_shikumi.attention.padding_mask` builds the same from lengths, as (B, 1, T);
    the extra axis here broadcasts over the heads.
    """
    return (tokens != pad_id)[:, None, None, :]  # (B, 1, 1, T): broadcasts over heads and queries


class MultiHeadAttention(nn.Module):
    """Multi-head attention: h scaled dot-product attentions on learned projections, concatenated.

    ``forward(query, key=None, value=None, mask=None, cache=None)`` returns ``(output, weights)``:
    output (B, Tq, d_model), weights (B, H, Tq, Tk). key and value default to query (self-attention).
    ``cache``: a dict that keeps the keys and values of earlier calls (self-attention during generation):
    the new keys/values are appended to ``cache["k"]``, ``cache["v"]`` and attention runs over all of them.
    """

    def __init__(self, d_model: int, n_heads: int, bias: bool = True):
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model={d_model} is not divisible by n_heads={n_heads}")
        self.d_model, self.n_heads, self.d_head = d_model, n_heads, d_model // n_heads
        self.q_proj = nn.Linear(d_model, d_model, bias=bias)
        self.k_proj = nn.Linear(d_model, d_model, bias=bias)
        self.v_proj = nn.Linear(d_model, d_model, bias=bias)
        self.out_proj = nn.Linear(d_model, d_model, bias=bias)

    def forward(self, query: torch.Tensor, key: torch.Tensor | None = None, value: torch.Tensor | None = None,
                mask: torch.Tensor | None = None, cache: dict | None = None):
        key = query if key is None else key
        value = key if value is None else value
        q = split_heads(self.q_proj(query), self.n_heads)  # (B, H, Tq, D)
        k = split_heads(self.k_proj(key), self.n_heads)  # (B, H, Tk, D)
        v = split_heads(self.v_proj(value), self.n_heads)  # (B, H, Tk, D)
        if cache is not None:
            if "k" in cache:
                k = torch.cat([cache["k"], k], dim=2)  # (B, H, T_past + Tk, D)
                v = torch.cat([cache["v"], v], dim=2)  # (B, H, T_past + Tk, D)
            cache["k"], cache["v"] = k, v
        out, weights = scaled_dot_product_attention(q, k, v, mask=mask)  # (B, H, Tq, D), (B, H, Tq, Tk)
        return self.out_proj(merge_heads(out)), weights  # (B, Tq, d_model), (B, H, Tq, Tk)

    @torch.no_grad()
    def load_from_torch(self, mha: nn.MultiheadAttention) -> "MultiHeadAttention":
        """Copy the weights of a ``torch.nn.MultiheadAttention`` (same d_model, heads, bias) into this module."""
        w_q, w_k, w_v = mha.in_proj_weight.chunk(3, dim=0)  # each (d_model, d_model)
        for proj, w in zip((self.q_proj, self.k_proj, self.v_proj), (w_q, w_k, w_v)):
            proj.weight.copy_(w)
        if mha.in_proj_bias is not None:
            for proj, b in zip((self.q_proj, self.k_proj, self.v_proj), mha.in_proj_bias.chunk(3)):
                proj.bias.copy_(b)
        self.out_proj.weight.copy_(mha.out_proj.weight)
        if mha.out_proj.bias is not None:
            self.out_proj.bias.copy_(mha.out_proj.bias)
        return self


class FeedForward(nn.Module):
    """Position-wise feed-forward network: max(0, x W1 + b1) W2 + b2, the same for every position.

    ``activation="gelu"`` gives GPT's variant.
    """

    def __init__(self, d_model: int, d_ff: int, dropout: float = 0.0, activation: str = "relu"):
        super().__init__()
        self.linear1 = nn.Linear(d_model, d_ff)
        self.linear2 = nn.Linear(d_ff, d_model)
        self.dropout = nn.Dropout(dropout)
        self.activation = {"relu": F.relu, "gelu": F.gelu}[activation]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear2(self.dropout(self.activation(self.linear1(x))))  # (B, T, d_ff) -> (B, T, d_model)


class EncoderBlock(nn.Module):
    """Self-attention + FFN, each with a residual connection and LayerNorm (Add & Norm).

    post-LN (``norm_first=False``, the paper): x = LN(x + SelfAttn(x)); x = LN(x + FFN(x)).
    pre-LN (``norm_first=True``): x = x + SelfAttn(LN(x)); x = x + FFN(LN(x)).
    ``forward(x, mask=None)``: x (B, T, d_model), mask True = may attend (e.g. :func:`key_padding_mask`).
    The attention weights of the last call are kept in ``self.attn_weights`` (B, H, T, T).
    """

    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float = 0.0, norm_first: bool = False,
                 activation: str = "relu", layer_norm_eps: float = 1e-5):
        super().__init__()
        self.norm_first = norm_first
        self.self_attn = MultiHeadAttention(d_model, n_heads)
        self.ffn = FeedForward(d_model, d_ff, dropout, activation)
        self.norm1 = nn.LayerNorm(d_model, eps=layer_norm_eps)
        self.norm2 = nn.LayerNorm(d_model, eps=layer_norm_eps)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.attn_weights: torch.Tensor | None = None

    def _sa(self, x, mask):
        out, self.attn_weights = self.self_attn(x, mask=mask)
        return self.dropout1(out)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if self.norm_first:
            x = x + self._sa(self.norm1(x), mask)
            return x + self.dropout2(self.ffn(self.norm2(x)))
        x = self.norm1(x + self._sa(x, mask))
        return self.norm2(x + self.dropout2(self.ffn(x)))

    @torch.no_grad()
    def load_from_torch(self, layer: nn.TransformerEncoderLayer) -> "EncoderBlock":
        """Copy the weights of a ``torch.nn.TransformerEncoderLayer`` (same sizes) into this block."""
        self.self_attn.load_from_torch(layer.self_attn)
        for mine, theirs in [(self.ffn.linear1, layer.linear1), (self.ffn.linear2, layer.linear2),
                             (self.norm1, layer.norm1), (self.norm2, layer.norm2)]:
            mine.load_state_dict(theirs.state_dict())
        return self


class DecoderBlock(nn.Module):
    """Masked (causal) self-attention, then source-target attention over the encoder output, then FFN.

    Each sub-layer is wrapped in Add & Norm, post-LN or pre-LN (``norm_first``, default pre-LN as in GPT).
    With ``cross_attention=False`` there is no source-target attention: the block of a decoder-only
    model (GPT, chapter 10).

    ``forward(x, memory=None, self_mask=None, memory_mask=None, cache=None)``:
    x (B, T, d_model); memory (B, S, d_model) the encoder output; ``self_mask`` defaults to the causal mask
    (query i sees positions <= i); ``memory_mask`` e.g. :func:`key_padding_mask` of the source; ``cache`` a dict
    for the self-attention's keys/values during generation (x then holds only the new positions).
    The last weights are kept in ``self.self_attn_weights`` and ``self.cross_attn_weights``.
    """

    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float = 0.0, norm_first: bool = True,
                 cross_attention: bool = True, activation: str = "relu", layer_norm_eps: float = 1e-5):
        super().__init__()
        self.norm_first = norm_first
        self.self_attn = MultiHeadAttention(d_model, n_heads)
        self.cross_attn = MultiHeadAttention(d_model, n_heads) if cross_attention else None
        self.ffn = FeedForward(d_model, d_ff, dropout, activation)
        self.norm1 = nn.LayerNorm(d_model, eps=layer_norm_eps)
        self.norm2 = nn.LayerNorm(d_model, eps=layer_norm_eps) if cross_attention else None
        self.norm3 = nn.LayerNorm(d_model, eps=layer_norm_eps)
        self.dropout = nn.Dropout(dropout)
        self.self_attn_weights: torch.Tensor | None = None
        self.cross_attn_weights: torch.Tensor | None = None

    def _self(self, x, mask, cache):
        if mask is None:
            past = cache["k"].size(2) if cache is not None and "k" in cache else 0
            mask = causal_mask(x.size(1), past + x.size(1), device=x.device)  # (T, T_past + T)
        out, self.self_attn_weights = self.self_attn(x, mask=mask, cache=cache)
        return self.dropout(out)

    def _cross(self, x, memory, memory_mask):
        out, self.cross_attn_weights = self.cross_attn(x, memory, memory, mask=memory_mask)
        return self.dropout(out)

    @torch.no_grad()
    def load_from_torch(self, layer: nn.TransformerDecoderLayer) -> "DecoderBlock":
        """Copy the weights of a ``torch.nn.TransformerDecoderLayer`` (same sizes) into this block."""
        self.self_attn.load_from_torch(layer.self_attn)
        self.cross_attn.load_from_torch(layer.multihead_attn)
        for mine, theirs in [(self.ffn.linear1, layer.linear1), (self.ffn.linear2, layer.linear2),
                             (self.norm1, layer.norm1), (self.norm2, layer.norm2), (self.norm3, layer.norm3)]:
            mine.load_state_dict(theirs.state_dict())
        return self

    def forward(self, x: torch.Tensor, memory: torch.Tensor | None = None, self_mask: torch.Tensor | None = None,
                memory_mask: torch.Tensor | None = None, cache: dict | None = None) -> torch.Tensor:
        if self.cross_attn is not None and memory is None:
            raise ValueError("this decoder block has source-target attention: pass the encoder output as memory")
        if self.norm_first:
            x = x + self._self(self.norm1(x), self_mask, cache)
            if self.cross_attn is not None:
                x = x + self._cross(self.norm2(x), memory, memory_mask)
            return x + self.dropout(self.ffn(self.norm3(x)))
        x = self.norm1(x + self._self(x, self_mask, cache))
        if self.cross_attn is not None:
            x = self.norm2(x + self._cross(x, memory, memory_mask))
        return self.norm3(x + self.dropout(self.ffn(x)))


class Seq2SeqTransformer(nn.Module):
    """Encoder-decoder Transformer for translation (chapter 08), small enough for a CPU.

    ``forward(src, tgt_in)`` -> logits (B, T, tgt_vocab) with teacher forcing; ``src`` (B, S) and ``tgt_in``
    (B, T) are padded id tensors (``pad_id``). ``positions="sinusoidal"`` or ``"learned"``.
    Pre-LN blocks have a final LayerNorm after the last block (as in GPT-2); post-LN blocks do not need one.
    """

    def __init__(self, src_vocab: int, tgt_vocab: int, d_model: int = 64, n_heads: int = 4, d_ff: int = 128,
                 n_layers: int = 2, dropout: float = 0.1, max_len: int = 128, pad_id: int = 0,
                 norm_first: bool = True, positions: str = "sinusoidal"):
        super().__init__()
        self.pad_id, self.d_model = pad_id, d_model
        self.src_embed = nn.Embedding(src_vocab, d_model, padding_idx=pad_id)
        self.tgt_embed = nn.Embedding(tgt_vocab, d_model, padding_idx=pad_id)
        pos_cls = {"sinusoidal": SinusoidalPositionalEncoding, "learned": LearnedPositionalEmbedding}[positions]
        self.src_pos = pos_cls(d_model, max_len, dropout)
        self.tgt_pos = pos_cls(d_model, max_len, dropout)
        self.encoder = nn.ModuleList(EncoderBlock(d_model, n_heads, d_ff, dropout, norm_first)
                                     for _ in range(n_layers))
        self.decoder = nn.ModuleList(DecoderBlock(d_model, n_heads, d_ff, dropout, norm_first)
                                     for _ in range(n_layers))
        self.enc_norm = nn.LayerNorm(d_model) if norm_first else nn.Identity()
        self.dec_norm = nn.LayerNorm(d_model) if norm_first else nn.Identity()
        self.out = nn.Linear(d_model, tgt_vocab)

    def encode(self, src: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """src (B, S) -> (memory (B, S, d_model), source mask (B, 1, 1, S))."""
        mask = key_padding_mask(src, self.pad_id)  # (B, 1, 1, S)
        x = self.src_pos(self.src_embed(src) * math.sqrt(self.d_model))  # (B, S, d_model)
        for block in self.encoder:
            x = block(x, mask)
        return self.enc_norm(x), mask

    def decode(self, tgt_in: torch.Tensor, memory: torch.Tensor, memory_mask: torch.Tensor,
               caches: list[dict] | None = None, start: int = 0) -> torch.Tensor:
        """tgt_in (B, T) -> logits (B, T, tgt_vocab). With ``caches`` (one dict per block) tgt_in holds only
        the new positions, starting at position ``start``."""
        x = self.tgt_pos(self.tgt_embed(tgt_in) * math.sqrt(self.d_model), start=start)  # (B, T, d_model)
        for i, block in enumerate(self.decoder):
            x = block(x, memory, memory_mask=memory_mask, cache=None if caches is None else caches[i])
        return self.out(self.dec_norm(x))  # (B, T, tgt_vocab)

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        memory, mask = self.encode(src)
        return self.decode(tgt_in, memory, mask)

    @torch.no_grad()
    def greedy_decode(self, src: torch.Tensor, bos_id: int, eos_id: int, max_len: int = 30,
                      use_cache: bool = True) -> torch.Tensor:
        """Greedy translation of a batch: (B, S) -> (B, <= max_len) ids, without BOS; after EOS, pad_id.

        With ``use_cache`` each step feeds only the newest token and reuses the cached keys/values of the
        decoder's self-attention (same result as re-running the whole prefix, which ``use_cache=False`` does).
        """
        was_training = self.training
        self.eval()
        memory, mask = self.encode(src)
        B = src.size(0)
        ys = torch.full((B, 1), bos_id, dtype=torch.long, device=src.device)  # (B, 1)
        done = torch.zeros(B, dtype=torch.bool, device=src.device)
        caches = [dict() for _ in self.decoder] if use_cache else None
        for step in range(max_len):
            if use_cache:
                logits = self.decode(ys[:, -1:], memory, mask, caches, start=step)  # (B, 1, V)
            else:
                logits = self.decode(ys, memory, mask)  # (B, step + 1, V)
            nxt = logits[:, -1].argmax(-1)  # (B,)
            nxt = torch.where(done, torch.full_like(nxt, self.pad_id), nxt)
            ys = torch.cat([ys, nxt[:, None]], dim=1)  # (B, step + 2)
            done |= nxt == eos_id
            if done.all():
                break
        self.train(was_training)
        return ys[:, 1:]


# --------------------------------------------------------------------------- the translation task of chapters 06-07


def translation_batches(pairs, dataset, batch_size: int, generator: torch.Generator):
    """Endless shuffled ``(src (B, S), tgt (B, T+2))`` batches of :mod:`llm_shikumi.translation` pairs,
    each trimmed to its longest sentence (padding id 0)."""
    from llm_shikumi.translation import PAD_ID, encode_batch

    src, lengths, tgt = encode_batch(pairs, dataset.src_vocab, dataset.tgt_vocab)  # all pairs, once
    tgt_len = (tgt != PAD_ID).sum(1)  # (N,)
    while True:
        for idx in torch.randperm(len(pairs), generator=generator).split(batch_size):
            yield src[idx, : int(lengths[idx].max())], tgt[idx, : int(tgt_len[idx].max())]


def translation_loss(model: Seq2SeqTransformer, batch) -> torch.Tensor:
    """Mean cross-entropy of the next target word with teacher forcing; padding is ignored."""
    src, tgt = batch
    tgt_in, tgt_out = tgt[:, :-1], tgt[:, 1:]  # (B, T), (B, T)
    logits = model(src, tgt_in)  # (B, T, V)
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt_out.reshape(-1), ignore_index=model.pad_id)


def train_translation_transformer(dataset, steps: int = 600, batch_size: int = 64, lr: float = 3e-3,
                                  seed: int = 0, warmup: int = 50, clip_norm: float = 1.0, **model_kwargs):
    """Train a :class:`Seq2SeqTransformer` on ``dataset.train`` (Adam, linear warm-up, fixed number of steps).

    Returns ``(model, history)``; ``history`` is :func:`llm_shikumi.training.train_loop`'s record (with the
    wall-clock seconds). ``model_kwargs`` go to :class:`Seq2SeqTransformer` (d_model, n_layers, norm_first, ...).
    """
    from llm_shikumi.training import set_seed, train_loop
    from llm_shikumi.translation import PAD_ID

    generator = set_seed(seed)
    model = Seq2SeqTransformer(len(dataset.src_vocab), len(dataset.tgt_vocab), pad_id=PAD_ID, **model_kwargs)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.98))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / warmup))
    history = train_loop(model, translation_batches(dataset.train, dataset, batch_size, generator), translation_loss,
                         optimizer, steps=steps, clip_norm=clip_norm, scheduler=scheduler)
    return model, history


def translate_transformer(model: Seq2SeqTransformer, pairs, dataset, batch_size: int = 500,
                          max_len: int = 30) -> list[list[str]]:
    """Greedy translations (lists of Japanese words) of the English sides of ``pairs``."""
    from llm_shikumi.translation import BOS_ID, EOS_ID, encode_batch

    hyps: list[list[str]] = []
    for start in range(0, len(pairs), batch_size):
        chunk = pairs[start : start + batch_size]
        src, _, _ = encode_batch(chunk, dataset.src_vocab, dataset.tgt_vocab)  # (B, S)
        ids = model.greedy_decode(src, BOS_ID, EOS_ID, max_len=max_len)  # (B, <= max_len)
        hyps.extend(dataset.tgt_vocab.decode(row.tolist()) for row in ids)
    return hyps
