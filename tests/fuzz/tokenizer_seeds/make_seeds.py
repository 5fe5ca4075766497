#!/usr/bin/env python3
"""Writes the tokenizer fuzz targets' seed corpus (this folder): small valid files cut
from the real vocabularies, the first N tokens and the merges among them.

  tokenizer_bin/           first byte = vocab size - 1, then a prefix of tok512.bin
  tokenizer_json/          SmolLM2-style tokenizer.json (Digits + ByteLevel, special
                           added tokens, TemplateProcessing) and a GPT-2-style one
  tokenizer_vocab_merges/  GPT-2 encoder.json + NUL + vocab.bpe, truncated
  tokenizer_encode/        flag byte + text (see fuzz_tokenizer_encode.cpp)

Usage: python3 tests/fuzz/tokenizer_seeds/make_seeds.py [models_dir [user_models_dir]]
"""
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.join(HERE, "..", "..", "..")
N = 320  # tokens kept


def write(sub, name, data):
    os.makedirs(os.path.join(HERE, sub), exist_ok=True)
    with open(os.path.join(HERE, sub, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


def truncate(tokens, merges, n):
    keep = {t: i for i, t in enumerate(tokens[:n])}
    kept = [(a, b) for a, b in merges if a in keep and b in keep and a + b in keep]
    return keep, kept


def main():
    models = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "..", "shared", "models")
    user = (sys.argv[2] if len(sys.argv) > 2 else os.environ.get("AIGC_USER_MODELS")
            or os.path.join(REPO, "..", "models"))

    with open(os.path.join(models, "llama2c-stories260k", "tok512.bin"), "rb") as f:
        raw = f.read()
    pos = 4  # max_token_length, then (score f32, len i32, bytes) per token
    for _ in range(300):
        pos += 8 + struct.unpack_from("<i", raw, pos + 4)[0]
    write("tokenizer_bin", "tok512_256", bytes([255]) + raw[:pos])  # vocab size 256
    write("tokenizer_bin", "tok512_44", bytes([43]) + raw[:pos])

    d = os.path.join(models, "gpt2-bpe-tokenizer")
    with open(os.path.join(d, "encoder.json"), encoding="utf-8") as f:
        enc = json.load(f)
    tokens = sorted(enc, key=enc.get)
    with open(os.path.join(d, "vocab.bpe"), encoding="utf-8") as f:
        merges = [tuple(l.split(" ")) for l in f.read().split("\n")[1:] if l]
    keep, kept = truncate(tokens, merges, N)
    keep["<|endoftext|>"] = len(keep)
    vocab_json = json.dumps(keep, ensure_ascii=False)
    merges_txt = "#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in kept)
    write("tokenizer_vocab_merges", "gpt2_320", vocab_json + "\0" + merges_txt)
    write("tokenizer_json", "gpt2_320.json", json.dumps({
        "added_tokens": [{"id": N, "content": "<|endoftext|>", "special": True}],
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "use_regex": True},
        "model": {"type": "BPE", "vocab": {t: i for t, i in keep.items() if i < N},
                  "merges": [[a, b] for a, b in kept]}}, ensure_ascii=False))

    gguf_path = os.path.join(user, "SmolLM2-135M-Instruct.Q4_1.gguf")
    if os.path.exists(gguf_path):
        from gguf import GGUFReader
        r = GGUFReader(gguf_path)
        toks = r.fields["tokenizer.ggml.tokens"].contents()
        types = r.fields["tokenizer.ggml.token_type"].contents()
        keep, kept = truncate(toks, [tuple(m.split(" ")) for m in
                                     r.fields["tokenizer.ggml.merges"].contents()], N)
        added = [{"id": i, "content": toks[i], "special": True} for i in range(N) if types[i] == 3]
        write("tokenizer_json", "smollm2_320.json", json.dumps({
            "added_tokens": added,
            "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                {"type": "Digits", "individual_digits": True},
                {"type": "ByteLevel", "add_prefix_space": False, "use_regex": True}]},
            "post_processor": {"type": "TemplateProcessing", "single": [
                {"SpecialToken": {"id": "<|im_start|>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}}]},
            "model": {"type": "BPE", "vocab": keep, "merges": [f"{a} {b}" for a, b in kept]}},
            ensure_ascii=False))

    texts = [b"Hello world! 123", b"<|im_start|>user\nHi<|im_end|>\n", b"caf\xc3\xa9 \xff\x80 \xe4\xbd",
             b"  \t\n\nthe hello ing 12 345", b"<s>x</s><turn>"]
    for i, t in enumerate(texts):
        for flags in (0, 1, 2, 3, 6, 9):
            write("tokenizer_encode", f"text{i}_flags{flags}", bytes([flags]) + t)


if __name__ == "__main__":
    main()
