"""A running `aigc chat` driven through pipes, for tests/cli/cli_test.py: lines are written
to its stdin one at a time while stdout and stderr are read as they come, so a test can wait
for a reply to stream, send SIGINT, and go on talking to the same process."""
import os
import selectors
import subprocess
import time


class ChatSession:
    """A running `aigc chat` fed through a stdin pipe; stdout and stderr read as they come."""

    def __init__(self, cmd, fail):
        self.cmd, self.fail = cmd, fail
        print("$", " ".join(self.cmd))
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.out, self.err = b"", b""
        self.sel = selectors.DefaultSelector()
        for f in (self.proc.stdout, self.proc.stderr):
            os.set_blocking(f.fileno(), False)
            self.sel.register(f, selectors.EVENT_READ)

    def send(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def pump(self, timeout):
        """Reads what is there within `timeout` s; False once both pipes are closed."""
        if not self.sel.get_map():
            return False
        for key, _ in self.sel.select(timeout):
            chunk = os.read(key.fileobj.fileno(), 65536)
            if not chunk:
                self.sel.unregister(key.fileobj)
            elif key.fileobj is self.proc.stdout:
                self.out += chunk
            else:
                self.err += chunk
        return True

    def wait_for(self, what, stream, timeout=120):
        """Reads until `what` (a compiled pattern) matches the stream ("out" or "err")."""
        end = time.monotonic() + timeout
        while not what.search(getattr(self, stream).decode("utf-8", "replace")):
            if time.monotonic() > end or not self.pump(min(1.0, max(0.0, end - time.monotonic()))):
                self.kill()
                raise self.fail(f"no {what.pattern!r} on std{stream} within {timeout} s")

    def finish(self, timeout=120):
        """Waits for the exit; returns (exit code, stdout, stderr)."""
        end = time.monotonic() + timeout
        while self.pump(1.0):
            if time.monotonic() > end:
                self.kill()
                raise self.fail(f"did not exit within {timeout} s")
        rc = self.proc.wait(timeout=max(1.0, end - time.monotonic()))
        out, err = self.out.decode("utf-8", "replace"), self.err.decode("utf-8", "replace")
        print(f"exit {rc}\n--- stdout ---\n{out}\n--- stderr ---\n{err}")
        return rc, out, err

    def kill(self):
        self.proc.kill()
        self.proc.wait()
        print(f"killed\n--- stdout ---\n{self.out.decode('utf-8', 'replace')}\n"
              f"--- stderr ---\n{self.err.decode('utf-8', 'replace')}")
