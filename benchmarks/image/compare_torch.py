#!/usr/bin/env python3
"""Image models: aigc (bench_image) against PyTorch on the CPU, same threads, one run.

    benchmarks/image/compare_torch.py --bench build/release/benchmarks/image/bench_image \
        --models CONVERTED_DIR [--threads 2] [--batches 1,16] [--runs 5] [--repeat 3] \
        [--only dcgan-mnist,taef2]

CONVERTED_DIR holds the models tools/aigc-convert wrote (scripts/bench-image.sh makes it).
For each case both engines run the same network on the same inputs: a GAN generator
(samples/s), one denoiser step of the DDPM CNN and the DiT (ms/step), and the TAESD decoder
(ms/image, 64x64 latent -> 512x512). The PyTorch peer (torch_models.py) is first checked
against the model's golden (../shared/models/goldens) so both provably compute the same
function; aigc's models are checked against the same goldens by the test suite. The floor
is the network's FLOPs (counted from the conv/linear/matmul shapes of the PyTorch run)
divided by the machine's peak: cores x 2 FMA units x 8 f32 lanes x 2 flops x clock (AVX2).
Prints a Markdown table; "speed-up" is PyTorch time / aigc time (above 1: aigc faster).
On a shared machine use --repeat: each case is then timed several times, alternating the
two engines, and the medians are reported; the header line gives the load average.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_models as tm  # noqa: E402

GOLDENS = os.environ.get("AIGC_MODELS", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "models"))


def cpu_ghz():
    try:
        with open("/proc/cpuinfo") as f:
            mhz = [float(l.split(":")[1]) for l in f if l.startswith("cpu MHz")]
        return max(mhz) / 1000.0
    except (OSError, ValueError):
        return float("nan")


class FlopCounter:
    """Counts 2*MACs of conv2d, conv_transpose2d, linear and matmul while active."""

    def __init__(self):
        self.flops = 0
        self.saved = {}

    def __enter__(self):
        def conv(orig):
            def f(x, w, b=None, stride=1, padding=0, *a, **k):
                y = orig(x, w, b, stride, padding, *a, **k)
                self.flops += 2 * y.numel() * w.shape[1] * w.shape[2] * w.shape[3]
                return y
            return f

        def convt(orig):
            def f(x, w, b=None, stride=1, *a, **k):
                y = orig(x, w, b, stride, *a, **k)
                self.flops += 2 * x.numel() * w.shape[1] * w.shape[2] * w.shape[3]
                return y
            return f

        def linear(orig):
            def f(x, w, b=None):
                y = orig(x, w, b)
                self.flops += 2 * y.numel() * w.shape[1]
                return y
            return f

        for name, wrap in (("conv2d", conv), ("conv_transpose2d", convt), ("linear", linear)):
            self.saved[name] = getattr(F, name)
            setattr(F, name, wrap(self.saved[name]))
        self.saved_matmul = torch.Tensor.__matmul__

        def mm(a, b):
            y = self.saved_matmul(a, b)
            self.flops += 2 * y.numel() * a.shape[-1]
            return y
        torch.Tensor.__matmul__ = mm
        return self

    def __exit__(self, *exc):
        for name, fn in self.saved.items():
            setattr(F, name, fn)
        torch.Tensor.__matmul__ = self.saved_matmul


def golden(model):
    return tm.read_safetensors(os.path.join(GOLDENS, "goldens", model + ".safetensors"))


def check(name, got, want, tol):
    err = float((got - want).abs().max())
    if not err <= tol:
        raise SystemExit(f"{name}: the PyTorch peer differs from the golden by {err} (> {tol})")


def cases(models_dir, batches):
    """(label, model dir, what, batch, torch callable, unit) for every benchmark case."""
    out = []
    w, c = tm.load(os.path.join(models_dir, "mlp-gan-mnist"))
    g = golden("mlp-gan-mnist")
    m = tm.MlpGan(w, c)
    check("mlp-gan", m(g["z"]).reshape(16, 784), g["images"], 1e-4)
    for n in batches:
        z = torch.randn(n, 64)
        out.append(("MLP GAN generator", "mlp-gan-mnist", "gan", n, lambda z=z: m(z), "samples/s"))
    w, c = tm.load(os.path.join(models_dir, "dcgan-mnist"))
    g = golden("dcgan-mnist")
    d = tm.Dcgan(w, c)
    check("dcgan", d(g["z"]), g["images"], 1e-4)
    for n in batches:
        z = torch.randn(n, 64, 1, 1)
        out.append(("DCGAN generator", "dcgan-mnist", "gan", n, lambda z=z: d(z), "samples/s"))
    w, c = tm.load(os.path.join(models_dir, "ddpm-cnn-mnist"))
    g = golden("ddpm-cnn-mnist")
    u = tm.DdpmCnn(w, c)
    check("ddpm-cnn", u(g["eps_x"], g["eps_t"][0].repeat(4)), g["eps_out"][0], 1e-4)
    for n in batches:
        x, t = torch.randn(n, 1, 28, 28), torch.full((n,), 0.5)
        out.append(("DDPM CNN step", "ddpm-cnn-mnist", "denoise", n, lambda x=x, t=t: u(x, t), "ms/step"))
    w, c = tm.load(os.path.join(models_dir, "dit-mnist-cond"))
    g = golden("dit-mnist-cond")
    dit = tm.Dit(w, c)
    check("dit", dit(g["x"], g["t"], g["y"]), g["eps"], 1e-4)
    for n in batches:
        x, t, y = torch.randn(n, 1, 28, 28), torch.full((n,), 500), torch.arange(n) % 10
        out.append(("DiT step", "dit-mnist-cond", "denoise", n, lambda x=x, t=t, y=y: dit(x, t, y), "ms/step"))
    w, c = tm.load(os.path.join(models_dir, "taef2"))
    g = golden("taef2")
    dec = tm.TaesdDecoder(w, c)
    check("taef2 decoder", dec(g["rand_latent"]), g["rand_decoded"], 1e-3)
    for n in [1]:
        z = torch.randn(n, 32, 64, 64)
        out.append(("TAEF2 decode 512x512", "taef2", "decode", n, lambda z=z: dec(z), "ms/image"))
    return out


def time_torch(fn, runs):
    with torch.no_grad():
        fn()
        ts = []
        for _ in range(runs):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def time_aigc(bench, model_dir, what, batch, threads, runs):
    cmd = [bench, "--model", model_dir, "--what", what, "--batch", str(batch), "--threads", str(threads),
           "--runs", str(runs)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stderr}")
    return json.loads(r.stdout.strip().splitlines()[-1])["seconds"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True)
    ap.add_argument("--models", required=True, help="directory of converted models")
    ap.add_argument("--threads", default="2")
    ap.add_argument("--batches", default="1,16")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=1,
                    help="time each case this many times, alternating aigc and PyTorch, and report "
                         "the medians (a shared, loaded machine makes single timings noisy)")
    ap.add_argument("--only", default="", help="comma-separated model names to run (default: all)")
    args = ap.parse_args()
    batches = [int(b) for b in args.batches.split(",")]
    ghz = cpu_ghz()
    print(f"CPU clock {ghz:.2f} GHz (from /proc/cpuinfo), torch {torch.__version__}, "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}, repeat {args.repeat}")
    print("| case | batch | threads | aigc | PyTorch | speed-up | FLOP floor | aigc % of peak |")
    print("|---|---|---|---|---|---|---|---|")
    for threads in [int(t) for t in args.threads.split(",")]:
        torch.set_num_threads(threads)
        for label, model, what, n, fn, unit in cases(args.models, batches):
            if args.only and model not in args.only.split(","):
                continue
            with torch.no_grad(), FlopCounter() as fc:
                fn()
            peak = threads * 2 * 8 * 2 * ghz * 1e9
            floor = fc.flops / peak
            ours_all, theirs_all = [], []
            for _ in range(max(1, args.repeat)):
                ours_all.append(time_aigc(args.bench, os.path.join(args.models, model), what, n, threads, args.runs))
                theirs_all.append(time_torch(fn, args.runs))
            ours, theirs = statistics.median(ours_all), statistics.median(theirs_all)

            def show(s):
                return f"{n / s:,.0f} samples/s" if unit == "samples/s" else f"{s * 1e3:.2f} ms"
            print(f"| {label} | {n} | {threads} | {show(ours)} | {show(theirs)} | {theirs / ours:.2f}x | "
                  f"{show(floor)} | {100 * floor / ours:.0f}% |", flush=True)


if __name__ == "__main__":
    main()
