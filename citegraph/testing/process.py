"""The local E-utilities server in a child process, for tests and benchmarks that measure.

In-process, the server's handler threads share the interpreter lock with the client being
measured, so request arrival times jitter with the client's own work. A child process keeps
the server's clock honest (and gives it the other core).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Sequence

__all__ = ["ServerProcess"]


class ServerProcess:
    """``python -m citegraph.testing.eutils_server ARGS`` until :meth:`close` (a context manager)."""

    def __init__(self, args: Sequence[str], *, startup_timeout: float = 120.0) -> None:
        command = [sys.executable, "-m", "citegraph.testing.eutils_server", "--port", "0", "--quiet", *args]
        self.process = subprocess.Popen(command, cwd=Path(__file__).resolve().parents[2], stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline()
        match = re.match(r"listening on (http://127\.0\.0\.1:\d+)", line)
        if not match:
            self.close()
            raise RuntimeError(f"the E-utilities server did not start: {line!r}")
        self.base = match.group(1)
        self.url = self.base + "/entrez/eutils/"

    def stats(self) -> dict:
        """``GET /_stats``: :meth:`citegraph.testing.EutilsServer.stats` of the child's server."""
        with urllib.request.urlopen(self.base + "/_stats", timeout=30) as response:
            return json.load(response)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()

    def __enter__(self) -> "ServerProcess":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
