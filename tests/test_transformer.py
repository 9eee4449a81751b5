"""The Transformer parts of chapter 08 against PyTorch's own modules, with copied weights and fixed seeds."""
import math

import pytest
import torch
import torch.nn as nn

from llm_shikumi.positional import (
    LearnedPositionalEmbedding,
    RelativePositionBias,
    SinusoidalPositionalEncoding,
    offset_matrix,
    sinusoidal_encoding,
)
from llm_shikumi.transformer import (
    DecoderBlock,
    EncoderBlock,
    FeedForward,
    MultiHeadAttention,
    Seq2SeqTransformer,
    causal_mask,
    key_padding_mask,
    merge_heads,
    split_heads,
)

ATOL = 1e-5


def test_split_and_merge_heads():
    x = torch.arange(2 * 3 * 8, dtype=torch.float32).view(2, 3, 8)
    h = split_heads(x, 4)
    assert h.shape == (2, 4, 3, 2)
    # head 1 of token 2 holds features 2..3 of that token
    assert torch.equal(h[0, 1, 2], x[0, 2, 2:4])
    assert torch.equal(merge_heads(h), x)
    with pytest.raises(ValueError):
        split_heads(x, 3)


def test_causal_mask_with_and_without_cache():
    assert torch.equal(causal_mask(3), torch.tensor([[1, 0, 0], [1, 1, 0], [1, 1, 1]], dtype=torch.bool))
    # one new query after 3 cached positions sees all 4 keys
    assert causal_mask(1, 4).all()
    assert torch.equal(causal_mask(2, 4), torch.tensor([[1, 1, 1, 0], [1, 1, 1, 1]], dtype=torch.bool))


def test_key_padding_mask_shape():
    m = key_padding_mask(torch.tensor([[5, 6, 0], [7, 0, 0]]), pad_id=0)
    assert m.shape == (2, 1, 1, 3)
    assert m[:, 0, 0].tolist() == [[True, True, False], [True, False, False]]


@pytest.mark.parametrize("bias", [True, False])
def test_multi_head_attention_matches_torch(bias):
    torch.manual_seed(0)
    B, T, S, d, H = 2, 5, 7, 16, 4
    ref = nn.MultiheadAttention(d, H, bias=bias, batch_first=True)
    mine = MultiHeadAttention(d, H, bias=bias).load_from_torch(ref)
    x, mem = torch.randn(B, T, d), torch.randn(B, S, d)
    # self-attention with a causal mask (torch's attn_mask: True = NOT allowed)
    want, want_w = ref(x, x, x, attn_mask=~causal_mask(T), average_attn_weights=False)
    got, got_w = mine(x, mask=causal_mask(T))
    assert torch.allclose(got, want, atol=ATOL) and torch.allclose(got_w, want_w, atol=ATOL)
    # source-target attention with padded keys
    src = torch.tensor([[1, 2, 3, 4, 5, 6, 7], [1, 2, 3, 0, 0, 0, 0]])
    want, want_w = ref(x, mem, mem, key_padding_mask=src == 0, average_attn_weights=False)
    got, got_w = mine(x, mem, mem, mask=key_padding_mask(src, 0))
    assert got_w.shape == (B, H, T, S)
    assert torch.allclose(got, want, atol=ATOL) and torch.allclose(got_w, want_w, atol=ATOL)
    assert (got_w[1, :, :, 3:] == 0).all()


def test_kv_cache_gives_the_same_attention():
    torch.manual_seed(1)
    mha = MultiHeadAttention(8, 2)
    x = torch.randn(1, 6, 8)
    full, _ = mha(x, mask=causal_mask(6))
    cache, steps = {}, []
    for t in range(6):
        out, _ = mha(x[:, t:t + 1], mask=causal_mask(1, t + 1), cache=cache)
        steps.append(out)
    assert cache["k"].shape == (1, 2, 6, 4)
    assert torch.allclose(torch.cat(steps, dim=1), full, atol=ATOL)


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_block_matches_torch(norm_first):
    torch.manual_seed(2)
    d, H, d_ff = 16, 4, 32
    ref = nn.TransformerEncoderLayer(d, H, d_ff, dropout=0.0, batch_first=True, norm_first=norm_first)
    mine = EncoderBlock(d, H, d_ff, norm_first=norm_first).load_from_torch(ref)
    x = torch.randn(2, 6, d)
    src = torch.tensor([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]])
    # with gradients on, torch takes its ordinary (not the fused "fast") path, which keeps padded rows
    want = ref(x, src_key_padding_mask=src == 0)
    got = mine(x, mask=key_padding_mask(src, 0))
    assert torch.allclose(got, want, atol=ATOL)
    assert mine.attn_weights.shape == (2, H, 6, 6)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_block_matches_torch(norm_first):
    torch.manual_seed(3)
    d, H, d_ff = 16, 4, 32
    ref = nn.TransformerDecoderLayer(d, H, d_ff, dropout=0.0, batch_first=True, norm_first=norm_first)
    mine = DecoderBlock(d, H, d_ff, norm_first=norm_first).load_from_torch(ref)
    x, mem = torch.randn(2, 5, d), torch.randn(2, 4, d)
    src = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]])
    want = ref(x, mem, tgt_mask=~causal_mask(5), memory_key_padding_mask=src == 0)
    got = mine(x, mem, memory_mask=key_padding_mask(src, 0))  # causal self-attention by default
    assert torch.allclose(got, want, atol=ATOL)


def test_decoder_block_is_causal_and_cache_matches():
    torch.manual_seed(4)
    gpt_block = DecoderBlock(8, 2, 16, cross_attention=False)  # the decoder-only (GPT) block
    assert gpt_block.cross_attn is None
    x = torch.randn(1, 5, 8)
    y = gpt_block(x)
    x2 = x.clone()
    x2[:, 3:] = torch.randn(1, 2, 8)  # change the future
    assert torch.allclose(gpt_block(x2)[:, :3], y[:, :3], atol=ATOL)
    assert not torch.allclose(gpt_block(x2)[:, 3:], y[:, 3:], atol=ATOL)
    cache = {}
    steps = [gpt_block(x[:, t:t + 1], cache=cache) for t in range(5)]
    assert torch.allclose(torch.cat(steps, dim=1), y, atol=ATOL)
    with pytest.raises(ValueError):
        DecoderBlock(8, 2, 16)(x)  # a cross-attention block needs the encoder output


def test_feed_forward_is_position_wise():
    torch.manual_seed(5)
    ffn = FeedForward(4, 8)
    x = torch.randn(2, 3, 4)
    want = torch.relu(x @ ffn.linear1.weight.T + ffn.linear1.bias) @ ffn.linear2.weight.T + ffn.linear2.bias
    assert torch.allclose(ffn(x), want, atol=ATOL)
    assert torch.allclose(ffn(x[:, 1:2]), ffn(x)[:, 1:2], atol=ATOL)  # each position on its own


def test_sinusoidal_encoding_formula_and_offsets():
    pe = sinusoidal_encoding(50, 16)
    assert pe.shape == (50, 16) and pe.dtype == torch.float32
    pos, i = 7, 3
    assert math.isclose(pe[pos, 2 * i], math.sin(pos / 10000 ** (2 * i / 16)), abs_tol=1e-6)
    assert math.isclose(pe[pos, 2 * i + 1], math.cos(pos / 10000 ** (2 * i / 16)), abs_tol=1e-6)
    assert torch.equal(pe[0, 0::2], torch.zeros(8)) and torch.equal(pe[0, 1::2], torch.ones(8))
    odd = sinusoidal_encoding(4, 5)
    assert odd.shape == (4, 5) and torch.allclose(odd[:, :4], sinusoidal_encoding(4, 5, dtype=torch.float64)[:, :4].float())
    # PE(pos + k) = M_k PE(pos), one matrix for every pos
    pe64 = sinusoidal_encoding(50, 16, dtype=torch.float64)
    m = offset_matrix(5, 16)
    assert torch.allclose(pe64[:-5] @ m.T, pe64[5:], atol=1e-10)
    with pytest.raises(ValueError):
        offset_matrix(1, 5)


def test_position_modules():
    x = torch.zeros(2, 4, 6)
    sin = SinusoidalPositionalEncoding(6, max_len=10)
    assert torch.allclose(sin(x)[0], sinusoidal_encoding(4, 6))
    assert torch.allclose(sin(x[:, :1], start=3)[0, 0], sinusoidal_encoding(10, 6)[3])
    assert sum(p.numel() for p in sin.parameters()) == 0
    learned = LearnedPositionalEmbedding(6, max_len=10)
    assert torch.equal(learned(x[:, :2], start=5)[1], learned.embedding.weight[5:7])
    with pytest.raises(ValueError):
        learned(torch.zeros(1, 11, 6))
    rel = RelativePositionBias(n_heads=3, max_distance=2)
    b = rel(5, 5)
    assert b.shape == (3, 5, 5)
    # depends only on j - i: constant along diagonals, clipped beyond +-2
    assert torch.equal(b[:, 0, 1], b[:, 3, 4]) and torch.equal(b[:, 0, 3], b[:, 0, 4])


def test_seq2seq_transformer_learns_and_decodes_consistently():
    torch.manual_seed(6)
    pad, bos, eos = 0, 1, 2
    model = Seq2SeqTransformer(10, 10, d_model=16, n_heads=2, d_ff=32, n_layers=1, dropout=0.0)
    # copy task: 3..9 digits, target = source reversed
    src = torch.randint(3, 10, (16, 5))
    tgt = torch.cat([src.flip(1), torch.full((16, 1), eos)], dim=1)
    tgt_in = torch.cat([torch.full((16, 1), bos), tgt[:, :-1]], dim=1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        loss = nn.functional.cross_entropy(model(src, tgt_in).reshape(-1, 10), tgt.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    with_cache = model.greedy_decode(src[:4], bos, eos, max_len=8)
    without = model.greedy_decode(src[:4], bos, eos, max_len=8, use_cache=False)
    assert torch.equal(with_cache, without)
    # padding in the source does not change what the real tokens produce
    padded = torch.cat([src[:2], torch.zeros(2, 3, dtype=torch.long)], dim=1)
    model.eval()
    assert torch.allclose(model(padded, tgt_in[:2]), model(src[:2], tgt_in[:2]), atol=1e-4)


def test_translation_helpers_on_the_generated_task():
    from llm_shikumi.transformer import train_translation_transformer, translate_transformer, translation_batches
    from llm_shikumi.translation import make_dataset

    data = make_dataset(n_train=120, n_test=10, seed=1)
    src, tgt = next(translation_batches(data.train, data, 16, torch.Generator().manual_seed(0)))
    assert src.shape[0] == 16 and tgt.shape[0] == 16 and (tgt[:, 0] == 1).all()  # <bos> first
    model, history = train_translation_transformer(data, steps=3, batch_size=16, d_model=16, n_heads=2, d_ff=32,
                                                   n_layers=1)
    assert len(history.loss) == 3 and all(math.isfinite(v) for v in history.loss)
    hyps = translate_transformer(model, data.test, data, max_len=5)
    assert len(hyps) == 10 and all(isinstance(h, list) and len(h) <= 5 for h in hyps)
