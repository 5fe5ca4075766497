#!/usr/bin/env python3
"""Checks the one direction of dependency between layers (docs/ARCHITECTURE.md).

Each module under src/ may include only itself, the layers below it and the public
headers (aigc/...). Backend folders are private: nothing outside src/backend/<name>/
includes them, except the registry's factories.hpp (declared in src/backend/).
Usage: check_layering.py <source root>
"""
import pathlib
import re
import sys

# Lowest first; a module may include any module listed before it.
LAYERS = ["core", "backend", "ops", "io", "tokenizer", "nn", "sampling", "models", "runtime", "capi"]
BACKEND_PRIVATE = ["backend/ref/", "backend/cpu/", "backend/cuda/"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def module_of(rel: str) -> str:
    return rel.split("/")[0]


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    src = root / "src"
    errors = []
    for path in sorted(src.rglob("*")):
        if path.suffix not in {".hpp", ".cpp", ".h", ".cu", ".cuh"}:
            continue
        rel = path.relative_to(src).as_posix()
        mod = module_of(rel)
        if mod not in LAYERS:
            errors.append(f"{rel}: module '{mod}' is not in the layer list")
            continue
        allowed = set(LAYERS[: LAYERS.index(mod) + 1])
        for inc in INCLUDE.findall(path.read_text(errors="replace")):
            if inc.startswith("aigc/"):
                continue  # public headers
            target = module_of(inc)
            if target not in LAYERS:
                continue  # system or third-party header in quotes
            if target not in allowed:
                errors.append(f"{rel}: includes '{inc}' from a higher layer")
            for private in BACKEND_PRIVATE:
                if inc.startswith(private) and not rel.startswith(private):
                    errors.append(f"{rel}: includes backend-private '{inc}'")
    for e in errors:
        print("FAIL:", e)
    if not errors:
        print(f"ok: layering holds across {sum(1 for _ in src.rglob('*.*'))} files")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
