"""The GIL is released while computing: generations in several threads run at once."""

import threading
import time

import aigc
from conftest import STORIES_GREEDY_60


def test_two_threads_generate_concurrently(stories):
    results = {}
    ticks = []
    stop_ticking = threading.Event()

    def worker(name):
        # 400 tokens with ignore_eos: long enough that both runs overlap.
        results[name] = stories.generate("", max_tokens=400, temperature=0, ignore_eos=True,
                                         n_ctx=512, n_threads=1)

    def ticker():  # pure Python: it can only run while the workers do not hold the GIL
        while not stop_ticking.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    serial_start = time.perf_counter()
    expected = stories.generate("", max_tokens=400, temperature=0, ignore_eos=True, n_ctx=512,
                                n_threads=1)
    serial = time.perf_counter() - serial_start

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
    tick = threading.Thread(target=ticker)
    tick.start()
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    both = time.perf_counter() - start
    stop_ticking.set()
    tick.join()

    assert results["a"] == results["b"] == expected
    assert expected.startswith(STORIES_GREEDY_60)
    # The ticker ran while the workers computed (the GIL was free).
    assert sum(1 for t in ticks if start <= t <= start + both) >= 3
    # Not a timing benchmark; only a sanity bound (two serial runs would take 2x).
    print(f"serial {serial:.3f}s, two threads {both:.3f}s")


def test_busy_context_is_an_error_not_a_race(stories):
    ctx = aigc.Context(stories, n_ctx=512)
    started = threading.Event()
    errors = []

    def slow(piece, token):
        started.set()
        time.sleep(0.002)

    def run():
        aigc.generate(ctx, "", max_tokens=200, ignore_eos=True, on_piece=slow)

    t = threading.Thread(target=run)
    t.start()
    started.wait(5)
    try:
        ctx.decode([1])
    except aigc.InvalidArgument as e:
        errors.append(str(e))
    ctx.cancel()
    t.join()
    assert errors and "in use" in errors[0]
