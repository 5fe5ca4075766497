#!/usr/bin/env bash
# Image-model benchmark against PyTorch on the CPU (docs/PERFORMANCE.md): converts the
# real models in ../shared/models, builds bench_image (Release) and runs
# benchmarks/image/compare_torch.py. Not part of the test command.
#   scripts/bench-image.sh [--threads 2,1] [--batches 1,16] [--repeat 3] ...
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=1
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >/dev/null
cmake --build build/release -j "$(nproc)" --target bench_image
models=${AIGC_MODELS:-$(cd "$root/.." && pwd)/shared/models}
converted=$root/build/converted-models
/usr/bin/python3 tools/aigc-convert/aigc-convert --all "$models" --out "$converted"
AIGC_MODELS=$models /usr/bin/python3 benchmarks/image/compare_torch.py \
  --bench build/release/benchmarks/image/bench_image --models "$converted" "$@"
