"""Tests of llm_shikumi.rnn: the recurrence against torch.nn.RNN, gradient measurements, the character LM."""
import math

import pytest
import torch
import torch.nn as nn

from llm_shikumi import lm_eval, novel, rnn


def test_rnn_cell_equals_torch_rnn_cell():
    torch.manual_seed(0)
    cell = nn.RNNCell(5, 7)
    x, h = torch.randn(3, 5), torch.randn(3, 7)
    ours = rnn.rnn_cell(x, h, cell.weight_ih, cell.weight_hh, cell.bias_ih + cell.bias_hh)
    assert ours.shape == (3, 7)
    assert torch.allclose(ours, cell(x, h), atol=1e-6)


@pytest.mark.parametrize("bias", [True, False])
def test_scratch_rnn_equals_torch_rnn_with_copied_weights(bias):
    torch.manual_seed(0)
    ref = nn.RNN(4, 6, batch_first=True, bias=bias)
    ours = rnn.ScratchRNN.from_torch(ref)
    xs, h0 = torch.randn(2, 9, 4), torch.randn(2, 6)
    out_ref, h_ref = ref(xs, h0[None])  # h: (1, B, H)
    out, h = ours(xs, h0)
    assert out.shape == (2, 9, 6) and h.shape == (2, 6)
    assert torch.allclose(out, out_ref, atol=1e-6)
    assert torch.allclose(h, h_ref[0], atol=1e-6)
    out0, _ = ours(xs)  # h0 = zeros by default
    assert torch.allclose(out0, ref(xs)[0], atol=1e-6)
    # gradients agree too (BPTT through our loop = PyTorch's)
    ours.zero_grad()
    ref.zero_grad()
    ours(xs, h0)[0].sum().backward()
    ref(xs, h0[None])[0].sum().backward()
    assert torch.allclose(ours.W_h.grad, ref.weight_hh_l0.grad, atol=1e-5)


def test_scratch_rnn_refuses_what_it_cannot_copy():
    with pytest.raises(ValueError):
        rnn.ScratchRNN.from_torch(nn.RNN(3, 3, num_layers=2))
    with pytest.raises(ValueError):
        rnn.ScratchRNN.from_torch(nn.RNN(3, 3, nonlinearity="relu"))


def test_rnn_forward_edge_cases():
    W_x, W_h, b = torch.randn(3, 2), torch.randn(3, 3), torch.randn(3)
    h0 = torch.randn(4, 3)
    out, h = rnn.rnn_forward(torch.zeros(4, 0, 2), h0, W_x, W_h, b)
    assert out.shape == (4, 0, 3) and torch.equal(h, h0)
    x = torch.randn(4, 1, 2)
    out, h = rnn.rnn_forward(x, h0, W_x, W_h, b)
    assert torch.allclose(h, torch.tanh(x[:, 0] @ W_x.T + h0 @ W_h.T + b))
    assert torch.equal(out[:, 0], h)


def test_input_gradient_norms_match_autograd_jacobian():
    torch.manual_seed(1)
    layer = nn.RNN(3, 4, batch_first=True)
    xs = torch.randn(1, 5, 3)
    norms = rnn.input_gradient_norms(layer, xs)
    probe = torch.ones(4) / 2.0
    jac = torch.autograd.functional.jacobian(lambda x: layer(x)[0][0, -1] @ probe, xs)  # (1, 5, 3)
    assert norms.shape == (5,)
    assert torch.allclose(norms, jac[0].norm(dim=-1), atol=1e-6)


def test_gradient_decay_table_shows_vanishing_and_the_gates_help():
    table = rnn.gradient_decay_table(hidden_size=32, input_size=8, steps=40, batch_size=4, variants=[
        ("rnn", "rnn", {}), ("rnn x4", "rnn", {"w_h_scale": 4.0}),
        ("lstm", "lstm", {}), ("lstm open", "lstm", {"gate_bias": 5.0}),
        ("gru", "gru", {}), ("gru open", "gru", {"gate_bias": 5.0}),
    ])
    assert all(v.shape == (40,) for v in table.values())
    rnn_ratio = table["rnn"][30] / table["rnn"][0]
    assert rnn_ratio < 1e-4  # default tanh RNN: the gradient vanishes exponentially with distance
    # an open forget gate (LSTM) or a closed update gate (GRU) lets the gradient travel far
    assert table["lstm open"][30] / table["lstm open"][0] > 100 * table["lstm"][30] / table["lstm"][0]
    assert table["gru open"][30] / table["gru open"][0] > 0.1
    assert table["rnn x4"][5] > table["rnn"][5]


@pytest.fixture(scope="module")
def data():
    return rnn.novel_char_data()


def test_novel_char_data_uses_the_course_vocabulary(data):
    assert data.vocab == lm_eval.char_vocabulary(novel.split_text("train"))
    assert data.vocab[0] == lm_eval.UNK_CHAR
    test_text = novel.split_text("test")
    assert data.test.numel() == len(test_text)
    n_unknown = sum(ch not in data.stoi for ch in test_text)
    assert int((data.test == 0).sum()) == n_unknown > 0
    assert data.decode(data.encode("吾輩は猫")) == "吾輩は猫"


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("tie", [True, False])
def test_char_lm_shapes_and_state(cell, tie):
    torch.manual_seed(0)
    model = rnn.CharRNNLM(50, embed_size=8, hidden_size=16, cell=cell, tie_weights=tie)
    x = torch.randint(0, 50, (3, 7))
    logits, state = model(x)
    assert logits.shape == (3, 7, 50)
    # running in two windows with the carried state equals one pass
    a, s = model(x[:, :4])
    b, _ = model(x[:, 4:], rnn.detach_state(s))
    assert torch.allclose(torch.cat([a, b], 1), logits, atol=1e-5)
    tied = rnn.CharRNNLM(50, 8, 16, cell, tie_weights=True)
    untied = rnn.CharRNNLM(50, 8, 16, cell, tie_weights=False)
    from llm_shikumi.training import count_parameters
    assert count_parameters(tied) < count_parameters(untied)


def test_evaluate_counts_every_character_once(data):
    torch.manual_seed(0)
    model = rnn.CharRNNLM(data.vocab_size, 8, 16, "gru", tie_weights=False)
    with torch.no_grad():  # a model that knows nothing: uniform over the vocabulary
        model.head.weight.zero_()
        model.head.bias.zero_()
    ids = data.dev[:500]
    r = rnn.evaluate_char_lm(model, ids, batch_size=7, seq_len=33)
    assert r["chars"] == 500
    assert r["bpc"] == pytest.approx(math.log2(data.vocab_size), rel=1e-6)
    assert r["perplexity"] == pytest.approx(data.vocab_size, rel=1e-5)


def test_evaluate_carries_the_state_across_windows(data):
    torch.manual_seed(0)
    model = rnn.CharRNNLM(data.vocab_size, 8, 16, "lstm")
    ids = data.dev[:300]
    one = rnn.evaluate_char_lm(model, ids, batch_size=1, seq_len=1000)
    many = rnn.evaluate_char_lm(model, ids, batch_size=1, seq_len=13)
    assert one["nats"] == pytest.approx(many["nats"], rel=1e-5)
    with pytest.raises(ValueError):
        rnn.evaluate_char_lm(model, ids[:0])


def test_training_a_tiny_model_lowers_dev_bpc(data):
    model, hist = rnn.train_char_lm("gru", steps=25, batch_size=8, seq_len=32, embed_size=16, hidden_size=32,
                                    lr=1e-2, eval_every=25, eval_text=data.dev[:2000])
    assert len(hist.loss) == 25 and hist.eval_steps == [25]
    assert hist.loss[-1] < hist.loss[0] - 1.0
    assert hist.eval[0] < math.log2(data.vocab_size) - 2  # far better than uniform after 25 steps


def test_generate_is_reproducible_and_never_samples_unk(data):
    torch.manual_seed(0)
    model = rnn.CharRNNLM(data.vocab_size, 8, 16, "gru")
    with torch.no_grad():
        model.head[1].bias[0] = 50.0  # make UNK_CHAR by far the most likely character
    a = rnn.generate(model, "吾輩は", length=30, seed=3)
    assert a == rnn.generate(model, "吾輩は", length=30, seed=3)
    assert a.startswith("吾輩は") and len(a) == 33
    assert lm_eval.UNK_CHAR not in a
    assert a != rnn.generate(model, "吾輩は", length=30, seed=4)
    greedy = rnn.generate(model, "", length=5, temperature=0)
    assert len(greedy) == 5


def test_lm_input_gradient_norms_shape(data):
    torch.manual_seed(0)
    model = rnn.CharRNNLM(data.vocab_size, 8, 16, "lstm")
    ids = data.train[:2 * 21].view(2, 21)  # (B, T)
    norms = rnn.lm_input_gradient_norms(model, ids)
    assert norms.shape == (20,) and bool((norms > 0).all())


def test_long_run_record_is_read_back(tmp_path):
    assert rnn.load_long_run(tmp_path / "missing.json") is None
    record = rnn.load_long_run()
    if record is None:
        pytest.skip("python -m llm_shikumi.rnn --long-run has not been run")
    assert record["config"] == rnn.LONG_RUN_CONFIG  # the record belongs to the configuration in the code
    vocab_bits = math.log2(rnn.novel_char_data().vocab_size)
    assert 0 < record["test_bpc"] < vocab_bits
    assert record["dev_bpc"][-1][0] == rnn.LONG_RUN_CONFIG["steps"]
    cfg = rnn.LONG_RUN_CONFIG
    assert record["chars_seen"] == cfg["steps"] * cfg["batch_size"] * cfg["seq_len"]
