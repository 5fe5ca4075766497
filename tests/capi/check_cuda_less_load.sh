#!/usr/bin/env bash
# ctest capi.cuda_less_load: libaigc.so must load and generate text on a machine without
# the CUDA libraries, and say why the CUDA backend is missing. The CUDA code lives in the
# run-time module libaigc-cuda.so (src/backend/module_loader.cpp); libaigc.so itself must
# not depend on libcudart / libcublas / libcuda.
#
# Usage: check_cuda_less_load.sh LIBAIGC CUDA_MODULE|none PROBE MODEL
# CUDA libraries are hidden inside a private mount namespace (unshare -m, needs root or
# user namespaces). Where that is impossible the case skips (exit 77), in CI it fails.
set -euo pipefail
lib=$1 module=$2 probe=$3 model=$4
fail() { echo "FAIL: $*"; exit 1; }
require() {  # in CI a missing prerequisite fails, elsewhere the test skips (exit 77)
  if [ "${CI:-}" = true ] || [ "${AIGC_REQUIRE_MODELS:-0}" = 1 ]; then fail "$*"; fi
  echo "SKIP: $*"; exit 77
}
[ -f "$model" ] || require "$model missing: it is in the shared third-party model folder (set AIGC_MODELS)"

echo "== libaigc.so needs no CUDA library"
needed=$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
echo "$needed" | tr '\n' ' '; echo
if echo "$needed" | grep -Eq '^lib(cuda|cudart|cublas|cublasLt)\.so'; then
  fail "$lib links a CUDA library directly"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== without the module beside libaigc.so: the reason names the file"
real=$(readlink -f "$lib")
cp "$real" "$tmp/"
for link in "$(dirname "$lib")"/libaigc.so*; do
  [ -L "$link" ] && ln -sf "$(basename "$real")" "$tmp/$(basename "$link")"
done
out=$(env -u AIGC_BACKEND_PATH LD_LIBRARY_PATH="$tmp" "$probe" "$model") || fail "probe failed: $out"
echo "$out"
echo "$out" | grep -q "^cuda: unavailable: .*libaigc-cuda.so not found (looked in: $tmp/libaigc-cuda.so" ||
  fail "expected 'libaigc-cuda.so not found' naming $tmp"
echo "$out" | grep -Eq '^text: .+' || fail "no text generated"

echo "== AIGC_BACKEND_PATH naming a folder without the module"
out=$(AIGC_BACKEND_PATH="$tmp/nowhere" LD_LIBRARY_PATH="$tmp" "$probe" "$model") || fail "probe failed: $out"
echo "$out" | grep -q "looked in: $tmp/nowhere, $tmp/libaigc-cuda.so" || fail "AIGC_BACKEND_PATH not searched: $out"

if [ "$module" = none ]; then
  echo "== this build has no CUDA module; the checks above are the whole test"
  exit 0
fi

echo "== the module is found beside libaigc.so and needs the CUDA runtime"
readelf -d "$module" | grep -q 'NEEDED.*libcudart' || fail "$module does not link libcudart"
[ "$(dirname "$(readlink -f "$module")")" = "$(dirname "$real")" ] || fail "$module is not beside $real"

echo "== with the CUDA libraries present, the module loads (here: no GPU, so the reason is the device)"
out=$("$probe" "$model") || fail "probe failed: $out"
echo "$out" | head -1
echo "$out" | grep -Eq '^cuda: (ok|unavailable: .*(device|driver|CUDA))' || fail "unexpected CUDA status: $out"
echo "$out" | grep -q 'not found (looked in' && fail "the module beside libaigc.so was not found: $out"

echo "== CUDA libraries hidden (private mount namespace)"
# Every file of the CUDA libraries the module resolves to, and the driver library.
mapfile -t cuda_files < <(ldd "$module" | awk '/lib(cudart|cublas|cublasLt|cuda)\.so/ && $3 ~ /^\// {print $3}' |
  xargs -r readlink -f | sort -u)
for f in /usr/lib/x86_64-linux-gnu/libcuda.so* /usr/lib64/libcuda.so*; do
  [ -e "$f" ] && cuda_files+=("$(readlink -f "$f")")
done
((${#cuda_files[@]})) || fail "ldd finds no CUDA library for $module: $(ldd "$module")"
command -v unshare >/dev/null || require "unshare (util-linux) not found"
# --propagation unchanged: in a chroot "/" is no mount point, so unshare cannot make it
# private; hidden.sh makes private, in the new namespace only, each mount it mounts on.
unshare -m --propagation unchanged true 2>/dev/null || require "cannot create a mount namespace here (needs root or user namespaces)"
: > "$tmp/empty"
cat > "$tmp/hidden.sh" <<'INNER'
set -euo pipefail
empty=$1 probe=$2 model=$3 module=$4; shift 4
for f in "$@"; do
  dir=$(dirname "$f")
  # Nothing mounted here may propagate back to the parent namespace.
  parent=$(findmnt -n -o TARGET -T "$dir")
  mount --make-private "$parent" || { echo "cannot make $parent private in the test's namespace"; exit 3; }
  # A folder of its own is covered with an empty tmpfs (the libraries are then absent); in
  # a system folder each file is covered with an empty file instead (libc must stay).
  if [ -e "$dir/libc.so.6" ] || [ -e "$dir/libstdc++.so.6" ]; then
    mount --bind "$empty" "$f"
  elif ! mountpoint -q "$dir"; then
    mount -t tmpfs none "$dir"
  fi
done
echo "ldd of the module with CUDA hidden:"
ldd "$module" | grep -E 'cuda|cublas' || true
"$probe" "$model"
INNER
out=$(unshare -m --propagation unchanged bash "$tmp/hidden.sh" "$tmp/empty" "$probe" "$model" "$module" "${cuda_files[@]}") ||
  fail "probe failed with CUDA hidden: $out"
echo "$out"
echo "$out" | grep -Eq 'libcudart\.so.* => not found' || fail "the CUDA runtime was not hidden"
echo "$out" | grep -q "^cuda: unavailable: .*cannot load $(readlink -f "$module"): lib" ||
  echo "$out" | grep -q "^cuda: unavailable: .*cannot load .*libaigc-cuda.so: lib" ||
  fail "the reason must say the module cannot load and which library is missing"
echo "$out" | grep -Eq '^text: .+' || fail "no text generated with CUDA hidden"
echo "ok: libaigc.so loads and generates without CUDA; the reason is given"
