"""Worker processes never outlive the process that started them, whatever pool runs them (the analyze engine, the
hashing pool of ``tipwatch hash``).

Each worker asks the kernel to send it SIGKILL when its parent dies (Linux PR_SET_PDEATHSIG, which also covers a
SIGKILLed parent), and a watchdog thread exits the worker when its parent process id changes (other systems, and the
window before prctl). Kept apart from engines/ so that core stages with a pool of their own can use it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing as mp
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

PR_SET_PDEATHSIG = 1  # linux/prctl.h
WATCHDOG_SECONDS = 1.0


def _die_with_parent(parent: int) -> None:
    """Make this (worker) process end when the process that started it ends.

    ``parent`` is the pool owner's pid: with the fork start method it is our parent; with forkserver or spawn our
    parent is a helper process, so the watchdog follows whichever parent we have at start-up."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the watchdog below does the job
    first = os.getppid()
    if first == 1 or (first != parent and mp.get_start_method(allow_none=True) == "fork"):
        os._exit(1)  # the parent died before prctl took effect (we were handed to init)

    def watch() -> None:
        while True:
            time.sleep(WATCHDOG_SECONDS)
            if os.getppid() != first:
                os._exit(1)  # no cleanup to do: the parent owns the store and the run row

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def start_worker(parent: int, initializer: Callable[..., Any] | None = None, initargs: tuple[Any, ...] = ()) -> None:
    """ProcessPoolExecutor initializer for any tipwatch pool: the worker ends with its parent, ignores Ctrl-C (the
    parent handles it), then runs ``initializer``."""
    _die_with_parent(parent)
    # Ctrl-C reaches the whole process group: the parent handles it and stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if initializer is not None:
        initializer(*initargs)
