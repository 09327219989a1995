"""list_tasks pages and iter_tasks walking all of them."""

from __future__ import annotations

import taskbadger
from taskbadger import Task
from taskbadger.testing import APIServer


def test_list_tasks_returns_a_page_of_task_objects(
    taskbadger_server: APIServer,
) -> None:
    for number in range(3):
        Task.create(f"task {number}")

    page = taskbadger.list_tasks(page_size=2)

    assert len(page) == 2
    assert all(isinstance(task, Task) for task in page)
    assert page.next_ is not None and page.previous is None


def test_next_cursor_fetches_the_following_page(taskbadger_server: APIServer) -> None:
    created = {Task.create(f"task {number}").id for number in range(3)}

    first = taskbadger.list_tasks(page_size=2)
    second = taskbadger.list_tasks(page_size=2, cursor=first.next_cursor)

    assert {task.id for task in [*first, *second]} == created
    assert second.next_ is None and second.previous is not None


def test_next_page_keeps_the_page_size(taskbadger_server: APIServer) -> None:
    for number in range(5):
        Task.create(f"task {number}")

    second = taskbadger.list_tasks(page_size=2).next_page()

    assert second is not None and len(second) == 2
    assert taskbadger_server.requests[-1].query["page_size"] == "2"


def test_list_tasks_filters_children_of_a_parent(
    taskbadger_server: APIServer,
) -> None:
    parent = Task.create("parent")
    child = Task.create("child", parent=parent.id)
    Task.create("unrelated")

    page = taskbadger.list_tasks(parent=parent.id)

    assert [task.id for task in page] == [child.id]


def test_iter_tasks_walks_every_page_lazily(taskbadger_server: APIServer) -> None:
    created = [Task.create(f"task {number}").id for number in range(5)]
    before = taskbadger_server.request_count

    tasks = taskbadger.iter_tasks(page_size=2)
    first = next(tasks)
    fetched_for_first = taskbadger_server.request_count - before
    rest = list(tasks)

    assert fetched_for_first == 1
    assert sorted([first.id, *(task.id for task in rest)]) == sorted(created)
    assert taskbadger_server.request_count - before == 3


def test_empty_listing_has_no_pages(taskbadger_server: APIServer) -> None:
    page = taskbadger.list_tasks()

    assert list(page) == [] and page.next_cursor is None and page.next_page() is None
