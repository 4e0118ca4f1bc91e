"""Processes the suite starts (`leadgate worker`, `leadgate dev`, redis-server).

Each runs in its own process group, and every way the suite can end stops it:
the test's own `stop` (the whole group: a forking worker's work horse too), the
session fixture in conftest.py (stop_all), atexit for an interrupted run, and
for a runner killed outright (SIGKILL, a CI timeout) the kernel: the child asks
for SIGKILL when the process that started it dies (PR_SET_PDEATHSIG, Linux).
A `leadgate worker --queue default` was once found half an hour after CI ended.
"""

import atexit
import contextlib
import ctypes
import os
import signal
import subprocess
import sys

PR_SET_PDEATHSIG = 1
_started: list[subprocess.Popen] = []


def _die_with_parent(parent: int) -> None:
    """In the child, before exec: SIGKILL when the parent goes, even by SIGKILL."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def start(args: list, **options) -> subprocess.Popen:
    """Popen in a new process group that cannot outlive this process."""
    parent = os.getpid()
    process = subprocess.Popen(
        args,
        start_new_session=True,
        preexec_fn=lambda: _die_with_parent(parent),
        **options,
    )
    _started.append(process)
    return process


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM to the process group, then SIGKILL to whatever is left of it."""
    _signal_group(process, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout)
    _signal_group(process, signal.SIGKILL)  # e.g. a work horse, or a stuck worker
    process.wait()
    if process in _started:
        _started.remove(process)


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # it is gone
        os.killpg(process.pid, sig)


def stop_all() -> None:
    """Stop every process the suite started and did not stop itself."""
    for process in list(_started):
        stop(process, timeout=5)


atexit.register(stop_all)
