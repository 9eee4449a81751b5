"""In-context learning (文脈内学習): a synthetic demo on a tiny GPT, and few-shot prompts for real LLMs (chapter 11).

In-context learning means that a model does a task from examples written in its prompt, without any
change of its weights. Two parts:

- A synthetic task built to show the mechanism offline: :class:`KeyValueTask`. Every sequence has
  its own random mapping from keys to values, and shows some (key, value) pairs, then a query key.
  The mapping differs from sequence to sequence, so no weight can hold it: a model can only answer
  by reading the pairs in its own prompt (the copying behaviour that induction heads implement).
  :func:`train_recall_gpt` trains :class:`llm_shikumi.gpt.GPT` on it; :func:`recall_accuracy`
  measures held-out accuracy for a given number of examples; :func:`ideal_accuracy` is what a
  perfect reader of the prompt gets, :meth:`KeyValueTask.chance` what guessing gets.
- Few-shot prompting of a real pretrained model (:mod:`llm_shikumi.hub`): :func:`few_shot_prompt`
  writes k worked examples and the query with one template, :func:`complete` lets the model
  continue greedily and returns the first line of the continuation.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from llm_shikumi.gpt import GPT, GPTConfig
from llm_shikumi.training import set_seed, train_loop


@dataclass(frozen=True)
class KeyValueTask:
    """Prompts of (key, value) examples, then a query key; the answer is the query key's value.

    In each sequence every key gets its own random value (a fresh random function keys -> values).
    The examples' keys are drawn with replacement, so a key may be shown twice (with the same value)
    and the query key may or may not be among them. Each example is written as ONE token (the pair
    ``key→value``), so a single attention step can find it; the query is a key token and the answer a
    value token. Token ids: pairs ``0 .. K*V-1`` (``key * V + value``), query keys ``K*V .. K*V+K-1``,
    answer values ``K*V+K .. K*V+K+V-1``.
    """

    n_keys: int = 8
    n_values: int = 8
    max_shots: int = 8

    @property
    def vocab_size(self) -> int:
        return self.n_keys * self.n_values + self.n_keys + self.n_values

    @property
    def first_value(self) -> int:
        return self.n_keys * self.n_values + self.n_keys

    @property
    def chance(self) -> float:
        """Accuracy of guessing a value uniformly."""
        return 1.0 / self.n_values

    def sample(self, batch_size: int, n_shots: int, generator: torch.Generator | None = None
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """Prompts (B, n_shots + 1): ``n_shots`` example tokens then a query key token; answers (B,) value tokens."""
        K, V = self.n_keys, self.n_values
        mapping = torch.randint(0, V, (batch_size, K), generator=generator)  # (B, K): this sequence's function
        keys = torch.randint(0, K, (batch_size, n_shots), generator=generator)  # (B, n)
        pairs = keys * V + mapping.gather(1, keys)  # (B, n): one token per example
        query = torch.randint(0, K, (batch_size, 1), generator=generator)  # (B, 1)
        prompts = torch.cat([pairs, K * V + query], dim=1)  # (B, n+1)
        answers = self.first_value + mapping.gather(1, query)[:, 0]  # (B,)
        return prompts, answers

    def describe(self, prompt: torch.Tensor) -> str:
        """A prompt (T,) written out: ``"k3→v5 k0→v1 k3→?"``."""
        K, V = self.n_keys, self.n_values
        parts = []
        for t in prompt.tolist():
            parts.append(f"k{t // V}→v{t % V}" if t < K * V else f"k{t - K * V}→?")
        return " ".join(parts)


def recall_loss(model: GPT, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    """Cross-entropy of the answer at the last position of each prompt; batch = (prompts (B, T), answers (B,))."""
    prompts, answers = batch
    logits = model(prompts)[:, -1, :]  # (B, V): only the prediction after the query counts
    return F.cross_entropy(logits, answers)


def train_recall_gpt(task: KeyValueTask, steps: int = 400, batch_size: int = 64, d_model: int = 32,
                     n_layers: int = 1, n_heads: int = 2, lr: float = 3e-3, seed: int = 0):
    """A small :class:`GPT` trained on prompts with 0..``task.max_shots`` examples; returns (model, history).

    Each batch draws its number of examples uniformly, so one model learns every prompt length.
    """
    generator = set_seed(seed)
    config = GPTConfig(vocab_size=task.vocab_size, block_size=task.max_shots + 1, d_model=d_model,
                       n_heads=n_heads, n_layers=n_layers)
    model = GPT(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps, pct_start=0.1)

    def batches():
        while True:
            n_shots = int(torch.randint(0, task.max_shots + 1, (1,), generator=generator))
            yield task.sample(batch_size, n_shots, generator)

    history = train_loop(model, batches(), recall_loss, optimizer, steps=steps, clip_norm=1.0, scheduler=scheduler)
    return model, history


@torch.no_grad()
def predict_values(model: GPT, prompts: torch.Tensor, task: KeyValueTask) -> torch.Tensor:
    """The value token the model finds most likely after each prompt (B, T) -> (B,), among value tokens only."""
    model.eval()
    logits = model(prompts)[:, -1, task.first_value:]  # (B, n_values): compare value tokens only
    return logits.argmax(dim=-1) + task.first_value  # (B,)


def recall_accuracy(model: GPT, task: KeyValueTask, n_shots: int, n: int = 2000, seed: int = 12345) -> float:
    """Accuracy on ``n`` fresh sequences with ``n_shots`` examples then a query (seeded apart from training)."""
    prompts, answers = task.sample(n, n_shots, torch.Generator().manual_seed(seed + n_shots))
    return float((predict_values(model, prompts, task) == answers).float().mean())


def ideal_accuracy(task: KeyValueTask, n_shots: int) -> float:
    """Accuracy of a perfect reader of the prompt: right when the query key was shown, chance otherwise."""
    unseen = (1 - 1 / task.n_keys) ** n_shots
    return (1 - unseen) + unseen * task.chance


def few_shot_prompt(examples: Sequence[tuple[str, str]], query: str, template: str = "入力：{x}\n出力：{y}\n",
                    instruction: str = "") -> str:
    """An instruction line (optional), the examples written with ``template``, then the query with an empty answer.

    >>> few_shot_prompt([("いぬ", "犬")], "ねこ")
    '入力：いぬ\\n出力：犬\\n入力：ねこ\\n出力：'
    """
    head = instruction + "\n" if instruction else ""
    shots = "".join(template.format(x=x, y=y) for x, y in examples)
    query_part = template.format(x=query, y="")
    return head + shots + query_part.rstrip("\n")


@torch.no_grad()
def complete(loaded, prompt: str, max_new_tokens: int = 8) -> str:
    """Greedy continuation of ``prompt`` by a pretrained model (:class:`llm_shikumi.hub.Loaded`); its first line."""
    tokenizer, model = loaded.tokenizer, loaded.model
    inputs = tokenizer(prompt, return_tensors="pt")
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    out = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=pad)
    new = tokenizer.decode(out[0, inputs["input_ids"].size(1):], skip_special_tokens=True)
    return new.strip().split("\n")[0].strip()
