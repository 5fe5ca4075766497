#!/usr/bin/env python3
"""Text generation: aigc (bench_generate) against llama.cpp (llama-cpp-python), one run.

    benchmarks/lm/compare_llama_cpp.py --bench build/benchmarks/lm/bench_generate \
        [--threads 2] [--prompt 128] [--gen 64] [--runs 3] MODEL.gguf ...

For every model and thread count both engines get the same prompt token ids (random ids in
[3, n_vocab) from a fixed seed, fed as ids, not text), evaluate the prompt in one batch
(median of `runs` after a warm-up, the KV cache cleared between runs) and then decode
`gen` tokens one at a time with greedy argmax (median tokens/s). Each engine runs in its
own process so peak RSS (ru_maxrss / VmHWM) is its own; the llama.cpp figure includes the
Python interpreter (its baseline before loading is printed in the JSON).

Prints a Markdown table (and the raw JSON lines with --json FILE). Ratios are ours /
llama.cpp: above 1 means aigc is faster. "greedy" is how many of the first generated
tokens both engines agree on (a cross-check that both ran the same model).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FILE_TYPES = {0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1",
              10: "Q2_K", 12: "Q3_K_M", 14: "Q4_K_S", 15: "Q4_K_M", 17: "Q5_K_M", 18: "Q6_K",
              32: "BF16"}


def median(v):
    v = sorted(v)
    n = len(v)
    return v[n // 2] if n % 2 else 0.5 * (v[n // 2 - 1] + v[n // 2])


def vm_hwm_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return -1


# ---------------------------------------------------------------------------------------
# llama.cpp worker (runs in a child process: --worker)
# ---------------------------------------------------------------------------------------
def llama_worker(args):
    import numpy as np
    import llama_cpp

    base_rss = vm_hwm_bytes()
    prompt = [int(t) for t in Path(args.tokens).read_text().replace(",", " ").split()]
    n_prompt, n_gen, runs = len(prompt), args.gen, args.runs
    t0 = time.perf_counter()
    llm = llama_cpp.Llama(model_path=args.model, n_ctx=n_prompt + n_gen + 16,
                          n_threads=args.threads, n_threads_batch=args.threads, n_batch=512,
                          logits_all=False, verbose=False)
    load_s = time.perf_counter() - t0
    n_vocab = llm.n_vocab()

    # Llama.eval(tokens) appends at position llm.n_tokens (removing KV entries at and after
    # it first), in batches of n_batch, requesting logits for the last token only; those
    # are read straight from the llama.cpp context (llm.scores is only kept with
    # logits_all=True in recent llama-cpp-python).
    def last_argmax():
        ptr = llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1)
        return int(np.argmax(np.ctypeslib.as_array(ptr, shape=(n_vocab,))))

    prompt_s = []
    for r in range(runs + 1):
        llm.reset()  # n_tokens = 0: the next eval overwrites the sequence from position 0
        t = time.perf_counter()
        llm.eval(prompt)
        dt = time.perf_counter() - t
        if r > 0:
            prompt_s.append(dt)
    first = last_argmax()

    gen_s, generated = [], []
    for r in range(runs + 1):
        llm.n_tokens = n_prompt
        tok, out = first, []
        t = time.perf_counter()
        for _ in range(n_gen):
            llm.eval([tok])
            out.append(tok)
            tok = last_argmax()
        dt = time.perf_counter() - t
        if r > 0:
            gen_s.append(dt)
        else:
            generated = out
    res = dict(engine="llama.cpp", llama_cpp_python=llama_cpp.__version__, threads=args.threads,
               n_prompt=n_prompt, n_gen=n_gen, load_s=load_s,
               prompt_tok_s=n_prompt / median(prompt_s), prompt_s=prompt_s,
               decode_tok_s=n_gen / median(gen_s), decode_s=gen_s,
               peak_rss_bytes=vm_hwm_bytes(), python_baseline_rss_bytes=base_rss,
               first_token=first, generated=generated)
    print(json.dumps(res), flush=True)


# ---------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------
def model_meta(path):
    import gguf
    r = gguf.GGUFReader(path)

    def field(key):
        f = r.fields.get(key)
        if f is None:
            return None
        return f.contents() if hasattr(f, "contents") else f.parts[f.data[0]][0]

    arch = field("general.architecture")
    ftype = field("general.file_type")
    tokens = r.fields.get("tokenizer.ggml.tokens")
    n_vocab = len(tokens.data) if tokens is not None else field(f"{arch}.vocab_size")
    return dict(arch=arch, dtype=FILE_TYPES.get(ftype, str(ftype)), n_vocab=int(n_vocab))


def run_json(cmd, timeout):
    t = time.time()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return dict(error=f"timed out after {timeout} s")
    for line in p.stdout.splitlines():
        if line.startswith("{"):
            d = json.loads(line)
            d["wall_s"] = time.time() - t
            return d
    err = (p.stderr.strip().splitlines() or ["no output"])[-1]
    return dict(error=f"exit {p.returncode}: {err}")


def fmt(v, nd=1):
    return "-" if v is None else f"{v:.{nd}f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*")
    ap.add_argument("--bench", default="build/benchmarks/lm/bench_generate")
    ap.add_argument("--threads", default=str(os.cpu_count()), help="comma list, e.g. 1,2")
    ap.add_argument("--prompt", type=int, default=128)
    ap.add_argument("--gen", type=int, default=64)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--timeout", type=int, default=1800, help="seconds per engine per model")
    ap.add_argument("--json", help="append the raw results here (JSON lines)")
    ap.add_argument("--skip-llama", action="store_true")
    # worker mode
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--model", help=argparse.SUPPRESS)
    ap.add_argument("--tokens", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        args.threads = int(args.threads)
        return llama_worker(args)

    import numpy as np
    rows = []
    bw_done = False
    jf = open(args.json, "a") if args.json else None
    tmpdir = tempfile.mkdtemp(prefix="bench-lm-")
    for model in args.models:
        meta = model_meta(model)
        rng = np.random.default_rng(args.seed)
        prompt = rng.integers(3, meta["n_vocab"], size=args.prompt)
        tok_file = os.path.join(tmpdir, "prompt.txt")
        Path(tok_file).write_text(" ".join(str(int(t)) for t in prompt))
        file_bytes = os.path.getsize(model)
        for threads in [int(t) for t in args.threads.split(",")]:
            cmd = [args.bench, model, "--threads", str(threads), "--gen", str(args.gen),
                   "--runs", str(args.runs), "--tokens", tok_file]
            ours = run_json(cmd, args.timeout)
            if args.skip_llama:
                theirs = dict(error="skipped")
            else:
                theirs = run_json([sys.executable, __file__, "--worker", "--model", model,
                                   "--tokens", tok_file, "--threads", str(threads),
                                   "--gen", str(args.gen), "--runs", str(args.runs)], args.timeout)
            row = dict(model=os.path.basename(model), dtype=meta["dtype"], threads=threads,
                       file_bytes=file_bytes, ours=ours, llama_cpp=theirs)
            rows.append(row)
            if jf:
                jf.write(json.dumps(row) + "\n")
                jf.flush()
            print(f"# {row['model']} t={threads}: ours "
                  f"{ours.get('error') or 'prompt %.1f decode %.2f tok/s' % (ours['prompt_tok_s'], ours['decode_tok_s'])}"
                  f"; llama.cpp {theirs.get('error') or 'prompt %.1f decode %.2f tok/s' % (theirs['prompt_tok_s'], theirs['decode_tok_s'])}",
                  file=sys.stderr, flush=True)

    mib = 1 << 20
    print()
    print(f"prompt {args.prompt} tokens, decode {args.gen} tokens greedy, median of {args.runs} "
          "runs; ratio = ours / llama.cpp (> 1: aigc faster)")
    print()
    print("| model | dtype | threads | prompt tok/s ours | llama.cpp | ratio | decode tok/s ours "
          "| llama.cpp | ratio | decode floor tok/s | greedy agree | RSS MiB ours / llama.cpp / file |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        o, l = r["ours"], r["llama_cpp"]
        op, od = o.get("prompt_tok_s"), o.get("decode_tok_s")
        lp, ld = l.get("prompt_tok_s"), l.get("decode_tok_s")
        pr = op / lp if op and lp else None
        dr = od / ld if od and ld else None
        agree = "-"
        if "generated" in o and "generated" in l:
            n = 0
            for a, b in zip(o["generated"], l["generated"]):
                if a != b:
                    break
                n += 1
            agree = f"{n}/{min(len(o['generated']), len(l['generated']))}"
        rss_o = fmt(o["peak_rss_bytes"] / mib, 0) if "peak_rss_bytes" in o else "-"
        rss_l = fmt(l["peak_rss_bytes"] / mib, 0) if "peak_rss_bytes" in l else "-"
        if "error" in o:
            op_s = "error: " + o["error"].replace("|", "/")
        else:
            op_s = fmt(op)
        if "error" in l and l["error"] != "skipped":
            lp_s = "error: " + l["error"].replace("|", "/")
        else:
            lp_s = fmt(lp)
        print(f"| {r['model']} | {r['dtype']} | {r['threads']} | {op_s} | {lp_s} | {fmt(pr, 2)} "
              f"| {fmt(od, 2)} | {fmt(ld, 2)} | {fmt(dr, 2)} | {fmt(o.get('decode_floor_tok_s'), 1)} "
              f"| {agree} | {rss_o} / {rss_l} / {r['file_bytes'] / mib:.0f} |")
    bws = sorted({round(r['ours'].get('read_bw_bytes_s', 0) / 1e9, 1) for r in rows
                  if r['ours'].get('read_bw_bytes_s')})
    if bws:
        print(f"\nstreaming-read bandwidth measured by bench_generate (1 GiB, best of 5): "
              f"{', '.join(str(b) for b in bws)} GB/s")


if __name__ == "__main__":
    sys.exit(main())
