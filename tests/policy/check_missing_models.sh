#!/usr/bin/env bash
# usage: check_missing_models.sh REPO STORIES_TEST_BINARY SMOLLM2_TEST_BINARY
# (tests/policy/CMakeLists.txt; the rule is in docs/TESTING.md and tests/model_paths.hpp).
set -uo pipefail
repo=$1 stories_bin=$2 smollm2_bin=$3
empty=$(mktemp -d)
trap 'rm -rf "$empty"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# check BINARY FILE HINT: FILE (under the empty folder) is the model BINARY needs.
check() {
  local bin=$1 file=$empty/$2 hint=$3 out rc name before=$failures
  name=$(basename "$bin")
  # run ENV-ARGS...: the binary with both model folders empty (env options first).
  run() { env "$@" AIGC_MODELS="$empty" AIGC_USER_MODELS="$empty" "$bin" 2>&1; }

  out=$(run -u CI AIGC_REQUIRE_MODELS=1); rc=$?
  [ $rc -ne 0 ] || fail "$name: AIGC_REQUIRE_MODELS=1 without $file exited 0"
  grep -qF "$file missing" <<<"$out" || fail "$name: AIGC_REQUIRE_MODELS=1 output does not name $file:"$'\n'"$out"

  out=$(run -u AIGC_REQUIRE_MODELS CI=true); rc=$?
  [ $rc -ne 0 ] || fail "$name: CI=true without $file exited 0"
  grep -qF "$file missing" <<<"$out" || fail "$name: CI=true output does not name $file:"$'\n'"$out"

  out=$(run -u CI -u AIGC_REQUIRE_MODELS); rc=$?
  [ $rc -eq 0 ] || fail "$name: outside require mode, a missing $file failed (rc $rc):"$'\n'"$out"
  local skips
  skips=$(grep -c '^SKIP:' <<<"$out")
  [ "$skips" -eq 1 ] || fail "$name: $skips skip lines, want exactly 1:"$'\n'"$out"
  grep -qxF "SKIP: $file missing: $hint" <<<"$out" ||
    fail "$name: no line 'SKIP: $file missing: $hint' in:"$'\n'"$out"
  [ $failures -eq $before ] && echo "$name: require mode fails and names $2; otherwise one skip line"
}

check "$stories_bin" llama2c-stories260k/stories260K.bin \
  "it belongs in the shared third-party model folder (../shared/models): set AIGC_MODELS"
check "$smollm2_bin" SmolLM2-135M-Instruct.Q4_1.gguf "run scripts/fetch-models.sh (AIGC_USER_MODELS)"

# The switch itself must not silently disappear.
grep -qx 'export AIGC_REQUIRE_MODELS=1' "$repo/.ci/run" || fail ".ci/run does not export AIGC_REQUIRE_MODELS=1"
for f in tests/model_paths.hpp bindings/python/tests/conftest.py scripts/test.sh tests/tools/test_aigc_convert.py; do
  grep -q 'AIGC_REQUIRE_MODELS' "$repo/$f" || fail "$f no longer reads AIGC_REQUIRE_MODELS"
done

[ $failures -eq 0 ] && echo "missing-model policy holds" || exit 1
