"""Run a command and report wall time and the peak memory of its whole process tree (workers included)."""

from __future__ import annotations

import contextlib
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass
class Measured:
    seconds: float
    peak_rss_mb: float
    returncode: int


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def run(cmd: list[str], *, stdin: Path | None = None, stdout: Path | None = None, interval: float = 0.1) -> Measured:
    fin = stdin.open("rb") if stdin else subprocess.DEVNULL
    fout = stdout.open("wb") if stdout else subprocess.DEVNULL
    start = time.perf_counter()
    popen = subprocess.Popen(cmd, stdin=fin, stdout=fout)
    proc = psutil.Process(popen.pid)
    peak = 0
    while popen.poll() is None:
        with contextlib.suppress(psutil.Error):
            peak = max(peak, tree_rss(proc))
        time.sleep(interval)
    seconds = time.perf_counter() - start
    return Measured(seconds, peak / 2**20, popen.returncode)


def machine() -> str:
    import os
    import platform

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = psutil.virtual_memory().total / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (for a benchmark's server)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop_server(server: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """Stop a ``tipwatch serve`` as Ctrl-C does (its workers shut down cleanly), killing it if it hangs."""
    import signal

    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        server.kill()
