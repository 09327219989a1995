"""Session: one connection for every request in the block."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

import taskbadger
from taskbadger import Session, Task
from taskbadger.testing import APIServer


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every TCP connection opened from now on (httpcore opens them this way)."""
    opened: list[Any] = []
    original: Callable[..., socket.socket] = socket.create_connection

    def counting(*args: Any, **kwargs: Any) -> socket.socket:
        opened.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", counting)
    return opened


def test_session_reuses_one_connection(
    taskbadger_server: APIServer, connections: list[Any]
) -> None:
    with Session():
        task = Task.create("my task")
        task.update(status="success")
        Task.get(task.id)

    assert len(connections) == 1
    assert len(taskbadger_server.requests) == 3


def test_nested_sessions_share_the_outer_connection(
    taskbadger_server: APIServer, connections: list[Any]
) -> None:
    with Session():
        task = Task.create("outer")
        with Session():
            task.update(value=1)
            with Session():
                task.update(value=2)
        task.success()

    assert len(connections) == 1


def test_each_session_opens_its_own_connection(
    taskbadger_server: APIServer, connections: list[Any]
) -> None:
    for _ in range(2):
        with Session():
            Task.create("task")

    assert len(connections) == 2


def test_session_closes_its_connection_at_exit(taskbadger_server: APIServer) -> None:
    from taskbadger import _http

    with Session() as session:
        Task.create("task")
        client = _http._session_in_this_process()

    assert client is not None and client.is_closed
    assert session is not None and _http._session_in_this_process() is None


def test_session_exit_keeps_the_block_exception(taskbadger_server: APIServer) -> None:
    with pytest.raises(KeyError), Session():
        raise KeyError("from the block")


def test_requests_outside_sessions_still_work(taskbadger_server: APIServer) -> None:
    with Session():
        Task.create("inside")

    taskbadger.create_task("outside")

    assert len(taskbadger_server.tasks) == 2
