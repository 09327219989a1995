"""current_scope(): data and tags for tasks created inside the block."""

from __future__ import annotations

import asyncio
import threading

import taskbadger
from taskbadger import Task
from taskbadger.testing import APIServer


def test_scope_data_and_tags_go_into_created_tasks(
    taskbadger_server: APIServer,
) -> None:
    with taskbadger.current_scope() as scope:
        scope["hostname"] = "web-1"
        scope.tag({"tenant": "acme"})
        task = Task.create("scoped")

    stored = taskbadger_server.task(task.id)
    assert (stored["data"], stored["tags"]) == (
        {"hostname": "web-1"},
        {"tenant": "acme"},
    )


def test_explicit_data_and_tags_win_over_the_scope(
    taskbadger_server: APIServer,
) -> None:
    with taskbadger.current_scope() as scope:
        scope.update({"user": "scope", "host": "web-1"})
        scope.tag({"tenant": "scope", "region": "eu"})
        task = Task.create("scoped", data={"user": "given"}, tags={"tenant": "given"})

    stored = taskbadger_server.task(task.id)
    assert stored["data"] == {"user": "given", "host": "web-1"}
    assert stored["tags"] == {"tenant": "given", "region": "eu"}


def test_nested_scopes_stack_and_unwind(taskbadger_server: APIServer) -> None:
    with taskbadger.current_scope() as outer:
        outer["level"] = "outer"
        outer["request"] = "r1"
        with taskbadger.current_scope() as inner:
            inner["level"] = "inner"
            inner_task = Task.create("inner")
        outer_task = Task.create("outer")
    unscoped = Task.create("none")

    assert inner_task.data == {"level": "inner", "request": "r1"}
    assert outer_task.data == {"level": "outer", "request": "r1"}
    assert taskbadger_server.task(unscoped.id)["data"] == {}


def test_scope_does_not_leak_after_an_exception(taskbadger_server: APIServer) -> None:
    try:
        with taskbadger.current_scope() as scope:
            scope["leak"] = True
            raise RuntimeError
    except RuntimeError:
        pass

    assert Task.create("after").data == {}


def test_scopes_are_isolated_per_thread(taskbadger_server: APIServer) -> None:
    barrier = threading.Barrier(4)
    created: dict[int, Task] = {}

    def work(number: int) -> None:
        with taskbadger.current_scope() as scope:
            scope["worker"] = number
            barrier.wait()
            created[number] = Task.create(f"worker {number}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert {n: task.data for n, task in created.items()} == {
        n: {"worker": n} for n in range(4)
    }


def test_scopes_are_isolated_per_asyncio_task(taskbadger_server: APIServer) -> None:
    async def work(number: int, both_in_scope: asyncio.Barrier) -> Task:
        with taskbadger.current_scope() as scope:
            scope.tag({"worker": f"w{number}"})
            await both_in_scope.wait()
            return Task.create(f"worker {number}")

    async def main() -> list[Task]:
        barrier = asyncio.Barrier(2)
        return list(await asyncio.gather(work(1, barrier), work(2, barrier)))

    first, second = asyncio.run(main())

    assert (first.tags, second.tags) == ({"worker": "w1"}, {"worker": "w2"})
