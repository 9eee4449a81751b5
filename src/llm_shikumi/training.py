"""Small training helpers shared by every neural chapter (RNN, seq2seq, attention, Transformer, GPT).

The chapters show the model; the boilerplate around it lives here, written once and tested:

- :func:`set_seed` -- one call that makes a run reproducible (Python, NumPy and PyTorch);
- :func:`count_parameters` -- the number of (trainable) parameters of a model;
- :func:`encode_text` -- a string as a 1-D tensor of ids, unknown characters mapped to one id;
- :func:`batchify`, :func:`stream_chunks` -- a long token stream cut into ``B`` parallel streams and
  read in windows of ``T`` steps (for models that carry a hidden state from one window to the next);
- :func:`random_windows` -- an endless supply of random ``(B, T)`` input/target windows;
- :func:`sequence_nll` -- summed cross-entropy (negative log-likelihood, in nats) and token count;
- :func:`train_loop` -- the generic loop: loss, backward, optional gradient clipping, step, history;
- :func:`evaluate_nll` -- total NLL and token count over evaluation batches, without gradients;
- :func:`torch_threads` -- run a block with a given number of PyTorch threads (small recurrent
  models run faster on one thread than on two busy cores).

Convention: a *target* is the next token. For a stream ``ids`` the inputs are ``ids[:-1]`` and the
targets ``ids[1:]`` (教師強制, teacher forcing), so that position ``t`` of the output predicts ``ids[t+1]``.

>>> x, y = next(stream_chunks(batchify(torch.arange(9), 2), 3))
>>> x.tolist(), y.tolist()
([[0, 1, 2], [4, 5, 6]], [[1, 2, 3], [5, 6, 7]])
"""
from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

Batch = Any  # whatever the loss function accepts: a tuple of tensors, a dict, ...


def set_seed(seed: int) -> torch.Generator:
    """Seed Python's ``random``, NumPy and PyTorch; returns a ``torch.Generator`` seeded with ``seed``.

    Use the returned generator for sampling that should not depend on how many random numbers the
    model's initialisation consumed (batch order, text generation).
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


@contextmanager
def torch_threads(n: int | None):
    """Run the ``with`` block with ``torch.set_num_threads(n)`` (``None``: leave it), then restore it."""
    old = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """Number of scalar parameters of ``model`` (only those with ``requires_grad`` by default)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def encode_text(text: str, stoi: Mapping[str, int], unk_id: int = 0) -> torch.Tensor:
    """``text`` as a 1-D ``torch.long`` tensor of ids; a character missing from ``stoi`` becomes ``unk_id``."""
    return torch.tensor([stoi.get(ch, unk_id) for ch in text], dtype=torch.long)  # (N,)


def batchify(ids: torch.Tensor, batch_size: int) -> torch.Tensor:
    """Cut a 1-D stream into ``batch_size`` contiguous streams of equal length: shape ``(B, L)``.

    Row ``b`` is ``ids[b*L:(b+1)*L]`` with ``L = len(ids) // B``; the remainder is dropped.
    """
    if ids.dim() != 1:
        raise ValueError(f"ids は 1 次元のテンソルです（shape {tuple(ids.shape)} が渡されました）")
    if batch_size < 1:
        raise ValueError("batch_size は 1 以上です")
    length = ids.numel() // batch_size
    if length == 0:
        raise ValueError(f"長さ {ids.numel()} の系列を {batch_size} 本に分けられません")
    return ids[: length * batch_size].view(batch_size, length)  # (B, L)


def stream_chunks(streams: torch.Tensor, seq_len: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Consecutive ``(inputs, targets)`` windows of at most ``seq_len`` steps over ``(B, L)`` streams.

    Window ``k`` covers positions ``k*T .. k*T+T-1`` of each stream as inputs and the positions one
    later as targets, so the windows tile each stream's ``L - 1`` predictions exactly once. A model
    that carries its hidden state from one window to the next (truncated BPTT) sees the streams
    as one long text.
    """
    if seq_len < 1:
        raise ValueError("seq_len は 1 以上です")
    n_pred = streams.size(1) - 1
    for start in range(0, n_pred, seq_len):
        stop = min(start + seq_len, n_pred)
        yield streams[:, start:stop], streams[:, start + 1: stop + 1]  # (B, T), (B, T)


def random_windows(ids: torch.Tensor, batch_size: int, seq_len: int,
                   generator: torch.Generator | None = None) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Endless random windows of a 1-D stream: ``inputs`` (B, T) and ``targets`` (B, T), shifted by one."""
    if ids.numel() < seq_len + 1:
        raise ValueError(f"長さ {ids.numel()} の系列から長さ {seq_len} + 1 の窓は取れません")
    offsets = torch.arange(seq_len + 1)  # (T+1,)
    while True:
        starts = torch.randint(0, ids.numel() - seq_len, (batch_size,), generator=generator)  # (B,)
        window = ids[starts[:, None] + offsets[None, :]]  # (B, T+1)
        yield window[:, :-1], window[:, 1:]  # (B, T), (B, T)


def sequence_nll(logits: torch.Tensor, targets: torch.Tensor, ignore_index: int = -100) -> tuple[torch.Tensor, int]:
    """Summed cross-entropy in nats over all positions and the number of positions counted.

    ``logits`` has shape ``(..., V)`` and ``targets`` the same shape without ``V``; positions whose
    target is ``ignore_index`` (padding) count neither in the sum nor in the number.
    """
    V = logits.size(-1)
    flat_logits = logits.reshape(-1, V)  # (N, V)
    flat_targets = targets.reshape(-1)  # (N,)
    total = F.cross_entropy(flat_logits, flat_targets, ignore_index=ignore_index, reduction="sum")
    return total, int((flat_targets != ignore_index).sum())


@dataclass
class History:
    """What :func:`train_loop` recorded: the loss of every step and the periodic evaluations."""

    steps: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    eval_steps: list[int] = field(default_factory=list)
    eval: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def smoothed(self, window: int = 20) -> list[float]:
        """Running mean of the training loss over the last ``window`` steps (for a readable curve)."""
        out, acc = [], 0.0
        for i, value in enumerate(self.loss):
            acc += value
            if i >= window:
                acc -= self.loss[i - window]
            out.append(acc / min(i + 1, window))
        return out


def train_loop(model: nn.Module, batches: Iterable[Batch], loss_fn: Callable[[nn.Module, Batch], torch.Tensor],
               optimizer: torch.optim.Optimizer, steps: int | None = None, clip_norm: float | None = None,
               eval_fn: Callable[[nn.Module], float] | None = None, eval_every: int | None = None,
               scheduler: Any = None) -> History:
    """Train ``model`` for ``steps`` optimiser steps (or until ``batches`` runs out); returns a :class:`History`.

    Each step: ``loss = loss_fn(model, batch)`` (a scalar, the *mean* loss of the batch), backward,
    clip the gradient norm to ``clip_norm`` if given (勾配クリッピング, gradient clipping), step the
    optimiser (and ``scheduler`` if given). ``eval_fn(model)`` runs every ``eval_every`` steps and
    after the last step, in ``model.eval()`` mode and without gradients; its value goes to
    ``History.eval``. The step count, not the clock, decides when training stops, so a run is
    reproducible on any machine.
    """
    history = History()
    start = time.perf_counter()
    step = 0

    def run_eval() -> None:
        model.eval()
        with torch.no_grad():
            value = float(eval_fn(model))
        model.train()
        history.eval_steps.append(step)
        history.eval.append(value)

    model.train()
    for batch in batches:
        if steps is not None and step >= steps:
            break
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model, batch)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"ステップ {step + 1} で損失が {float(loss.detach())} になりました")
        loss.backward()
        # with max_norm = inf the call only measures the norm (nothing is scaled)
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf if clip_norm is None else clip_norm)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        step += 1
        history.steps.append(step)
        history.loss.append(float(loss.detach()))
        history.grad_norm.append(float(norm))
        if eval_fn is not None and eval_every and step % eval_every == 0:
            run_eval()
    if eval_fn is not None and (not history.eval_steps or history.eval_steps[-1] != step):
        run_eval()
    model.eval()
    history.seconds = time.perf_counter() - start
    return history


def evaluate_nll(model: nn.Module, batches: Iterable[Batch],
                 nll_fn: Callable[[nn.Module, Batch], tuple[torch.Tensor, int]]) -> tuple[float, int]:
    """Total negative log-likelihood (nats) and number of predicted tokens over ``batches``.

    ``nll_fn(model, batch)`` returns ``(summed nats, tokens)`` for one batch, e.g. via
    :func:`sequence_nll`. Runs in ``model.eval()`` mode without gradients. Feed the totals to
    :func:`llm_shikumi.lm_eval.bits_per_character` or :func:`llm_shikumi.lm_eval.perplexity`.
    """
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for batch in batches:
            nats, n = nll_fn(model, batch)
            total += float(nats)
            count += int(n)
    model.train(was_training)
    return total, count


def nats_to_bits(nats: float) -> float:
    """Convert nats (natural log) to bits (log base 2)."""
    return nats / math.log(2)


__all__: Sequence[str] = (
    "History", "batchify", "count_parameters", "encode_text", "evaluate_nll", "nats_to_bits",
    "random_windows", "sequence_nll", "set_seed", "stream_chunks", "torch_threads", "train_loop",
)
