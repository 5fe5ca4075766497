#!/usr/bin/env bash
# Text-generation benchmark, aigc against llama.cpp (llama-cpp-python), in one run:
#   scripts/bench-lm.sh [MODEL.gguf ...]
# Installs llama-cpp-python if missing (builds llama.cpp from source with -DGGML_NATIVE=ON:
# tens of minutes on 2 cores; started first, in the background, logged), builds
# bench_generate, writes the synthetic LLaMA models if missing
# (scripts/make-synthetic-llama.py), runs benchmarks/lm/compare_llama_cpp.py and prints the
# table (also saved as $BUILD/bench-lm.md, raw results in $BUILD/bench-lm.jsonl).
# Without arguments: SmolLM2-135M (if present) and the synthetic 100M / 1B models in F32,
# F16 and Q8_0. Not part of the test command.
#
# Environment: AIGC_BENCH_THREADS (comma list, default: number of cores), AIGC_BENCH_PROMPT
# (128), AIGC_BENCH_GEN (64), AIGC_BENCH_RUNS (3), AIGC_BENCH_BUILD (build-bench),
# AIGC_MODELS_DIR (<repo>/../models).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
BUILD="${AIGC_BENCH_BUILD:-build-bench}"
MODELS_DIR="${AIGC_MODELS_DIR:-$REPO/../models}"
THREADS="${AIGC_BENCH_THREADS:-$(nproc)}"
PROMPT="${AIGC_BENCH_PROMPT:-128}"
GEN="${AIGC_BENCH_GEN:-64}"
RUNS="${AIGC_BENCH_RUNS:-3}"
PYTHON="${PYTHON:-python3}"
mkdir -p "$BUILD"

# 1. llama-cpp-python, in the background (the slow step).
PIP_PID=""
PIP_LOG="$BUILD/llama-cpp-python-install.log"
if ! "$PYTHON" -c "import llama_cpp" 2>/dev/null; then
  echo "installing llama-cpp-python (building llama.cpp; log: $PIP_LOG)"
  CMAKE_ARGS="-DGGML_NATIVE=ON -DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_CURL=OFF" \
    CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
    "$PYTHON" -m pip install --verbose llama-cpp-python >"$PIP_LOG" 2>&1 &
  PIP_PID=$!
fi
"$PYTHON" -c "import gguf, numpy" 2>/dev/null || "$PYTHON" -m pip install gguf numpy

# 2. bench_generate.
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DAIGC_BUILD_TESTS=OFF -DAIGC_BUILD_EXAMPLES=OFF
fi
ninja -C "$BUILD" bench_generate

# 3. Models.
if [ "$#" -gt 0 ]; then
  MODELS=("$@")
else
  "$PYTHON" scripts/make-synthetic-llama.py "$MODELS_DIR/synthetic"
  MODELS=()
  [ -f "$MODELS_DIR/SmolLM2-135M-Instruct.Q4_1.gguf" ] && MODELS+=("$MODELS_DIR/SmolLM2-135M-Instruct.Q4_1.gguf")
  for size in 100m 1b; do
    for t in f32 f16 q8_0; do MODELS+=("$MODELS_DIR/synthetic/synthetic-llama-$size-$t.gguf"); done
  done
fi

# 4. Wait for llama-cpp-python, then compare.
if [ -n "$PIP_PID" ]; then
  echo "waiting for the llama-cpp-python build ..."
  if ! wait "$PIP_PID"; then
    echo "llama-cpp-python failed to install; see $PIP_LOG" >&2
    exit 1
  fi
fi
rm -f "$BUILD/bench-lm.jsonl"
{
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "llama-cpp-python $("$PYTHON" -c 'import llama_cpp; print(llama_cpp.__version__)')"
  "$PYTHON" benchmarks/lm/compare_llama_cpp.py --bench "$BUILD/benchmarks/lm/bench_generate" \
    --threads "$THREADS" --prompt "$PROMPT" --gen "$GEN" --runs "$RUNS" \
    --json "$BUILD/bench-lm.jsonl" "${MODELS[@]}"
} | tee "$BUILD/bench-lm.md"
