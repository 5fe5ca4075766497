"""Bad input raises the right aigc.Error subclass with the library's message."""

import math

import pytest

import aigc


def test_hierarchy():
    assert issubclass(aigc.IoError, aigc.Error) and issubclass(aigc.IoError, OSError)
    assert issubclass(aigc.InvalidArgument, ValueError)
    for cls in (aigc.ContextFull, aigc.Cancelled, aigc.Unsupported, aigc.InvalidFormat,
                aigc.ShapeMismatch, aigc.BackendUnavailable, aigc.OutOfMemory):
        assert issubclass(cls, aigc.Error)


def test_missing_file(tmp_path):
    with pytest.raises(aigc.IoError) as e:
        aigc.Model.load(tmp_path / "nope.gguf")
    assert "nope.gguf" in str(e.value)
    assert e.value.status == 3


def test_garbage_file(tmp_path):
    p = tmp_path / "junk.gguf"
    p.write_bytes(b"GGUF" + b"\xff" * 64)
    with pytest.raises(aigc.Error) as e:
        aigc.Model.load(p)
    assert isinstance(e.value, (aigc.InvalidFormat, aigc.Unsupported))


def test_unknown_backend(stories):
    from conftest import STORIES
    with pytest.raises((aigc.BackendUnavailable, aigc.InvalidArgument)):
        aigc.Model.load(STORIES, backend="tpu")


def test_top_p_out_of_range(stories):
    with pytest.raises(aigc.InvalidArgument, match="top_p"):
        stories.generate("x", top_p=2.0)


def test_temperature_nan(stories):
    with pytest.raises(aigc.InvalidArgument, match="temperature"):
        stories.generate("x", temperature=math.nan)


def test_zero_threads(stories):
    with pytest.raises(aigc.InvalidArgument, match="n_threads"):
        stories.generate("x", n_threads=0)
    with pytest.raises(aigc.InvalidArgument):
        aigc.Context(stories, n_threads=0)


def test_prompt_longer_than_context(stories):
    with pytest.raises(aigc.ContextFull):
        stories.generate("Once upon a time " * 40, n_ctx=16)
    with pytest.raises(aigc.ContextFull):
        list(stories.generate("Once upon a time " * 40, n_ctx=16, stream=True))


def test_unknown_chat_template(stories):
    with pytest.raises(aigc.Error, match="nonesuch") as e:
        stories.chat([{"role": "user", "content": "hi"}], template="nonesuch")
    assert isinstance(e.value, (aigc.InvalidArgument, aigc.Unsupported))
    with pytest.raises(aigc.Unsupported):  # stories260K has no chat template of its own
        stories.chat([{"role": "user", "content": "hi"}])
    with pytest.raises(aigc.InvalidArgument, match="content"):
        stories.chat([{"role": "user"}])


def test_missing_meta_key(stories):
    with pytest.raises(aigc.InvalidArgument):
        stories.meta("no.such.key")


def test_bad_tokens(stories):
    with pytest.raises(aigc.Error):
        stories.detokenize([10**6])
    ctx = aigc.Context(stories, n_ctx=16)
    with pytest.raises(aigc.Error):
        ctx.decode([-5])
    with pytest.raises(aigc.Error):
        ctx.decode([])
    with pytest.raises(TypeError):
        ctx.decode(["a"])
