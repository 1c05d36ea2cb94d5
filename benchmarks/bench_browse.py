"""How quickly ``citegraph browse`` opens and answers keys, in a real terminal (tmux).

Starts the browser in a detached tmux session of the given size, then measures from the
outside, as a user sees it: the time until the first full screen (the status line reads
"papers citing"), and for each key the time from ``tmux send-keys`` until the screen content
changes and stays unchanged for a moment. Both include tmux's own latency and the polling
interval (5 ms), so they are upper bounds. Saves each screen (``tmux capture-pane``) to
``--screens DIR`` when given. Not part of the test suite.

    python benchmarks/make_synthetic_store.py /tmp/cg50k --papers 50000
    python benchmarks/bench_browse.py --cache-dir /tmp/cg50k --pmid 90000001 --size 80x24
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
KEYS = ["Down", "Down", "Down", "s", "s", "s", "S", "r", "r", "Enter", "BSpace", "/", "c", "a", "r", "Enter",
        "Escape", "p", "Escape", "t", "Escape", "?", "Escape", "PPage", "NPage", "End", "Home"]


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process so far (0 when it is gone)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def browser_pid(session: str) -> int | None:
    shell = tmux("list-panes", "-t", session, "-F", "#{pane_pid}").split()[0]
    found = subprocess.run(["pgrep", "-P", shell], capture_output=True, text=True).stdout.split()
    return int(found[0]) if found else None


def tmux(*args: str) -> str:
    # a server of our own (-L), with no wait after Escape (tmux waits 500 ms by default to see
    # whether an escape sequence follows, which would be measured as the browser's delay)
    return subprocess.run(["tmux", "-L", "cgbench", *args], capture_output=True, text=True, check=True).stdout


def screen(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session)


def wait_change(session: str, before: str, settle: float = 0.3, timeout: float = 10.0) -> tuple[float, str]:
    """Seconds until the screen differs from ``before`` (then waits for it to settle)."""
    start = time.perf_counter()
    changed_at = None
    current = before
    while time.perf_counter() - start < timeout:
        now = screen(session)
        if now != current:
            if changed_at is None:
                changed_at = time.perf_counter() - start
            current = now
            last_change = time.perf_counter()
        elif changed_at is not None and time.perf_counter() - last_change >= settle:
            return changed_at, current
        time.sleep(0.005)
    return (changed_at if changed_at is not None else float("nan")), current


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache-dir", required=True)
    parser.add_argument("--pmid", default="")
    parser.add_argument("--size", default="80x24")
    parser.add_argument("--screens", type=Path)
    parser.add_argument("--keys", default=",".join(KEYS), help="comma-separated tmux key names")
    args = parser.parse_args(argv)
    width, height = args.size.split("x")
    session = f"cgbench{width}x{height}"
    subprocess.run(["tmux", "-L", "cgbench", "kill-session", "-t", session], capture_output=True)
    tmux("new-session", "-d", "-s", session, "-x", width, "-y", height)
    tmux("set-option", "-s", "escape-time", "0")
    tmux("send-keys", "-t", session, "clear", "Enter")
    time.sleep(0.3)
    command = (f"cd {shlex.quote(str(REPO))} && {shlex.quote(sys.executable)} cli.py "
               f"--cache-dir {shlex.quote(args.cache_dir)} browse {args.pmid}")
    before = screen(session)
    start = time.perf_counter()
    tmux("send-keys", "-t", session, command, "Enter")
    while "papers citing" not in screen(session) and time.perf_counter() - start < 30:
        time.sleep(0.005)
    opened = time.perf_counter() - start
    pid = browser_pid(session)
    opened_cpu = cpu_seconds(pid)
    time.sleep(0.5)
    current = screen(session)
    if args.screens:
        args.screens.mkdir(parents=True, exist_ok=True)
        (args.screens / f"{args.size}-00-open.txt").write_text(current)
    print(f"{args.size}: open {opened * 1000:.0f} ms (command sent -> first full screen; "
          f"{opened_cpu * 1000:.0f} ms CPU in the browser process), load average {os.getloadavg()[0]:.1f}")
    times = []
    cpus = []
    for index, key in enumerate(k for k in args.keys.split(",") if k):
        before = current
        cpu = cpu_seconds(pid)
        tmux("send-keys", "-t", session, key)
        took, current = wait_change(session, before)
        cpu = cpu_seconds(pid) - cpu
        times.append(took)
        cpus.append(cpu)
        print(f"  {key:<8} {took * 1000:7.0f} ms  ({cpu * 1000:4.0f} ms CPU)")
        if args.screens:
            name = "".join(c if c.isalnum() else "_" for c in key)
            (args.screens / f"{args.size}-{index + 1:02d}-{name}.txt").write_text(current)
    valid = [t for t in times if t == t]
    if valid:
        print(f"keys: median {statistics.median(valid) * 1000:.0f} ms, max {max(valid) * 1000:.0f} ms "
              f"over {len(valid)} keys ({len(times) - len(valid)} without a visible change); "
              f"CPU per key: median {statistics.median(cpus) * 1000:.0f} ms, max {max(cpus) * 1000:.0f} ms")
    tmux("send-keys", "-t", session, "q")
    time.sleep(0.5)
    subprocess.run(["tmux", "-L", "cgbench", "kill-session", "-t", session], capture_output=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
