"""The from-scratch GPT (llm_shikumi.gpt) against transformers' GPT2LMHeadModel, the KV cache, stream scoring."""
from __future__ import annotations

import pytest
import torch

from llm_shikumi.gpt import GPT, GPTConfig, stream_nll, to_transformers


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    m = GPT(GPTConfig(vocab_size=50, block_size=16, d_model=32, n_heads=4, n_layers=2))
    with torch.no_grad():  # large random weights, so that a wrong wiring shows in the logits
        for p in m.parameters():
            p.normal_(0, 0.3)
    return m.eval()


def test_same_logits_as_gpt2_with_copied_weights(model):
    idx = torch.randint(0, 50, (3, 16), generator=torch.Generator().manual_seed(1))
    hf = to_transformers(model)
    ours = model(idx)
    theirs = hf(idx).logits
    assert ours.shape == theirs.shape == (3, 16, 50)
    assert torch.allclose(ours, theirs, atol=1e-5), (ours - theirs).abs().max()


def test_output_layer_is_tied_to_the_embedding(model):
    assert model.head.weight is model.tok_emb.weight


def test_causal_future_tokens_do_not_change_the_past(model):
    idx = torch.randint(0, 50, (1, 10), generator=torch.Generator().manual_seed(2))
    changed = idx.clone()
    changed[0, 7:] = (changed[0, 7:] + 1) % 50
    assert torch.allclose(model(idx)[0, :7], model(changed)[0, :7], atol=1e-6)
    assert not torch.allclose(model(idx)[0, 7], model(changed)[0, 7])


@pytest.mark.parametrize("kwargs", [dict(temperature=1.0), dict(temperature=0.7, top_k=5), dict(top_p=0.9)])
def test_kv_cache_generates_the_same_tokens(model, kwargs):
    prompt = torch.randint(0, 50, (2, 3), generator=torch.Generator().manual_seed(3))
    with_cache = model.generate(prompt, 40, generator=torch.Generator().manual_seed(4), use_cache=True, **kwargs)
    without = model.generate(prompt, 40, generator=torch.Generator().manual_seed(4), use_cache=False, **kwargs)
    assert with_cache.shape == (2, 43)
    assert torch.equal(with_cache, without)  # 40 > block_size: also checks the cache rebuild


def test_stream_nll_scores_every_token_once(model):
    ids = torch.randint(0, 50, (15,), generator=torch.Generator().manual_seed(5))
    context = torch.tensor([0])
    full = torch.cat([context, ids])
    with torch.no_grad():
        logp = torch.log_softmax(model(full[None, :-1]), dim=-1)[0]  # one window holds it all
    direct = float(-logp.gather(-1, full[1:, None]).sum())
    total, count = stream_nll(model, ids, context)
    assert count == 15 and total == pytest.approx(direct, rel=1e-5)
    long_ids = torch.randint(0, 50, (203,), generator=torch.Generator().manual_seed(6))
    for stride in (1, 5, 8, 16):
        assert stream_nll(model, long_ids, context, stride=stride)[1] == 203


def test_stream_nll_with_stride_one_gives_full_context(model):
    """With stride 1 every token sees block_size - 1 previous tokens: equal to scoring token by token."""
    ids = torch.randint(0, 50, (30,), generator=torch.Generator().manual_seed(7))
    context = torch.tensor([1])
    full = torch.cat([context, ids])
    T = model.config.block_size
    expected = 0.0
    with torch.no_grad():
        for t in range(1, full.numel()):
            x = full[max(0, t - T):t]
            expected -= float(torch.log_softmax(model(x[None]), -1)[0, -1, full[t]])
    assert stream_nll(model, ids, context, stride=1)[0] == pytest.approx(expected, rel=1e-5)
