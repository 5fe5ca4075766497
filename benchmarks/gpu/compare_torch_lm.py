#!/usr/bin/env python3
"""PyTorch/transformers peer for the GPU text-generation benchmark (scripts/bench-gpu.sh).

    compare_torch_lm.py --model 1b|7b [--dtype float16] [--prompt 512] [--gen 128] [--runs 3]

Builds LlamaForCausalLM with the shapes of scripts/make-synthetic-llama.py (random
weights, no file), on the GPU, and times prompt processing (one forward over P tokens)
and greedy decoding of G tokens with the KV cache (model.generate, no early stop), medians
of R runs after a warm-up, with CUDA synchronisation around every timed region. Prints one
JSON line. Quantized (Q8_0) weights have no transformers equivalent: not compared.
"""
import argparse
import json
import statistics
import sys
import time

import torch
import transformers

SHAPES = {
    "1b": dict(hidden=2048, layers=16, heads=32, kv_heads=8, ffn=5632, vocab=32000),
    "7b": dict(hidden=4096, layers=32, heads=32, kv_heads=32, ffn=11008, vocab=32000),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=sorted(SHAPES), required=True)
    ap.add_argument("--dtype", default="float16", choices=["float16", "bfloat16"])
    ap.add_argument("--prompt", type=int, default=512)
    ap.add_argument("--gen", type=int, default=128)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    s = SHAPES[a.model]
    cfg = transformers.LlamaConfig(
        vocab_size=s["vocab"], hidden_size=s["hidden"], intermediate_size=s["ffn"],
        num_hidden_layers=s["layers"], num_attention_heads=s["heads"],
        num_key_value_heads=s["kv_heads"], max_position_embeddings=4096, rms_norm_eps=1e-5)
    dtype = getattr(torch, a.dtype)
    torch.manual_seed(0)
    with torch.device("cuda"):
        model = transformers.LlamaForCausalLM(cfg).to(dtype).eval()
    ids = torch.randint(3, s["vocab"], (1, a.prompt), device="cuda")

    def timed(fn):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        return time.perf_counter() - t0

    with torch.inference_mode():
        prompt_fn = lambda: model(ids, use_cache=False)
        gen_fn = lambda: model.generate(ids, max_new_tokens=a.gen, min_new_tokens=a.gen,
                                        do_sample=False, pad_token_id=0)
        timed(prompt_fn)
        timed(gen_fn)
        prompt_s = [timed(prompt_fn) for _ in range(a.runs)]
        # generate() = prompt pass + a.gen decode steps; the decode rate excludes the prompt.
        gen_s = [timed(gen_fn) - statistics.median(prompt_s) for _ in range(a.runs)]
    weight_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    print(json.dumps({
        "bench": "torch_generate", "model": a.model, "dtype": a.dtype,
        "device": torch.cuda.get_device_name(), "torch": torch.__version__,
        "transformers": transformers.__version__, "weight_bytes": weight_bytes,
        "n_prompt": a.prompt, "n_gen": a.gen,
        "prompt_tok_s": a.prompt / statistics.median(prompt_s),
        "decode_tok_s": a.gen / statistics.median(gen_s)}))


if __name__ == "__main__":
    main()
