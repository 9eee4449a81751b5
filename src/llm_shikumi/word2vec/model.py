"""The word2vec model (two embedding tables) and its training loop.

word2vec has no non-linear hidden layer: the input word's row of ``W_in`` (for CBOW the mean of
the context words' rows) is a *projection*, scored against rows of ``W_out`` by a dot product.
Both tables are ``nn.Embedding``: a one-hot row vector times a weight matrix, without the
multiplication.
"""
from __future__ import annotations

import math
import time
from typing import Literal, Sequence

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from llm_shikumi.vocab import Vocabulary
from llm_shikumi.word2vec.pairs import (
    cbow_tensors,
    keep_probabilities,
    negative_sampling_loss,
    noise_distribution,
    skipgram_pair_tensor,
    subsample as subsample_ids,
)
from llm_shikumi.word2vec.vectors import WordVectors

Mode = Literal["skipgram", "cbow"]


class Word2Vec(nn.Module):
    """The two embedding tables of word2vec and the negative-sampling loss.

    ``mode="skipgram"``: the input is one center word; ``mode="cbow"``: the input is the
    mean of the context words' vectors. Either way the target is scored with ``W_out``."""

    def __init__(self, vocab_size: int, dim: int, mode: Mode = "skipgram") -> None:
        super().__init__()
        if mode not in ("skipgram", "cbow"):
            raise ValueError(f"mode must be 'skipgram' or 'cbow', got {mode!r}")
        self.mode = mode
        self.in_embed = nn.Embedding(vocab_size, dim)  # W_in: (V, D), the word vectors
        self.out_embed = nn.Embedding(vocab_size, dim)  # W_out: (V, D), the context vectors
        # As in the original C code: small random input vectors, zero output vectors.
        nn.init.uniform_(self.in_embed.weight, -0.5 / dim, 0.5 / dim)
        nn.init.zeros_(self.out_embed.weight)

    def encode(self, inputs: torch.Tensor) -> torch.Tensor:
        """Center IDs (B,) -> (B, D); for CBOW context IDs (B, 2W) padded with -1 -> their mean (B, D)."""
        if self.mode == "skipgram":
            return self.in_embed(inputs)  # (B,) -> (B, D)
        mask = (inputs >= 0).float()  # (B, 2W): 1 for a real context word, 0 for padding
        vecs = self.in_embed(inputs.clamp(min=0))  # (B, 2W, D)
        summed = (vecs * mask.unsqueeze(-1)).sum(dim=1)  # (B, 2W, D) * (B, 2W, 1) -> sum -> (B, D)
        return summed / mask.sum(dim=1, keepdim=True).clamp(min=1.0)  # (B, D) / (B, 1)

    def forward(self, inputs: torch.Tensor, targets: torch.Tensor, negatives: torch.Tensor) -> torch.Tensor:
        """inputs (B,) or (B, 2W), targets (B,), negatives (B, K) -> scalar loss."""
        v = self.encode(inputs)  # (B, D)
        u_pos = self.out_embed(targets)  # (B, D)
        u_neg = self.out_embed(negatives)  # (B, K, D)
        return negative_sampling_loss(v, u_pos, u_neg)


@torch.no_grad()
def sgd_step(model: Word2Vec, inputs: torch.Tensor, targets: torch.Tensor, negatives: torch.Tensor,
             lr: float) -> float:
    """One plain SGD step with the gradients written out by hand (no autograd), as in the
    original C code: every example of the batch updates the rows it uses, ``row -= lr * grad``
    (rows used by several examples receive the sum). Returns the batch's mean loss before the step.

    The formulas are those of :func:`~llm_shikumi.word2vec.pairs.negative_sampling_gradients`,
    for a batch; a test checks this step against autograd + ``torch.optim.SGD``."""
    w_in, w_out = model.in_embed.weight, model.out_embed.weight  # (V, D), (V, D)
    v = model.encode(inputs)  # (B, D)
    u_pos = w_out[targets]  # (B, D)
    u_neg = w_out[negatives]  # (B, K, D)
    s = (v * u_pos).sum(dim=1)  # (B,)
    s_neg = torch.bmm(u_neg, v.unsqueeze(2)).squeeze(2)  # (B, K, D) @ (B, D, 1) -> (B, K)
    loss = -(F.logsigmoid(s) + F.logsigmoid(-s_neg).sum(dim=1)).mean()
    g = torch.sigmoid(s) - 1  # (B,) dL/ds
    g_neg = torch.sigmoid(s_neg)  # (B, K) dL/ds_k
    grad_v = g.unsqueeze(1) * u_pos + (g_neg.unsqueeze(2) * u_neg).sum(dim=1)  # (B, D)
    grad_pos = g.unsqueeze(1) * v  # (B, D)
    grad_neg = g_neg.unsqueeze(2) * v.unsqueeze(1)  # (B, K, 1) * (B, 1, D) -> (B, K, D)
    dim = w_in.shape[1]
    w_out.index_add_(0, targets, grad_pos, alpha=-lr)
    w_out.index_add_(0, negatives.reshape(-1), grad_neg.reshape(-1, dim), alpha=-lr)  # (B*K, D)
    if model.mode == "skipgram":
        w_in.index_add_(0, inputs, grad_v, alpha=-lr)
    else:  # v is the mean of the C context rows: each receives grad_v / C
        mask = inputs >= 0  # (B, 2W)
        share = grad_v / mask.sum(dim=1, keepdim=True).clamp(min=1)  # (B, D)
        rows = mask.nonzero()  # (n, 2): (example, slot) of every real context word
        w_in.index_add_(0, inputs[rows[:, 0], rows[:, 1]], share[rows[:, 0]], alpha=-lr)
    return float(loss)


def train_word2vec(sentences: Sequence[Sequence[str]], dim: int = 50, window: int = 2, epochs: int = 5,
                   negatives: int = 5, batch_size: int = 256, lr: float = 0.01, min_count: int = 2,
                   optimizer: Literal["adam", "sgd"] = "adam",
                   subsample: float | None = 1e-3, mode: Mode = "skipgram", seed: int = 0,
                   num_threads: int | None = 1, verbose: bool = False) -> WordVectors:
    """Train word2vec on tokenized ``sentences`` (lists of morphemes) and return the input
    vectors ``W_in`` as :class:`WordVectors`.

    - ``dim``: vector size D; ``window``: context words on each side; ``negatives``: K.
    - ``min_count``: words seen fewer times are dropped (too few examples to learn from).
    - ``subsample``: threshold t of :func:`~llm_shikumi.word2vec.pairs.keep_probabilities`
      (``None``: keep every word); redrawn every epoch, before the windows are taken.
    - ``mode``: ``"skipgram"`` or ``"cbow"``.
    - ``optimizer="adam"``: Adam (learning rate ``lr``) on the autograd gradients of mini-batches
      of ``batch_size`` examples. ``optimizer="sgd"``: plain SGD with the gradients by hand
      (:func:`sgd_step`), the learning rate decaying linearly from ``lr`` to ``lr / 1000`` over the
      run, as in the original C code (which updates after every single example).
      Either way the examples are shuffled every epoch and every example gets K fresh
      negatives drawn from P_n ∝ count^0.75.
    - ``seed``: makes the result reproducible (IDs, initial vectors, subsampling, negatives,
      batch order). ``num_threads``: ``torch.set_num_threads`` while training (restored
      afterwards). One thread is the fastest here: a batch is a few small matrices, too
      small to share between threads.

    The mean loss of every epoch is kept in ``.loss_history`` of the result, the number of
    examples of every epoch in ``.examples_per_epoch``.
    """
    vocab = Vocabulary.from_tokens(sentences, min_count=min_count, order="frequency", unk_token=None)
    ids = [[vocab.token_to_id[t] for t in s if t in vocab] for s in sentences]
    counts = vocab.id_counts()  # (V,)
    noise = noise_distribution(counts)  # (V,)
    keep = keep_probabilities(counts, subsample) if subsample else None

    old_threads = torch.get_num_threads()
    if num_threads:
        torch.set_num_threads(num_threads)
    try:
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        gen = torch.Generator().manual_seed(seed)
        model = Word2Vec(len(vocab), dim, mode)
        if optimizer == "adam":
            adam = torch.optim.Adam(model.parameters(), lr=lr)
        elif optimizer != "sgd":
            raise ValueError(f"optimizer must be 'adam' or 'sgd', got {optimizer!r}")
        step, total_steps = 0, None
        history, n_examples = [], []
        start = time.perf_counter()
        for epoch in range(epochs):
            epoch_ids = subsample_ids(ids, keep, rng) if keep is not None else ids
            if mode == "skipgram":
                pairs = skipgram_pair_tensor(epoch_ids, window)  # (P, 2)
                inputs, targets = pairs[:, 0], pairs[:, 1]  # (P,), (P,)
            else:
                inputs, targets = cbow_tensors(epoch_ids, window)  # (P, 2W), (P,)
            order = torch.randperm(len(targets), generator=gen)
            if total_steps is None:  # for the decay of SGD's learning rate (epochs have similar sizes)
                total_steps = epochs * math.ceil(len(order) / batch_size)
            total, n = 0.0, 0
            for s in range(0, len(order), batch_size):
                batch = order[s:s + batch_size]  # (B,)
                neg = torch.multinomial(noise, len(batch) * negatives, replacement=True, generator=gen)
                neg = neg.view(len(batch), negatives)  # (B*K,) -> (B, K)
                if optimizer == "adam":
                    loss = model(inputs[batch], targets[batch], neg)
                    adam.zero_grad()
                    loss.backward()
                    adam.step()
                    batch_loss = loss.item()
                else:
                    rate = lr * max(1e-3, 1 - step / total_steps)
                    batch_loss = sgd_step(model, inputs[batch], targets[batch], neg, rate)
                step += 1
                total += batch_loss * len(batch)
                n += len(batch)
            history.append(total / max(n, 1))
            if not math.isfinite(history[-1]):
                raise FloatingPointError(f"the loss became {history[-1]} in epoch {epoch + 1}: "
                                         f"lower the learning rate (lr={lr}) or the batch size ({batch_size})")
            n_examples.append(n)
            if verbose:
                print(f"epoch {epoch + 1}/{epochs}: loss {history[-1]:.4f} "
                      f"({n:,} examples, {time.perf_counter() - start:.1f} s)")
    finally:
        torch.set_num_threads(old_threads)
    wv = WordVectors(vocab.tokens, model.in_embed.weight.detach().clone(), name=f"word2vec ({mode})")
    wv.loss_history = history
    wv.examples_per_epoch = n_examples
    return wv
