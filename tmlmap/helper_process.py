"""A helper process that runs one module's ``--worker`` loop: one request line in, one answer line out.

The build uses two of them, each on the second of the machine's cores: the
tokenizer helper (:class:`tmlmap.text.normalize.TokenizerHelper`) and the
Louvain helper (``_SeedPool`` in :mod:`tmlmap.network.communities`). A helper
is a plain subprocess, ``python -m MODULE --worker``: :mod:`multiprocessing`
would re-import the caller's ``__main__`` (a Streamlit script, a user's
notebook). Requests and answers are paths of files in the helper's private
temporary folder (:attr:`HelperProcess.folder`), so large arrays never go
through a pipe. The caller decides what to do when a helper fails; both
callers then do the work themselves, so a failure costs time, never a result.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from typing import TextIO


class HelperProcess:
    """``python -m module --worker``, started by :meth:`start` (idempotent) and ended by :meth:`close`."""

    def __init__(self, module: str, prefix: str) -> None:
        self.module = module
        self.prefix = prefix
        self._proc: subprocess.Popen[str] | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self._stderr: TextIO | None = None

    @property
    def running(self) -> bool:
        return self._proc is not None

    @property
    def folder(self) -> str:
        """The helper's private temporary folder (for request and answer files)."""
        self.start()
        assert self._dir is not None
        return self._dir.name

    def start(self) -> None:
        """Start the process if it is not running (raises OSError if it cannot be started)."""
        if self._proc is not None:
            return
        if self._dir is None:
            self._dir = tempfile.TemporaryDirectory(prefix=self.prefix)
            self._stderr = open(os.path.join(self._dir.name, "stderr.txt"), "w+", encoding="utf-8")  # noqa: SIM115
        self._proc = subprocess.Popen(
            [sys.executable, "-m", self.module, "--worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )

    def request(self, line: str) -> None:
        """Send one request line (raises OSError if the helper is gone)."""
        self.start()
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(line + "\n")
        self._proc.stdin.flush()

    def answer(self) -> str:
        """The next answer line (raises OSError if the helper ended without one)."""
        if self._proc is None or self._proc.stdout is None:
            raise OSError("the helper is not running")
        line = self._proc.stdout.readline().strip()
        if not line:
            raise OSError(f"exit code {self._proc.poll()}")
        return line

    def kill(self) -> str:
        """Stop the helper at once; returns the tail of what it wrote to stderr (for a warning)."""
        detail = ""
        if self._stderr is not None:
            self._stderr.seek(0)
            detail = self._stderr.read()[-500:]
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc = None
        return detail

    def close(self) -> None:
        """End the helper (it exits when its stdin closes) and remove its folder."""
        if self._proc is not None:
            try:
                if self._proc.stdin:
                    self._proc.stdin.close()
                self._proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self._proc.kill()
                self._proc.wait()
            self._proc = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None


def serve(handle: Callable[[str], str]) -> None:  # pragma: no cover - runs in the helper process
    """The ``--worker`` loop: ``handle(request)`` for each request line on stdin, its answer on stdout.

    When stdin closes (:meth:`HelperProcess.close`) the process ends at once
    with :func:`os._exit`: its answers are written and flushed, and tearing
    down the interpreter (spaCy's vocabulary, numpy arrays) would only make
    the caller wait, ~0.7 s for the tokenizer helper.
    """
    for line in sys.stdin:
        request = line.strip()
        if request:
            sys.stdout.write(handle(request) + "\n")
            sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
