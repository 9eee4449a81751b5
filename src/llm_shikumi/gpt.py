"""GPT: a decoder-only Transformer language model, built from chapter 08's blocks (chapter 10).

A GPT is token embeddings + learned position embeddings, a stack of pre-LN decoder blocks without
source-target attention (:class:`llm_shikumi.transformer.DecoderBlock` with ``cross_attention=False``:
masked self-attention + FFN), a final LayerNorm, and an output layer that shares its weights with the
token embedding (weight tying). It is trained on one task: predict the next token. ``output_bias``
adds one learned number per token to the logits (GPT-2 has none; a small model trained briefly learns
the tokens' frequencies through it at once, see :data:`CHAPTER_CONFIG`).

- :class:`GPTConfig`, :class:`GPT`: the model; ``forward(idx)`` gives logits (B, T, V).
- :meth:`GPT.generate`: sampling with temperature / top-k / top-p (:mod:`llm_shikumi.sampling`),
  with or without the KV cache (キー・バリューキャッシュ): both give the same tokens.
- :func:`to_transformers`: the same model as a ``transformers`` ``GPT2LMHeadModel`` with copied weights;
  the two compute the same logits (``tests/test_gpt.py``), which shows that GPT-2 is exactly this design.
- :func:`stream_nll`: total negative log-likelihood of a long text with a sliding window, for bits per
  character on the held-out text (:mod:`llm_shikumi.lm_eval`).
- :func:`train_char_gpt`, :func:`evaluate_char_gpt`: the character-level GPT of chapter 10 on the novel
  (:data:`CHAPTER_CONFIG`): random windows of the train split, AdamW with linear warm-up and cosine
  decay (:func:`warmup_cosine`), bits per character on every character of a split.
- :func:`long_run`, :func:`load_long_run`: the same model trained for many more steps than a chapter can
  afford, recorded in ``data/gpt_long_run.json`` (``python -m llm_shikumi.gpt --long-run``).
"""
from __future__ import annotations

import math
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
    output_bias: bool = False  # one learned bias per token on the output layer (GPT-2 has none)
    embed_init_std: float = 0.02  # initial spread of the token embedding (= output layer); GPT-2's is 0.02

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
        # (V,): how likely each token is before looking at the context (its log-frequency, once learned)
        self.head_bias = nn.Parameter(torch.zeros(config.vocab_size)) if config.output_bias else None
        self.apply(self._init)
        with torch.no_grad():  # N(0, 0.02) rescaled to N(0, embed_init_std²), no extra random numbers drawn
            self.tok_emb.weight.mul_(config.embed_init_std / 0.02)

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
        logits = self.head(self.ln_f(x))  # (B, T, V)
        if self.head_bias is not None:
            logits = logits + self.head_bias  # (B, T, V) + (V,)
        return logits

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
    if c.output_bias:
        raise ValueError("GPT-2 の出力層にはバイアスがありません: output_bias=False のモデルだけを写せます")
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


# ---------------------------------------------------------------------------------------------------
# The character-level GPT of chapter 10: training, evaluation, and a longer recorded run
# ---------------------------------------------------------------------------------------------------

# Chapter 10's model and training settings (the notebook trains with exactly these). The vocabulary is
# chapter 05's characters (:func:`llm_shikumi.rnn.novel_char_data`), so bits per character compare directly.
# Two departures from GPT-2's defaults make this small, briefly trained model learn much faster (chapter 10
# explains them): an output bias, and token embeddings initialised with std d_model ** -0.5 instead of 0.02.
CHAPTER_CONFIG = dict(block_size=64, d_model=64, n_heads=4, n_layers=2, output_bias=True, embed_init_std=0.125,
                      batch_size=16, steps=300, lr=1e-2, warmup_steps=20, min_lr_ratio=0.1, weight_decay=0.0,
                      clip_norm=1.0, seed=0)


def warmup_cosine(step: int, total_steps: int, warmup_steps: int, min_ratio: float = 0.1) -> float:
    """Learning-rate factor at optimiser step ``step`` (0-based): linear warm-up to 1 over ``warmup_steps``,
    then a cosine decay that reaches ``min_ratio`` at ``total_steps`` (and stays there).

    >>> [round(warmup_cosine(s, 10, 2), 2) for s in (0, 1, 2, 6, 10)]
    [0.5, 1.0, 1.0, 0.55, 0.1]
    """
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
    return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress))


def evaluate_char_gpt(model: GPT, ids: torch.Tensor, num_threads: int | None = 1) -> dict[str, float]:
    """Total NLL (nats), characters, bits per character and perplexity of the character ids ``ids`` (N,).

    Every character is predicted exactly once (:func:`stream_nll`), the first one after ``"\\n"`` as if
    the text started a paragraph: the same accounting as :func:`llm_shikumi.rnn.evaluate_char_lm`.
    """
    from llm_shikumi import lm_eval, rnn
    from llm_shikumi.training import torch_threads

    data = rnn.novel_char_data()
    with torch_threads(num_threads):
        nats, n = stream_nll(model, ids, data.encode("\n"))
    if n != ids.numel():
        raise AssertionError(f"scored {n} characters of {ids.numel()}")
    return {"nats": nats, "chars": n, "bpc": lm_eval.bits_per_character(nats, n),
            "perplexity": lm_eval.perplexity(nats, n)}


def train_char_gpt(block_size: int = 64, d_model: int = 64, n_heads: int = 4, n_layers: int = 2,
                   output_bias: bool = True, embed_init_std: float = 0.125, batch_size: int = 16,
                   steps: int = 300, lr: float = 1e-2,
                   warmup_steps: int = 20, min_lr_ratio: float = 0.1, weight_decay: float = 0.0,
                   clip_norm: float = 1.0, seed: int = 0, eval_every: int | None = None,
                   eval_chars: int | None = None, num_threads: int | None = 1):
    """Train a character-level :class:`GPT` on the novel's train split; returns ``(model, history)``.

    Each step reads ``batch_size`` random windows of ``block_size`` + 1 characters
    (:func:`llm_shikumi.training.random_windows`) and predicts the next character at every position.
    AdamW with learning rate ``lr`` × :func:`warmup_cosine`, gradient clipping at ``clip_norm``. With
    ``eval_every``, ``History.eval`` holds the dev split's bits per character (its first ``eval_chars``
    characters, or all of it) at those steps and after the last. ``num_threads``: PyTorch threads.
    """
    from llm_shikumi import rnn
    from llm_shikumi.training import random_windows, set_seed, torch_threads, train_loop

    data = rnn.novel_char_data()
    config = GPTConfig(vocab_size=data.vocab_size, block_size=block_size, d_model=d_model, n_heads=n_heads,
                       n_layers=n_layers, output_bias=output_bias, embed_init_std=embed_init_std)
    generator = set_seed(seed)
    model = GPT(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: warmup_cosine(step, steps, warmup_steps, min_lr_ratio))
    dev = data.dev if eval_chars is None else data.dev[:eval_chars]
    eval_fn = (lambda m: evaluate_char_gpt(m, dev, num_threads=None)["bpc"]) if eval_every else None
    with torch_threads(num_threads):
        history = train_loop(model, random_windows(data.train, batch_size, block_size, generator=generator),
                             lambda m, batch: m.loss(*batch), optimizer, steps=steps, clip_norm=clip_norm,
                             scheduler=scheduler, eval_fn=eval_fn, eval_every=eval_every)
    return model, history


CHAPTER_RESULT = "chapter10_gpt"  # the name chapter 10 stores its test bpc under (llm_shikumi.results)


def chapter_modules() -> list:
    """The modules whose source decides chapter 10's GPT run: part of the key of its stored result."""
    import sys

    from llm_shikumi import attention, lm_eval, novel, positional, rnn, sampling, training, transformer

    return [sys.modules[__name__], attention, lm_eval, novel, positional, rnn, sampling, training, transformer]


def rnn_modules() -> list:
    """The modules under which chapter 05 stores its GRU's test bpc (:data:`llm_shikumi.rnn.CHAPTER_RESULT`)."""
    from llm_shikumi import novel, rnn, training

    return [rnn, training, novel]


def table_labels() -> dict[str, str]:
    """Row labels of chapter 10's bits-per-character table for the neural models and the compressor
    (the N-gram rows are labelled by :func:`llm_shikumi.ngram.novel_baselines`)."""
    from llm_shikumi import rnn

    return {
        "rnn": f"文字 GRU（第 5 章、{rnn.CHAPTER_CONFIG['steps']:,} ステップ）",
        "rnn_long": f"文字 GRU（記録、{rnn.LONG_RUN_CONFIG['steps']:,} ステップ）",
        "lzma": "LZMA 圧縮（xz）",
        "gpt": f"文字 GPT（この章、{CHAPTER_CONFIG['steps']:,} ステップ）",
        "gpt_long": f"文字 GPT（記録、{LONG_RUN_STEPS:,} ステップ）",
    }


LONG_RUN_STEPS = 3000
# the chapter's settings, only trained for more steps
LONG_RUN_CONFIG = {**CHAPTER_CONFIG, "steps": LONG_RUN_STEPS}


def _long_run_path():
    from llm_shikumi import novel

    return novel.DATA_DIR / "gpt_long_run.json"


def _git(*args: str) -> str | None:
    import subprocess
    from pathlib import Path

    try:
        out = subprocess.run(["git", *args], cwd=Path(__file__).parent, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def long_run(path=None, config: dict | None = None, eval_every: int = 500, num_threads: int = 1) -> dict:
    """Train ``config`` (default :data:`LONG_RUN_CONFIG`), measure dev and test bpc, write them to ``path``.

    Chapter 10 trains for a few hundred steps only (it must run in under a minute); this records what
    the same model reaches with a longer budget, so that the chapter can show it without retraining.
    Run: ``python -m llm_shikumi.gpt --long-run`` (tens of minutes on one thread).
    """
    import json
    import platform
    import time

    from llm_shikumi import rnn

    config = dict(LONG_RUN_CONFIG if config is None else config)
    data = rnn.novel_char_data()
    # the code that runs is the code at the start: a commit, and whether the package differed from it
    commit = _git("rev-parse", "HEAD")
    changes = _git("status", "--porcelain", "--", ".")
    start = time.perf_counter()
    model, history = train_char_gpt(**config, eval_every=eval_every, num_threads=num_threads)
    test = evaluate_char_gpt(model, data.test, num_threads=num_threads)
    record = {
        "config": config,
        "parameters": sum(p.numel() for p in model.parameters()),
        "chars_seen": config["steps"] * config["batch_size"] * config["block_size"],
        "train_chars": int(data.train.numel()),
        "dev_bpc": [[s, v] for s, v in zip(history.eval_steps, history.eval)],
        "test_bpc": test["bpc"],
        "test_perplexity": test["perplexity"],
        "test_chars": test["chars"],
        "seconds": time.perf_counter() - start,
        "threads": num_threads,
        "torch": str(torch.__version__),
        "machine": platform.machine(),
        "git_commit": commit or None,
        "git_uncommitted_changes": None if changes is None else bool(changes),
        "command": "python -m llm_shikumi.gpt --long-run",
    }
    with open(path or _long_run_path(), "w", encoding="utf-8") as f:
        json.dump(record, f, ensure_ascii=False, indent=1)
    return record


def load_long_run(path=None) -> dict | None:
    """The record written by :func:`long_run`, or None if it was never run."""
    import json

    try:
        with open(path or _long_run_path(), encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return None


if __name__ == "__main__":  # pragma: no cover - a command that takes tens of minutes
    import argparse

    parser = argparse.ArgumentParser(description="第10章の文字 GPT を長く学習し、結果を JSON に記録します。")
    parser.add_argument("--long-run", action="store_true", required=True)
    parser.parse_args()
    print(long_run())
