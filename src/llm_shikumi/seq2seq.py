"""系列変換モデル (sequence-to-sequence): an RNN encoder–decoder, with and without attention (chapters 06, 07).

- :class:`Encoder` -- embedding + GRU over the source; returns every hidden state (B, S, H) and the
  last one, the 文脈ベクトル (context vector), (1, B, H). Padding is skipped (packed sequences), so
  the last state is the state after the last real word.
- :class:`Decoder` -- embedding + GRU started from the context vector, predicting the next target
  word. With ``attention="dot"`` or ``"additive"`` it also looks at every encoder state at every
  step (Luong et al. 2015 style: the attention reads the decoder's GRU output, so training stays
  parallel over time) through :func:`llm_shikumi.attention.attend`.
- :class:`Seq2Seq` -- both together; ``forward`` uses 教師強制 (teacher forcing),
  :meth:`Seq2Seq.greedy_decode` writes a translation word by word until ``<eos>``.
- :func:`greedy_decode` -- the batch greedy loop, independent of the model: stops per sentence at
  ``<eos>`` and for the batch when every sentence has stopped.
- :func:`shift_targets` -- ``<bos> y1 … yn <eos>`` → decoder inputs and targets.
- :func:`exact_match`, :func:`corpus_bleu`, :func:`sentence_bleu`, :func:`accuracy_by_length` -- scores.
- :func:`train_translation` / :func:`translate` -- the training run and inference used by the chapters
  (the loop itself is :func:`llm_shikumi.training.train_loop`).
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .attention import AdditiveScore, DotProductScore, attend, padding_mask
from .training import History, set_seed, train_loop
from .translation import BOS_ID, EOS_ID, PAD_ID, Dataset, Pair, encode_batch

# --------------------------------------------------------------------------- teacher forcing


def shift_targets(tgt: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``tgt`` (B, T+1) = ``<bos> y1 … yn <eos> <pad>…`` → decoder input (B, T) and target (B, T).

    Input at step t is the *correct* previous word (教師強制, teacher forcing), target is the word to
    predict: ``input = tgt[:, :-1]``, ``target = tgt[:, 1:]``.
    """
    return tgt[:, :-1], tgt[:, 1:]  # (B, T), (B, T)


def reverse_source(src: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Reverse each row's first ``lengths[b]`` ids, keeping the padding at the end (Sutskever et al. 2014)."""
    B, S = src.shape
    pos = torch.arange(S)[None, :].expand(B, S)  # (B, S)
    rev = lengths[:, None] - 1 - pos  # (B, S): index to read for the real positions
    idx = torch.where(pos < lengths[:, None], rev, pos)  # padding positions read themselves
    return src.gather(1, idx)  # (B, S)


# --------------------------------------------------------------------------- the model


class Encoder(nn.Module):
    def __init__(self, vocab_size: int, emb: int, hidden: int):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, emb, padding_idx=PAD_ID)
        self.rnn = nn.GRU(emb, hidden, batch_first=True)

    def forward(self, src: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """src (B, S), lengths (B,) → outputs (B, S, H) (zeros at padding), context (1, B, H)."""
        x = self.embed(src)  # (B, S, E)
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, h = self.rnn(packed)  # h: (1, B, H), the state after each sentence's last word
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=src.size(1))  # (B, S, H)
        return out, h


class Decoder(nn.Module):
    """GRU decoder; ``attention`` is ``None`` (context vector only), ``"dot"`` or ``"additive"``."""

    def __init__(self, vocab_size: int, emb: int, hidden: int, attention: str | None = None):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, emb, padding_idx=PAD_ID)
        self.rnn = nn.GRU(emb, hidden, batch_first=True)
        self.attention = attention
        if attention is None:
            self.score = None
            self.out = nn.Linear(hidden, vocab_size)
        else:
            if attention == "dot":
                self.score = DotProductScore()
            elif attention == "additive":
                self.score = AdditiveScore(hidden, hidden, hidden)
            else:
                raise ValueError(f"attention must be None, 'dot' or 'additive', not {attention!r}")
            self.combine = nn.Linear(2 * hidden, hidden)  # [decoder state; attention context] → H
            self.out = nn.Linear(hidden, vocab_size)

    def forward(self, tgt_in: torch.Tensor, h: torch.Tensor, enc_out: torch.Tensor,
                src_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """tgt_in (B, T), h (1, B, H), enc_out (B, S, H), src_mask (B, 1, S) →
        logits (B, T, V), new h (1, B, H), attention weights (B, T, S) or None."""
        y = self.embed(tgt_in)  # (B, T, E)
        dec_out, h = self.rnn(y, h)  # (B, T, H), (1, B, H)
        if self.score is None:
            return self.out(dec_out), h, None  # (B, T, V)
        context, weights = attend(self.score, dec_out, enc_out, enc_out, src_mask)  # (B, T, H), (B, T, S)
        combined = torch.tanh(self.combine(torch.cat([dec_out, context], dim=-1)))  # (B, T, H)
        return self.out(combined), h, weights  # (B, T, V)


class Seq2Seq(nn.Module):
    """Encoder + decoder. ``reverse=True`` feeds the source backwards (Sutskever et al. 2014)."""

    def __init__(self, src_vocab_size: int, tgt_vocab_size: int, emb: int = 64, hidden: int = 128,
                 attention: str | None = None, reverse: bool = False):
        super().__init__()
        self.encoder = Encoder(src_vocab_size, emb, hidden)
        self.decoder = Decoder(tgt_vocab_size, emb, hidden, attention)
        self.reverse = reverse

    def encode(self, src: torch.Tensor, lengths: torch.Tensor):
        """→ enc_out (B, S, H), context (1, B, H), src_mask (B, 1, S)."""
        if self.reverse:
            src = reverse_source(src, lengths)  # (B, S)
        enc_out, h = self.encoder(src, lengths)
        mask = padding_mask(lengths, src.size(1))  # (B, 1, S)
        return enc_out, h, mask

    def forward(self, src: torch.Tensor, lengths: torch.Tensor, tgt_in: torch.Tensor):
        """Teacher forcing: logits (B, T, V) for every target position, attention weights or None."""
        enc_out, h, mask = self.encode(src, lengths)
        logits, _, weights = self.decoder(tgt_in, h, enc_out, mask)
        return logits, weights

    @torch.no_grad()
    def greedy_decode(self, src: torch.Tensor, lengths: torch.Tensor, max_len: int = 30):
        """Translate a batch greedily: ids (B, L) (after ``<eos>``: ``<pad>``) and weights (B, L, S) or None."""
        enc_out, h, mask = self.encode(src, lengths)
        steps: list[torch.Tensor] = []

        def step(prev: torch.Tensor, state: torch.Tensor):
            logits, state, w = self.decoder(prev[:, None], state, enc_out, mask)  # (B, 1, V)
            if w is not None:
                steps.append(w[:, 0])  # (B, S)
            return logits[:, 0], state  # (B, V)

        ids = greedy_decode(step, h, src.size(0), max_len)
        weights = torch.stack(steps[: ids.size(1)], dim=1) if steps else None  # (B, L, S)
        return ids, weights


def greedy_decode(step: Callable[[torch.Tensor, object], tuple[torch.Tensor, object]], state: object,
                  batch_size: int, max_len: int, bos_id: int = BOS_ID, eos_id: int = EOS_ID,
                  pad_id: int = PAD_ID) -> torch.Tensor:
    """Greedy decoding of a batch.

    ``step(prev_ids (B,), state) -> (logits (B, V), state)``. Starts from ``<bos>``, takes the argmax
    each step, writes ``<eos>`` once and ``pad_id`` afterwards for a finished sentence, and stops when
    every sentence has produced ``<eos>`` or after ``max_len`` steps. Returns ids (B, L), L ≤ max_len,
    without the ``<bos>``.
    """
    prev = torch.full((batch_size,), bos_id, dtype=torch.long)  # (B,)
    done = torch.zeros(batch_size, dtype=torch.bool)  # (B,)
    out: list[torch.Tensor] = []
    for _ in range(max_len):
        logits, state = step(prev, state)  # (B, V)
        nxt = logits.argmax(dim=-1)  # (B,)
        nxt = torch.where(done, torch.full_like(nxt, pad_id), nxt)
        out.append(nxt)
        done = done | (nxt == eos_id)
        prev = nxt
        if bool(done.all()):
            break
    if not out:
        return torch.zeros(batch_size, 0, dtype=torch.long)
    return torch.stack(out, dim=1)  # (B, L)


# --------------------------------------------------------------------------- scores


def exact_match(hypotheses: Sequence[Sequence[str]], references: Sequence[Sequence[str]]) -> float:
    """Fraction of hypotheses identical to their reference (word lists). 0.0 for an empty corpus."""
    if len(hypotheses) != len(references):
        raise ValueError("hypotheses and references differ in number")
    if not references:
        return 0.0
    return sum(list(h) == list(r) for h, r in zip(hypotheses, references)) / len(references)


def _ngrams(words: Sequence[str], n: int) -> Counter:
    return Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))


def bleu_statistics(hyp: Sequence[str], ref: Sequence[str], max_n: int = 4):
    """Clipped n-gram matches and hypothesis n-gram counts for n = 1..max_n, and the two lengths."""
    matches, totals = [], []
    for n in range(1, max_n + 1):
        h, r = _ngrams(hyp, n), _ngrams(ref, n)
        matches.append(sum(min(c, r[g]) for g, c in h.items()))  # clipped counts
        totals.append(max(len(hyp) - n + 1, 0))
    return matches, totals, len(hyp), len(ref)


def _bleu(matches, totals, hyp_len, ref_len) -> float:
    if hyp_len == 0 or min(totals) == 0 or min(matches) == 0:
        return 0.0
    log_p = sum(math.log(m / t) for m, t in zip(matches, totals)) / len(matches)
    bp = 1.0 if hyp_len > ref_len else math.exp(1 - ref_len / hyp_len)  # brevity penalty
    return bp * math.exp(log_p)


def corpus_bleu(hypotheses: Sequence[Sequence[str]], references: Sequence[Sequence[str]], max_n: int = 4) -> float:
    """BLEU (Papineni et al. 2002) over a corpus, one reference per sentence, in [0, 1].

    n-gram matches are clipped by the reference count and summed over the corpus before the
    geometric mean of the n = 1..max_n precisions; the brevity penalty uses the total lengths.
    No smoothing: 0 when some n has no match at all.
    """
    M, T = [0] * max_n, [0] * max_n
    H = R = 0
    for hyp, ref in zip(hypotheses, references, strict=True):
        m, t, h, r = bleu_statistics(hyp, ref, max_n)
        M = [a + b for a, b in zip(M, m)]
        T = [a + b for a, b in zip(T, t)]
        H, R = H + h, R + r
    return _bleu(M, T, H, R)


def sentence_bleu(hyp: Sequence[str], ref: Sequence[str], max_n: int = 4) -> float:
    """BLEU of one sentence (same formula, no smoothing)."""
    return _bleu(*bleu_statistics(hyp, ref, max_n))


def accuracy_by_length(hypotheses, references, lengths: Sequence[int]) -> dict[int, tuple[float, int]]:
    """length → (exact-match rate, number of sentences), for each source length present."""
    hits: dict[int, list[bool]] = defaultdict(list)
    for h, r, n in zip(hypotheses, references, lengths, strict=True):
        hits[int(n)].append(list(h) == list(r))
    return {n: (sum(v) / len(v), len(v)) for n, v in sorted(hits.items())}


# --------------------------------------------------------------------------- training and inference


@dataclass
class TranslationRun:
    model: Seq2Seq
    history: History
    dataset: Dataset


def _loss(model: Seq2Seq, batch) -> torch.Tensor:
    src, lengths, tgt = batch
    tgt_in, tgt_out = shift_targets(tgt)  # (B, T), (B, T)
    logits, _ = model(src, lengths, tgt_in)  # (B, T, V)
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt_out.reshape(-1), ignore_index=PAD_ID)


def _batches(pairs: Sequence[Pair], dataset: Dataset, batch_size: int, generator: torch.Generator):
    src, lengths, tgt = encode_batch(pairs, dataset.src_vocab, dataset.tgt_vocab)  # all of train, once
    tgt_len = (tgt != PAD_ID).sum(1)  # (N,)
    while True:
        for idx in torch.randperm(len(pairs), generator=generator).split(batch_size):
            S, T = int(lengths[idx].max()), int(tgt_len[idx].max())
            yield src[idx, :S], lengths[idx], tgt[idx, :T]  # trimmed to the batch's longest sentence


def train_translation(dataset: Dataset, attention: str | None = None, steps: int = 1500, batch_size: int = 64,
                      emb: int = 32, hidden: int = 64, lr: float = 3e-3, reverse: bool = False,
                      seed: int = 0, clip_norm: float = 1.0, eval_fn=None, eval_every: int | None = None,
                      ) -> TranslationRun:
    """Train a :class:`Seq2Seq` on ``dataset.train`` with Adam and teacher forcing (a fixed number of steps)."""
    generator = set_seed(seed)
    model = Seq2Seq(len(dataset.src_vocab), len(dataset.tgt_vocab), emb, hidden, attention, reverse)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = train_loop(model, _batches(dataset.train, dataset, batch_size, generator), _loss, optimizer,
                         steps=steps, clip_norm=clip_norm, eval_fn=eval_fn, eval_every=eval_every)
    return TranslationRun(model, history, dataset)


def translate(model: Seq2Seq, pairs: Sequence[Pair], dataset: Dataset, batch_size: int = 500,
              max_len: int = 30, return_weights: bool = False):
    """Greedy translations (word lists) of ``pairs``' English sides; optionally the attention weights
    (one (L, S) tensor per sentence, trimmed to its own lengths)."""
    model.eval()
    hyps: list[list[str]] = []
    all_weights: list[torch.Tensor] = []
    for start in range(0, len(pairs), batch_size):
        chunk = pairs[start:start + batch_size]
        src, lengths, _ = encode_batch(chunk, dataset.src_vocab, dataset.tgt_vocab)
        ids, weights = model.greedy_decode(src, lengths, max_len)  # (B, L), (B, L, S)
        for b in range(len(chunk)):
            words = dataset.tgt_vocab.decode(ids[b].tolist())
            hyps.append(words)
            if return_weights and weights is not None:
                L = min(len(words) + 1, weights.size(1))  # the words and the <eos> step
                all_weights.append(weights[b, :L, : int(lengths[b])])
    return (hyps, all_weights) if return_weights else hyps


__all__ = [
    "Decoder", "Encoder", "Seq2Seq", "TranslationRun", "accuracy_by_length", "bleu_statistics",
    "corpus_bleu", "exact_match", "greedy_decode", "reverse_source", "sentence_bleu", "shift_targets",
    "train_translation", "translate",
]
