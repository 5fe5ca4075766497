#!/usr/bin/env bash
# Runs on the GPU machine (the `device` tool), from the repository root, with the bundle
# from scripts/gpu-bundle.sh carried along. One step per call (each call has 10 minutes):
#   bash scripts/bench-gpu.sh check   # every op on CUDA vs the CPU reference + LM goldens
#   bash scripts/bench-gpu.sh lm      # ceilings, synthetic 1B/7B LLaMA f16/Q8_0: aigc vs transformers
#   bash scripts/bench-gpu.sh all     # both
# Logs and JSON lines go to $OUT (or ./gpu-out); a table is printed last.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
OUT="${OUT:-$REPO/gpu-out}"
mkdir -p "$OUT"
step="${1:-all}"
B="${AIGC_GPU_BUNDLE_DIR:-/tmp/aigc-gpu-bundle}"
if [ ! -x "$B/bin/gpu_checks" ]; then
  [ -f gpu-bundle/bundle.tar.xz ] || { echo "gpu-bundle/bundle.tar.xz missing: run scripts/gpu-bundle.sh and carry gpu-bundle" >&2; exit 2; }
  mkdir -p "$B" && tar -C "$B" -xJf gpu-bundle/bundle.tar.xz
fi
export LD_LIBRARY_PATH="$B/lib:${LD_LIBRARY_PATH:-}"
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv | tee "$OUT/device.txt"

if [ "$step" = check ] || [ "$step" = all ]; then
  # doctest prints every failed CHECK; "skipped on cuda" lines would mean no kernel ran.
  set +e
  "$B/bin/gpu_checks" --duration=true 2>&1 | tee "$OUT/gpu_checks.log" | tail -40
  rc=${PIPESTATUS[0]}
  set -e
  echo "gpu_checks exit $rc; CUDA cases skipped: $(grep -c 'skipped on cuda' "$OUT/gpu_checks.log" || true)"
fi

if [ "$step" = lm ] || [ "$step" = all ]; then
  "$B/bin/bench_gpu_ceilings" | tee "$OUT/ceilings.jsonl"
  # Decode floor = weight bytes / the measured copy bandwidth (bytes read + written per
  # second, as a streaming read of the weights would move them).
  bw=$(python3 -c "import json; print(json.loads(open('$OUT/ceilings.jsonl').readline())['bandwidth_bytes_s']/1e9)")
  SYN=/tmp/aigc-synthetic
  PYTHONPATH="$B/py" python3 scripts/make-synthetic-llama.py "$SYN" --models 1b,7b --types f16,q8_0
  for m in 1b 7b; do
    for t in f16 q8_0; do
      "$B/bin/bench_generate" "$SYN/synthetic-llama-$m-$t.gguf" --backend cuda --prompt 512 --gen 128 \
        --runs 3 --bandwidth-gbs "$bw" | tee -a "$OUT/aigc.jsonl"
    done
    python3 benchmarks/gpu/compare_torch_lm.py --model "$m" --prompt 512 --gen 128 | tee -a "$OUT/torch.jsonl"
  done
  python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
aigc = [json.loads(l) for l in open(f"{out}/aigc.jsonl") if l.startswith("{")]
torch = {j["model"]: j for j in map(json.loads, open(f"{out}/torch.jsonl")) if j}
print("| model | aigc prompt tok/s | aigc decode tok/s | floor tok/s | % of floor | torch f16 decode tok/s | torch prompt tok/s |")
print("|---|---|---|---|---|---|---|")
for a in aigc:
    name = a["model"].rsplit("/", 1)[-1]
    size = name.split("-")[2]
    t = torch.get(size, {})
    pct = 100 * a["decode_tok_s"] / a["decode_floor_tok_s"] if a["decode_floor_tok_s"] else 0
    print(f"| {name} | {a['prompt_tok_s']:.0f} | {a['decode_tok_s']:.1f} | {a['decode_floor_tok_s']:.1f} | {pct:.0f}% | "
          f"{t.get('decode_tok_s', 0):.1f} | {t.get('prompt_tok_s', 0):.0f} |")
PY
fi
