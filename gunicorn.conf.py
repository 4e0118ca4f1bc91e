"""gunicorn reads this file from the working directory (Procfile: web, events).

With PROMETHEUS_MULTIPROC_DIR set (README, Operations), every web and worker
process writes its metrics to files there. A gunicorn worker that exits takes
its live gauges (open SSE streams) with it; its counters stay in the sum.
"""

import os


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
