# SPDX-License-Identifier: Apache-2.0
"""A child process driven over pipes: write a line, read its output with a
deadline.  A reader thread collects stdout (and stderr into a tail kept for
error messages), so a silent or dead child never blocks the benchmark."""

import collections
import os
import queue
import re
import signal
import subprocess
import threading
import time


class ChildError(RuntimeError):
    pass


class Child:
    def __init__(self, argv, name, env=None, cwd=None):
        self.name = name
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, bufsize=0, env=env, cwd=cwd,
                                     start_new_session=True)
        self.pid = self.proc.pid
        self._out = queue.Queue()
        self._partial = ""        # output not yet ending in a newline (prompts)
        self.stderr_tail = collections.deque(maxlen=40)
        threading.Thread(target=self._pump_out, daemon=True).start()
        threading.Thread(target=self._pump_err, daemon=True).start()

    def _pump_out(self):
        while True:
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                self._out.put(None)
                return
            self._out.put(chunk.decode("utf-8", "replace"))

    def _pump_err(self):
        for line in self.proc.stderr:
            self.stderr_tail.append(line.decode("utf-8", "replace").rstrip("\n"))

    def alive(self):
        return self.proc.poll() is None

    def send(self, line):
        try:
            self.proc.stdin.write((line + "\n").encode())
        except (BrokenPipeError, OSError) as e:
            raise self.error(f"cannot write to it ({e})") from None

    def read_until(self, pattern, timeout):
        """Output up to and including the first match of `pattern` (a regex);
        ChildError when the child exits or time runs out first."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self._partial)
            if m:
                out, self._partial = self._partial[:m.end()], self._partial[m.end():]
                return out
            left = deadline - time.monotonic()
            if left <= 0:
                raise self.error(f"no {pattern!r} within {timeout:.0f} s")
            try:
                chunk = self._out.get(timeout=left)
            except queue.Empty:
                continue
            if chunk is None:
                self._out.put(None)
                time.sleep(0.05)  # let stderr arrive for the message
                raise self.error(f"exited (rc {self.proc.poll()}) before {pattern!r}")
            self._partial += chunk

    def read_line(self, timeout):
        return self.read_until(r"[^\n]*\n", timeout).strip()

    def error(self, what):
        tail = " | ".join(list(self.stderr_tail)[-6:])
        return ChildError(f"{self.name}: {what}" + (f"; stderr: {tail}" if tail else ""))

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        """Ends the child (and its process group, which it leads)."""
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=timeout / 2)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.pid, sig)
                    self.proc.wait(timeout=timeout / 2)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    try:
                        os.killpg(self.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    self.proc.wait()
        return self.proc.returncode

    def cpu_seconds(self):
        """user + system CPU seconds of the child so far (from /proc), or None."""
        try:
            with open(f"/proc/{self.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return None
