"""Send progress updates to one task with either client; print what it took as JSON.

It runs inside the client's own virtualenv, so the two clients never share a
process: ``python sdk_loop.py ours|official sync|background COUNT``. The API
settings come from ``TASKBADGER_HOST`` and ``TASKBADGER_API_KEY``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import taskbadger


def main() -> int:
    parser = argparse.ArgumentParser(prog="sdk_loop.py")
    parser.add_argument("client", choices=["ours", "official"])
    parser.add_argument("mode", choices=["sync", "background"])
    parser.add_argument("count", type=int)
    args = parser.parse_args()

    host = os.environ["TASKBADGER_HOST"]
    key = os.environ["TASKBADGER_API_KEY"]
    if args.mode == "background" and not hasattr(taskbadger, "flush"):
        _report({"pending": "taskbadger.flush() is not available yet"})
        return 0
    if args.client == "official":
        _init_official(host, key)
    else:
        taskbadger.init(token=key, host=host, background=args.mode == "background")

    task = taskbadger.Task.create("bench-sdk", status=taskbadger.StatusEnum.PROCESSING)
    loop = _sync_loop if args.mode == "sync" else _background_loop
    started = time.perf_counter()
    loop(task, args.count)
    seconds = time.perf_counter() - started
    _report({"seconds": seconds, "task_id": task.id})
    return 0


def _sync_loop(task: Any, count: int) -> None:
    for value in range(count):
        task.update_value(value=value, rate_limit=1)


def _background_loop(task: Any, count: int) -> None:
    for value in range(count):
        task.update(value=value)
    flush: Callable[[], object] = taskbadger.flush  # type: ignore[attr-defined]
    flush()


def _init_official(host: str, key: str) -> None:
    # The official init() always aims at the hosted service and ignores
    # TASKBADGER_HOST; its internal _init() is the only way to give it a host.
    from taskbadger.mug import Badger  # type: ignore[import-not-found]
    from taskbadger.sdk import _init  # type: ignore[attr-defined]

    _init(host, None, None, key)
    if Badger.current.settings.base_url != host:
        sys.exit(f"sdk_loop.py: the official client is not aimed at {host}")


def _report(result: dict[str, Any]) -> None:
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
