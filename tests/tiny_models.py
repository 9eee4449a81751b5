"""Tiny pretrained-model folders saved locally, so the online code paths (``llm_shikumi.hub`` and the chapters'
cells that use it) run offline in the tests with the same classes a real Hub model would load."""
from __future__ import annotations

from pathlib import Path


def save_tiny_gpt2(folder: Path, tokens: list[str], n_positions: int = 64, chat_template: str | None = None,
                   **special_tokens: str) -> Path:
    """A character-level ``PreTrainedTokenizerFast`` over ``tokens`` (the first is the unknown token) and a
    random 1-layer ``GPT2LMHeadModel`` (seed 0) saved in ``folder``; ``special_tokens`` such as
    ``eos_token="<eos>"`` go to the tokenizer."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    vocab = {tok: i for i, tok in enumerate(tokens)}
    tok = Tokenizer(models.WordLevel(vocab, unk_token=tokens[0]))
    tok.pre_tokenizer = pre_tokenizers.Split("", behavior="isolated")
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token=tokens[0], **special_tokens)
    if chat_template is not None:
        fast.chat_template = chat_template
    fast.save_pretrained(folder)
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=len(vocab), n_positions=n_positions, n_embd=8, n_layer=1, n_head=2)
    GPT2LMHeadModel(config).save_pretrained(folder)
    return folder
