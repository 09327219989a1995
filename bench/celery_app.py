"""The Celery app of the throughput benchmark: one trivial task, tracked or not.

The worker imports it (``celery -A celery_app worker``) and so does the driver
that publishes, both in the virtualenv of one client. Settings come from the
environment: ``BENCH_BROKER`` (a Redis URL), ``BENCH_QUEUE``, ``BENCH_TRACK``
(``ours``, ``official`` or empty for untracked) and the ``TASKBADGER_*`` pair.
"""

from __future__ import annotations

import os
import sys

from celery import Celery

app = Celery("celery_app", broker=os.environ["BENCH_BROKER"])
app.conf.update(
    result_backend=os.environ["BENCH_BROKER"],
    task_default_queue=os.environ["BENCH_QUEUE"],
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)


@app.task(name="bench.noop")
def noop(number: int) -> int:
    """As little work as a task can do, so any tracking cost shows in full."""
    return number


def _track(client: str) -> None:
    host = os.environ["TASKBADGER_HOST"]
    key = os.environ["TASKBADGER_API_KEY"]
    from taskbadger.systems.celery import CelerySystemIntegration

    if client == "ours":
        import taskbadger

        # What the README recommends for many short tasks: the worker creates
        # each task and sends its updates from a background thread.
        taskbadger.init(
            token=key,
            host=host,
            background=True,
            systems=[CelerySystemIntegration(create_on_publish=False)],
        )
        return

    # The official init() always aims at the hosted service and ignores
    # TASKBADGER_HOST; its internal _init() is the only way to give it a host.
    from taskbadger.mug import Badger  # type: ignore[import-not-found]
    from taskbadger.sdk import _init  # type: ignore[attr-defined]

    _init(host, None, None, key, systems=[CelerySystemIntegration()])
    if Badger.current.settings.base_url != host:
        sys.exit(f"celery_app.py: the official client is not aimed at {host}")


if os.environ.get("BENCH_TRACK"):
    _track(os.environ["BENCH_TRACK"])
