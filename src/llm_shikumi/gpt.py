"""GPT: a decoder-only Transformer language model, built from chapter 08's blocks (chapter 10).

A GPT is token embeddings + learned position embeddings, a stack of pre-LN decoder blocks without
source-target attention (:class:`llm_shikumi.transformer.DecoderBlock` with ``cross_attention=False``:
masked self-attention + FFN), a final LayerNorm, and an output layer that shares its weights with the
token embedding (weight tying). It is trained on one task: predict the next token.

- :class:`GPTConfig`, :class:`GPT`: the model; ``forward(idx)`` gives logits (B, T, V).
- :meth:`GPT.generate`: sampling with temperature / top-k / top-p (:mod:`llm_shikumi.sampling`),
  with or without the KV cache (キー・バリューキャッシュ): both give the same tokens.
- :func:`to_transformers`: the same model as a ``transformers`` ``GPT2LMHeadModel`` with copied weights;
  the two compute the same logits (``tests/test_gpt.py``), which shows that GPT-2 is exactly this design.
- :func:`stream_nll`: total negative log-likelihood of a long text with a sliding window, for bits per
  character on the held-out text (:mod:`llm_shikumi.lm_eval`).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from llm_shikumi.positional import LearnedPositionalEmbedding
from llm_shikumi.sampling import sample
from llm_shikumi.transformer import DecoderBlock


@dataclass
class GPTConfig:
    vocab_size: int
    block_size: int = 128  # the longest context the model sees (number of learned positions)
    d_model: int = 128
    n_heads: int = 4
    n_layers: int = 4
    d_ff: int | None = None  # 4 * d_model when None, as in GPT-2
    dropout: float = 0.0

    @property
    def ff_size(self) -> int:
        return self.d_ff or 4 * self.d_model


class GPT(nn.Module):
    """Decoder-only Transformer: embeddings, pre-LN masked self-attention blocks, LayerNorm, tied output."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = config
        self.tok_emb = nn.Embedding(config.vocab_size, config.d_model)
        self.pos_emb = LearnedPositionalEmbedding(config.d_model, config.block_size, config.dropout)
        self.blocks = nn.ModuleList(
            DecoderBlock(config.d_model, config.n_heads, config.ff_size, config.dropout, norm_first=True,
                         cross_attention=False, activation="gelu")
            for _ in range(config.n_layers))
        self.ln_f = nn.LayerNorm(config.d_model)
        self.head = nn.Linear(config.d_model, config.vocab_size, bias=False)
        self.head.weight = self.tok_emb.weight  # weight tying: one matrix reads and writes tokens
        self.apply(self._init)

    @staticmethod
    def _init(module: nn.Module) -> None:
        # GPT-2's initialisation: N(0, 0.02) for weights, zeros for biases.
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def forward(self, idx: torch.Tensor, caches: list[dict] | None = None) -> torch.Tensor:
        """idx (B, T) token ids -> logits (B, T, V). With ``caches`` (one dict per block) idx holds only
        the new tokens and the blocks attend to the cached keys and values of the earlier ones."""
        B, T = idx.shape
        start = caches[0]["k"].size(2) if caches and "k" in caches[0] else 0
        x = self.pos_emb(self.tok_emb(idx), start=start)  # (B, T, d_model)
        for i, block in enumerate(self.blocks):
            x = block(x, cache=None if caches is None else caches[i])  # (B, T, d_model)
        return self.head(self.ln_f(x))  # (B, T, V)

    def loss(self, idx: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy of next-token prediction; idx and targets (B, T)."""
        logits = self(idx)  # (B, T, V)
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))  # (B*T, V) vs (B*T,)

    @torch.no_grad()
    def generate(self, idx: torch.Tensor, max_new_tokens: int, *, temperature: float = 1.0,
                 top_k: int | None = None, top_p: float | None = None, generator: torch.Generator | None = None,
                 use_cache: bool = True) -> torch.Tensor:
        """Append ``max_new_tokens`` sampled tokens to idx (B, T); returns (B, T + max_new_tokens).

        Without the cache every step recomputes the whole context; with it, each step feeds only the
        newest token and reuses the keys and values computed before. Contexts longer than block_size
        are cut to the last block_size tokens (the cache is then rebuilt).
        """
        was_training = self.training
        self.eval()
        caches = None
        for _ in range(max_new_tokens):
            context = idx[:, -self.config.block_size:]  # (B, <=block_size)
            if use_cache:
                if caches is None or caches[0]["k"].size(2) >= self.config.block_size:
                    caches = [{} for _ in self.blocks]
                    logits = self(context, caches)  # (B, T, V): fills the caches
                else:
                    logits = self(idx[:, -1:], caches)  # (B, 1, V): one new position
            else:
                logits = self(context)  # (B, T, V)
            next_id = sample(logits[:, -1, :], temperature=temperature, top_k=top_k, top_p=top_p,
                             generator=generator)  # (B,)
            idx = torch.cat([idx, next_id[:, None]], dim=1)  # (B, T+1)
        self.train(was_training)
        return idx


@torch.no_grad()
def stream_nll(model: GPT, ids: torch.Tensor, context: torch.Tensor, stride: int | None = None,
               batch_size: int = 16) -> tuple[float, int]:
    """Total NLL (nats) of every token of ``ids`` (1-D) given ``context`` (1-D, e.g. one "\\n") before it,
    and the number of tokens scored (always ``len(ids)``).

    The text is scored in chunks of ``stride`` tokens (default half a block). Each chunk is predicted by
    one window of up to block_size tokens that ends with it, so every token is predicted exactly once
    and, after the start, with at least block_size - stride tokens of context.
    """
    T = model.config.block_size
    stride = stride or T // 2
    if not 0 < stride <= T:
        raise ValueError("stride は 1 以上 block_size 以下です")
    full = torch.cat([context, ids])  # (C + N,)
    N, first = full.numel(), context.numel()
    if first < 1:
        raise ValueError("context には少なくとも 1 トークンが必要です")
    # chunk [a, b): targets full[a:b], predicted by inputs full[s:b-1] with s = max(0, b-1-T)
    chunks = [(a, min(a + stride, N)) for a in range(first, N, stride)]
    model.eval()
    total, count = 0.0, 0
    full_length = [(a, b) for a, b in chunks if b - 1 - T >= 0]
    short = [(a, b) for a, b in chunks if b - 1 - T < 0]
    for group in [short[i:i + 1] for i in range(len(short))] + \
            [full_length[i:i + batch_size] for i in range(0, len(full_length), batch_size)]:
        starts = [max(0, b - 1 - T) for _, b in group]
        x = torch.stack([full[s:b - 1] for s, (_, b) in zip(starts, group)])  # (g, L)
        y = torch.stack([full[s + 1:b] for s, (_, b) in zip(starts, group)])  # (g, L)
        logp = torch.log_softmax(model(x), dim=-1)  # (g, L, V)
        nll = -logp.gather(-1, y[..., None])[..., 0]  # (g, L)
        L = x.size(1)
        target_pos = torch.tensor(starts)[:, None] + 1 + torch.arange(L)[None, :]  # (g, L): index in full
        keep = target_pos >= torch.tensor([a for a, _ in group])[:, None]
        total += float(nll[keep].sum())
        count += int(keep.sum())
    return total, count


def to_transformers(model: GPT):
    """The same network as a ``transformers.GPT2LMHeadModel`` with copied weights (no dropout, exact GELU)."""
    from transformers import GPT2Config, GPT2LMHeadModel

    c = model.config
    hf = GPT2LMHeadModel(GPT2Config(
        vocab_size=c.vocab_size, n_positions=c.block_size, n_embd=c.d_model, n_layer=c.n_layers,
        n_head=c.n_heads, n_inner=c.ff_size, activation_function="gelu", resid_pdrop=0.0, embd_pdrop=0.0,
        attn_pdrop=0.0, layer_norm_epsilon=1e-5, tie_word_embeddings=True, bos_token_id=None,
        eos_token_id=None))
    hf.eval()
    with torch.no_grad():
        t = hf.transformer
        t.wte.weight.copy_(model.tok_emb.weight)
        t.wpe.weight.copy_(model.pos_emb.embedding.weight)
        for mine, theirs in zip(model.blocks, t.h):
            a = mine.self_attn
            # GPT-2 keeps Q, K, V in one Conv1D whose weight is (in, out): the transpose of nn.Linear's.
            theirs.attn.c_attn.weight.copy_(torch.cat([a.q_proj.weight, a.k_proj.weight, a.v_proj.weight]).T)
            theirs.attn.c_attn.bias.copy_(torch.cat([a.q_proj.bias, a.k_proj.bias, a.v_proj.bias]))
            theirs.attn.c_proj.weight.copy_(a.out_proj.weight.T)
            theirs.attn.c_proj.bias.copy_(a.out_proj.bias)
            theirs.mlp.c_fc.weight.copy_(mine.ffn.linear1.weight.T)
            theirs.mlp.c_fc.bias.copy_(mine.ffn.linear1.bias)
            theirs.mlp.c_proj.weight.copy_(mine.ffn.linear2.weight.T)
            theirs.mlp.c_proj.bias.copy_(mine.ffn.linear2.bias)
            theirs.ln_1.load_state_dict(mine.norm1.state_dict())
            theirs.ln_2.load_state_dict(mine.norm3.state_dict())
        t.ln_f.load_state_dict(model.ln_f.state_dict())
    return hf
