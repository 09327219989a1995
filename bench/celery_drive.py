"""Start a prefork worker, push tasks through it and print the time taken as JSON.

Runs in one client's virtualenv: ``python celery_drive.py COUNT``. The clock
runs from the first publish to the last result, so tracking costs on both the
publishing and the worker side count.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from celery_app import noop

CONCURRENCY = 2
# Tasks run before the clock starts, so pool start-up and first connections
# are not counted.
WARMUP_TASKS = 2 * CONCURRENCY
RESULT_TIMEOUT = 300
STOP_TIMEOUT = 30


def main() -> int:
    count = int(sys.argv[1])
    worker = _start_worker()
    try:
        _push(WARMUP_TASKS)
        started = time.perf_counter()
        _push(count)
        seconds = time.perf_counter() - started
    finally:
        _stop(worker)
    print(json.dumps({"seconds": seconds, "count": count}))
    return 0


def _start_worker() -> subprocess.Popen[bytes]:
    argv = [
        sys.executable,
        "-m",
        "celery",
        "--app=celery_app",
        "worker",
        "--pool=prefork",
        f"--concurrency={CONCURRENCY}",
        "--loglevel=WARNING",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    # The worker's output goes to stderr: stdout carries only the result.
    return subprocess.Popen(argv, cwd=Path(__file__).parent, stdout=sys.stderr)


def _push(count: int) -> None:
    results = [noop.delay(number) for number in range(count)]
    for result in results:
        result.get(timeout=RESULT_TIMEOUT)


def _stop(worker: subprocess.Popen[bytes]) -> None:
    # SIGTERM is Celery's warm shutdown: children finish and tracking flushes.
    worker.terminate()
    try:
        worker.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


if __name__ == "__main__":
    sys.exit(main())
