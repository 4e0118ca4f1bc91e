"""The suite leaves no process behind: what a test starts dies with its starter.

A stand-in for pytest starts a long `sleep` with tests/processes.py and then ends
the way a test run can end: normally (atexit), by SIGTERM (a CI timeout) or by
SIGKILL (nothing of Python runs: the kernel's parent-death signal does it).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# It waits for its stdin to close, so the child is surely running when checked.
STARTER = """
import sys
sys.path.insert(0, {root!r})
from tests import processes
child = processes.start(["sleep", "60"])
print(child.pid, flush=True)
sys.stdin.read()
"""


def running(pid: int) -> bool:
    """Alive and not a zombie waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not running(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")
@pytest.mark.parametrize("ending", ["exits", "sigterm", "sigkill"])
def test_a_started_process_never_outlives_the_run(ending):
    starter = subprocess.Popen(
        [sys.executable, "-c", STARTER.format(root=str(ROOT))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    child = 0
    try:
        child = int(starter.stdout.readline())
        assert running(child)
        if ending == "exits":
            starter.stdin.close()  # it ends normally: atexit stops the child
        elif ending == "sigterm":
            starter.send_signal(signal.SIGTERM)
        elif ending == "sigkill":
            starter.send_signal(signal.SIGKILL)
        starter.wait(10)
        assert gone_within(child, 5), f"{ending}: sleep {child} still runs"
    finally:
        starter.kill()
        starter.wait()
        for stream in (starter.stdin, starter.stdout):
            if not stream.closed:
                stream.close()
        if child and running(child):  # the test failed: clean up after it
            os.kill(child, signal.SIGKILL)
