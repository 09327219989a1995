"""`taskbadger create`: every writable field, and the ways it prints the task."""

from __future__ import annotations

import json

from cli_runner import RunCLI

from taskbadger.testing import APIServer


def test_quiet_prints_only_the_new_id(
    taskbadger_server: APIServer, taskbadger_cli: RunCLI
) -> None:
    result = taskbadger_cli("create", "nightly-backup", "-q")

    task = taskbadger_server.last_task("nightly-backup")
    assert task is not None
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        f"{task['id']}\n",
        "",
    )


def test_a_task_is_pending_unless_a_status_is_given(
    taskbadger_server: APIServer, taskbadger_cli: RunCLI
) -> None:
    taskbadger_cli("create", "waiting", "-q")
    taskbadger_cli("create", "running", "-q", "--status", "processing")

    assert taskbadger_server.last_task("waiting")["status"] == "pending"  # type: ignore[index]
    assert taskbadger_server.last_task("running")["status"] == "processing"  # type: ignore[index]


def test_every_field_option_is_sent(
    taskbadger_server: APIServer, taskbadger_cli: RunCLI
) -> None:
    parent = taskbadger_cli("create", "parent", "-q").stdout.strip()

    taskbadger_cli(
        "create", "child", "-q",
        "--status", "processing",
        "--value", "40",
        "--value-max", "200",
        "--data-json", '{"rows": 10, "source": "json"}',
        "--data", "source=pairs",
        "--tag", "environment=production",
        "--tag", "team=ops",
        "--queue", "default",
        "--external-id", "celery-123",
        "--parent", parent,
        "--max-runtime", "3600",
        "--stale-timeout", "600",
    )  # fmt: skip

    body = taskbadger_server.requests[-1].body
    assert body == {
        "name": "child",
        "status": "processing",
        "value": 40,
        "value_max": 200,
        "data": {"rows": 10, "source": "pairs"},
        "tags": {"environment": "production", "team": "ops"},
        "queue": "default",
        "external_id": "celery-123",
        "parent": parent,
        "max_runtime": 3600,
        "stale_timeout": 600,
    }


def test_the_monitor_id_is_sent_as_a_header(
    taskbadger_server: APIServer, taskbadger_cli: RunCLI
) -> None:
    taskbadger_cli("create", "monitored", "-q", "--monitor-id", "mon-42")

    headers = {k.lower(): v for k, v in taskbadger_server.requests[-1].headers.items()}
    assert headers["x-taskbadger-monitor"] == "mon-42"


def test_json_format_prints_the_task_as_the_api_returned_it(
    taskbadger_server: APIServer, taskbadger_cli: RunCLI
) -> None:
    result = taskbadger_cli("create", "as-json", "--format", "json")

    assert result.returncode == 0
    assert json.loads(result.stdout) == taskbadger_server.last_task("as-json")


def test_text_format_prints_a_summary(
    taskbadger_server: APIServer, taskbadger_cli: RunCLI
) -> None:
    result = taskbadger_cli("create", "summary", "--value", "50", "--tag", "a=bc")

    task = taskbadger_server.last_task("summary")
    assert task is not None
    bar = "█" * 15 + "░" * 15
    created = task["created"][:19].replace("T", " ")
    assert result.stdout == (
        "summary\n"
        f"  id          {task['id']}\n"
        "  status      pending\n"
        f"  progress    {bar} 50/100 (50%)\n"
        f"  created     {created} UTC\n"
        "  tags        a=bc\n"
        f"  url         {task['url']}\n"
    )


def test_markup_in_a_name_is_printed_as_it_is(
    taskbadger_server: APIServer, taskbadger_cli: RunCLI
) -> None:
    result = taskbadger_cli("create", "[bold red]x[/]")

    assert result.stdout.splitlines()[0] == "[bold red]x[/]"


def test_a_refused_field_exits_1_with_the_servers_reason(
    taskbadger_server: APIServer, taskbadger_cli: RunCLI
) -> None:
    result = taskbadger_cli("create", "orphan", "--parent", "no-such-task")

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith("taskbadger: error: The API rejected the request: ")
    assert "parent" in result.stderr
