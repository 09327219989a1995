"""The Celery app the integration tests run in a real worker.

The worker is started as ``celery -A tests.celery.worker_app worker``; the
fixtures point it at a local Redis through ``TASKBADGER_TEST_REDIS_URL`` and at
the local API server through the usual ``TASKBADGER_*`` variables. The test
process imports the same module to publish the tasks.
"""

from __future__ import annotations

import os
from typing import Any

import redis
from celery import Celery, signals

import taskbadger
from taskbadger.celery import Task
from taskbadger.systems.celery import CelerySystemIntegration

REDIS_URL_ENV = "TASKBADGER_TEST_REDIS_URL"

# Long enough for a slow, shared machine; short enough that a lost release
# fails the test instead of hanging the worker at shutdown.
RELEASE_TIMEOUT = 30

app = Celery("taskbadger_tests")
app.conf.update(
    broker_url=os.environ.get(REDIS_URL_ENV, "memory://"),
    result_backend=os.environ.get(REDIS_URL_ENV, "cache+memory://"),
    broker_connection_retry_on_startup=True,
    task_acks_late=False,
    worker_prefetch_multiplier=1,
    worker_hijack_root_logger=False,
)


def tracking() -> CelerySystemIntegration:
    """The integration as both the worker and the publishing tests use it."""
    return CelerySystemIntegration(includes=[r"^demo\."], excludes=[r"^demo\.noisy\."])


@signals.worker_init.connect
def _configure_taskbadger(**_: Any) -> None:
    # Configured before the pool forks, so every worker process inherits it.
    taskbadger.init(systems=[tracking()], background=True)


@app.task(name="demo.add")
def add(x: int, y: int) -> int:
    return x + y


@app.task(name="demo.fail")
def fail(message: str) -> None:
    raise ValueError(message)


@app.task(name="demo.flaky", bind=True, max_retries=5)
def flaky(self: Any, failures: int) -> int:
    attempt = self.request.retries
    if attempt < failures:
        raise self.retry(exc=ConnectionError(f"attempt {attempt} failed"), countdown=0)
    return int(attempt)


@app.task(
    name="demo.progress",
    bind=True,
    base=Task,
    taskbadger_value_max=4,
    taskbadger_tags={"kind": "import"},
)
def progress(self: Task, steps: int) -> str | None:
    tracked = self.taskbadger_task
    if tracked is None:
        return None
    for step in range(1, steps + 1):
        tracked.update(value=step)
    return tracked.id


@app.task(name="demo.noisy.tick")
def noisy_tick() -> str:
    return "tick"


@app.task(name="other.cleanup")
def cleanup() -> str:
    return "clean"


@app.task(name="demo.spawn")
def spawn() -> str:
    return str(add.delay(1, 1).id)


@app.task(name="demo.wait_for_release")
def wait_for_release(key: str) -> bool:
    client = redis.Redis.from_url(app.conf.broker_url)
    try:
        return client.blpop([key], timeout=RELEASE_TIMEOUT) is not None
    finally:
        client.close()
