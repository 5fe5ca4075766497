#!/usr/bin/env python3
"""Runs one case of the `aigc` command-line tests (tests/cli/CMakeLists.txt).

usage: cli_test.py --aigc BIN --models DIR --user-models DIR --data DIR
                   [--converted DIR] CASE
Exit codes: 0 pass, 1 fail, 77 skipped (a model file is absent).
Image cases use the converted models (--converted, default $AIGC_CONVERTED_MODELS).
"""
import argparse
import math
import os
import re
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zlib

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


# docs/TESTING.md: a missing model skips with one line naming it and how to get it, but
# fails in require mode (AIGC_REQUIRE_MODELS=1, which .ci/run exports, or CI=true).
REQUIRE_MODELS = (os.environ.get("AIGC_REQUIRE_MODELS", "") not in ("", "0")
                  or os.environ.get("CI", "") in ("true", "1"))
SHARED_HINT = "it is in the shared third-party model folder ../shared/models (set AIGC_MODELS)"


def require_model(path, hint):
    if os.path.exists(path):
        return path
    if REQUIRE_MODELS:
        raise Fail(f"required model missing (AIGC_REQUIRE_MODELS=1 or CI=true): {path}: {hint}")
    print(f"SKIP: {path} missing: {hint}")
    sys.exit(SKIP)


def stories(opts):
    return require_model(os.path.join(opts.models, "llama2c-stories260k", "stories260K.bin"), SHARED_HINT)


def smollm(opts):
    return require_model(os.path.join(opts.user_models, "SmolLM2-135M-Instruct.Q4_1.gguf"),
                         "run scripts/fetch-models.sh (AIGC_USER_MODELS)")


def converted(opts, name):
    path = os.path.join(opts.converted or "converted-models", name)
    require_model(os.path.join(path, "config.json"),
                  "made by the ctest fixture convert_models (tools/aigc-convert; --converted / AIGC_CONVERTED_MODELS)")
    return path


# ---- PNG checker: a small independent decoder (chunks, CRCs, text, 8-bit pixels) ----------

def read_png(path):
    """Returns (width, height, channels, pixels bytes, {text key: value}); raises Fail."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise Fail(f"{path}: no PNG signature")
    pos, idat, text, ihdr = 8, b"", {}, None
    while True:
        if pos + 12 > len(data):
            raise Fail(f"{path}: truncated (no IEND)")
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(ctype + body) & 0xFFFFFFFF != crc:
            raise Fail(f"{path}: bad CRC in {ctype!r}")
        pos += 12 + length
        if ctype == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif ctype == b"IDAT":
            idat += body
        elif ctype == b"tEXt":
            k, v = body.split(b"\0", 1)
            text[k.decode("latin-1")] = v.decode("latin-1")
        elif ctype == b"iTXt":
            k, rest = body.split(b"\0", 1)
            compressed = rest[0]
            _, _, rest = rest[2:].split(b"\0", 2)  # language tag, translated keyword
            v = zlib.decompress(rest) if compressed else rest
            text[k.decode("latin-1")] = v.decode("utf-8")
        elif ctype == b"IEND":
            break
    if pos != len(data):
        raise Fail(f"{path}: bytes after IEND")
    w, h, depth, color, _, _, interlace = ihdr
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(color)
    if depth != 8 or channels is None or interlace:
        raise Fail(f"{path}: unexpected format depth {depth} color {color}")
    raw = zlib.decompress(idat)
    stride = w * channels
    if len(raw) != h * (stride + 1):
        raise Fail(f"{path}: wrong image data size")
    out, prev = bytearray(), bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        row = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = row[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if f == 1:
                row[i] = (row[i] + a) & 255
            elif f == 2:
                row[i] = (row[i] + b) & 255
            elif f == 3:
                row[i] = (row[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            elif f != 0:
                raise Fail(f"{path}: bad filter {f}")
        out += row
        prev = row
    return w, h, channels, bytes(out), text


def check_provenance(path, model, seed=None, extra=()):
    w, h, c, px, text = read_png(path)
    params = text.get("parameters", "")
    for want in [f"Model: {model}"] + ([f"Seed: {seed}"] if seed is not None else []) + list(extra):
        if want not in params:
            raise Fail(f"{path}: 'parameters' text lacks {want!r}: {params!r}")
    if text.get("AI-generated") != "yes":
        raise Fail(f"{path}: no AI-generated=yes text chunk")
    if not text.get("Software", "").startswith("aigc "):
        raise Fail(f"{path}: no Software text chunk")
    if "trainedAlgorithmicMedia" not in text.get("XML:com.adobe.xmp", ""):
        raise Fail(f"{path}: no IPTC XMP digital source type")
    return w, h, c, px


def tile(px, grid_w, c, x0, y0, tw, th):
    return b"".join(px[((y0 + y) * grid_w + x0) * c:((y0 + y) * grid_w + x0 + tw) * c] for y in range(th))


def psnr(a, b):
    if len(a) != len(b):
        raise Fail("PSNR of images of different sizes")
    mse = sum((x - y) * (x - y) for x, y in zip(a, b)) / len(a)
    return float("inf") if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)


# ---- cases --------------------------------------------------------------------------------

def project_version():
    """The VERSION of the project() line of the top-level CMakeLists.txt."""
    top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "CMakeLists.txt")
    m = re.search(r"project\(\s*aigc\s+VERSION\s+(\S+)", open(top).read())
    if not m:
        raise Fail(f"no project(aigc VERSION ...) in {top}")
    return m.group(1)


def case_version(opts):
    out, _ = expect_ok(opts, "--version")
    want = f"aigc {project_version()}\n"
    if out != want:
        raise Fail(f"--version printed {out!r}, want {want!r} (CMakeLists.txt project())")
    for cmd in ("generate", "perplexity", "chat", "image", "vae encode", "vae decode"):
        out, _ = expect_ok(opts, *cmd.split(), "--help")
        if f"usage: aigc {cmd}" not in out or "-m, --model" not in out:
            raise Fail(f"{cmd} --help lacks its usage")


def case_generate_greedy(opts):
    out, err = expect_ok(opts, "generate", "-m", stories(opts), "-p", "", "-n", "60",
                         "--temp", "0", "-t", "1")
    if out != GREEDY_60.lstrip(" "):
        raise Fail(f"got {out!r}\nwant {GREEDY_60.lstrip(' ')!r}")
    if not re.search(r"prompt: 1 tokens, [\d.]+ tok/s; generation: 60 tokens, [\d.]+ tok/s", err):
        raise Fail("no speed summary on stderr")


SEED_LINE = re.compile(r"^seed: (\d+) \(pass --seed (\d+) to repeat\)$", re.MULTILINE)


def announced_seed(err):
    """The seed of the 'seed: N (pass --seed N to repeat)' line; Fail when there is none."""
    lines = SEED_LINE.findall(err)
    if len(lines) != 1 or lines[0][0] != lines[0][1]:
        raise Fail(f"expected one line 'seed: N (pass --seed N to repeat)' on stderr, got {lines}")
    return lines[0][0]


def case_generate_seeded(opts):
    args = ["generate", "-m", stories(opts), "-p", "Once upon a time", "-n", "40",
            "--temp", "0.8", "-t", "1"]
    first, err = expect_ok(opts, *args, "--seed", "1234")
    second, _ = expect_ok(opts, *args, "--seed", "1234")
    if not first or first != second:
        raise Fail("the same seed gave different text")
    if "seed:" in err:
        raise Fail("--seed given, yet a seed line was printed")
    other, _ = expect_ok(opts, *args, "--seed", "1235")
    if other == first:
        raise Fail("seeds 1234 and 1235 gave the same text")


def case_generate_random_seed(opts):
    """No --seed: a random seed each run, printed so that --seed repeats the run."""
    args = ["generate", "-m", stories(opts), "-p", "Once upon a time", "-n", "40",
            "--temp", "0.8", "-t", "1"]
    out_a, err_a = expect_ok(opts, *args)
    out_b, err_b = expect_ok(opts, *args)
    seed_a, seed_b = announced_seed(err_a), announced_seed(err_b)
    if seed_a == seed_b:  # 1 in 2^32 by chance
        raise Fail(f"two runs without --seed both used seed {seed_a}")
    again, err = expect_ok(opts, *args, "--seed", seed_a)
    if again != out_a:
        raise Fail(f"--seed {seed_a} did not repeat the first run")
    if "seed:" in err:
        raise Fail("--seed given, yet a seed line was printed")
    _, err = expect_ok(opts, "generate", "-m", stories(opts), "-p", "x", "-n", "4", "--temp", "0")
    if "seed:" in err:
        raise Fail("greedy decoding (--temp 0) draws nothing, yet a seed line was printed")


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


def case_help_backends(opts):
    """`aigc --help` and `aigc help` end with the backends line, cpu available."""
    for args in (["--help"], ["help"]):
        out, _ = expect_ok(opts, *args)
        if "usage: aigc <command>" not in out:
            raise Fail(f"{args[0]}: no usage")
        lines = [l for l in out.splitlines() if l.startswith("backends: ")]
        if len(lines) != 1:
            raise Fail(f"{args[0]}: expected one 'backends: ...' line")
        entries = re.findall(r"(\w+) \((available|not available: .*?)\)(?:, |$)",
                             lines[0][len("backends: "):])
        names = [n for n, _ in entries]
        if dict(entries).get("cpu") != "available":
            raise Fail(f"cpu is not listed as available: {names}")
        if "ref" not in names or len(set(names)) != len(names):
            raise Fail(f"expected ref and cpu, each once: {names}")
        for name, state in entries:  # the library agrees: --backend NAME loads or fails
            rc, _, err = run(opts, "generate", "-m", stories(opts), "-p", "", "-n", "1",
                             "--temp", "0", "--backend", name)
            if (rc == 0) != (state == "available"):
                raise Fail(f"backend {name} is listed as {state!r} but a run exited {rc}")


# ---- interactive chat: stdin and stdout pipes, lines written and read one at a time ---------

def chat_session(opts, *args):
    from chat_session import ChatSession  # beside this file
    return ChatSession([opts.aigc, "chat", *args], Fail)


TURN_STATS = re.compile(r"^\[(appended|evaluated) (\d+) new prompt tokens, (\d+) generated, "
                        r"[\d.]+ tok/s, context holds (\d+) tokens\]$", re.MULTILINE)
INTERRUPTED = re.compile(r"^aigc: reply interrupted$", re.MULTILINE)
STREAMING = re.compile(r"(?s).{40}")  # the first 40 characters of a reply are out
# SmolLM2-135M-Instruct greedy repeats "hello" until -n (measured: 400 of 400 tokens).
LONG_REQUEST = "Repeat the word hello 500 times.\n"


def turn_stats(err):
    return [(kind, int(p), int(g), int(h)) for kind, p, g, h in TURN_STATS.findall(err)]


def chat_replies(out):
    return [l for l in out.split("\n") if l.strip()]


def case_chat_history(opts):
    """Turn 2 is appended to the context holding turn 1, and the model uses what turn 1 said."""
    args = ["chat", "-m", smollm(opts), "--temp", "0", "-n", "30", "-v",
            "--system", "You are a helpful assistant."]
    question = "Which number did I ask you to remember?\n"
    out, err = expect_ok(opts, *args, stdin_text="Remember this number: 42.\n" + question)
    stats = turn_stats(err)
    if len(stats) != 2 or len(chat_replies(out)) != 2:
        raise Fail(f"expected two replies and two stats lines, got {stats}")
    (kind1, _, _, held1), (kind2, prompt2, _, held2) = stats
    if kind1 != "evaluated" or kind2 != "appended":
        raise Fail(f"turn 1 should be evaluated, turn 2 appended: {kind1}, {kind2}")
    if held2 < held1 + prompt2:
        raise Fail(f"the context should hold turn 1 ({held1}) + turn 2's prompt ({prompt2}): {held2}")
    if "42" not in chat_replies(out)[1]:
        raise Fail("the reply to the question does not know the number from turn 1")
    alone, _ = expect_ok(opts, *args, stdin_text=question)
    if "42" in alone:
        raise Fail("the number comes without the history, so the check above proves nothing")


def case_chat_clear(opts):
    """/clear: a note, the next turn is evaluated from an empty context like the first one."""
    out, err = expect_ok(opts, "chat", "-m", smollm(opts), "--temp", "0", "-n", "24", "-v",
                         "--system", "You are a helpful assistant.",
                         stdin_text="Hello!\nWhat is 2 plus 2?\n/clear\nHello!\n/help\n")
    if "aigc: conversation cleared" not in err:
        raise Fail("no note for /clear on stderr")
    if "/clear" not in err.split("conversation cleared", 1)[1]:
        raise Fail("/help does not list /clear")
    stats, replies = turn_stats(err), chat_replies(out)
    if len(stats) != 3 or len(replies) != 3:
        raise Fail(f"expected three replies (commands are not turns), got {len(replies)}: {stats}")
    if [s[0] for s in stats] != ["evaluated", "appended", "evaluated"]:
        raise Fail(f"the turn after /clear should start from an empty context: {stats}")
    if stats[2] != stats[0] or replies[2] != replies[0]:
        raise Fail(f"after /clear 'Hello!' should be turn 1 again: {stats[0]} -> {stats[2]}, "
                   f"{replies[0]!r} -> {replies[2]!r}")


def case_chat_interrupt(opts):
    """SIGINT during a long reply stops it; the chat reads and answers the next line (the
    partial reply kept in the context), and EOF then ends it with exit code 0."""
    # -n 120: far above where the interrupt lands (~10 tokens), and a bound on the second,
    # uninterrupted reply, which must finish in time even on 2 loaded cores.
    chat = chat_session(opts, "-m", smollm(opts), "--temp", "0", "-n", "120", "-v")
    chat.send(LONG_REQUEST)
    chat.wait_for(STREAMING, "out")  # the reply is streaming
    chat.proc.send_signal(signal.SIGINT)
    chat.wait_for(INTERRUPTED, "err", timeout=30)
    if chat.proc.poll() is not None:
        raise Fail(f"exited ({chat.proc.returncode}) on SIGINT during a reply")
    chat.send("What is 2 plus 2?\n")
    chat.proc.stdin.close()  # EOF after the second turn
    rc, out, err = chat.finish(timeout=300)
    if rc != 0:
        raise Fail(f"exit code {rc} after EOF, expected 0")
    stats = turn_stats(err)
    if len(stats) != 2 or len(INTERRUPTED.findall(err)) != 1:
        raise Fail(f"expected the interrupted turn and one answered turn: {stats}")
    if stats[0][2] >= 120:
        raise Fail(f"the interrupted reply ran to -n ({stats[0][2]} tokens)")
    if stats[1][0] != "appended" or stats[1][3] <= stats[0][3]:
        raise Fail(f"the second turn should extend the context of the interrupted one: {stats}")
    if len(chat_replies(out)) < 2 or not chat_replies(out)[-1].strip():
        raise Fail("no reply to the line after the interrupt")


def case_chat_sigint_twice(opts):
    """SIGINT stops the reply; a second one at the prompt ends the chat, exit code 0."""
    chat = chat_session(opts, "-m", smollm(opts), "--temp", "0", "-n", "400")
    chat.send(LONG_REQUEST)
    chat.wait_for(STREAMING, "out")
    chat.proc.send_signal(signal.SIGINT)
    chat.wait_for(INTERRUPTED, "err", timeout=30)
    chat.proc.send_signal(signal.SIGINT)  # at the prompt; stdin stays open
    rc, _, _ = chat.finish(timeout=30)
    if rc != 0:
        raise Fail(f"exit code {rc} after the second SIGINT, expected 0")


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


def case_image_gan(opts):
    model = converted(opts, "dcgan-mnist")
    with tempfile.TemporaryDirectory() as d:
        grid = os.path.join(d, "grid.png")
        _, err = expect_ok(opts, "image", "-m", model, "-n", "4", "--seed", "7", "-o", grid)
        if "4 images 28x28" not in err:
            raise Fail("no summary on stderr")
        w, h, c, px = check_provenance(grid, "dcgan-mnist", seed=7, extra=["Grid: 4 images"])
        if (w, h, c) != (56, 56, 1):
            raise Fail(f"grid is {w}x{h}x{c}, expected 56x56 gray (2x2 of 28x28)")
        if len(set(px)) < 10:
            raise Fail("the grid is (nearly) constant")
        first = open(grid, "rb").read()
        expect_ok(opts, "image", "-m", model, "-n", "4", "--seed", "7", "-o", grid)
        if open(grid, "rb").read() != first:
            raise Fail("the same seed wrote different bytes")
        other = os.path.join(d, "other.png")
        expect_ok(opts, "image", "-m", model, "-n", "4", "--seed", "8", "-o", other)
        if read_png(other)[3] == px:
            raise Fail("a different seed gave the same pixels")
        # --separate: one file per image, equal to the grid's tiles (row-major).
        sep = os.path.join(d, "sep.png")
        expect_ok(opts, "image", "-m", model, "-n", "4", "--seed", "7", "--separate", "-o", sep)
        for k in range(4):
            path = os.path.join(d, f"sep-{k + 1}.png")
            sw, sh, sc, spx = check_provenance(path, "dcgan-mnist", seed=7 + k)
            if (sw, sh, sc) != (28, 28, 1) or spx != tile(px, 56, 1, (k % 2) * 28, (k // 2) * 28, 28, 28):
                raise Fail(f"{path} is not tile {k} of the grid")
        # Seeding rule: image k of seed s is image 0 of seed s + k.
        one = os.path.join(d, "one.png")
        expect_ok(opts, "image", "-m", model, "--seed", "9", "-o", one)
        if read_png(one)[3] != tile(px, 56, 1, 0, 28, 28, 28):
            raise Fail("-n 1 --seed 9 differs from image 2 of --seed 7")
        # No --seed: a random one, announced on stderr and recorded in the PNG; it repeats.
        rnd, again = os.path.join(d, "random.png"), os.path.join(d, "again.png")
        _, err = expect_ok(opts, "image", "-m", model, "-n", "4", "-o", rnd)
        seed = announced_seed(err)
        check_provenance(rnd, "dcgan-mnist", seed=seed)
        _, err = expect_ok(opts, "image", "-m", model, "-n", "4", "--seed", seed, "-o", again)
        if open(again, "rb").read() != open(rnd, "rb").read():
            raise Fail(f"--seed {seed} did not repeat the run without --seed")
        if "seed:" in err:
            raise Fail("--seed given, yet a seed line was printed")
        _, err = expect_ok(opts, "image", "-m", model, "-q", "-o", rnd)
        if err:
            raise Fail(f"-q printed on stderr: {err!r}")
        leftovers = [f for f in os.listdir(d) if "tmp" in f]
        if leftovers:
            raise Fail(f"temporary files left: {leftovers}")


def case_image_diffusion(opts):
    model = converted(opts, "dit-mnist-cond")
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "dit.png")
        args = ["image", "-m", model, "--steps", "5", "--class", "3", "-n", "2", "--seed", "1",
                "-o", out]
        _, err = expect_ok(opts, *args)
        # stderr is a pipe here: plain progress lines, one per step.
        if [l for l in err.splitlines() if l.startswith("step ")] != [f"step {i}/5" for i in range(1, 6)]:
            raise Fail("expected progress lines 'step 1/5' ... 'step 5/5' on stderr")
        w, h, c, px = check_provenance(out, "dit-mnist-cond", seed=1,
                                       extra=["Steps: 5", "Sampler: ", "Class: 3"])
        if (w, h, c) != (56, 28, 1):
            raise Fail(f"grid is {w}x{h}x{c}, expected 56x28 gray")
        first = open(out, "rb").read()
        expect_ok(opts, *args)
        if open(out, "rb").read() != first:
            raise Fail("the same seed wrote different bytes")


def case_image_class_name(opts):
    model = converted(opts, "cvae-quickdraw-tfjs")
    with tempfile.TemporaryDirectory() as d:
        by_name, by_index = os.path.join(d, "a.png"), os.path.join(d, "b.png")
        expect_ok(opts, "image", "-m", model, "--class", "lion", "--seed", "0", "-o", by_name)
        expect_ok(opts, "image", "-m", model, "--class", "14", "--seed", "0", "-o", by_index)
        if read_png(by_name)[3] != read_png(by_index)[3]:
            raise Fail("--class lion and --class 14 differ (lion is class 14 in manifest order)")
        check_provenance(by_name, "cvae-quickdraw-tfjs", seed=0, extra=["Class: 14"])


def case_image_interrupt(opts):
    """SIGINT during a long diffusion run: exit 130, no output file, no temporary file."""
    model = converted(opts, "dit-mnist-cond")
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "never.png")
        proc = subprocess.Popen([opts.aigc, "image", "-m", model, "--steps", "1000", "--seed", "1", "-o", out],
                                stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
        line = proc.stderr.readline().decode()
        if not line.startswith("step "):
            proc.kill()
            raise Fail(f"no progress line before the interrupt: {line!r}")
        proc.send_signal(signal.SIGINT)
        try:
            rest = proc.communicate(timeout=60)[1].decode()
        except subprocess.TimeoutExpired:
            proc.kill()
            raise Fail("did not stop within 60 s of SIGINT")
        print(f"exit {proc.returncode}\n{rest[-500:]}")
        if proc.returncode != 130:
            raise Fail(f"exit code {proc.returncode}, expected 130")
        if "interrupted" not in rest:
            raise Fail("no 'interrupted' message")
        if "step 1000/1000" in rest:
            raise Fail("ran to the end despite SIGINT")
        if os.listdir(d):
            raise Fail(f"files left behind: {os.listdir(d)}")


def case_bad_image(opts):
    dit, dcgan, taef2 = (converted(opts, n) for n in ("dit-mnist-cond", "dcgan-mnist", "taef2"))
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "x.png")
        expect_failure(opts, {1}, r"aigc: error: .*scheduler 'bogus'", "image", "-m", dit,
                       "--sampler", "bogus", "--steps", "2", "-o", out)
        expect_failure(opts, {1}, r"aigc: error: .*steps must be >= 1", "image", "-m", dit,
                       "--steps", "0", "-o", out)
        expect_failure(opts, {1}, r"aigc: error: --class: unknown class '12'", "image", "-m", dit,
                       "--class", "12", "--steps", "2", "-o", out)
        expect_failure(opts, {1}, r"aigc: error: --class: unknown class 'seven'", "image", "-m",
                       dit, "--class", "seven", "-o", out)
        expect_failure(opts, {1}, r"not class-conditional", "image", "-m", dcgan, "--class", "1",
                       "-o", out)
        expect_failure(opts, {1}, r"makes 28x28 images", "image", "-m", dit, "--width", "32",
                       "--height", "32", "-o", out)
        expect_failure(opts, {1}, r"multiples of 8", "image", "-m", taef2, "--width", "60",
                       "--height", "64", "-o", out)
        expect_failure(opts, {1}, r"not a diffusion model", "image", "-m", dcgan, "--steps", "5",
                       "-o", out)
        expect_failure(opts, {1}, r"aigc: error: .*no-such-model", "image", "-m",
                       os.path.join(d, "no-such-model"), "-o", out)
        expect_failure(opts, {1}, r"aigc: error: .*not a PNG", "image", "-m", dit, "--init",
                       os.path.join(dit, "config.json"), "--steps", "2", "-o", out)
        expect_failure(opts, {2}, r"--mask needs --init", "image", "-m", dit, "--mask", out, "-o", out)
        expect_failure(opts, {2}, r"missing required option -o", "image", "-m", dit)
        expect_failure(opts, {2}, r"--steps: expected an integer", "image", "-m", dit, "--steps",
                       "x", "-o", out)
        if os.path.exists(out):
            raise Fail("a failed run wrote the output")


def case_vae_roundtrip(opts):
    taef2 = converted(opts, "taef2")
    photo = require_model(os.path.join(opts.models, "images", "photo.png"), SHARED_HINT)
    with tempfile.TemporaryDirectory() as d:
        lat, back = os.path.join(d, "photo.safetensors"), os.path.join(d, "back.png")
        expect_ok(opts, "vae", "encode", "-m", taef2, "-i", photo, "-o", lat)
        raw = open(lat, "rb").read()
        (n,) = struct.unpack("<Q", raw[:8])
        import json
        header = json.loads(raw[8:8 + n])
        t = header["latent"]
        if t["dtype"] != "F32" or len(t["shape"]) != 4 or t["shape"][0] != 1:
            raise Fail(f"bad latent header {header}")
        if len(raw) != 8 + n + 4 * math.prod(t["shape"]):
            raise Fail("latent file size does not match its header")
        expect_ok(opts, "vae", "decode", "-m", taef2, "-i", lat, "-o", back)
        w0, h0, c0, px0, _ = read_png(photo)
        w, h, c, px = check_provenance(back, "taef2")
        if (w, h) != (w0, h0) or c != 3:
            raise Fail(f"decoded {w}x{h}x{c}, expected {w0}x{h0}x3")
        value = psnr(px0 if c0 == 3 else bytes(b for i, b in enumerate(px0) if i % c0 < 3), px)
        print(f"round-trip PSNR {value:.2f} dB")
        if value <= 30:
            raise Fail(f"round-trip PSNR {value:.2f} dB <= 30 dB")
        # Sampling the posterior with a seed is reproducible.
        s1, s2 = os.path.join(d, "s1.st"), os.path.join(d, "s2.st")
        expect_ok(opts, "vae", "encode", "-m", taef2, "-i", photo, "-o", s1, "--sample", "--seed", "3")
        expect_ok(opts, "vae", "encode", "-m", taef2, "-i", photo, "-o", s2, "--sample", "--seed", "3")
        if open(s1, "rb").read() != open(s2, "rb").read():
            raise Fail("--sample --seed 3 twice gave different latents")
        _, err = expect_ok(opts, "vae", "encode", "-m", taef2, "-i", photo, "-o", s1, "--sample")
        seed = announced_seed(err)
        expect_ok(opts, "vae", "encode", "-m", taef2, "-i", photo, "-o", s2, "--sample", "--seed", seed)
        if open(s1, "rb").read() != open(s2, "rb").read():
            raise Fail(f"--sample without --seed, then --seed {seed}: different latents")
        _, err = expect_ok(opts, "vae", "encode", "-m", taef2, "-i", photo, "-o", s1)
        if "seed:" in err:
            raise Fail("the posterior mean draws nothing, yet a seed line was printed")


def case_bad_vae(opts):
    taef2, vae_mnist = converted(opts, "taef2"), converted(opts, "vae-mnist")
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "x.png")
        lat = os.path.join(d, "lat.safetensors")
        # A valid latent for vae-mnist ([1, 20]) that taef2 cannot decode, and vice versa.
        header = json_header({"latent": {"dtype": "F32", "shape": [1, 20], "data_offsets": [0, 80]}})
        open(lat, "wb").write(header + bytes(80))
        expect_ok(opts, "vae", "decode", "-m", vae_mnist, "-i", lat, "-o", out)
        check_provenance(out, "vae-mnist")
        expect_failure(opts, {1}, r"shape \[1, 20\].*decodes \[N, 32, h, w\]", "vae", "decode",
                       "-m", taef2, "-i", lat, "-o", os.path.join(d, "y.png"))
        bad = os.path.join(d, "bad.safetensors")
        for name, blob, pattern in [
            ("truncated", header + bytes(40), r"not a valid latent file: .*data bytes"),
            ("garbage", b"\x05" * 64, r"not a valid latent file"),
            ("empty", b"", r"not a valid latent file"),
            ("f16", json_header({"latent": {"dtype": "F16", "shape": [1, 20],
                                            "data_offsets": [0, 40]}}) + bytes(40), r"must be F32"),
            ("other name", json_header({"z": {"dtype": "F32", "shape": [1, 20],
                                              "data_offsets": [0, 80]}}) + bytes(80),
             r"unexpected tensor 'z'"),
            ("bad offsets", json_header({"latent": {"dtype": "F32", "shape": [1, 20],
                                                    "data_offsets": [0, 8]}}) + bytes(8),
             r"data_offsets"),
        ]:
            open(bad, "wb").write(blob)
            print(f"-- {name}")
            expect_failure(opts, {1}, pattern, "vae", "decode", "-m", vae_mnist, "-i", bad, "-o", out)
        expect_failure(opts, {1}, r"aigc: error: .*no-such\.safetensors", "vae", "decode", "-m",
                       vae_mnist, "-i", os.path.join(d, "no-such.safetensors"), "-o", out)
        photo = os.path.join(opts.models, "images", "photo.png")
        expect_failure(opts, {1}, r"encodes 28x28 images", "vae", "encode", "-m", vae_mnist, "-i",
                       photo, "-o", lat)
        expect_failure(opts, {2}, r"unknown subcommand 'frob'", "vae", "frob")
        expect_failure(opts, {2}, r"missing subcommand", "vae")


def json_header(obj):
    import json
    text = json.dumps(obj).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aigc", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--user-models", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--converted", default=os.environ.get("AIGC_CONVERTED_MODELS"))
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
