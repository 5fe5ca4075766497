#!/usr/bin/env bash
# Builds and tests the Python package: a venv in build/python-venv, `pip install .` (the
# wheel is compiled by scikit-build-core from this CMake tree; the build folder
# build/python/<tag> is kept, so a rerun recompiles only what changed), then pytest on
# bindings/python/tests.
#
# Env: AIGC_MODELS (default ../shared/models), AIGC_USER_MODELS (default ../models, for
# SmolLM2), AIGC_REQUIRE_MODELS (1, or CI=true: a missing model, or any other skip, fails
# the run; otherwise such tests skip with one line: docs/TESTING.md), AIGC_CLI (the built
# `aigc` binary; the CLI comparison test skips without it: default
# build/release/tools/aigc/aigc if present),
# AIGC_JOBS (build parallelism, default 2), PYTHON (default python3).
# Extra arguments go to pytest (e.g. -k stream -x).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
PYTHON=${PYTHON:-python3}
venv=$root/build/python-venv
start=$(date +%s)

# python3 -m venv needs Debian's python3-venv (ensurepip).
if ! "$PYTHON" -c "import venv, ensurepip" 2>/dev/null; then
  echo "test-python: installing python3-venv"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
fi
[ -x "$venv/bin/python" ] || "$PYTHON" -m venv "$venv"

export PIP_CACHE_DIR=${PIP_CACHE_DIR:-$root/build/pip-cache}
export CMAKE_BUILD_PARALLEL_LEVEL=${AIGC_JOBS:-2}
# ccache through CMake's launcher environment variables; paths relative to the checkout in
# the keys, so builds in other folders (build/release, a fresh clone) share the cache.
if command -v ccache >/dev/null; then
  export CMAKE_C_COMPILER_LAUNCHER=ccache CMAKE_CXX_COMPILER_LAUNCHER=ccache
  export CMAKE_CUDA_COMPILER_LAUNCHER=ccache
  export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=1
fi

"$venv/bin/python" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
"$venv/bin/python" -m pip install -q pytest numpy
echo "== pip install . (log: build/python-install.log)"
t0=$(date +%s)
if ! "$venv/bin/python" -m pip install -v . >"$root/build/python-install.log" 2>&1; then
  tail -40 "$root/build/python-install.log" >&2
  echo "test-python: pip install . failed" >&2
  exit 1
fi
echo "   pip install . took $(( $(date +%s) - t0 )) s"

export AIGC_MODELS=${AIGC_MODELS:-$(cd "$root/.." && pwd)/shared/models}
export AIGC_USER_MODELS=${AIGC_USER_MODELS:-$(cd "$root/.." && pwd)/models}
if [ -z "${AIGC_CLI:-}" ] && [ -x "$root/build/release/tools/aigc/aigc" ]; then
  export AIGC_CLI=$root/build/release/tools/aigc/aigc
fi

echo "== pytest bindings/python/tests"
# Run from the tests folder so `import aigc` is the installed package, not the source tree.
(cd bindings/python/tests && "$venv/bin/python" -m pytest -q -rs "$@" .)
echo "test-python: passed in $(( $(date +%s) - start )) s"
