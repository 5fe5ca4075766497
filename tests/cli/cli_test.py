#!/usr/bin/env python3
"""Runs one case of the `aigc` command-line tests (tests/cli/CMakeLists.txt).

usage: cli_test.py --aigc BIN --models DIR --user-models DIR --data DIR CASE
Exit codes: 0 pass, 1 fail, 77 skipped (a model file is absent).
"""
import argparse
import math
import os
import re
import subprocess
import sys

SKIP = 77
# tests/../shared/models/goldens/README.md, llama2c-stories260k: greedy_text. The library
# drops the SentencePiece space of the first piece after BOS (as llama2.c's run.c prints).
GREEDY_60 = (" Once upon a time, there was a little girl named Lily. She loved to play outside in"
             " the park. One day, she saw a big, red ball. She wanted to play with it, but it was"
             " too high")


class Fail(Exception):
    pass


def run(opts, *args, stdin_text=None, timeout=300):
    cmd = [opts.aigc, *args]
    proc = subprocess.run(cmd, input=(stdin_text or "").encode(), capture_output=True,
                          timeout=timeout)
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    print("$", " ".join(repr(a) if (not a or " " in a) else a for a in cmd))
    print(f"exit {proc.returncode}\n--- stdout ---\n{out}\n--- stderr ---\n{err}")
    return proc.returncode, out, err


def expect_ok(opts, *args, **kw):
    rc, out, err = run(opts, *args, **kw)
    if rc != 0:
        raise Fail(f"exit code {rc}, expected 0")
    return out, err


def expect_failure(opts, codes, pattern, *args):
    """A clean failure: exit code in `codes` (never a signal) and a message on stderr."""
    rc, out, err = run(opts, *args)
    if rc < 0:
        raise Fail(f"killed by signal {-rc}")
    if rc not in codes:
        raise Fail(f"exit code {rc}, expected one of {codes}")
    if not re.search(pattern, err, re.IGNORECASE):
        raise Fail(f"stderr does not match /{pattern}/")


def stories(opts):
    path = os.path.join(opts.models, "llama2c-stories260k", "stories260K.bin")
    if not os.path.exists(path):
        print(f"SKIP: {path} not found")
        sys.exit(SKIP)
    return path


def smollm(opts):
    path = os.path.join(opts.user_models, "SmolLM2-135M-Instruct.Q4_1.gguf")
    if not os.path.exists(path):
        print(f"SKIP: {path} not found")
        sys.exit(SKIP)
    return path


# ---- cases --------------------------------------------------------------------------------

def case_version(opts):
    out, _ = expect_ok(opts, "--version")
    if not re.match(r"aigc \d+\.\d+\.\d+", out):
        raise Fail("no version")
    for cmd in ("generate", "perplexity", "chat"):
        out, _ = expect_ok(opts, cmd, "--help")
        if f"usage: aigc {cmd}" not in out or "-m, --model" not in out:
            raise Fail(f"{cmd} --help lacks its usage")


def case_generate_greedy(opts):
    out, err = expect_ok(opts, "generate", "-m", stories(opts), "-p", "", "-n", "60",
                         "--temp", "0", "-t", "1")
    if out != GREEDY_60.lstrip(" "):
        raise Fail(f"got {out!r}\nwant {GREEDY_60.lstrip(' ')!r}")
    if not re.search(r"prompt: 1 tokens, [\d.]+ tok/s; generation: 60 tokens, [\d.]+ tok/s", err):
        raise Fail("no speed summary on stderr")


def case_generate_seeded(opts):
    args = ["generate", "-m", stories(opts), "-p", "Once upon a time", "-n", "40",
            "--temp", "0.8", "--seed", "1234", "-t", "1"]
    first, _ = expect_ok(opts, *args)
    second, _ = expect_ok(opts, *args)
    if not first or first != second:
        raise Fail("the same seed gave different text")
    default_a, _ = expect_ok(opts, *args[:-4], "-t", "1")  # default seed is fixed, too
    default_b, _ = expect_ok(opts, *args[:-4], "-t", "1")
    if default_a != default_b:
        raise Fail("the default seed is not reproducible")


def case_generate_stop(opts):
    out, _ = expect_ok(opts, "generate", "-m", stories(opts), "-p", "", "-n", "60",
                       "--temp", "0", "--stop", "Lily", "--stop", "never-produced")
    want = GREEDY_60.lstrip(" ").split("Lily")[0]
    if out != want:
        raise Fail(f"got {out!r}, want {want!r}")


def perplexity(opts):
    out, err = expect_ok(opts, "perplexity", "-m", stories(opts), "-f",
                         os.path.join(opts.data, "story.txt"), "--ctx", "128", "-t", "1")
    m = re.fullmatch(r"perplexity: (\S+)\n", out)
    if not m:
        raise Fail("stdout is not 'perplexity: P'")
    value = float(m.group(1))
    if not math.isfinite(value) or value < 1.0:
        raise Fail(f"perplexity {value} is not a finite number >= 1")
    if "[1/" not in err:
        raise Fail("no per-window progress on stderr")
    return value


def case_perplexity(opts):
    a = perplexity(opts)
    b = perplexity(opts)
    if a != b:
        raise Fail(f"two runs differ: {a} vs {b}")
    if a > 512:  # worse than uniform over the vocabulary: something is broken
        raise Fail(f"perplexity {a} is worse than chance")


def case_chat(opts):
    out, _ = expect_ok(opts, "chat", "-m", smollm(opts), "--temp", "0", "-n", "64",
                       "--system", "You are a helpful assistant.",
                       stdin_text="What is the capital of France?\n")
    if not out.strip():
        raise Fail("no reply")
    if "<|im_start|>" in out or "<|im_end|>" in out:
        raise Fail("control tokens leaked into the reply")


def case_chat_two_turns(opts):
    out, _ = expect_ok(opts, "chat", "-m", smollm(opts), "--temp", "0", "-n", "32",
                       stdin_text="Hello!\nWhat is 2 plus 2?\n")
    if len([l for l in out.split("\n") if l.strip()]) < 2:
        raise Fail("expected a reply per turn")


def case_bad_missing_model(opts):
    expect_failure(opts, {1}, r"aigc: error: .*no-such-model\.bin", "generate", "-m",
                   "/nonexistent/no-such-model.bin", "-p", "hi")


def case_bad_directory(opts):
    expect_failure(opts, {1}, r"aigc: error: ", "generate", "-m", opts.data, "-p", "hi")


def case_bad_threads(opts):
    expect_failure(opts, {1, 2}, r"thread", "generate", "-m", stories(opts), "-p", "hi", "-t", "0")


def case_bad_top_p(opts):
    expect_failure(opts, {1, 2}, r"top_p|top-p", "generate", "-m", stories(opts), "-p", "hi",
                   "--top-p", "2")


def case_bad_temp_nan(opts):
    expect_failure(opts, {1, 2}, r"temperature|temp", "generate", "-m", stories(opts), "-p", "hi",
                   "--temp", "nan")


def case_bad_usage(opts):
    expect_failure(opts, {2}, r"unknown command", "frobnicate")
    expect_failure(opts, {2}, r"usage", )
    expect_failure(opts, {2}, r"unknown option '--bogus'", "generate", "--bogus")
    expect_failure(opts, {2}, r"missing required option -m", "generate", "-p", "x")
    expect_failure(opts, {2}, r"-n: expected an integer", "generate", "-m", "x", "-p", "x",
                   "-n", "ten")
    expect_failure(opts, {2}, r"needs a value", "generate", "-m")


def case_bad_chat_template(opts):
    expect_failure(opts, {1}, r"aigc: error: .*template", "chat", "-m", stories(opts),
                   "--chat-template", "no-such-template")


def case_bad_chat_no_template(opts):
    # stories260K has no chat template: the library's message names --chat-template.
    expect_failure(opts, {1}, r"aigc: error: .*--chat-template", "chat", "-m", stories(opts))


def case_bad_perplexity_short(opts):
    expect_failure(opts, {1}, r"aigc: error: .*fewer than one window", "perplexity", "-m",
                   stories(opts), "-f", os.path.join(opts.data, "story.txt"), "--ctx", "100000")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aigc", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--user-models", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("case")
    opts = ap.parse_args()
    fn = globals().get("case_" + opts.case)
    if fn is None:
        print(f"unknown case {opts.case}")
        return 1
    try:
        fn(opts)
    except Fail as e:
        print(f"FAIL: {e}")
        return 1
    except subprocess.TimeoutExpired as e:
        print(f"FAIL: timed out: {e}")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
