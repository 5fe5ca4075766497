#!/usr/bin/env python3
"""Writes LLaMA-shaped GGUF files with random weights, for benchmarking text generation.

    scripts/make-synthetic-llama.py [OUT_DIR] [--models 100m,1b] [--types f32,f16,q8_0]

OUT_DIR defaults to <repo>/../models/synthetic (outside the repository). Files that already
exist are skipped. Weights are normal(0, 0.02) from a fixed seed (the same values in every
dtype), norms are 1.0; 2-D weights are stored in the file's type, norms in F32. The
metadata uses llama.cpp's keys and a minimal llama-style SentencePiece vocabulary
(<unk>, <s>, </s>, the 256 byte tokens, then filler pieces "▁a", "▁b", ...), so llama.cpp
and aigc both load and tokenize the files.

Tensors are generated and written one at a time (all requested types of one model in the
same pass), so memory stays at about one tensor, not the file size.
"""
import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import gguf
from gguf import GGMLQuantizationType as QT

MODELS = {
    # name: hidden, layers, heads, kv heads, ffn, vocab
    "100m": dict(hidden=768, layers=12, heads=12, kv_heads=4, ffn=2048, vocab=32000),
    "1b": dict(hidden=2048, layers=16, heads=32, kv_heads=8, ffn=5632, vocab=32000),
    # LLaMA-2-7B shapes (GPU benchmarks, scripts/bench-gpu.sh).
    "7b": dict(hidden=4096, layers=32, heads=32, kv_heads=32, ffn=11008, vocab=32000),
}
TYPES = {
    # name: (ggml type of 2-D weights, general.file_type)
    "f32": (QT.F32, 0),
    "f16": (QT.F16, 1),
    "q8_0": (QT.Q8_0, 7),
}
SEED = 1234


def vocab(n_vocab):
    """Tokens, scores and token types of a minimal llama SentencePiece vocabulary."""
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    types = [2, 3, 3] + [6] * 256  # unknown, control, control, byte
    letters = "abcdefghijklmnopqrstuvwxyz"
    n_fill = n_vocab - len(tokens)
    fill = []
    length = 1
    while len(fill) < n_fill:  # "▁a".."▁z", "▁aa".."▁zz", ... in order
        idx = [0] * length
        while len(fill) < n_fill:
            fill.append("\u2581" + "".join(letters[i] for i in idx))
            k = length - 1
            while k >= 0:
                idx[k] += 1
                if idx[k] < len(letters):
                    break
                idx[k] = 0
                k -= 1
            if k < 0:
                break
        length += 1
    tokens += fill
    types += [1] * len(fill)
    scores = [0.0] * 259 + [-float(i) for i in range(len(fill))]
    return tokens, scores, types


def tensor_list(cfg):
    """(name, numpy shape (rows, cols) or (n,)) in llama.cpp's order."""
    h, f, v = cfg["hidden"], cfg["ffn"], cfg["vocab"]
    hd = h // cfg["heads"]
    kv = hd * cfg["kv_heads"]
    out = [("token_embd.weight", (v, h))]
    for i in range(cfg["layers"]):
        p = f"blk.{i}."
        out += [
            (p + "attn_norm.weight", (h,)),
            (p + "attn_q.weight", (h, h)),
            (p + "attn_k.weight", (kv, h)),
            (p + "attn_v.weight", (kv, h)),
            (p + "attn_output.weight", (h, h)),
            (p + "ffn_norm.weight", (h,)),
            (p + "ffn_gate.weight", (f, h)),
            (p + "ffn_up.weight", (f, h)),
            (p + "ffn_down.weight", (h, f)),
        ]
    out += [("output_norm.weight", (h,)), ("output.weight", (v, h))]
    return out


def nbytes(shape, qtype):
    n = int(np.prod(shape))
    if len(shape) == 1 or qtype == QT.F32:
        return 4 * n
    if qtype == QT.F16:
        return 2 * n
    block, size = gguf.GGML_QUANT_SIZES[qtype]
    return n // block * size


def convert(data, qtype):
    if data.ndim == 1 or qtype == QT.F32:
        return data
    if qtype == QT.F16:
        return data.astype(np.float16)
    return gguf.quants.quantize(data, qtype)


def write_model(name, cfg, types, out_dir):
    todo = []
    for t in types:
        path = out_dir / f"synthetic-llama-{name}-{t}.gguf"
        if path.exists():
            print(f"exists, skipped: {path}")
            continue
        todo.append((t, path))
    if not todo:
        return
    tokens, scores, ttypes = vocab(cfg["vocab"])
    tensors = tensor_list(cfg)
    writers = []
    for t, path in todo:
        qtype, ftype = TYPES[t]
        tmp = path.with_suffix(".gguf.part")
        w = gguf.GGUFWriter(tmp, "llama")
        w.add_name(f"synthetic-llama-{name}")
        w.add_context_length(2048)
        w.add_embedding_length(cfg["hidden"])
        w.add_block_count(cfg["layers"])
        w.add_feed_forward_length(cfg["ffn"])
        w.add_head_count(cfg["heads"])
        w.add_head_count_kv(cfg["kv_heads"])
        w.add_rope_freq_base(10000.0)
        w.add_layer_norm_rms_eps(1e-5)
        w.add_rope_dimension_count(cfg["hidden"] // cfg["heads"])
        w.add_vocab_size(cfg["vocab"])
        w.add_file_type(ftype)
        w.add_quantization_version(gguf.GGML_QUANT_VERSION)
        w.add_tokenizer_model("llama")
        w.add_token_list(tokens)
        w.add_token_scores(scores)
        w.add_token_types(ttypes)
        w.add_bos_token_id(1)
        w.add_eos_token_id(2)
        w.add_unk_token_id(0)
        w.add_add_bos_token(True)
        w.add_add_eos_token(False)
        for tname, shape in tensors:
            q = QT.F32 if len(shape) == 1 else qtype
            w.add_tensor_info(tname, shape, np.dtype(np.float32), nbytes(shape, q), raw_dtype=q)
        w.write_header_to_file()
        w.write_kv_data_to_file()
        w.write_ti_data_to_file()
        writers.append((w, qtype, tmp, path))
    t0 = time.time()
    for i, (tname, shape) in enumerate(tensors):
        if len(shape) == 1:
            data = np.ones(shape, dtype=np.float32)
        else:
            rng = np.random.default_rng([SEED, i])
            data = rng.standard_normal(shape, dtype=np.float32)
            data *= np.float32(0.02)
        for w, qtype, _, _ in writers:
            w.write_tensor_data(convert(data, qtype))
        del data
    for w, _, tmp, path in writers:
        w.close()
        os.replace(tmp, path)
        print(f"wrote {path} ({path.stat().st_size / 1e9:.2f} GB)")
    print(f"  {name}: {time.time() - t0:.1f} s")


def main():
    repo = Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir", nargs="?", default=str(repo.parent / "models" / "synthetic"))
    ap.add_argument("--models", default="100m,1b", help="comma list of " + ",".join(MODELS))
    ap.add_argument("--types", default="f32,f16,q8_0", help="comma list of " + ",".join(TYPES))
    args = ap.parse_args()
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for m in args.models.split(","):
        if m not in MODELS:
            sys.exit(f"unknown model {m}")
    types = args.types.split(",")
    for t in types:
        if t not in TYPES:
            sys.exit(f"unknown type {t}")
    for m in args.models.split(","):
        write_model(m, MODELS[m], types, out_dir)


if __name__ == "__main__":
    main()
