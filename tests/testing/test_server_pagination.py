"""Listing tasks: newest first, cursor pages with next/previous, the parent filter."""

from __future__ import annotations

from typing import Any

import httpx
from server_helpers import TASKS_PATH, errors

from taskbadger.testing import APIServer


def names(page: dict[str, Any]) -> list[str]:
    return [task["name"] for task in page["results"]]


def test_list_is_newest_first(client: httpx.Client, create: Any) -> None:
    for name in ("a", "b", "c"):
        create(name=name)

    page = client.get(TASKS_PATH).json()

    assert page == {"next": None, "previous": None, "results": page["results"]}
    assert names(page) == ["c", "b", "a"]


def test_empty_list(client: httpx.Client) -> None:
    response = client.get(TASKS_PATH)

    assert response.json() == {"next": None, "previous": None, "results": []}


def test_list_results_are_full_tasks(client: httpx.Client, create: Any) -> None:
    task = create()

    assert client.get(TASKS_PATH).json()["results"] == [task]


def test_pages_follow_next_links(client: httpx.Client, create: Any) -> None:
    for name in "abcde":
        create(name=name)

    first = client.get(TASKS_PATH, params={"page_size": 2}).json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()

    assert [names(first), names(second), names(third)] == [
        ["e", "d"],
        ["c", "b"],
        ["a"],
    ]
    assert (first["previous"], third["next"]) == (None, None)


def test_previous_link_returns_to_the_earlier_page(
    client: httpx.Client, create: Any
) -> None:
    for name in "abcde":
        create(name=name)
    first = client.get(TASKS_PATH, params={"page_size": 2}).json()
    third = client.get(client.get(first["next"]).json()["next"]).json()

    second = client.get(third["previous"]).json()
    back_to_first = client.get(second["previous"]).json()

    assert (names(second), names(back_to_first)) == (["c", "b"], ["e", "d"])
    assert back_to_first["previous"] is None


def test_links_are_absolute_and_keep_page_size(
    client: httpx.Client, create: Any, server: APIServer
) -> None:
    create(), create()

    page = client.get(TASKS_PATH, params={"page_size": 1}).json()

    next_url = httpx.URL(page["next"])
    assert str(next_url.copy_with(query=None)) == f"{server.url}{TASKS_PATH}"
    assert next_url.params["page_size"] == "1"
    assert next_url.params["cursor"]


def test_default_page_size_is_100(client: httpx.Client, create: Any) -> None:
    for _ in range(101):
        create()

    page = client.get(TASKS_PATH).json()

    assert len(page["results"]) == 100
    assert page["next"] is not None


def test_page_size_is_capped_at_1000(client: httpx.Client) -> None:
    response = client.get(TASKS_PATH, params={"page_size": 5000})

    assert response.status_code == 200


def test_invalid_cursor_is_404(client: httpx.Client) -> None:
    response = client.get(TASKS_PATH, params={"cursor": "not-a-cursor"})

    assert response.status_code == 404
    assert response.json()["errors"][0]["detail"] == "Invalid cursor"
    assert errors(response) == [("not_found", None)]


def test_parent_filter_lists_children(client: httpx.Client, create: Any) -> None:
    parent = create(name="parent")
    create(name="one", parent=parent["id"])
    create(name="unrelated")
    create(name="two", parent=parent["id"])

    page = client.get(TASKS_PATH, params={"parent": parent["id"]}).json()

    assert names(page) == ["two", "one"]


def test_parent_filter_is_kept_across_pages(client: httpx.Client, create: Any) -> None:
    parent = create(name="parent")
    for name in ("one", "two", "three"):
        create(name=name, parent=parent["id"])
        create(name="unrelated")

    params = {"parent": parent["id"], "page_size": 2}
    first = client.get(TASKS_PATH, params=params).json()
    second = client.get(first["next"]).json()

    assert httpx.URL(first["next"]).params["parent"] == parent["id"]
    assert (names(first), names(second)) == (["three", "two"], ["one"])
