#!/usr/bin/env bash
# usage: run_consumer.sh BUILD_DIR CONSUMER_SOURCE_DIR WORK_DIR
set -euo pipefail
build=$1 src=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
prefix="$work/prefix"

echo "== install into $prefix"
cmake --install "$build" --prefix "$prefix" > "$work/install.log"

echo "== find_package(aigc) consumer"
cmake -S "$src" -B "$work/cmake-build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release > "$work/configure.log"
cmake --build "$work/cmake-build" > "$work/build.log"
LD_LIBRARY_PATH="$prefix/lib" "$work/cmake-build/consumer_c"
"$work/cmake-build/consumer_static_cpp"

echo "== pkg-config consumer"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
pkg-config --exists aigc
test "$(pkg-config --modversion aigc)" = "$(grep -o '"[0-9.]*"' "$prefix/include/aigc/aigc.h" | head -1 | tr -d '"')"
cc -std=c99 "$src/consumer.c" -o "$work/consumer_pc" $(pkg-config --cflags --libs aigc)
LD_LIBRARY_PATH="$prefix/lib" "$work/consumer_pc"
echo "consumer tests passed"
