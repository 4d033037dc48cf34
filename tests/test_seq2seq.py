"""Additive (Bahdanau) attention against a NumPy reference and float64 gradcheck; the encoder-decoder's shapes,
its padding independence and greedy decoding."""
import numpy as np
import pytest

import deepgrad as dg
from deepgrad.autograd import gradcheck
from deepgrad.models.seq2seq import AdditiveAttention, Seq2Seq


def _attention(dtype=dg.float64):
    dg.manual_seed(0)
    return AdditiveAttention(3, 4, 5, dtype=dtype)


def _inputs(rng, batch=2, steps=4):
    query = dg.tensor(rng.normal(size=(batch, 3)), dtype=dg.float64, requires_grad=True)
    keys = dg.tensor(rng.normal(size=(batch, steps, 4)), dtype=dg.float64, requires_grad=True)
    return query, keys


def test_matches_numpy_reference_and_masks_padding():
    rng = np.random.default_rng(0)
    att = _attention()
    query, keys = _inputs(rng, steps=4)
    mask = dg.tensor(np.array([[False] * 4, [False, False, True, True]]))
    context, weights = att(query, keys, mask)
    wq, wk, bk, v = (p.detach().numpy() for p in
                     (att.query_proj.weight, att.key_proj.weight, att.key_proj.bias, att.v.weight))
    q, k = query.detach().numpy(), keys.detach().numpy()
    scores = np.tanh(q[:, None] @ wq.T + k @ wk.T + bk) @ v[0]
    scores[1, 2:] = -np.inf
    expected = np.exp(scores - scores.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    np.testing.assert_allclose(weights.detach().numpy(), expected, rtol=1e-10)
    np.testing.assert_allclose(context.detach().numpy(), np.einsum("bs,bsk->bk", expected, k), rtol=1e-10)
    assert weights.detach().numpy()[1, 2:].max() == 0.0


@pytest.mark.parametrize("masked", [False, True])
def test_gradcheck(masked):
    rng = np.random.default_rng(1)
    att = _attention()
    query, keys = _inputs(rng, steps=3)
    mask = dg.tensor(np.array([[False, False, False], [False, False, True]])) if masked else None
    params = list(att.parameters())

    def fn(q, k, *_):
        context, weights = att(q, k, mask)
        return context, weights

    assert gradcheck(fn, (query, keys, *params))


def test_precomputed_key_projection_gives_the_same_result():
    rng = np.random.default_rng(2)
    att = _attention()
    query, keys = _inputs(rng)
    a = att(query, keys)
    b = att(query, keys, projected_keys=att.project_keys(keys))
    for x, y in zip(a, b):
        np.testing.assert_allclose(x.detach().numpy(), y.detach().numpy())


def test_bad_shapes_name_the_module():
    att = _attention()
    with pytest.raises(ValueError, match="AdditiveAttention"):
        att(dg.zeros(2, 3, dtype=dg.float64), dg.zeros(3, 4, 4, dtype=dg.float64))


def test_seq2seq_ignores_source_padding_and_decodes_greedily():
    dg.manual_seed(0)
    model = Seq2Seq(10, 6, embedding_dim=4, encoder_hidden=5, decoder_hidden=6, attention_size=3)
    rng = np.random.default_rng(3)
    source = rng.integers(1, 10, (3, 5))
    lengths = np.array([5, 3, 2])
    source[1, 3:] = 0
    source[2, 2:] = 0
    target_in = rng.integers(1, 6, (3, 4))
    logits = model(dg.tensor(source), lengths, dg.tensor(target_in)).detach()
    assert logits.shape == (3, 4, 6)
    # extra padding columns must not change anything
    wider = np.concatenate([source, np.zeros((3, 2), dtype=source.dtype)], 1)
    np.testing.assert_allclose(model(dg.tensor(wider), lengths, dg.tensor(target_in)).detach().numpy(), logits.numpy(),
                               rtol=1e-5, atol=1e-6)
    ids, attention = model.greedy_decode(dg.tensor(source), lengths, 4)
    assert ids.shape == (3, 4) and attention.shape == (3, 4, 5)
    assert np.all(attention[1, :, 3:] == 0) and np.all(attention[2, :, 2:] == 0)
    # the first greedy step is the argmax of the teacher-forced logits after <sos>
    first = model(dg.tensor(source), lengths, dg.tensor(np.full((3, 1), model.sos_id))).detach().numpy()[:, 0]
    np.testing.assert_array_equal(ids[:, 0], first.argmax(-1))
