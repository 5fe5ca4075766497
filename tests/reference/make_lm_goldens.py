#!/usr/bin/env python3
"""Writes the language-model reference data under tests/data/lm/.

1. Tiny random models (LLaMA, LLaMA with linear RoPE scaling, Qwen2, Mistral with a
   sliding window, GPT-2), built by transformers from fixed seeds, saved as
   config.json + model.safetensors (save_pretrained) and as GGUF files (f32, f16, q8_0)
   written with the `gguf` package following llama.cpp's convert_hf_to_gguf.py
   conventions (tensor names, q/k row permutation for the llama arch, Conv1D transposes
   for gpt2, metadata keys).
2. Goldens per model: logits of one causal forward and a greedy continuation, computed by
   transformers (float32, eager attention) from the safetensors weights, and again from
   the GGUF-dequantized weights for the f16 and q8_0 files.
3. A real-model golden for SmolLM2-135M-Instruct (Q4_1 GGUF) when the file is available:
   path from argv[1] or $AIGC_SMOLLM2 (default /work/models/SmolLM2-135M-Instruct.Q4_1.gguf).

Everything is deterministic (fixed seeds). Run from anywhere:
    python3 tests/reference/make_lm_goldens.py [path/to/SmolLM2-135M-Instruct.Q4_1.gguf]
Needs torch, transformers, gguf, numpy, safetensors (see tests/data/lm/README.md for the
versions the checked-in files were made with).
"""
import json
import os
import pathlib
import shutil
import sys
import tempfile

import numpy as np
import torch
import gguf
import safetensors.numpy
import transformers
from gguf import GGMLQuantizationType as Q
from transformers import (GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM,
                          MistralConfig, MistralForCausalLM, Qwen2Config, Qwen2ForCausalLM)

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "data" / "lm"
DEFAULT_SMOLLM2 = "/work/models/SmolLM2-135M-Instruct.Q4_1.gguf"

# Shapes shared by every tiny model.
VOCAB, HIDDEN, LAYERS, HEADS, FFN, MAX_POS = 256, 64, 2, 4, 128, 128
N_TOKENS, N_PROMPT, N_GREEDY = 24, 5, 16
WEIGHT_STD = 0.15  # larger than HF's 0.02 so attention is peaked and logits well separated
BOS, EOS = 1, 2

COMMON = dict(vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=LAYERS,
              num_attention_heads=HEADS, intermediate_size=FFN,
              max_position_embeddings=MAX_POS, bos_token_id=BOS, eos_token_id=EOS,
              attn_implementation="eager")

# Seeds were chosen (among a handful tried) so that every greedy step of every variant
# has a top-1/top-2 logit margin of at least ~0.02 and the continuations are not a single
# repeated token (tied GPT-2 tends to repeat its input token), so small differences in an
# implementation under test cannot flip a greedy token.
MODELS = [
    dict(name="tiny-llama", seed=208, arch="llama", cls=LlamaForCausalLM,
         cfg=lambda: LlamaConfig(**COMMON, num_key_value_heads=2, rope_theta=10000.0,
                                 rms_norm_eps=1e-5, tie_word_embeddings=False)),
    dict(name="tiny-llama-scaled", seed=210, arch="llama", cls=LlamaForCausalLM,
         cfg=lambda: LlamaConfig(**COMMON, num_key_value_heads=4, rope_theta=500000.0,
                                 rms_norm_eps=1e-6, tie_word_embeddings=True,
                                 rope_scaling={"type": "linear", "factor": 2.0})),
    dict(name="tiny-qwen2", seed=213, arch="qwen2", cls=Qwen2ForCausalLM,
         cfg=lambda: Qwen2Config(**COMMON, num_key_value_heads=2, rope_theta=1000000.0,
                                 rms_norm_eps=1e-6, tie_word_embeddings=True,
                                 use_sliding_window=False)),
    dict(name="tiny-mistral", seed=203, arch="llama", cls=MistralForCausalLM, f32_only=True,
         cfg=lambda: MistralConfig(**COMMON, num_key_value_heads=2, rope_theta=10000.0,
                                   rms_norm_eps=1e-5, tie_word_embeddings=False,
                                   sliding_window=8)),
    dict(name="tiny-gpt2", seed=213, arch="gpt2", cls=GPT2LMHeadModel,
         cfg=lambda: GPT2Config(vocab_size=VOCAB, n_embd=HIDDEN, n_layer=LAYERS, n_head=HEADS,
                                n_inner=FFN, n_positions=MAX_POS,
                                activation_function="gelu_new", layer_norm_epsilon=1e-5,
                                tie_word_embeddings=True, bos_token_id=BOS,
                                eos_token_id=EOS, attn_implementation="eager")),
]

FILE_TYPES = {"f32": (Q.F32, gguf.LlamaFileType.ALL_F32),
              "f16": (Q.F16, gguf.LlamaFileType.MOSTLY_F16),
              "q8_0": (Q.Q8_0, gguf.LlamaFileType.MOSTLY_Q8_0)}

MARGINS = []  # (label, min top-1/top-2 margin over the greedy steps)


# ----------------------------------------------------------------------------- files
def save_safetensors(tensors, path, metadata):
    """Byte-reproducible safetensors writer (the safetensors package orders metadata keys
    randomly). Keys sorted, header padded with spaces to a multiple of 8."""
    dtypes = {np.dtype(np.float32): "F32", np.dtype(np.int32): "I32"}
    header, blobs, off = {"__metadata__": dict(sorted(metadata.items()))}, [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        b = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": dtypes[a.dtype], "shape": list(a.shape),
                        "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(len(h).to_bytes(8, "little"))
        f.write(h)
        for b in blobs:
            f.write(b)
    back = safetensors.numpy.load_file(str(path))
    assert all(np.array_equal(back[k], tensors[k]) for k in tensors)


# ----------------------------------------------------------------------------- models
def build_model(spec):
    torch.manual_seed(spec["seed"])
    config = spec["cfg"]()
    model = spec["cls"](config).float().eval()
    # Re-initialise every parameter from a dedicated generator: weights N(0, WEIGHT_STD),
    # norm scales 1 + N(0, 0.1), biases N(0, 0.1) (HF would leave norms at 1, biases at 0,
    # which would not test that they are applied). Tied weights appear once.
    gen = torch.Generator().manual_seed(spec["seed"] * 1000 + 7)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=gen, dtype=torch.float32)
            if p.ndim >= 2:
                p.copy_(noise * WEIGHT_STD)
            elif "norm" in name or ".ln_" in name:
                p.copy_(1.0 + 0.1 * noise)
            else:
                p.copy_(0.1 * noise)
    return model


def forward_logits(model, ids):
    with torch.no_grad():
        out = model(input_ids=torch.tensor([list(ids)], dtype=torch.long))
    return out.logits[0].float().numpy()


def greedy(model, prompt, n):
    """Manual argmax loop, full recompute each step (no KV cache), no stopping."""
    seq, toks, rows, margins = list(prompt), [], [], []
    for _ in range(n):
        last = forward_logits(model, seq)[-1]
        top2 = np.sort(last)[-2:]
        nxt = int(np.argmax(last))
        toks.append(nxt)
        rows.append(last)
        margins.append(float(top2[1] - top2[0]))
        seq.append(nxt)
    return np.array(toks, np.int32), np.stack(rows).astype(np.float32), margins


def make_golden(model, tokens, path, label, meta):
    logits = forward_logits(model, tokens)
    prompt = tokens[:N_PROMPT]
    g_toks, g_logits, margins = greedy(model, prompt, N_GREEDY)
    # Margins of the 24-token forward too (argmax stability of every row).
    srt = np.sort(logits, axis=-1)
    fwd_margin = float((srt[:, -1] - srt[:, -2]).min())
    MARGINS.append((label, min(margins), fwd_margin))
    meta = dict(meta, min_greedy_margin=f"{min(margins):.6g}",
                min_forward_margin=f"{fwd_margin:.6g}")
    save_safetensors({
        "tokens": tokens.astype(np.int32),
        "logits": logits.astype(np.float32),
        "greedy_prompt": prompt.astype(np.int32),
        "greedy_tokens": g_toks,
        "greedy_logits": g_logits,
    }, path, meta)
    print(f"  {path.relative_to(ROOT)}: greedy {g_toks.tolist()} "
          f"min greedy margin {min(margins):.4g}, min forward margin {fwd_margin:.4g}")
    return logits


# ----------------------------------------------------------------------------- GGUF
def permute(w, n_head):
    """llama.cpp LlamaModel.permute: HF half-split RoPE rows -> interleaved pairs."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2) \
            .reshape(w.shape)


def unpermute(w, n_head):
    return w.reshape(n_head, w.shape[0] // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2) \
            .reshape(w.shape)


def gguf_tensor_map(spec, config):
    """[(gguf name, hf name, transform kind)] in llama.cpp order. kind: None, 'q', 'k', 'T'."""
    out = []
    if spec["arch"] == "gpt2":
        out += [("token_embd.weight", "transformer.wte.weight", None),
                ("position_embd.weight", "transformer.wpe.weight", None)]
        for i in range(config.n_layer):
            h, b = f"transformer.h.{i}.", f"blk.{i}."
            for g, hf, kind in [("attn_norm", "ln_1", None), ("attn_qkv", "attn.c_attn", "T"),
                                ("attn_output", "attn.c_proj", "T"), ("ffn_norm", "ln_2", None),
                                ("ffn_up", "mlp.c_fc", "T"), ("ffn_down", "mlp.c_proj", "T")]:
                out.append((b + g + ".weight", h + hf + ".weight", kind))
                out.append((b + g + ".bias", h + hf + ".bias", None))
        out += [("output_norm.weight", "transformer.ln_f.weight", None),
                ("output_norm.bias", "transformer.ln_f.bias", None)]
        return out
    llama = spec["arch"] == "llama"  # qwen2 uses NEOX RoPE: no permutation
    out.append(("token_embd.weight", "model.embed_tokens.weight", None))
    for i in range(config.num_hidden_layers):
        h, b = f"model.layers.{i}.", f"blk.{i}."
        out.append((b + "attn_norm.weight", h + "input_layernorm.weight", None))
        for g, hf, kind in [("attn_q", "q_proj", "q"), ("attn_k", "k_proj", "k"),
                            ("attn_v", "v_proj", None)]:
            out.append((b + g + ".weight", h + "self_attn." + hf + ".weight",
                        kind if llama else None))
            if getattr(config, "model_type", "") == "qwen2":
                out.append((b + g + ".bias", h + "self_attn." + hf + ".bias", None))
        out += [(b + "attn_output.weight", h + "self_attn.o_proj.weight", None),
                (b + "ffn_norm.weight", h + "post_attention_layernorm.weight", None),
                (b + "ffn_gate.weight", h + "mlp.gate_proj.weight", None),
                (b + "ffn_up.weight", h + "mlp.up_proj.weight", None),
                (b + "ffn_down.weight", h + "mlp.down_proj.weight", None)]
    out.append(("output_norm.weight", "model.norm.weight", None))
    if not config.tie_word_embeddings:
        out.append(("output.weight", "lm_head.weight", None))
    return out


def to_gguf_layout(w, kind, config):
    if kind == "q":
        return permute(w, config.num_attention_heads)
    if kind == "k":
        return permute(w, config.num_key_value_heads)
    if kind == "T":
        return np.ascontiguousarray(w.T)
    return w


def from_gguf_layout(w, kind, config):
    if kind == "q":
        return unpermute(w, config.num_attention_heads)
    if kind == "k":
        return unpermute(w, config.num_key_value_heads)
    if kind == "T":
        return np.ascontiguousarray(w.T)
    return w


def storage_type(gname, arr, want):
    """llama.cpp rules: 1-D tensors and norms F32; position_embd always F32."""
    if arr.ndim <= 1 or gname.endswith("_norm.weight") or gname == "position_embd.weight":
        return Q.F32
    return want


def write_gguf(path, spec, config, st, ftype):
    qtype, file_type = FILE_TYPES[ftype]
    arch = spec["arch"]
    w = gguf.GGUFWriter(str(path), arch=arch)
    w.add_name(spec["name"])
    if arch == "gpt2":
        w.add_context_length(config.n_positions)
        w.add_embedding_length(config.n_embd)
        w.add_block_count(config.n_layer)
        # llama.cpp's converter writes 4 * n_embd here; we write the real n_inner.
        w.add_feed_forward_length(config.n_inner)
        w.add_head_count(config.n_head)
        w.add_layer_norm_eps(config.layer_norm_epsilon)
    else:
        head_dim = config.hidden_size // config.num_attention_heads
        w.add_context_length(config.max_position_embeddings)
        w.add_embedding_length(config.hidden_size)
        w.add_block_count(config.num_hidden_layers)
        w.add_feed_forward_length(config.intermediate_size)
        w.add_head_count(config.num_attention_heads)
        w.add_head_count_kv(config.num_key_value_heads)
        w.add_rope_freq_base(float(config.rope_theta))
        w.add_layer_norm_rms_eps(config.rms_norm_eps)
        w.add_key_length(head_dim)
        w.add_value_length(head_dim)
        w.add_rope_dimension_count(head_dim)
        rs = getattr(config, "rope_scaling", None)
        if rs and rs.get("rope_type", rs.get("type")) == "linear":
            w.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
            w.add_rope_scaling_factor(float(rs["factor"]))
        if getattr(config, "sliding_window", None) and config.model_type == "mistral":
            # Our own convention: llama.cpp's llama arch does not read this key.
            w.add_sliding_window(int(config.sliding_window))
    w.add_vocab_size(config.vocab_size)
    w.add_file_type(int(file_type))
    w.add_bos_token_id(BOS)
    w.add_eos_token_id(EOS)
    for gname, hname, kind in gguf_tensor_map(spec, config):
        arr = to_gguf_layout(st[hname].astype(np.float32), kind, config)
        t = storage_type(gname, arr, qtype)
        if t == Q.F32:
            w.add_tensor(gname, np.ascontiguousarray(arr, dtype=np.float32))
        elif t == Q.F16:
            w.add_tensor(gname, arr.astype(np.float16))
        else:
            w.add_tensor(gname, gguf.quants.quantize(arr, t), raw_dtype=t)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def read_gguf_as_hf(path, spec, config):
    """Dequantize every tensor, undo the layout changes, return {hf name: f32 array}."""
    reader = gguf.GGUFReader(str(path))
    by_name = {t.name: t for t in reader.tensors}
    out = {}
    for gname, hname, kind in gguf_tensor_map(spec, config):
        t = by_name.pop(gname)
        shape = tuple(int(d) for d in reversed(t.shape.tolist()))
        arr = gguf.quants.dequantize(t.data, t.tensor_type).reshape(shape).astype(np.float32)
        out[hname] = from_gguf_layout(arr, kind, config)
    assert not by_name, f"unexpected tensors {list(by_name)}"
    return out, reader


def model_from_weights(spec, config, weights):
    model = spec["cls"](config).float().eval()
    sd = {k: torch.from_numpy(np.array(v)) for k, v in weights.items()}
    missing, unexpected = model.load_state_dict(sd, strict=False)
    missing = [m for m in missing if not (m == "lm_head.weight" and config.tie_word_embeddings)]
    assert not missing and not unexpected, (missing, unexpected)
    if config.tie_word_embeddings:
        model.tie_weights()
    return model


# ----------------------------------------------------------------------------- tiny
def check_sliding_window(spec, model, tokens):
    """The window must change the logits (i.e. transformers applies it)."""
    cfg = spec["cfg"]()
    cfg.sliding_window = None
    nowin = model_from_weights(spec, cfg, {k: v.detach().numpy()
                                           for k, v in model.state_dict().items()})
    a, b = forward_logits(model, tokens), forward_logits(nowin, tokens)
    w = model.config.sliding_window
    diff_rows = np.nonzero(np.abs(a - b).max(axis=-1) > 1e-6)[0]
    assert len(diff_rows) > 0, "sliding window not applied by transformers"
    # Which keys does query i see? Perturb one token and see which rows move.
    probe = tokens.copy()
    probe[0] = 3 if probe[0] != 3 else 4
    moved = np.nonzero(np.abs(forward_logits(model, probe) - a).max(axis=-1) > 1e-6)[0]
    print(f"  sliding_window={w}: rows differing from no-window: {diff_rows.min()}.."
          f"{diff_rows.max()}; rows affected by token 0 (2 layers, so up to 2*(w-1)): "
          f"{moved.min()}..{moved.max()}")
    # Layer-1 attention of a 1-layer check: query i attends key j iff i - w < j <= i.
    cfg1 = spec["cfg"]()
    cfg1.num_hidden_layers = 1
    sd1 = {k: v.detach().numpy() for k, v in model.state_dict().items()
           if not k.startswith("model.layers.1.")}
    one = model_from_weights(spec, cfg1, sd1)
    base = forward_logits(one, tokens)
    moved1 = np.nonzero(np.abs(forward_logits(one, probe) - base).max(axis=-1) > 1e-6)[0]
    print(f"  1-layer: token 0 affects rows {moved1.tolist()} -> query i sees keys "
          f"j with i-{w} < j <= i (window of {w} incl. itself)")
    assert moved1.max() == w - 1, moved1
    return int(diff_rows.min())


def do_tiny(spec):
    name = spec["name"]
    d = OUT / name
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    print(f"{name}:")
    model = build_model(spec)
    config = model.config
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        for f in ("config.json", "model.safetensors"):
            shutil.copy(os.path.join(tmp, f), d / f)
    st = safetensors.numpy.load_file(str(d / "model.safetensors"))
    # Reload from disk so the goldens come from exactly the checked-in weights.
    ref = spec["cls"].from_pretrained(str(d), torch_dtype=torch.float32,
                                      attn_implementation="eager").eval()
    rng = np.random.default_rng(spec["seed"])
    tokens = rng.integers(3, VOCAB, size=N_TOKENS).astype(np.int32)
    meta = {"model": name, "weights": "model.safetensors (f32)",
            "transformers": transformers.__version__, "torch": torch.__version__}
    logits = make_golden(ref, tokens, d / "golden.safetensors", f"{name} f32", meta)
    assert np.allclose(logits, forward_logits(model, tokens), atol=0, rtol=0)
    if config.model_type == "mistral":
        check_sliding_window(spec, ref, tokens)

    ftypes = ["f32"] if spec.get("f32_only") else ["f32", "f16", "q8_0"]
    for ft in ftypes:
        path = d / f"model-{ft}.gguf"
        write_gguf(path, spec, config, st, ft)
        weights, reader = read_gguf_as_hf(path, spec, config)
        # Sanity: weights round-trip (f32 exactly; f16/q8_0 within quantization error).
        worst = 0.0
        for k, v in weights.items():
            err = float(np.abs(v - st[k]).max())
            worst = max(worst, err)
            if ft == "f32" or v.ndim == 1:
                assert err == 0.0, (ft, k, err)
        arch = reader.get_field("general.architecture").contents()
        assert arch == spec["arch"], arch
        print(f"  {path.relative_to(ROOT)}: {len(weights)} tensors, "
              f"max |dequant - f32| = {worst:.3g}, {path.stat().st_size} bytes")
        if ft != "f32":
            qmodel = model_from_weights(spec, spec["cfg"](), weights)
            make_golden(qmodel, tokens, d / f"golden-{ft}.safetensors", f"{name} {ft}",
                        dict(meta, weights=f"model-{ft}.gguf dequantized by gguf-py"))
    gc = d / "generation_config.json"
    if gc.exists():
        gc.unlink()


# ----------------------------------------------------------------------------- SmolLM2
def do_smollm2(path):
    from transformers import AutoModelForCausalLM, AutoTokenizer
    print(f"smollm2-135m-instruct from {path}:")
    d, f = os.path.dirname(os.path.abspath(path)), os.path.basename(path)
    tok = AutoTokenizer.from_pretrained(d, gguf_file=f)
    model = AutoModelForCausalLM.from_pretrained(d, gguf_file=f, torch_dtype=torch.float32,
                                                 attn_implementation="eager").eval()
    chat = tok.apply_chat_template([{"role": "user", "content": "What is the capital of France?"}],
                                   tokenize=False, add_generation_prompt=True)
    tensors, meta = {}, {"model": "SmolLM2-135M-Instruct.Q4_1.gguf",
                         "transformers": transformers.__version__, "torch": torch.__version__}
    for key, text, n_last in [("", chat, 2), ("plain_", "Once upon a time", 1)]:
        ids = tok(text, add_special_tokens=False)["input_ids"]
        logits = forward_logits(model, ids)
        g_toks, _, margins = greedy(model, ids, 32)
        srt = np.sort(logits[-n_last:], axis=-1)
        fwd_margin = float((srt[:, -1] - srt[:, -2]).min())
        label = "smollm2 " + ("chat" if not key else "plain")
        MARGINS.append((label, min(margins), fwd_margin))
        gtext = tok.decode(g_toks.tolist())
        tensors[key + "prompt_tokens"] = np.array(ids, np.int32)
        tensors[key + "prompt_last_logits"] = logits[-n_last:].astype(np.float32)
        tensors[key + "greedy_tokens"] = g_toks
        meta[key + "prompt_text"] = text
        meta[key + "greedy_text"] = gtext
        meta[key + "min_greedy_margin"] = f"{min(margins):.6g}"
        print(f"  {label}: {len(ids)} prompt tokens {ids}\n    greedy {g_toks.tolist()}\n"
              f"    text {gtext!r}\n    min greedy margin {min(margins):.4g}, "
              f"min margin of stored rows {fwd_margin:.4g}")
    out = OUT / "smollm2-135m-instruct"
    out.mkdir(parents=True, exist_ok=True)
    save_safetensors(tensors, out / "golden.safetensors", meta)
    print(f"  wrote {(out / 'golden.safetensors').relative_to(ROOT)}")


def main():
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    print(f"torch {torch.__version__}, transformers {transformers.__version__}, "
          f"numpy {np.__version__}")
    only = os.environ.get("AIGC_LM_ONLY")  # optional: comma-separated model names
    for spec in MODELS:
        if not only or spec["name"] in only.split(","):
            do_tiny(spec)
    smol = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("AIGC_SMOLLM2", DEFAULT_SMOLLM2)
    if smol and os.path.exists(smol) and (not only or "smollm2" in only):
        do_smollm2(smol)
    elif not only:
        print(f"SmolLM2 GGUF not found at {smol!r}: skipping the smollm2-135m-instruct golden "
              "(set AIGC_SMOLLM2 or pass the path)")
    print("margins (min top1-top2 over greedy steps, min over stored forward rows):")
    for label, g, f in MARGINS:
        print(f"  {label:28s} greedy {g:.4g}  forward {f:.4g}")


if __name__ == "__main__":
    main()
