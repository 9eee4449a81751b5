"""再帰型ニューラルネットワーク (recurrent neural network, RNN) from scratch, and a character-level RNN language model.

The recurrence (chapter 05)::

    h_t = tanh(W_x x_t + W_h h_{t-1} + b)

carries a 隠れ状態 (hidden state) ``h_t`` from one time step to the next: the same weights read every
position, so the model takes text of any length. This module holds

- :func:`rnn_cell` and :func:`rnn_forward` -- the recurrence written out, one step and a whole sequence;
- :class:`ScratchRNN` -- the same as an ``nn.Module`` that can copy the weights of a ``torch.nn.RNN``
  (the tests show the two give the same outputs);
- :func:`input_gradient_norms` -- how much the state at the last step depends on the input ``k``
  steps earlier, ``||d h_T / d x_{T-k}||``: 勾配消失 / 勾配爆発 (vanishing / exploding gradients) measured;
- :class:`CharRNNLM` -- embedding -> RNN / LSTM / GRU -> linear, a next-character model;
- :class:`CharData` -- the novel's splits as id tensors with the course's character vocabulary
  (:func:`llm_shikumi.lm_eval.char_vocabulary`, unseen characters -> ``UNK_CHAR``);
- :func:`train_char_lm` -- truncated back-propagation through time (BPTT) over the training text,
  with :func:`llm_shikumi.training.train_loop`;
- :func:`evaluate_char_lm` -- total NLL, bits per character and perplexity of a text, every character
  predicted once (the first one after a ``"\\n"``, as if the text started a paragraph);
- :func:`generate` -- sampling text at a fixed seed.

Shapes: ``B`` batch, ``T`` time steps, ``D`` input size, ``H`` hidden size, ``V`` vocabulary size.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import torch
import torch.nn as nn
import torch.nn.functional as F

from llm_shikumi import lm_eval, novel
from llm_shikumi.training import (History, batchify, encode_text, sequence_nll, set_seed, stream_chunks,
                                  torch_threads, train_loop)

CellType = Literal["rnn", "lstm", "gru"]
RNN_CLASSES: dict[str, type[nn.RNNBase]] = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


# ---------------------------------------------------------------------------------------------------
# The recurrence from scratch
# ---------------------------------------------------------------------------------------------------

def rnn_cell(x: torch.Tensor, h: torch.Tensor, W_x: torch.Tensor, W_h: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """One step of the recurrence: ``tanh(x W_x^T + h W_h^T + b)``.

    ``x`` (B, D), ``h`` (B, H), ``W_x`` (H, D), ``W_h`` (H, H), ``b`` (H,) -> (B, H). The weights are
    stored as in ``torch.nn.RNN`` (``weight_ih_l0`` is ``W_x``, ``weight_hh_l0`` is ``W_h``), so a row
    of ``W_x`` holds the input weights of one hidden unit.
    """
    a = x @ W_x.T  # (B, D) @ (D, H) -> (B, H): what the input says
    a = a + h @ W_h.T  # (B, H) @ (H, H) -> (B, H): plus what the previous state says
    a = a + b  # (B, H) + (H,) -> (B, H): broadcast over the batch
    return torch.tanh(a)  # (B, H), every value in (-1, 1)


def rnn_forward(xs: torch.Tensor, h0: torch.Tensor, W_x: torch.Tensor, W_h: torch.Tensor,
                b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Run :func:`rnn_cell` over a batch of sequences ``xs`` (B, T, D) from the state ``h0`` (B, H).

    Returns every state, ``outputs`` (B, T, H) (``outputs[:, t]`` is ``h_{t+1}``), and the last
    state ``h_T`` (B, H) (``h0`` itself when ``T = 0``).
    """
    B, T, _ = xs.shape
    h = h0  # (B, H)
    states = []
    for t in range(T):  # sequential: step t needs the state of step t-1
        h = rnn_cell(xs[:, t], h, W_x, W_h, b)  # (B, D), (B, H) -> (B, H)
        states.append(h)
    if not states:
        return xs.new_zeros(B, 0, h0.size(-1)), h0  # (B, 0, H), (B, H)
    return torch.stack(states, dim=1), h  # T x (B, H) -> (B, T, H); (B, H)


class ScratchRNN(nn.Module):
    """A one-layer tanh RNN written with :func:`rnn_forward`; batch-first like ``nn.RNN(batch_first=True)``.

    ``b`` is one bias vector; ``nn.RNN`` keeps two (``bias_ih_l0`` + ``bias_hh_l0``) that only ever
    appear as their sum, so :meth:`from_torch` copies the sum.
    """

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        bound = 1 / math.sqrt(hidden_size)  # the same uniform initialisation as nn.RNN
        self.W_x = nn.Parameter(torch.empty(hidden_size, input_size).uniform_(-bound, bound))  # (H, D)
        self.W_h = nn.Parameter(torch.empty(hidden_size, hidden_size).uniform_(-bound, bound))  # (H, H)
        self.b = nn.Parameter(torch.empty(hidden_size).uniform_(-bound, bound))  # (H,)

    @property
    def hidden_size(self) -> int:
        return self.W_h.size(0)

    @classmethod
    def from_torch(cls, rnn: nn.RNN) -> "ScratchRNN":
        """A copy of the weights of a one-layer, tanh, unidirectional ``torch.nn.RNN``."""
        if rnn.num_layers != 1 or rnn.bidirectional or rnn.nonlinearity != "tanh":
            raise ValueError("1 層・単方向・tanh の nn.RNN だけを写せます")
        model = cls(rnn.input_size, rnn.hidden_size)
        with torch.no_grad():
            model.W_x.copy_(rnn.weight_ih_l0)  # (H, D)
            model.W_h.copy_(rnn.weight_hh_l0)  # (H, H)
            bias = torch.zeros(rnn.hidden_size)
            if rnn.bias:
                bias = rnn.bias_ih_l0 + rnn.bias_hh_l0  # (H,)
            model.b.copy_(bias)
        return model

    def forward(self, xs: torch.Tensor, h0: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """``xs`` (B, T, D), ``h0`` (B, H) or None (zeros) -> outputs (B, T, H), h_T (B, H)."""
        if h0 is None:
            h0 = xs.new_zeros(xs.size(0), self.hidden_size)  # (B, H)
        return rnn_forward(xs, h0, self.W_x, self.W_h, self.b)


# ---------------------------------------------------------------------------------------------------
# Vanishing and exploding gradients, measured
# ---------------------------------------------------------------------------------------------------

def input_gradient_norms(rnn: nn.Module, xs: torch.Tensor, probe: torch.Tensor | None = None) -> torch.Tensor:
    """``||d (u . h_T) / d x_t||`` for every step ``t``, averaged over the batch: shape (T,).

    ``rnn`` is batch-first (``nn.RNN/LSTM/GRU(batch_first=True)`` or :class:`ScratchRNN`), ``xs``
    (B, T, D). ``u`` (``probe``, (H,)) is a fixed unit vector (default: all ones / sqrt(H)); ``u . h_T``
    stands for a loss that reads the last state. Element ``t`` is the size of the gradient that
    back-propagation through time carries back to the input ``T - 1 - t`` steps before the end: read
    ``norms.flip(0)`` against the distance 0, 1, 2, ...
    """
    xs = xs.detach().clone().requires_grad_(True)  # (B, T, D)
    outputs, _ = rnn(xs)  # (B, T, H)
    last = outputs[:, -1]  # (B, H): h_T of every sequence
    if probe is None:
        probe = torch.ones(last.size(-1)) / math.sqrt(last.size(-1))  # (H,)
    (last @ probe).sum().backward()  # the sequences of the batch do not interact: one backward for all
    return xs.grad.norm(dim=-1).mean(dim=0)  # (B, T, D) -> (B, T) -> (T,)


def gradient_decay_table(hidden_size: int = 64, input_size: int = 32, steps: int = 60, batch_size: int = 16,
                         seed: int = 0, variants: Sequence[tuple[str, str, dict]] | None = None,
                         num_threads: int | None = 1) -> dict[str, torch.Tensor]:
    """Gradient norm against distance for several recurrent layers at initialisation: label -> (steps,).

    ``variants`` are ``(label, cell type, options)``; the options are ``w_h_scale`` (multiply the
    recurrent weights of a tanh RNN) and ``gate_bias`` (add to the bias of the LSTM's forget gate or
    the GRU's update gate). Every layer reads the same random inputs (B, steps, D) drawn with
    ``seed``; element ``k`` of a result is the norm at distance ``k`` from the last step.
    """
    if variants is None:
        variants = [("RNN (tanh)", "rnn", {}), ("LSTM", "lstm", {}), ("GRU", "gru", {})]
    gen = torch.Generator().manual_seed(seed)
    xs = torch.randn(batch_size, steps, input_size, generator=gen)  # (B, T, D)
    out = {}
    for label, cell, options in variants:
        torch.manual_seed(seed)
        layer = RNN_CLASSES[cell](input_size, hidden_size, batch_first=True)
        with torch.no_grad():
            if "w_h_scale" in options:
                layer.weight_hh_l0.mul_(options["w_h_scale"])
            if "gate_bias" in options:
                H = hidden_size
                # gate order in PyTorch: LSTM (input, forget, cell, output); GRU (reset, update, new)
                block = slice(H, 2 * H)
                layer.bias_hh_l0[block] += options["gate_bias"]
        with torch_threads(num_threads):
            out[label] = input_gradient_norms(layer, xs).flip(0)  # (T,), index = distance from the end
    return out


def lm_input_gradient_norms(model: "CharRNNLM", ids: torch.Tensor, num_threads: int | None = 1) -> torch.Tensor:
    """For a trained :class:`CharRNNLM`: ``||d NLL(last char) / d e_t||`` against distance, shape (T-1,).

    ``ids`` (B, T) are windows of real text; the loss is the negative log-likelihood of the last
    character given the ``T - 1`` before it, ``e_t`` the embedding of input ``t``. Element ``k`` is
    the norm ``k`` steps before the prediction, averaged over the batch.
    """
    model.eval()
    x, y = ids[:, :-1], ids[:, -1]  # (B, T-1), (B,)
    with torch_threads(num_threads):
        emb = model.embed(x).detach().requires_grad_(True)  # (B, T-1, E)
        outputs, _ = model.rnn(emb)  # (B, T-1, H)
        logits = model.head(model.drop(outputs[:, -1]))  # (B, V): the prediction after the last input
        F.cross_entropy(logits, y, reduction="sum").backward()
    model.zero_grad(set_to_none=True)  # the backward also filled the weights' gradients: drop them
    return emb.grad.norm(dim=-1).mean(dim=0).flip(0)  # (B, T-1, E) -> (T-1,), index = distance


# ---------------------------------------------------------------------------------------------------
# A character-level language model
# ---------------------------------------------------------------------------------------------------

class CharRNNLM(nn.Module):
    """Embedding -> RNN / LSTM / GRU -> linear: the logits of the next character at every position.

    ``forward(x, state)`` takes ids ``x`` (B, T) and the recurrent state of the previous window (None
    at the start) and returns ``logits`` (B, T, V) and the new state (detach it between windows).

    With ``tie_weights`` (default) the output layer reuses the embedding matrix (重み共有, weight
    tying): the state is projected to the embedding size ``E`` and scored against every
    character's embedding, ``logits = (W_p h) E^T + c``. With thousands of characters this makes
    the output layer ``H / E`` times cheaper and the model smaller.
    """

    def __init__(self, vocab_size: int, embed_size: int = 64, hidden_size: int = 256, cell: CellType = "gru",
                 num_layers: int = 1, dropout: float = 0.0, tie_weights: bool = True) -> None:
        super().__init__()
        self.cell = cell
        self.embed = nn.Embedding(vocab_size, embed_size)
        self.rnn = RNN_CLASSES[cell](embed_size, hidden_size, num_layers=num_layers, batch_first=True,
                                     dropout=dropout if num_layers > 1 else 0.0)
        self.drop = nn.Dropout(dropout)
        if tie_weights:
            # N(0, 1) embeddings would make the initial logits (dot products of E numbers) far too large
            nn.init.normal_(self.embed.weight, std=embed_size ** -0.5)
            self.head = nn.Sequential(nn.Linear(hidden_size, embed_size), _TiedOutput(self.embed))
        else:
            self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, x: torch.Tensor, state=None):
        e = self.drop(self.embed(x))  # (B, T) -> (B, T, E)
        outputs, state = self.rnn(e, state)  # (B, T, H); state (L, B, H) or a pair for LSTM
        logits = self.head(self.drop(outputs))  # (B, T, H) -> (B, T, V)
        return logits, state


class _TiedOutput(nn.Module):
    """Scores (..., E) vectors against every row of an embedding matrix (V, E): (..., V), plus a bias."""

    def __init__(self, embed: nn.Embedding) -> None:
        super().__init__()
        self.embed = [embed]  # a list, so that the embedding is not registered (and counted) twice
        self.bias = nn.Parameter(torch.zeros(embed.num_embeddings))  # (V,)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return z @ self.embed[0].weight.T + self.bias  # (..., E) @ (E, V) -> (..., V)


def detach_state(state):
    """The recurrent state cut from the graph (truncated BPTT): a tensor, a tuple of tensors or None."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


@dataclass
class CharData:
    """The novel as id tensors over the course's character vocabulary (built from the train split)."""

    vocab: list[str]
    stoi: dict[str, int]
    train: torch.Tensor  # (N_train,) ids of novel.split_text("train")
    dev: torch.Tensor
    test: torch.Tensor

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def encode(self, text: str) -> torch.Tensor:
        """``text`` as ids (N,); characters outside the vocabulary become ``UNK_CHAR`` (id 0)."""
        return encode_text(text, self.stoi, self.stoi[lm_eval.UNK_CHAR])

    def decode(self, ids: Sequence[int] | torch.Tensor) -> str:
        return "".join(self.vocab[int(i)] for i in ids)


@lru_cache(maxsize=1)
def novel_char_data() -> CharData:
    """:class:`CharData` of 『吾輩は猫である』 (cached: every model of the chapter shares it)."""
    train_text = novel.split_text("train")
    vocab = lm_eval.char_vocabulary(train_text)
    stoi = {ch: i for i, ch in enumerate(vocab)}
    unk = stoi[lm_eval.UNK_CHAR]
    enc = lambda text: encode_text(text, stoi, unk)  # noqa: E731
    return CharData(vocab, stoi, enc(train_text), enc(novel.split_text("dev")), enc(novel.split_text("test")))


def lm_loss(model: CharRNNLM, batch: tuple[torch.Tensor, torch.Tensor], state=None):
    """Mean cross-entropy (nats per character) of one ``(inputs, targets)`` window, and the new state."""
    x, y = batch
    logits, state = model(x, state)  # (B, T, V)
    total, n = sequence_nll(logits, y)
    return total / n, state


class _StatefulLoss:
    """``loss_fn`` for :func:`llm_shikumi.training.train_loop` that carries the hidden state across windows."""

    def __init__(self) -> None:
        self.state = None

    def reset(self) -> None:
        self.state = None

    def __call__(self, model: CharRNNLM, batch):
        loss, state = lm_loss(model, batch, self.state)
        self.state = detach_state(state)  # keep the values, cut the graph: truncated BPTT
        return loss


def _epochs(streams: torch.Tensor, seq_len: int, loss: _StatefulLoss):
    """Windows of the training streams, epoch after epoch; the state restarts with each epoch."""
    while True:
        loss.reset()
        yield from stream_chunks(streams, seq_len)


def evaluate_char_lm(model: CharRNNLM, ids: torch.Tensor, batch_size: int = 16, seq_len: int = 256,
                     start_id: int | None = None, num_threads: int | None = 1) -> dict[str, float]:
    """Total NLL (nats), number of characters, bits per character and perplexity of the text ``ids`` (N,).

    Every character is predicted exactly once. The first is predicted after ``start_id`` (the id of
    ``"\\n"``: the text starts a paragraph). For speed the text is cut into ``batch_size`` pieces read
    in parallel, each piece starting from the character just before it (its long-range context
    beyond that is lost: at most ``batch_size`` predictions see less history than in one pass).
    """
    data = novel_char_data()
    if start_id is None:
        start_id = data.stoi["\n"]
    N = ids.numel()
    if N == 0:
        raise ValueError("空のテキストは評価できません")
    full = torch.cat([torch.tensor([start_id]), ids])  # (N+1,): inputs full[:-1], targets full[1:]
    B = max(1, min(batch_size, N))
    L = math.ceil(N / B)  # predictions per piece
    inputs = torch.zeros(B, L, dtype=torch.long)  # (B, L)
    targets = torch.full((B, L), -100, dtype=torch.long)  # (B, L); -100 = padding, not counted
    for b in range(B):
        piece = full[b * L: b * L + L + 1]  # (<= L+1,)
        n = piece.numel() - 1
        if n > 0:
            inputs[b, :n] = piece[:-1]
            targets[b, :n] = piece[1:]
    model.eval()
    total, count, state = 0.0, 0, None
    with torch.no_grad(), torch_threads(num_threads):
        for start in range(0, L, seq_len):
            logits, state = model(inputs[:, start:start + seq_len], state)  # (B, t, V)
            nats, n = sequence_nll(logits, targets[:, start:start + seq_len])
            total += float(nats)
            count += n
    assert count == N, (count, N)
    return {"nats": total, "chars": N, "bpc": lm_eval.bits_per_character(total, N),
            "perplexity": lm_eval.perplexity(total, N)}


def train_char_lm(cell: CellType = "gru", steps: int = 300, batch_size: int = 32, seq_len: int = 64,
                  embed_size: int = 64, hidden_size: int = 256, lr: float = 3e-3, clip_norm: float = 1.0,
                  dropout: float = 0.0, seed: int = 0, eval_every: int | None = None,
                  eval_text: torch.Tensor | None = None, tie_weights: bool = True,
                  num_threads: int | None = 1) -> tuple[CharRNNLM, History]:
    """Train a :class:`CharRNNLM` on the novel's train split with truncated BPTT; returns (model, history).

    The train text is cut into ``batch_size`` streams read in windows of ``seq_len`` characters; the
    hidden state flows from one window to the next (gradients stop at the window's start). Adam with
    learning rate ``lr`` (cosine decay to a tenth over ``steps``), gradient clipping at ``clip_norm``.
    If ``eval_every`` is given, ``History.eval`` holds the bits per character of ``eval_text``
    (default: the dev split) at those steps. ``num_threads``: PyTorch threads while training (one is
    fastest for these small sequential steps on a busy two-core machine; ``None`` leaves the setting).
    """
    data = novel_char_data()
    set_seed(seed)
    model = CharRNNLM(data.vocab_size, embed_size, hidden_size, cell, dropout=dropout, tie_weights=tie_weights)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, steps), eta_min=lr / 10)
    streams = batchify(data.train, batch_size)  # (B, L)
    loss = _StatefulLoss()
    eval_ids = data.dev if eval_text is None else eval_text
    eval_fn = (lambda m: evaluate_char_lm(m, eval_ids)["bpc"]) if eval_every else None
    with torch_threads(num_threads):
        history = train_loop(model, _epochs(streams, seq_len, loss), loss, optimizer, steps=steps,
                             clip_norm=clip_norm, eval_fn=eval_fn, eval_every=eval_every, scheduler=scheduler)
    return model, history


@torch.no_grad()
def generate(model: CharRNNLM, prompt: str, length: int = 100, temperature: float = 1.0, seed: int = 0,
             data: CharData | None = None, num_threads: int | None = 1) -> str:
    """``prompt`` followed by ``length`` characters sampled one by one (at ``temperature``, fixed ``seed``).

    ``temperature`` < 1 sharpens the distribution, 0 means greedy (always the most likely character).
    ``UNK_CHAR`` is never sampled. ``num_threads``: PyTorch threads (one step is a tiny computation).
    """
    with torch_threads(num_threads):
        return _generate(model, prompt, length, temperature, seed, data or novel_char_data())


def _generate(model: CharRNNLM, prompt: str, length: int, temperature: float, seed: int, data: CharData) -> str:
    gen = torch.Generator().manual_seed(seed)
    model.eval()
    ids = data.encode(prompt if prompt else "\n")  # (P,)
    logits, state = model(ids[None, :])  # (1, P, V)
    out = []
    unk = data.stoi[lm_eval.UNK_CHAR]
    for _ in range(length):
        last = logits[0, -1].clone()  # (V,)
        last[unk] = -math.inf
        if temperature == 0:
            nxt = int(last.argmax())
        else:
            probs = F.softmax(last / temperature, dim=-1)  # (V,)
            nxt = int(torch.multinomial(probs, 1, generator=gen))
        out.append(nxt)
        logits, state = model(torch.tensor([[nxt]]), state)  # (1, 1, V)
    return prompt + data.decode(out)


# The settings of chapter 05's language model; chapter 10 reports the same run in its comparison table
# (through :mod:`llm_shikumi.results`), so both read them from here.
CHAPTER_CONFIG = dict(cell="gru", embed_size=64, hidden_size=256, batch_size=16, seq_len=64, lr=1e-2, clip_norm=1.0,
                      steps=250, seed=0)
CHAPTER_RESULT = "chapter05_rnn"  # the name chapter 05 stores its test bpc under


# ---------------------------------------------------------------------------------------------------
# A longer run than a chapter can afford (minutes, not seconds), recorded to a JSON file
# ---------------------------------------------------------------------------------------------------

LONG_RUN_PATH = novel.DATA_DIR / "rnn_long_run.json"
LONG_RUN_CONFIG = dict(cell="gru", steps=1000, batch_size=16, seq_len=64, embed_size=64, hidden_size=256, lr=1e-2,
                       clip_norm=1.0, dropout=0.1, seed=0)


def long_run(path=LONG_RUN_PATH, eval_every: int = 200) -> dict:
    """Train :data:`LONG_RUN_CONFIG` (several epochs), measure dev and test bpc, write them to ``path`` (JSON).

    Chapter 05 trains for a few hundred steps only (it must run in a minute); this records what the
    same model reaches with a longer budget, so that the chapter can show it without retraining.
    Run: ``python -m llm_shikumi.rnn --long-run``.
    """
    import json
    import platform
    import time

    data = novel_char_data()
    start = time.perf_counter()
    model, history = train_char_lm(**LONG_RUN_CONFIG, eval_every=eval_every)
    test = evaluate_char_lm(model, data.test)
    record = {
        "config": LONG_RUN_CONFIG,
        "chars_seen": LONG_RUN_CONFIG["steps"] * LONG_RUN_CONFIG["batch_size"] * LONG_RUN_CONFIG["seq_len"],
        "train_chars": int(data.train.numel()),
        "dev_bpc": [[s, v] for s, v in zip(history.eval_steps, history.eval)],
        "test_bpc": test["bpc"],
        "test_perplexity": test["perplexity"],
        "seconds": time.perf_counter() - start,
        "torch": torch.__version__,
        "machine": platform.machine(),
        "command": "python -m llm_shikumi.rnn --long-run",
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(record, f, ensure_ascii=False, indent=1)
    return record


def load_long_run(path=LONG_RUN_PATH) -> dict | None:
    """The record written by :func:`long_run`, or None if it was never run."""
    import json

    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return None


if __name__ == "__main__":  # pragma: no cover - a command that takes minutes
    import argparse

    parser = argparse.ArgumentParser(description="第5章の文字レベル GRU を長く学習し、結果を JSON に記録します。")
    parser.add_argument("--long-run", action="store_true", required=True)
    parser.parse_args()
    print(long_run())
