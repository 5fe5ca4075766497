#!/usr/bin/env python3
"""Fails unless every dynamic symbol the shared library defines is an aigc_ C function.

Usage: check_exports.py libaigc.so
"""
import subprocess
import sys


def main() -> int:
    lib = sys.argv[1]
    out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    symbols = [line.split()[-1] for line in out.splitlines() if line.strip()]
    symbols = [s.split("@")[0] for s in symbols]
    functions = [s for s in symbols if s.startswith("aigc_")]
    others = [s for s in symbols if not s.startswith("aigc_")]
    if not functions:
        print(f"FAIL: {lib} exports no aigc_ symbols")
        return 1
    if others:
        print(f"FAIL: {lib} exports non-aigc symbols: {others[:20]}")
        return 1
    if any(s.startswith("_Z") for s in functions):
        print("FAIL: C++-mangled symbols exported")
        return 1
    print(f"ok: {len(functions)} exported symbols, all aigc_*: {' '.join(sorted(functions))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
