#!/usr/bin/env bash
# Fetches CLIP's BPE merges (bpe_simple_vocab_16e6.txt.gz, MIT, OpenAI) into a folder
# outside the repository ($AIGC_USER_MODELS/clip, default ../models/clip beside the
# checkout). The file ships inside the PyPI wheel open_clip_torch==2.24.0; `pip download`
# fetches the wheel without installing anything. Also writes the decompressed
# bpe_simple_vocab_16e6.txt (for builds without zlib). Idempotent; verifies the wheel's and
# the file's sha256. When PyPI cannot be reached it warns and exits 0 (the tests that need
# the file skip with a message).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest=${AIGC_USER_MODELS:-$(cd "$root/.." && pwd)/models}/clip
version=2.24.0
wheel=open_clip_torch-$version-py3-none-any.whl
wheel_sha=2537dbe76c8008caa46652bc97cb32bceeae56baff6289e7b4eb22539a80c801
name=bpe_simple_vocab_16e6.txt.gz
file=$dest/$name
sha=924691ac288e54409236115652ad4aa250f48203de50a9e4722a6ecd48d6804a

if [ -f "$file" ] && echo "$sha  $file" | sha256sum -c --status && [ -f "${file%.gz}" ]; then
  echo "fetch-clip-vocab: $file present"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "fetch-clip-vocab: downloading $wheel (~1.5 MB) from PyPI for $name"
if ! python3 -m pip download -q --no-deps --only-binary :all: "open_clip_torch==$version" \
    -d "$tmp" >"$tmp/pip.log" 2>&1; then
  cat "$tmp/pip.log" >&2
  echo "fetch-clip-vocab: warning: could not download open_clip_torch==$version from PyPI;" \
       "$name is missing and the real-vocabulary CLIP tokenizer tests will skip." >&2
  echo "fetch-clip-vocab: place the file at $file (or set AIGC_USER_MODELS) and re-run." >&2
  exit 0
fi
echo "$wheel_sha  $tmp/$wheel" | sha256sum -c --status || {
  echo "fetch-clip-vocab: error: $wheel from PyPI does not have the expected sha256" >&2
  exit 1
}
python3 - "$tmp/$wheel" "$tmp/$name" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[2], "wb") as out:
    out.write(z.read("open_clip/bpe_simple_vocab_16e6.txt.gz"))
PY
# Verify before moving into place so a bad download never looks like a vocabulary.
echo "$sha  $tmp/$name" | sha256sum -c --status || {
  echo "fetch-clip-vocab: error: $name does not have the expected sha256" >&2
  exit 1
}
gunzip -c "$tmp/$name" >"$tmp/${name%.gz}"
mkdir -p "$dest"
mv "$tmp/${name%.gz}" "${file%.gz}.part" && mv "${file%.gz}.part" "${file%.gz}"
mv "$tmp/$name" "$file.part" && mv "$file.part" "$file"
echo "fetch-clip-vocab: wrote $file and ${file%.gz}"
