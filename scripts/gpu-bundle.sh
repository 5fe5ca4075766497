#!/usr/bin/env bash
# Builds what the GPU machine runs and packs it into gpu-bundle/ (git-ignored), small
# enough to travel with a `device` call (carry: ["gpu-bundle"], 64 MiB in all). The GPU
# machine has CUDA and PyTorch but none of our Debian dependencies and no network, so the
# bundle holds: gpu_checks (every op case + LM goldens), bench_generate + libaigc.so,
# bench_gpu_ceilings, the non-system shared libraries they need (oneDNN, fmt, ...), and the
# pure-Python gguf package for scripts/make-synthetic-llama.py; xz-compressed.
#   scripts/gpu-bundle.sh            then: run(command="bash scripts/bench-gpu.sh check", carry=["gpu-bundle"])
# Device code is built for sm_90 only (H100/H200) to keep the bundle small.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
BUILD=build-gpu
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
export CCACHE_BASEDIR="$REPO" CCACHE_NOHASHDIR=1
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAIGC_WITH_CUDA=ON \
  -DCMAKE_CUDA_ARCHITECTURES=90 -DAIGC_BUILD_BENCHMARKS=ON "${launcher[@]}" >/dev/null
ninja -C "$BUILD" -j "$(nproc)" gpu_checks bench_generate bench_gpu_ceilings

stage="$(mktemp -d)"
mkdir -p "$stage/bin" "$stage/lib" "$stage/py"
cp "$BUILD/tests/gpu_checks" "$BUILD/benchmarks/lm/bench_generate" \
   "$BUILD/benchmarks/gpu/bench_gpu_ceilings" "$stage/bin/"
cp -P "$BUILD"/libaigc.so* "$stage/lib/"
strip "$stage/bin/"* "$stage/lib/"libaigc.so.* 2>/dev/null || true
# Shared libraries from Debian packages (not glibc, not the CUDA toolkit: the GPU machine
# has its own CUDA of the same major version).
for b in "$stage/bin/"* "$stage/lib/"libaigc.so.*; do
  ldd "$b" | awk '/=> \//{print $3}'
done | sort -u | grep -v -E '/(libc|libm|libdl|libpthread|librt|ld-linux|libcuda|libcudart|libcublas|libcublasLt)[.-]' |
  while read -r lib; do cp -L "$lib" "$stage/lib/"; done
python3 -m pip install --quiet --no-deps --target "$stage/py" gguf
rm -rf gpu-bundle && mkdir -p gpu-bundle
tar -C "$stage" -cJf gpu-bundle/bundle.tar.xz .
rm -rf "$stage"
du -sh gpu-bundle/bundle.tar.xz
