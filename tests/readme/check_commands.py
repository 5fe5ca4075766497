#!/usr/bin/env python3
"""Checks the shell commands of README.md's ```sh blocks against the real tools.

usage: check_commands.py README.md --aigc PATH/TO/aigc --root SOURCE_DIR

For every simple command in a ```sh block (continuation lines joined; split at |, &&, ;):
  aigc SUB ...     SUB is a command of `aigc --help` (vae: its encode / decode), and every
                   argument parses against `aigc SUB --help`: each option exists, each
                   option that takes a value has one, nothing else is left over;
  aigc --version   accepted;
  scripts/X, tools/X, bash X, python3 X
                   the file exists in the source tree and each --long option it is given
                   appears in its text;
  cmake -DAIGC_X   the option AIGC_X is defined in the top-level CMake files.
Other programs (cmake, ctest, pip, echo, ...) are not checked. Exits 1 listing each problem.
"""
import argparse
import os
import re
import shlex
import subprocess
import sys

SEPARATORS = {"|", "||", "&&", ";", "&"}


def sh_blocks(readme):
    lines = open(readme, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^\s*(```+)\s*(sh|bash|shell|console)\s*$", lines[i])
        if not m:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(m.group(1)):
            j += 1
        block, start = [], None
        for k in range(i + 1, j):  # join continuation lines
            text = lines[k]
            if start is None:
                start, buf = k + 1, ""
            buf += text[:-1] + " " if text.endswith("\\") else text
            if not text.endswith("\\"):
                block.append((start, buf))
                start = None
        yield from block
        i = j + 1


def simple_commands(text):
    lex = shlex.shlex(text, posix=True, punctuation_chars=";&|")
    lex.whitespace_split = True
    lex.commenters = "#"
    cmd = []
    for tok in lex:
        if tok in SEPARATORS:
            if cmd:
                yield cmd
            cmd = []
        else:
            cmd.append(tok)
    if cmd:
        yield cmd


class Aigc:
    def __init__(self, exe):
        self.exe = exe
        self.cache = {}
        top = self.run(["--help"])
        self.commands = set(re.findall(r"^  (\S+)\s{2,}", top.split("commands:")[-1], re.M))

    def run(self, args):
        p = subprocess.run([self.exe] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, timeout=60)
        return p.stdout.decode("utf-8", "replace")

    def options(self, sub):  # {name: takes_value}
        key = tuple(sub)
        if key not in self.cache:
            opts = {}
            for line in self.run(sub + ["--help"]).split("\n"):
                m = re.match(r"^  (-\S.*?)(?:\s{2,}|$)", line)
                if not m:
                    continue
                # "-m, --model FILE": the value name after the last spelling is every spelling's
                *names, last = m.group(1).split(", ")
                last_name, _, value = last.partition(" ")
                for name in names + [last_name]:
                    opts[name] = bool(value)
            self.cache[key] = opts
        return self.cache[key]

    def check(self, args):
        if args == ["--version"] or args == ["--help"]:
            return []
        if not args or args[0] not in self.commands:
            return [f"'aigc {args[0] if args else ''}' is not a command of aigc --help {sorted(self.commands)}"]
        sub, rest = [args[0]], args[1:]
        if sub == ["vae"]:
            if not rest or rest[0] not in ("encode", "decode"):
                return ["aigc vae needs encode or decode"]
            sub, rest = sub + [rest[0]], rest[1:]
        opts = self.options(sub)
        if not opts:
            return [f"aigc {' '.join(sub)} --help lists no options"]
        problems, i = [], 0
        while i < len(rest):
            name, eq, _ = rest[i].partition("=")
            if not rest[i].startswith("-") or name not in opts:
                problems.append(f"aigc {' '.join(sub)}: '{rest[i]}' is not an option of --help")
            elif opts[name] and not eq:
                if i + 1 >= len(rest):
                    problems.append(f"aigc {' '.join(sub)}: {name} needs a value")
                i += 1
            i += 1
        return problems


def check_file_command(root, path, args):
    full = os.path.join(root, path)
    if not os.path.isfile(full):
        return [f"{path} does not exist in the source tree"]
    text = open(full, encoding="utf-8", errors="replace").read()
    return [f"{path}: option {a.split('=')[0]} does not appear in it"
            for a in args if a.startswith("--") and a.split("=")[0] not in text]


def cmake_options(root):
    text = ""
    for d, files in ((root, ["CMakeLists.txt"]), (os.path.join(root, "cmake"), os.listdir(os.path.join(root, "cmake")))):
        for f in files:
            if f.endswith((".cmake", ".txt")):
                text += open(os.path.join(d, f), encoding="utf-8").read()
    return set(re.findall(r"\b(AIGC_[A-Z0-9_]+)\b", text))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("readme")
    ap.add_argument("--aigc", required=True)
    ap.add_argument("--root", required=True)
    a = ap.parse_args()
    aigc = Aigc(a.aigc)
    known_cmake = cmake_options(a.root)
    problems, n = [], 0
    for line, text in sh_blocks(a.readme):
        for cmd in simple_commands(text):
            while cmd and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", cmd[0]):  # VAR=value prefixes
                cmd = cmd[1:]
            if not cmd:
                continue
            prog, args = cmd[0], cmd[1:]
            found = []
            if prog == "aigc" or prog.endswith("/tools/aigc/aigc"):
                found = aigc.check(args)
            elif prog in ("bash", "sh", "python3", "/usr/bin/python3") and args and "/" in args[0]:
                found = check_file_command(a.root, args[0], args[1:])
            elif prog.startswith(("scripts/", "tools/", "./scripts/", "./tools/")):
                found = check_file_command(a.root, prog.removeprefix("./"), args)
            elif prog == "cmake":
                for arg in args:
                    m = re.match(r"^-D(AIGC_[A-Z0-9_]+)", arg)
                    if m and m.group(1) not in known_cmake:
                        found.append(f"cmake: {m.group(1)} is not an option of the CMake files")
            else:
                continue
            n += 1
            problems += [f"{a.readme}:{line}: {p}" for p in found]
    for p in problems:
        print(p)
    print(f"readme.commands: {n} commands checked, {len(problems)} problem(s)")
    return 1 if problems or n == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
