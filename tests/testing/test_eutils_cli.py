"""``python -m citegraph.testing.eutils_server`` through its real entry point, in a subprocess."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]


def _start(*args: str) -> tuple[subprocess.Popen, str]:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen(
        [sys.executable, "-m", "citegraph.testing.eutils_server", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO,
    )
    line = proc.stdout.readline()
    m = re.fullmatch(r"listening on (http://127\.0\.0\.1:(\d+))\n", line)
    if not m:
        proc.kill()
        raise AssertionError(f"unexpected first line {line!r}; stderr: {proc.stderr.read()}")
    return proc, m.group(1)


def test_cli_serves_logs_and_stops_on_sigterm():
    proc, base = _start("--synthetic", "300", "--seed", "3", "--rate-limit", "50")
    try:
        secret = "cli-secret-key-123"
        r = requests.get(base + "/entrez/eutils/efetch.fcgi",
                         params={"db": "pubmed", "id": "90000001,90000002", "api_key": secret}, timeout=5)
        assert r.status_code == 200 and r.headers["X-RateLimit-Limit"] == "50"
        assert requests.get(base + "/_stats", timeout=5).json()["by_endpoint"]["efetch"] == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert out == ""  # only the "listening on" line goes to stdout
    request_lines = [line for line in err.splitlines() if " efetch " in line]
    assert len(request_lines) == 1 and "-> 200" in request_lines[0] and "ids=2" in request_lines[0]
    assert secret not in err
    assert "Warning" not in err


def test_cli_rejects_bad_options():
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for args in ([], ["--synthetic", "10", "--faults", "boom=1"], ["--synthetic", "10", "--fail-rate", "0.1", "--faults", "5xx=0.1"]):
        done = subprocess.run([sys.executable, "-m", "citegraph.testing.eutils_server", *args],
                              capture_output=True, text=True, env=env, cwd=REPO, timeout=30)
        assert done.returncode == 2 and "listening on" not in done.stdout


@pytest.mark.parametrize("spec", ["--fail-rate=0.5", "--faults=5xx=0.5"])
def test_cli_fault_options(spec):
    proc, base = _start("--synthetic", "50", spec, "--quiet")
    try:
        codes = []
        for k in range(30):
            try:
                codes.append(requests.get(base + "/entrez/eutils/efetch.fcgi",
                                          params={"db": "pubmed", "id": str(90000001 + k)}, timeout=5).status_code)
            except requests.RequestException:
                codes.append(-1)
        assert codes.count(200) < 30
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0 and " efetch " not in err
