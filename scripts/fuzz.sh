#!/usr/bin/env bash
# Builds the file readers with clang + libFuzzer + ASan/UBSan and fuzzes each for
# AIGC_FUZZ_SECONDS (default 60) from a seed corpus of small valid files. Any crash,
# sanitizer report or leak fails the run. Part of the test command (scripts/test.sh);
# run it with a larger AIGC_FUZZ_SECONDS for long campaigns (docs/FUZZING.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=${AIGC_FUZZ_SECONDS:-60}
models=${AIGC_MODELS:-$(cd "$root/.." && pwd)/shared/models}
out=build/fuzz
launcher=()
# Paths relative to the checkout in ccache keys: a fresh clone elsewhere reuses the cache.
export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=1
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
CC=clang CXX=clang++ cmake -S . -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAIGC_FUZZ=ON \
  -DAIGC_CPU_ARCH=haswell "${launcher[@]}" >/dev/null
cmake --build "$out" -j "$(nproc)"

# Seeds: small valid files of each format (the llama2c target's first byte picks the reader).
seeds=$out/seeds
rm -rf "$seeds" && mkdir -p "$seeds"/{gguf,safetensors,llama2c}
cp tests/data/ggml_types.gguf "$seeds/gguf/"
cp tests/data/st_single.safetensors tests/data/st_sharded/*.safetensors "$seeds/safetensors/"
python3 - "$seeds/llama2c" "$models" <<'PY'
import os, struct, sys
out, models = sys.argv[1], sys.argv[2]
dim, hid, layers, heads, kv, vocab, seq = 8, 12, 1, 2, 1, 6, 4
n = vocab*dim + layers*(dim + dim*dim + 2*(dim//heads*kv)*dim + dim*dim + dim + 3*hid*dim) + dim
with open(os.path.join(out, "tiny_checkpoint"), "wb") as f:
    f.write(b"\x01" + struct.pack("<7i", dim, hid, layers, heads, kv, vocab, seq) + struct.pack(f"<{n}f", *([0.5] * n)))
tok = os.path.join(models, "llama2c-stories260k", "tok512.bin")
if os.path.exists(tok):  # first byte 0x10 -> vocab size 9: a short prefix of a real file
    with open(tok, "rb") as src, open(os.path.join(out, "tok_prefix"), "wb") as f:
        f.write(b"\x10" + src.read(200))
PY

# Tokenizer targets: checked-in seeds cut from real vocabularies
# (tests/fuzz/tokenizer_seeds/make_seeds.py).
tok_targets="tokenizer_bin tokenizer_json tokenizer_vocab_merges tokenizer_encode"
for target in $tok_targets; do
  mkdir -p "$seeds/$target"
  cp tests/fuzz/tokenizer_seeds/$target/* "$seeds/$target/"
done

# PNG seeds: tiny files of each colour type (8-bit, palette, 1-bit gray) with text chunks.
mkdir -p "$seeds/png"
python3 - "$seeds/png" <<'PY'
import struct, sys, zlib, os
out = sys.argv[1]
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
def png(w, h, depth, color, raw, extra=b""):
    ihdr = struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
for name, (w, h, d, c, ch) in {"gray": (3, 2, 8, 0, 1), "rgb": (3, 2, 8, 2, 3), "rgba": (2, 2, 8, 6, 4), "ga": (2, 3, 8, 4, 2)}.items():
    raw = b"".join(bytes([y % 5]) + bytes((x * 37 + y) % 256 for x in range(w * ch)) for y in range(h))
    text = chunk(b"tEXt", b"Title\0seed") + chunk(b"iTXt", b"prompt\0\0\0\0\0\xe7\x8c\xab")
    open(os.path.join(out, name + ".png"), "wb").write(png(w, h, d, c, raw, text))
plte = chunk(b"PLTE", bytes(range(12))) + chunk(b"tRNS", b"\x00\x80")
open(os.path.join(out, "palette2.png"), "wb").write(png(5, 2, 2, 3, b"\x00\x1b\x80\x00\xe4\x40", plte))
open(os.path.join(out, "gray1.png"), "wb").write(png(9, 1, 1, 0, b"\x00\xa5\x80", chunk(b"zTXt", b"k\0\0" + zlib.compress(b"caf\xe9"))))
PY

# config.json seeds: the tiny test models' configs.
mkdir -p "$seeds/model_config"
for d in tests/data/lm/tiny-*/; do cp "$d/config.json" "$seeds/model_config/$(basename "$d").json"; done

export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
for target in gguf safetensors llama2c png model_config $tok_targets; do
  corpus=$out/corpus/$target
  mkdir -p "$corpus"
  t=$seconds
  # Standalone defaults: tokenizers 45 s, png 30 s (AIGC_FUZZ_SECONDS sets them all).
  case $target in tokenizer_*|model_config) t=${AIGC_FUZZ_SECONDS:-45} ;; png) t=${AIGC_FUZZ_SECONDS:-30} ;; esac
  echo "== fuzz_$target for ${t}s"
  "$out/tests/fuzz/fuzz_$target" "$corpus" "$seeds/$target" -max_total_time="$t" \
    -rss_limit_mb=2048 -timeout=20 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$out/crash-$target-" 2>"$out/fuzz_$target.log" ||
    { tail -60 "$out/fuzz_$target.log"; echo "fuzz_$target FAILED"; exit 1; }
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$out/fuzz_$target.log" | tr '\n' ' '
  echo
done
echo "fuzzing passed"
