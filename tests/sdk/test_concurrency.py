"""Many threads at once, and processes forked after requests were made."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import taskbadger
from taskbadger import Session, Task
from taskbadger.testing import APIServer


def test_many_threads_create_and_update_concurrently(
    taskbadger_server: APIServer,
) -> None:
    def work(number: int) -> str:
        task = Task.create(f"thread {number}", value=0)
        for value in range(1, 4):
            task.update(value=value)
        task.success()
        return task.id

    with ThreadPoolExecutor(max_workers=16) as pool:
        ids = list(pool.map(work, range(64)))

    assert len(set(ids)) == 64
    stored = [taskbadger_server.task(task_id) for task_id in ids]
    assert {(task["status"], task["value"]) for task in stored} == {("success", 3)}


def test_threads_updating_one_task_all_land(taskbadger_server: APIServer) -> None:
    task = Task.create("shared", value=0)
    start = threading.Barrier(8)

    def bump(number: int) -> None:
        start.wait()
        taskbadger.update_task(task.id, data={"last": number})

    threads = [threading.Thread(target=bump, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    patches = [r for r in taskbadger_server.requests if r.method == "PATCH"]
    assert [r.status for r in patches] == [200] * 8


def fork() -> int:
    # The server runs in a thread of this process; the child never touches it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return os.fork()


def wait_for_exit_code(pid: int) -> int:
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def run_in_child(work: object) -> int:
    """Runs ``work()`` in a forked child: exit code 0 on success, 1 on error."""
    pid = fork()
    if pid == 0:
        code = 1
        try:
            work()  # type: ignore[operator]
            code = 0
        finally:
            os._exit(code)
    return wait_for_exit_code(pid)


def test_forked_child_and_parent_both_create_tasks(
    taskbadger_server: APIServer,
) -> None:
    Task.create("before fork").success()

    code = run_in_child(lambda: Task.create("in child").success())
    Task.create("in parent").success()

    assert code == 0
    assert {t["name"]: t["status"] for t in taskbadger_server.tasks} == {
        "before fork": "success",
        "in child": "success",
        "in parent": "success",
    }


def test_forked_child_opens_its_own_connection(taskbadger_server: APIServer) -> None:
    from taskbadger import _http

    Task.create("warm the pool")
    parent_client = _http._clients.get()

    def child() -> None:
        assert _http._clients.get() is not parent_client
        Task.create("in child")

    assert run_in_child(child) == 0
    assert _http._clients.get() is parent_client


def test_child_forked_inside_a_session_does_not_reuse_it(
    taskbadger_server: APIServer,
) -> None:
    from taskbadger import _http

    with Session():
        Task.create("in session")
        session_client = _http._session_in_this_process()

        def child() -> None:
            assert _http._current_client() is not session_client
            Task.create("in child")

        code = run_in_child(child)
        Task.create("parent still in session")

    assert code == 0
    assert len(taskbadger_server.tasks) == 3


def test_fork_while_other_threads_send_requests(
    taskbadger_server: APIServer,
) -> None:
    stop = threading.Event()
    task = Task.create("busy")

    def keep_updating() -> None:
        value = 0
        while not stop.is_set():
            value += 1
            task.update(value=value)

    busy = [threading.Thread(target=keep_updating) for _ in range(3)]
    for thread in busy:
        thread.start()
    try:
        codes = [run_in_child(lambda: Task.create("child").success()) for _ in range(5)]
    finally:
        stop.set()
        for thread in busy:
            thread.join()

    assert codes == [0] * 5
    assert len([t for t in taskbadger_server.tasks if t["name"] == "child"]) == 5


FIRST_REQUESTS_FROM_MANY_THREADS = """
import threading
import taskbadger

taskbadger.init()
failures = []
start = threading.Barrier(16)


def create(number):
    start.wait()
    try:
        taskbadger.create_task(f"first-{number}")
    except Exception as exc:
        failures.append(repr(exc))


threads = [threading.Thread(target=create, args=(n,)) for n in range(16)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(failures)
"""


def test_first_requests_from_many_threads_at_once_all_succeed(
    taskbadger_server: APIServer,
) -> None:
    # httpx is loaded by the first request; threads racing to make it must wait
    # for that import rather than see a half-loaded module.
    result = subprocess.run(
        [sys.executable, "-c", FIRST_REQUESTS_FROM_MANY_THREADS],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert (result.returncode, result.stdout) == (0, "[]\n"), result.stderr
    assert len(taskbadger_server.tasks) == 16
