#!/usr/bin/env python3
"""Runs one README snippet program (built by tests/readme/CMakeLists.txt) and checks it.

usage: run_snippet.py snippets.json N EXECUTABLE OUT_DIR

Checks: exit status 0, stdout not empty, stdout matches the snippet's expect= regular
expression (. matches newlines too), every files= file exists and is not empty (a .png
must start with the PNG signature). Placeholders in args and files: @MODELS@
($AIGC_MODELS), @CONVERTED@ ($AIGC_CONVERTED_MODELS), @OUT@ (OUT_DIR, emptied first).
Exits 77 (ctest: skipped) when a model file an argument names under @MODELS@ is absent.
"""
import json
import os
import re
import shutil
import subprocess
import sys

SKIP = 77


def main():
    manifest_path, n, exe, out = sys.argv[1:5]
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
    s = manifest["snippets"][n]
    where = f"{manifest['readme']}:{s['line']} (snippet {n})"
    if s["compile_only"]:
        print(f"{where}: compiled and linked (compile-only: not run)")
        return 0 if os.access(exe, os.X_OK) else 1

    models = os.environ.get("AIGC_MODELS", "")
    converted = os.environ.get("AIGC_CONVERTED_MODELS", "")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)

    def expand(text):
        return text.replace("@MODELS@", models).replace("@CONVERTED@", converted).replace("@OUT@", out)

    for a in s["args"]:
        if "@MODELS@" in a and not os.path.exists(expand(a)):
            print(f"{where}: skipped: {expand(a)} not found (set AIGC_MODELS)")
            return SKIP
    args = [expand(a) for a in s["args"]]
    print("run:", " ".join([exe] + args), flush=True)
    p = subprocess.run([exe] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, timeout=600)
    stdout = p.stdout.decode("utf-8", "replace")
    sys.stdout.write("stdout:\n" + stdout + "\n")
    if p.stderr:
        sys.stdout.write("stderr:\n" + p.stderr.decode("utf-8", "replace") + "\n")
    failures = []
    if p.returncode != 0:
        failures.append(f"exit status {p.returncode}, expected 0")
    if not stdout.strip():
        failures.append("printed nothing on stdout")
    if s["expect"] and not re.search(s["expect"], stdout, re.S):
        failures.append(f"stdout does not match expect={s['expect']!r}")
    for f in (expand(x) for x in s["files"]):
        if not os.path.isfile(f) or os.path.getsize(f) == 0:
            failures.append(f"did not write {f}")
        elif f.endswith(".png"):
            with open(f, "rb") as fh:
                if fh.read(8) != b"\x89PNG\r\n\x1a\n":
                    failures.append(f"{f} is not a PNG file")
    for msg in failures:
        print(f"{where}: FAILED: {msg}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
