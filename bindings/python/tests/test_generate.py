"""Text generation through the Python API, checked against goldens and the C++ CLI."""

import os
import subprocess

import pytest

import aigc
from conftest import STORIES, STORIES_GREEDY_60

# The CLI's sampling defaults (tools/aigc/common.cpp, docs/CLI.md): temperature 0.8, seed 0,
# the rest the library's aigc_sampler_params defaults. Model.generate's defaults equal them.
CLI_SAMPLING = dict(temperature=0.8, top_k=40, top_p=0.95, min_p=0.05, repeat_penalty=1.0)


def test_version():
    assert aigc.__version__ == "0.1.0"
    assert aigc.abi_version() >= 1
    assert "0.1.0" in aigc.system_info()
    assert aigc.backend_available("cpu")


def test_info_and_tokenizer(stories):
    info = stories.info
    assert (info.n_vocab, info.n_layers, info.n_embd) == (512, 5, 64)
    assert info.as_dict()["n_ctx_train"] == info.n_ctx_train
    assert info.has_tokenizer and info.bos_token == 1
    ids = stories.tokenize("Once upon a time")
    assert ids[0] == info.bos_token
    assert stories.tokenize("Once upon a time", add_bos=False) == ids[1:]
    assert stories.detokenize(ids[1:]).strip() == "Once upon a time"
    assert isinstance(stories.detokenize_bytes(ids[1:]), bytes)


def test_greedy_golden(stories):
    assert stories.generate("", max_tokens=60, temperature=0) == STORIES_GREEDY_60


def test_stream_joins_to_same_text(stories):
    it = stories.generate("", max_tokens=60, temperature=0, stream=True)
    pieces = list(it)
    assert len(pieces) > 10
    assert "".join(pieces) == STORIES_GREEDY_60


def test_stream_closed_early_cancels(stories):
    it = stories.generate("", max_tokens=400, temperature=0, stream=True, n_ctx=512)
    first = [next(it) for _ in range(3)]
    it.close()  # cancels the worker; must not hang or leak a cancelled context
    assert "".join(first)
    assert stories.generate("", max_tokens=60, temperature=0, n_ctx=512) == STORIES_GREEDY_60


def test_seed_reproducible_and_sampler_object(stories):
    a = stories.generate("Once", max_tokens=32, seed=7)
    b = stories.generate("Once", max_tokens=32, seed=7, **CLI_SAMPLING)
    c = stories.generate("Once", max_tokens=32, sampler=aigc.Sampler(temperature=0.8, seed=7))
    assert a == b == c
    assert stories.generate("Once", max_tokens=32, seed=8) != a


def test_same_text_as_cli(stories):
    cli = os.environ.get("AIGC_CLI")
    if not cli or not os.access(cli, os.X_OK):
        pytest.skip("set AIGC_CLI to the built aigc binary (e.g. build/release/tools/aigc/aigc)")
    out = subprocess.run([cli, "generate", "-m", str(STORIES), "-p", "Once", "-n", "32",
                          "--temp", "0.8", "--seed", "7"],
                         check=True, capture_output=True).stdout.decode()
    py = stories.generate("Once", max_tokens=32, temperature=0.8, seed=7, top_k=40, top_p=0.95,
                          min_p=0.05)
    assert py == out


def test_stop_string_and_result(stories):
    ctx = aigc.Context(stories, n_ctx=128)
    r = aigc.generate(ctx, "", max_tokens=60, stop=["Lily"])
    assert r.stop_reason == "stop_string"
    assert r.text == STORIES_GREEDY_60.split("Lily")[0]
    assert r.n_prompt_tokens == 1 and r.n_generated > 0
    got = []
    r = aigc.generate(ctx, "", max_tokens=60, on_piece=lambda p, t: got.append(p))
    assert r.stop_reason == "max_tokens" and "".join(got) == r.text == STORIES_GREEDY_60


def test_callback_can_stop_and_raise(stories):
    ctx = aigc.Context(stories, n_ctx=128)
    r = aigc.generate(ctx, "", max_tokens=60, on_piece=lambda p, t: False)
    assert r.stop_reason == "cancelled" and r.n_generated == 1

    def boom(piece, token):
        raise KeyError("from the callback")

    with pytest.raises(KeyError, match="from the callback"):
        aigc.generate(ctx, "", max_tokens=60, on_piece=boom)
    assert aigc.generate(ctx, "", max_tokens=60).text == STORIES_GREEDY_60


def test_chat_smollm(smollm):
    reply = smollm.chat([{"role": "user", "content": "What is the capital of France?"}],
                        temperature=0)
    assert reply == "The capital of France is Paris."
    streamed = "".join(smollm.chat([("user", "What is the capital of France?")],
                                   temperature=0, stream=True))
    assert streamed == reply
