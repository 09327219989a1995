"""Helpers shared by the local API server's tests."""

from __future__ import annotations

import httpx

TOKEN = "local-secret-token"
TASKS_PATH = "/api/acme/backups/tasks/"


def task_path(task_id: str) -> str:
    return f"{TASKS_PATH}{task_id}/"


def errors(response: httpx.Response) -> list[tuple[str, str | None]]:
    """The ``(code, attr)`` pairs of an error envelope."""
    return [(e["code"], e["attr"]) for e in response.json()["errors"]]
