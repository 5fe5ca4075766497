#!/usr/bin/env python3
"""The ABI guard for the shared library (ctest capi.exported_symbols).

The library exports two version nodes (cmake/aigc.map):
  AIGC_0                 the stable C ABI: aigc_ C functions only;
  AIGC_PRIVATE_<version> the core's C++ symbols (namespace aigc) for the backend modules
                         of the same build (libaigc-cuda.so). Not an API: its name carries
                         the version, so nothing built against another version binds to it.
Fails unless
  1. every dynamic symbol the library defines is an aigc_ C function in AIGC_0, or a C++
     symbol of namespace aigc in AIGC_PRIVATE_<version> (nothing else leaks: no std::,
     no oneDNN, no unversioned symbol);
  2. the exported aigc_ symbols are exactly those listed in abi_symbols.txt: a listed
     symbol that disappeared breaks every program linked against it; a new export must
     be added to the list on purpose (docs/ABI.md says what that promises);
  3. the functions declared AIGC_API in include/aigc/aigc.h are exactly those listed
     (a declaration without an export is a link error for users; an export without a
     declaration is an undocumented ABI).
Struct layout changes are caught by the FFI tests (scripts/test-ffi.sh), not here.

Usage: check_exports.py libaigc.so [abi_symbols.txt [aigc.h]]
"""
import pathlib
import re
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
DEFAULT_LIST = HERE / "abi_symbols.txt"
DEFAULT_HEADER = HERE.parent.parent / "include" / "aigc" / "aigc.h"

# AIGC_API <return type> aigc_name( ... ; the return type may span lines, never a ';' or '#'
# (so the #define AIGC_API lines do not match).
DECLARATION = re.compile(r"\bAIGC_API\b[^;#]*?\b(aigc_[A-Za-z0-9_]+)\s*\(")


def exported_symbols(lib: str) -> list:
    """(name, version node) of every defined dynamic symbol; node '' when unversioned."""
    out = subprocess.run(["nm", "-D", "--defined-only", "--with-symbol-versions", lib],
                         check=True, capture_output=True, text=True).stdout
    symbols = []
    for line in out.splitlines():
        if not line.strip():
            continue
        name = line.split()[-1]
        base, _, node = name.partition("@")
        symbols.append((base, node.lstrip("@")))
    return symbols


def demangle(names: list) -> list:
    if not names:
        return []
    out = subprocess.run(["c++filt"], input="\n".join(names), check=True,
                         capture_output=True, text=True).stdout
    return out.splitlines()


# What the private node may hold: aigc's own C++ entities and their type data.
PRIVATE_ENTITY = re.compile(r"^(typeinfo for |typeinfo name for |vtable for |VTT for )?"
                            r"(\S+ )?aigc::")


def read_list(path: pathlib.Path) -> list:
    names = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(line)
    return names


def header_functions(path: pathlib.Path) -> set:
    text = re.sub(r"/\*.*?\*/", " ", path.read_text(), flags=re.S)  # comments may say AIGC_API
    return set(DECLARATION.findall(text))


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    lib = sys.argv[1]
    list_path = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_LIST
    header_path = pathlib.Path(sys.argv[3]) if len(sys.argv) > 3 else DEFAULT_HEADER

    symbols = exported_symbols(lib)
    failures = []
    # The version nodes themselves appear as absolute symbols named after the node.
    nodes = {node for _, node in symbols if node}
    symbols = [(n, v) for n, v in symbols if n not in nodes]
    functions = [n for n, v in symbols if v == "AIGC_0"]
    private = [n for n, v in symbols if v.startswith("AIGC_PRIVATE_")]
    others = [f"{n}@{v}" if v else n for n, v in symbols
              if v != "AIGC_0" and not v.startswith("AIGC_PRIVATE_")]
    if not functions:
        failures.append(f"{lib} exports no aigc_ symbols in AIGC_0")
    if others:
        failures.append(f"{lib} exports symbols outside its two version nodes: {others[:20]}")
    bad_public = [n for n in functions if not n.startswith("aigc_") or n.startswith("_Z")]
    if bad_public:
        failures.append(f"AIGC_0 holds non-C or non-aigc_ symbols: {bad_public[:20]}")
    private_nodes = {v for n, v in symbols if v.startswith("AIGC_PRIVATE_")}
    if len(private_nodes) > 1:
        failures.append(f"more than one private node: {sorted(private_nodes)}")
    leaked = [d for d in demangle(private) if not PRIVATE_ENTITY.match(d)]
    if leaked:
        failures.append(f"the private node holds symbols outside namespace aigc: {leaked[:20]}")

    listed = read_list(list_path)
    if listed != sorted(set(listed)):
        failures.append(f"{list_path.name} is not sorted and unique (one symbol a line; `LC_ALL=C sort -u`)")
    listed_set, exported_set = set(listed), set(functions)
    removed = sorted(listed_set - exported_set)
    added = sorted(exported_set - listed_set)
    if removed:
        failures.append(
            f"{len(removed)} symbol(s) of the stable ABI are no longer exported: {' '.join(removed)}\n"
            "  programs linked against them break. Restore them, or (only with an AIGC_ABI_VERSION\n"
            f"  bump and a SONAME change, see docs/ABI.md) remove them from {list_path}")
    if added:
        failures.append(
            f"{len(added)} new exported symbol(s) not in the ABI list: {' '.join(added)}\n"
            f"  add it to {list_path} (sorted) if it is meant to be public API (docs/ABI.md),\n"
            "  otherwise do not mark it AIGC_API")

    if header_path.is_file():
        declared = header_functions(header_path)
        undeclared = sorted(listed_set - declared)
        unlisted = sorted(declared - listed_set)
        if unlisted:
            failures.append(
                f"declared AIGC_API in {header_path.name} but not in {list_path.name}: {' '.join(unlisted)}\n"
                "  implement and export it, and add it to the list")
        if undeclared:
            failures.append(
                f"listed in {list_path.name} but not declared in {header_path.name}: {' '.join(undeclared)}")
    else:
        print(f"note: {header_path} not found; header check skipped")

    if failures:
        for f in failures:
            print(f"FAIL: {f}")
        return 1
    print(f"ok: {len(functions)} exported symbols in AIGC_0, all aigc_*, exactly {list_path.name}"
          f" and the AIGC_API declarations of {header_path.name}; {len(private)} aigc:: C++"
          f" symbols in {', '.join(sorted(private_nodes)) or 'no private node'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
