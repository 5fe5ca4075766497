"""Low-level Context / Sampler use: no-copy logits, manual decoding loops."""

import numpy as np
import pytest

import aigc
from conftest import STORIES_GREEDY_60


def test_logits_no_copy(stories):
    ctx = aigc.Context(stories, n_ctx=64, n_threads=1)
    assert ctx.n_ctx == 64 and ctx.n_threads == 1 and ctx.n_seq_max == 1
    ids = stories.tokenize("Once upon a time")
    ctx.decode(ids, all_logits=True)
    a = ctx.logits()
    assert a.shape == (len(ids), stories.info.n_vocab)
    assert a.dtype == np.float32
    assert a.base is ctx  # the array keeps the context alive
    assert not a.flags.writeable
    b = ctx.logits()
    assert np.shares_memory(a, b)  # both views of the context's own buffer
    assert np.isfinite(a).all()
    ctx.decode([ids[-1]])
    assert ctx.logits().shape == (1, stories.info.n_vocab)
    assert ctx.seq_length() == len(ids) + 1


def test_manual_greedy_loop_matches_generate(stories):
    ctx = aigc.Context(stories, n_ctx=128)
    sampler = aigc.Sampler.chain().add(aigc.Sampler.greedy())
    tokens = stories.tokenize("")
    ctx.decode(tokens)
    out = []
    for _ in range(60):
        t = sampler.sample(ctx.logits()[-1])
        sampler.accept(t)
        out.append(t)
        ctx.decode([t])
    assert stories.detokenize(out).lstrip() == STORIES_GREEDY_60


def test_sampler_stages():
    logits = np.array([0.0, 3.0, 1.0, 3.0], dtype=np.float32)
    assert aigc.Sampler.greedy().sample(logits) == 1  # ties: lowest id
    chain = aigc.Sampler.chain()
    stage = aigc.Sampler.logit_bias({1: float("-inf")})
    chain.add(stage).add(aigc.Sampler.greedy())
    assert not stage  # taken over by the chain
    assert chain.sample(logits) == 3
    with pytest.raises(aigc.InvalidArgument):
        stage.sample(logits)
    d1 = aigc.Sampler(seed=3, temperature=1.0, top_k=0, top_p=1.0, min_p=0.0)
    draws = [d1.sample(logits) for _ in range(20)]
    d1.reset()
    assert [d1.sample(logits) for _ in range(20)] == draws
    assert set(draws) <= {0, 1, 2, 3}
    with pytest.raises(aigc.InvalidArgument):
        aigc.Sampler.greedy().sample(np.zeros((2, 4), np.float32))


def test_seq_truncate_and_context_full(stories):
    ctx = aigc.Context(stories, n_ctx=8)
    ctx.decode(list(range(1, 7)))
    with pytest.raises(aigc.ContextFull):
        ctx.decode([5, 6, 7])
    assert ctx.seq_length() == 6  # nothing changed
    ctx.seq_truncate(0, 2)
    assert ctx.seq_length() == 2
    ctx.seq_clear()
    assert ctx.seq_length() == 0


def test_model_outlives_python_reference():
    import gc

    from conftest import STORIES
    if not STORIES.exists():
        pytest.skip("stories260K missing")
    ctx = aigc.Context(aigc.Model.load(STORIES), n_ctx=32)
    gc.collect()
    ctx.decode([1])
    assert ctx.logits().shape[0] == 1
    assert isinstance(ctx.model, aigc._aigc.Model)
