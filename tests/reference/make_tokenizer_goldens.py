#!/usr/bin/env python3
"""Writes tests/data/tokenizer/goldens.json: token ids from reference tokenizers.

  gpt2      Hugging Face `tokenizers` BPE built from OpenAI's encoder.json + vocab.bpe with
            the ByteLevel pre-tokenizer (add_prefix_space=False), i.e. GPT-2's behaviour.
            (tiktoken's "gpt2" would download its BPE file; no network here.)
  llama32k  `sentencepiece` on llama2-tokenizer-32k/tokenizer.model (Meta's LLaMA-2 model).
  tok512    stories260K's tok512.bin has no .model file: a plain re-implementation of
            llama2.c's encode() (score-greedy merges, byte fallback at id byte+3), which is
            first checked against sentencepiece on the 32k vocabulary's tokenizer.bin.
  smollm2   SmolLM2-135M-Instruct's GGUF vocabulary (tokenizer.ggml.pre = "smollm") in a
            `tokenizers` pipeline equal to the model's own tokenizer.json: BPE from the
            GGUF tokens + merges, pre-tokenizer Sequence[Digits(individual_digits=True),
            ByteLevel(add_prefix_space=False)], the 17 control tokens as special added
            tokens. (transformers' GGUF loader does not know "smollm" and falls back to
            ByteLevel alone, which keeps digit runs together: not a faithful reference.)
            "special_cases" holds prompts with chat markers encoded that way (special
            tokens parsed). Skipped, with the previous values kept, when the .gguf is
            absent.

Texts are stored as hex (some are not valid UTF-8). Usage:
  pip install tokenizers sentencepiece gguf
  python3 tests/reference/make_tokenizer_goldens.py [models_dir [user_models_dir]]
user_models_dir (default $AIGC_USER_MODELS, else the folder `models` beside the checkout)
holds SmolLM2-135M-Instruct.Q4_1.gguf.
"""
import json
import os
import struct
import sys

import sentencepiece as spm
from tokenizers import Tokenizer, decoders, models, pre_tokenizers

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data", "tokenizer", "goldens.json")


def corpus():
    long_word = ("supercalifragilistic" * 50)[:1000]
    texts = [
        ("hello_world", "Hello world"),
        ("once_upon", "Once upon a time, there was a little girl."),
        ("empty", ""),
        ("single_space", " "),
        ("english", "The quick brown fox jumps over the lazy dog. It's 3:45 PM!"),
        ("contractions", "don't I'LL we've they're she'd you'll it's I'm 'quoted'"),
        ("numbers", "1234567890 3.14159 -42 1e10 0x1F 2024-01-01 ½ ١٢٣"),
        ("chinese", "你好，世界！今天天气很好。"),
        ("japanese", "こんにちは世界。カタカナとひらがな、漢字。"),
        ("emoji", "I ❤️ emoji 😀😃🎉 👍🏽 flags 🇫🇷🇯🇵"),
        ("emoji_zwj", "family 👨‍👩‍👧‍👦 and 👩🏽‍💻 coder"),
        ("code_tabs", "def f(x):\n\tif x:\n\t\treturn x  # two spaces\n    \treturn None\n"),
        ("mixed_indent", "  \t  x = {'a': [1, 2, 3]}\n\t  \ty\t=\t2"),
        ("spaces_run", "a     b          c"),
        ("newlines_run", "line1\n\n\nline2\r\n\r\nline3\n"),
        ("leading_trailing_ws", "   padded text   "),
        ("only_newlines", "\n\n\n"),
        ("accents", "Café naïve résumé Ångström Œuvre ß straße"),
        ("cyrillic_greek", "Привет мир! Γειά σου Κόσμε!"),
        ("arabic_hebrew", "مرحبا بالعالم שלום עולם"),
        ("korean_thai", "안녕하세요 สวัสดีครับ"),
        ("symbols", "$$$ %%% @#&*()_+-=[]{}|;:,.<>?/~` «»“”‘’…–—"),
        ("long_word", long_word),
        ("unicode_spaces", "a\u00a0b\u2003c\u3000d\u200be"),
        ("math", "∀x∈ℝ: x² ≥ 0, ∑ᵢ aᵢ = π ≈ 3.14"),
    ]
    out = [(label, t.encode("utf-8"), True) for label, t in texts]
    # Malformed UTF-8: stray continuation, truncated sequence, overlong, bare high bytes.
    out += [
        ("invalid_continuation", b"abc\x80def", False),
        ("invalid_truncated", b"caf\xc3 \xe4\xbd", False),
        ("invalid_overlong", b"\xc0\xafslash \xff\xfe", False),
    ]
    return out


def gpt2_reference(models_dir):
    d = os.path.join(models_dir, "gpt2-bpe-tokenizer")
    with open(os.path.join(d, "encoder.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    merges = []
    with open(os.path.join(d, "vocab.bpe"), encoding="utf-8") as f:
        for i, line in enumerate(f.read().split("\n")):
            if (i == 0 and line.startswith("#version")) or not line:
                continue
            a, b = line.split(" ")
            merges.append((a, b))
    tok = Tokenizer(models.BPE(vocab, merges))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    return tok


SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
SPECIAL_TEXTS = [
    ("chatml_turn", "<|im_start|>user\nHi<|im_end|>\n"),
    ("chatml_prompt", "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, "
                      "trained by Hugging Face<|im_end|>\n<|im_start|>user\nWhat is 2+2?"
                      "<|im_end|>\n<|im_start|>assistant\n"),
    ("adjacent_markers", "<|im_end|><|im_start|><|endoftext|>x<|im_end"),
]


def smollm2_reference(path):
    from gguf import GGUFReader  # only needed for this vocabulary
    r = GGUFReader(path)
    field = lambda k: r.fields[k].contents()
    assert field("tokenizer.ggml.model") == "gpt2" and field("tokenizer.ggml.pre") == "smollm"
    tokens, types = field("tokenizer.ggml.tokens"), field("tokenizer.ggml.token_type")
    merges = [tuple(m.split(" ")) for m in field("tokenizer.ggml.merges")]
    tok = Tokenizer(models.BPE({t: i for i, t in enumerate(tokens)}, merges))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    tok.decoder = decoders.ByteLevel()
    control = [t for t, ty in zip(tokens, types) if ty == 3]  # CONTROL
    tok.add_special_tokens(control)
    assert len(control) == 17 and tokens[1] == "<|im_start|>" and tokens[2] == "<|im_end|>"
    return tok


def read_llama2c_vocab(path, vocab_size):
    with open(path, "rb") as f:
        data = f.read()
    pos, pieces, scores = 4, [], []
    for _ in range(vocab_size):
        score, n = struct.unpack_from("<fi", data, pos)
        pos += 8
        pieces.append(data[pos:pos + n])
        scores.append(score)
        pos += n
    return pieces, scores


def llama2c_encode(pieces, scores, text: bytes):
    """llama2.c run.c encode(): dummy prefix, per-character lookup with byte fallback,
    then repeatedly merge the adjacent pair with the best score (leftmost on ties)."""
    index = {p: i for i, p in reversed(list(enumerate(pieces)))}
    ids = []
    if not text:
        return ids
    ids.append(index[b" "])
    i = 0
    while i < len(text):
        # One UTF-8 character; a malformed byte is a character of its own (our documented
        # rule; run.c would glue stray continuation bytes to the previous character).
        lead = text[i]
        n = 1 if lead < 0x80 else 2 if lead >> 5 == 6 else 3 if lead >> 4 == 14 else 4
        try:
            text[i:i + n].decode("utf-8")
            j = i + n
        except UnicodeDecodeError:
            j = i + 1
        ch = text[i:j]
        if ch in index:
            ids.append(index[ch])
        else:
            ids.extend(b + 3 for b in ch)
        i = j
    while True:
        best, best_id, best_i = -1e10, -1, -1
        for k in range(len(ids) - 1):
            merged = pieces[ids[k]] + pieces[ids[k + 1]]
            if merged in index and scores[index[merged]] > best:
                best, best_id, best_i = scores[index[merged]], index[merged], k
        if best_i < 0:
            return ids
        ids[best_i:best_i + 2] = [best_id]


def main():
    models_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..",
                                                                 "shared", "models")
    user_models = (sys.argv[2] if len(sys.argv) > 2 else os.environ.get("AIGC_USER_MODELS")
                   or os.path.join(HERE, "..", "..", "..", "models"))
    smollm_path = os.path.join(user_models, SMOLLM2_GGUF)
    smollm = smollm2_reference(smollm_path) if os.path.exists(smollm_path) else None
    previous = {}
    if smollm is None and os.path.exists(OUT):
        print(f"note: {smollm_path} not found; keeping the stored smollm2 goldens")
        with open(OUT, encoding="utf-8") as f:
            previous = json.load(f)
    old_smollm = {c["label"]: c["smollm2"] for c in previous.get("cases", []) if "smollm2" in c}
    gpt2 = gpt2_reference(models_dir)
    sp = spm.SentencePieceProcessor(
        model_file=os.path.join(models_dir, "llama2-tokenizer-32k", "tokenizer.model"))
    p32, s32 = read_llama2c_vocab(os.path.join(models_dir, "llama2-tokenizer-32k", "tokenizer.bin"),
                                  32000)
    p512, s512 = read_llama2c_vocab(os.path.join(models_dir, "llama2c-stories260k", "tok512.bin"),
                                    512)
    # Known stories260K facts (MANIFEST / llama2.c doc): byte tokens at 3..258, BOS 1, EOS 2.
    assert p512[0] == b"<unk>" and p512[1] == b"\n<s>\n" and p512[2] == b"\n</s>\n"
    assert all(p512[3 + b] == b"<0x%02X>" % b for b in range(256))
    assert sp.bos_id() == 1 and sp.eos_id() == 2 and sp.get_piece_size() == 32000

    cases, agree_32k_python = [], 0
    for label, raw, valid in corpus():
        case = {"label": label, "hex": raw.hex(), "valid_utf8": valid}
        if valid:
            text = raw.decode("utf-8")
            case["gpt2"] = gpt2.encode(text).ids
            assert gpt2.decode(case["gpt2"]) == text, label
            if smollm is not None:
                case["smollm2"] = smollm.encode(text, add_special_tokens=False).ids
                assert smollm.decode(case["smollm2"], skip_special_tokens=False) == text, label
            elif label in old_smollm:
                case["smollm2"] = old_smollm[label]
            case["llama32k"] = sp.encode(text)
            # The Python llama2.c re-implementation must agree with sentencepiece on the
            # same 32k vocabulary before it is trusted as tok512's reference.
            mine = llama2c_encode(p32, s32, raw)
            if mine == case["llama32k"]:
                agree_32k_python += 1
            else:
                print(f"note: llama2.c re-implementation differs from sentencepiece on {label}")
        case["tok512"] = llama2c_encode(p512, s512, raw)
        cases.append(case)
    n_valid = sum(c["valid_utf8"] for c in cases)
    print(f"llama2.c re-implementation vs sentencepiece (32k): {agree_32k_python}/{n_valid}")

    facts = {c["label"]: c["gpt2"] for c in cases if c["valid_utf8"]}
    assert facts["hello_world"] == [15496, 995]
    assert facts["once_upon"] == [7454, 2402, 257, 640, 11, 612, 373, 257, 1310, 2576, 13]

    special = previous.get("special_cases", [])
    if smollm is not None:
        facts = {c["label"]: c["smollm2"] for c in cases if "smollm2" in c}
        assert facts["hello_world"] == [19556, 905]
        # Each digit is its own piece (a public SmolLM2 fact: "Hello world! 123").
        assert smollm.encode("Hello world! 123").ids == [19556, 905, 17, 216, 33, 34, 35]
        special = [{"label": label, "text": text,
                    "smollm2": smollm.encode(text, add_special_tokens=False).ids}
                   for label, text in SPECIAL_TEXTS]
        assert special[0]["smollm2"][0] == 1 and special[0]["smollm2"][-2] == 2

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        # One case per line keeps the file small and its diffs readable.
        f.write('{"generator": "tests/reference/make_tokenizer_goldens.py",\n "cases": [\n')
        f.write(",\n".join("  " + json.dumps(c) for c in cases))
        f.write("\n ],\n \"special_cases\": [\n")
        f.write(",\n".join("  " + json.dumps(c) for c in special))
        f.write("\n ]\n}\n")
    print(f"wrote {len(cases)} cases to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
