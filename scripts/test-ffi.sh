#!/usr/bin/env bash
# Builds and tests the FFI examples (examples/ffi/: Rust, Go, C#) against the installed C
# library, the way a user of another language would link it.
#
# usage: scripts/test-ffi.sh [BUILD_DIR] [LANGUAGE...]
#   BUILD_DIR  a configured and built tree (default build/release: `cmake --build build/release`)
#   LANGUAGE   rust, go, csharp (default: all three)
#
# Steps: `cmake --install BUILD_DIR --prefix build/ffi-prefix`; compile examples/ffi/layout.c
# (sizes and offsets of the params structs as the C compiler sees them); run the C++ CLI
# BUILD_DIR/tools/aigc/aigc on stories260K (greedy, and temperature 0.8 seed 7) for the
# expected texts; then each language's tests (layout, both texts byte for byte, a missing
# model file) and its example program. Missing toolchains are installed with apt-get
# (rustc + cargo, golang-go, mono-devel). Everything written goes under build/ffi*; cargo
# and go run offline with their caches there. Needs no stdin.
set -Eeuo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

build=build/release
if [ $# -gt 0 ] && [ -d "$1" ]; then build=$1; shift; fi
langs=("$@")
[ ${#langs[@]} -gt 0 ] || langs=(rust go csharp)
for l in "${langs[@]}"; do
  case $l in rust | go | csharp) ;; *) echo "test-ffi: unknown language '$l' (rust, go, csharp)" >&2; exit 2 ;; esac
done
build=$(cd "$build" 2>/dev/null && pwd) || { echo "test-ffi: no build directory '$build'" >&2; exit 2; }

prefix=$root/build/ffi-prefix
work=$root/build/ffi
export AIGC_MODELS=${AIGC_MODELS:-$(cd "$root/.." && pwd)/shared/models}
model=$AIGC_MODELS/llama2c-stories260k/stories260K.bin
cli=$build/tools/aigc/aigc
step="start"
trap 'echo "test-ffi: FAILED at: $step" >&2' ERR

say() { echo "== ffi: $*"; }
fail() { echo "test-ffi: $*" >&2; exit 1; }

[ -x "$cli" ] || fail "no CLI at $cli: build first (cmake --build $build)"
[ -f "$model" ] || fail "model missing: $model (set AIGC_MODELS)"

# ---- toolchains ---------------------------------------------------------------------------
# rustup installs into ~/.cargo/bin, which a non-login shell may not have on PATH.
[ -d "$HOME/.cargo/bin" ] && export PATH="$PATH:$HOME/.cargo/bin"
need_packages=()
command -v cc >/dev/null || need_packages+=(gcc libc6-dev)
command -v pkg-config >/dev/null || need_packages+=(pkg-config)
for l in "${langs[@]}"; do
  case $l in
    rust) { command -v cargo >/dev/null && command -v rustc >/dev/null; } || need_packages+=(rustc cargo) ;;
    go) command -v go >/dev/null || need_packages+=(golang-go) ;;
    csharp) { command -v mcs >/dev/null && command -v mono >/dev/null; } || need_packages+=(mono-devel) ;;
  esac
done
if ((${#need_packages[@]})); then
  step="apt-get install ${need_packages[*]}"
  say "installing ${need_packages[*]} with apt-get (mono-devel and golang-go: about 46 MB together)"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || fail "need root or sudo to install ${need_packages[*]}"
    sudo_cmd=(sudo -n)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq </dev/null
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need_packages[@]}" </dev/null >/dev/null
fi

# ---- the installed library, the C layout, the CLI's texts ---------------------------------
step="install"
say "install $build -> $prefix"
rm -rf "$prefix" "$work/expected"
mkdir -p "$work/expected"
cmake --install "$build" --prefix "$prefix" >"$work/install.log"
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig

step="layout.c"
read -ra cflags <<<"$(pkg-config --cflags aigc)"
cc -std=c99 -Wall -Wextra -Werror examples/ffi/layout.c -o "$work/layout" "${cflags[@]}"
"$work/layout" >"$work/expected/layout.txt"
export AIGC_FFI_LAYOUT=$work/expected/layout.txt
export AIGC_FFI_MODEL=$model

step="expected texts from the CLI"
export AIGC_FFI_EXPECT_GREEDY=$work/expected/greedy.txt AIGC_FFI_EXPECT_SEEDED=$work/expected/seeded.txt
"$cli" generate -m "$model" -p "Once" -n 32 --temp 0 </dev/null >"$AIGC_FFI_EXPECT_GREEDY" 2>/dev/null
"$cli" generate -m "$model" -p "Once" -n 32 --temp 0.8 --seed 7 </dev/null >"$AIGC_FFI_EXPECT_SEEDED" 2>/dev/null
if [ ! -s "$AIGC_FFI_EXPECT_GREEDY" ] || [ ! -s "$AIGC_FFI_EXPECT_SEEDED" ]; then fail "the CLI printed nothing"; fi
say "expected greedy: $(cat "$AIGC_FFI_EXPECT_GREEDY")"
say "expected seeded: $(cat "$AIGC_FFI_EXPECT_SEEDED")"

# The example programs print the continuation of "Once" (32 tokens, greedy): the CLI's text.
check_example() {  # name command...
  local name=$1; shift
  "$@" </dev/null >"$work/$name.out" 2>"$work/$name.err" || { cat "$work/$name.err" >&2; fail "$name exited non-zero"; }
  cmp -s "$work/$name.out" "$AIGC_FFI_EXPECT_GREEDY" || fail "$name printed '$(cat "$work/$name.out")'"
  echo "$name: prints the CLI's text"
}

run_rust() {
  step="rust: cargo test"
  say "rust ($(rustc --version))"
  export CARGO_HOME=$work/cargo-home CARGO_TARGET_DIR=$work/rust-target AIGC_PREFIX=$prefix
  cargo test --offline --locked --manifest-path examples/ffi/rust/Cargo.toml </dev/null 2>&1 |
    grep -Ev '^\s*$|^running 0 tests|0 passed; 0 failed|Running unittests src|Doc-tests'
  step="rust: example"
  cargo build --offline --locked --quiet --manifest-path examples/ffi/rust/Cargo.toml </dev/null
  check_example rust-example "$CARGO_TARGET_DIR/debug/aigc-example" "$model" Once 32
}

run_go() {
  step="go: go test"
  say "go ($(go version))"
  export GOCACHE=$work/go-cache GOPATH=$work/go-path GOFLAGS='' GOPROXY=off GOTOOLCHAIN=local
  export CGO_ENABLED=1 CGO_LDFLAGS="-Wl,-rpath,$prefix/lib"
  (cd examples/ffi/go && go vet ./... && go test -count=1 -v . </dev/null) | grep -E '^(---|ok|FAIL|PASS)|_test.go'
  step="go: example"
  (cd examples/ffi/go && go build -o "$work/go-generate" ./cmd/generate)
  check_example go-example "$work/go-generate" "$model" Once 32
}

run_csharp() {
  step="csharp: mcs"
  say "csharp ($(mono --version | head -1))"
  local out=$work/csharp
  rm -rf "$out" && mkdir -p "$out"
  mcs -nologo -warnaserror -out:"$out/aigc-tests.exe" examples/ffi/csharp/Aigc.cs examples/ffi/csharp/Tests.cs
  mcs -nologo -warnaserror -out:"$out/aigc-example.exe" examples/ffi/csharp/Aigc.cs examples/ffi/csharp/Program.cs
  step="csharp: tests"
  LD_LIBRARY_PATH=$prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} mono "$out/aigc-tests.exe" </dev/null
  step="csharp: example"
  LD_LIBRARY_PATH=$prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} check_example csharp-example mono "$out/aigc-example.exe" "$model" Once 32
}

for l in "${langs[@]}"; do
  t0=$(date +%s)
  "run_$l"
  say "$l passed in $(( $(date +%s) - t0 )) s"
done
trap - ERR
say "all FFI examples passed (${langs[*]})"
