"""Task.create, Task.get and the task's update methods, against the local API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

import taskbadger
from taskbadger import DefaultMergeStrategy, StatusEnum, Task
from taskbadger.testing import APIServer


def test_create_sends_every_documented_field(taskbadger_server: APIServer) -> None:
    parent = Task.create("parent")

    task = Task.create(
        "child",
        status=StatusEnum.PROCESSING,
        value=5,
        value_max=50,
        data={"rows": 10},
        max_runtime=60,
        stale_timeout=30,
        tags={"tenant": "acme"},
        queue="default",
        external_id="celery-123",
        parent=parent.id,
    )

    stored = taskbadger_server.task(task.id)
    assert {key: stored[key] for key in ("status", "value", "value_max", "data")} == {
        "status": "processing",
        "value": 5,
        "value_max": 50,
        "data": {"rows": 10},
    }
    assert (stored["max_runtime"], stored["stale_timeout"]) == (60, 30)
    assert (stored["queue"], stored["external_id"]) == ("default", "celery-123")
    assert (stored["tags"], stored["parent"]) == ({"tenant": "acme"}, parent.id)


def test_create_sends_monitor_id_as_a_header(taskbadger_server: APIServer) -> None:
    Task.create("monitored", monitor_id="0f1e2d3c-0000-4000-8000-000000000000")

    request = taskbadger_server.requests[-1]
    assert request.headers["x-taskbadger-monitor"] == (
        "0f1e2d3c-0000-4000-8000-000000000000"
    )


def test_create_defaults_to_pending(taskbadger_server: APIServer) -> None:
    task = Task.create("new")

    assert task.status is StatusEnum.PENDING


def test_get_returns_the_stored_task(taskbadger_server: APIServer) -> None:
    created = Task.create("fetch me", value=3)

    fetched = Task.get(created.id)

    assert (fetched.id, fetched.name, fetched.value) == (created.id, "fetch me", 3)


def test_get_of_unknown_task_raises_not_found(taskbadger_server: APIServer) -> None:
    with pytest.raises(taskbadger.NotFoundError):
        Task.get("missing")


def test_fields_are_readable(taskbadger_server: APIServer) -> None:
    task = Task.create("fields", value=25, value_max=50, data={"a": 1})

    assert task.value_percent == 50
    assert task.data == {"a": 1}
    assert (task.organization, task.project) == ("acme", "backups")
    assert task.url is not None and task.id in task.url
    assert task.public_url is not None
    assert task.created is not None and task.created.tzinfo is not None
    assert task.updated is not None and task.start_time is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022-08-24T14:15:22Z", datetime(2022, 8, 24, 14, 15, 22, tzinfo=UTC)),
        (
            "2022-08-24T14:15:22.123456Z",
            datetime(2022, 8, 24, 14, 15, 22, 123456, tzinfo=UTC),
        ),
        (
            "2022-08-24T16:15:22+02:00",
            datetime(2022, 8, 24, 16, 15, 22, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("2022-08-24T14:15:22+0000", datetime(2022, 8, 24, 14, 15, 22, tzinfo=UTC)),
        ("2022-08-24T14:15:22", datetime(2022, 8, 24, 14, 15, 22, tzinfo=UTC)),
        ("2022-08-24 14:15:22z", datetime(2022, 8, 24, 14, 15, 22, tzinfo=UTC)),
    ],
)
def test_datetimes_parse_to_aware_values(text: str, expected: datetime) -> None:
    task = Task({"id": "x", "created": text})

    assert task.created == expected
    assert task.created is not None and task.created.tzinfo is not None


def test_unreadable_datetime_reads_as_none() -> None:
    assert Task({"id": "x", "created": "yesterday"}).created is None


@pytest.mark.parametrize(
    ("method", "status"),
    [
        ("pre_processing", "pre_processing"),
        ("processing", "processing"),
        ("post_processing", "post_processing"),
        ("success", "success"),
        ("error", "error"),
        ("canceled", "cancelled"),
    ],
)
def test_status_shortcuts_set_the_status(
    taskbadger_server: APIServer, method: str, status: str
) -> None:
    task = Task.create("shortcut")

    getattr(task, method)()

    assert taskbadger_server.task(task.id)["status"] == status
    assert task.status == status


def test_starting_sets_processing_at_zero(taskbadger_server: APIServer) -> None:
    task = Task.create("start", value=7)

    task.starting()

    stored = taskbadger_server.task(task.id)
    assert (stored["status"], stored["value"]) == ("processing", 0)


def test_update_status_accepts_a_string(taskbadger_server: APIServer) -> None:
    task = Task.create("status")

    task.update_status("success")

    assert task.status is StatusEnum.SUCCESS


def test_unknown_status_is_refused_before_sending(taskbadger_server: APIServer) -> None:
    task = Task.create("status")

    with pytest.raises(ValueError, match="pending"):
        task.update_status("finished")
    assert [r.method for r in taskbadger_server.requests] == ["POST"]


def test_status_enum_has_the_eight_statuses() -> None:
    assert [status.value for status in StatusEnum] == [
        "pending",
        "pre_processing",
        "processing",
        "post_processing",
        "success",
        "error",
        "cancelled",
        "stale",
    ]


def test_increment_value_adds_to_the_current_value(
    taskbadger_server: APIServer,
) -> None:
    task = Task.create("progress", value=10)

    task.increment_value(5)

    assert taskbadger_server.task(task.id)["value"] == 15


def test_set_value_max(taskbadger_server: APIServer) -> None:
    task = Task.create("progress")

    task.set_value_max(500)

    assert taskbadger_server.task(task.id)["value_max"] == 500


def test_update_value_without_limits_always_sends(
    taskbadger_server: APIServer,
) -> None:
    task = Task.create("progress")

    assert task.update_value(1) is True
    assert task.update_value(2) is True
    assert taskbadger_server.task(task.id)["value"] == 2


def test_update_value_skips_steps_smaller_than_value_step(
    taskbadger_server: APIServer,
) -> None:
    task = Task.create("progress", value=0)

    sent = [task.update_value(value, value_step=10) for value in (5, 10, 15, 20)]

    assert sent == [False, True, False, True]
    assert taskbadger_server.task(task.id)["value"] == 20


def test_update_value_skips_updates_within_the_rate_limit(
    taskbadger_server: APIServer,
) -> None:
    task = Task.create("progress")

    sent = [task.update_value(value, rate_limit=3600) for value in (1, 2, 3)]

    assert sent == [True, False, False]
    assert taskbadger_server.task(task.id)["value"] == 1


def test_update_value_sends_a_big_step_despite_the_rate_limit(
    taskbadger_server: APIServer,
) -> None:
    task = Task.create("progress", value=0)
    task.update_value(1, rate_limit=3600)

    assert task.update_value(2, value_step=10, rate_limit=3600) is False
    assert task.update_value(50, value_step=10, rate_limit=3600) is True


def test_ping_sends_an_empty_update(taskbadger_server: APIServer) -> None:
    task = Task.create("alive")

    assert task.ping() is True

    request = taskbadger_server.requests[-1]
    assert (request.method, request.body) == ("PATCH", {})


def test_ping_within_the_rate_limit_is_skipped(taskbadger_server: APIServer) -> None:
    task = Task.create("alive")
    task.ping(rate_limit=3600)

    assert task.ping(rate_limit=3600) is False
    assert [r.method for r in taskbadger_server.requests] == ["POST", "PATCH"]


def test_update_merges_data_key_by_key(taskbadger_server: APIServer) -> None:
    task = Task.create("data", data={"a": 1, "b": 1})

    task.update(data={"b": 2, "c": 3})

    assert taskbadger_server.task(task.id)["data"] == {"a": 1, "b": 2, "c": 3}


def test_merge_strategy_appends_to_append_keys(taskbadger_server: APIServer) -> None:
    task = Task.create("data", data={"log": ["first"], "step": 1})
    strategy = DefaultMergeStrategy(append_keys=["log"])

    task.update(data={"log": "second", "step": 2}, data_merge_strategy=strategy)

    assert taskbadger_server.task(task.id)["data"] == {
        "log": ["first", "second"],
        "step": 2,
    }


def test_tag_adds_to_existing_tags(taskbadger_server: APIServer) -> None:
    task = Task.create("tags", tags={"tenant": "acme"})

    task.tag({"region": "eu"})

    assert taskbadger_server.task(task.id)["tags"] == {"tenant": "acme", "region": "eu"}


def test_update_sends_only_given_fields(taskbadger_server: APIServer) -> None:
    task = Task.create("partial", status=StatusEnum.PROCESSING)

    task.update(value=3)

    assert taskbadger_server.requests[-1].body == {"value": 3}


def test_safe_update_returns_false_and_logs_on_failure(
    taskbadger_server: APIServer, caplog: pytest.LogCaptureFixture
) -> None:
    task = Task.create("safe")
    taskbadger_server.inject_fault(status=400, method="PATCH")

    assert task.safe_update(value=1) is False
    assert "Could not update task" in caplog.text


def test_refresh_reloads_the_task(taskbadger_server: APIServer) -> None:
    task = Task.create("refresh")
    taskbadger.update_task(task.id, value=9)

    task.refresh()

    assert task.value == 9


def test_update_task_sends_datetimes_as_iso_text(taskbadger_server: APIServer) -> None:
    task = Task.create("times")
    end = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)

    updated = taskbadger.update_task(task.id, end_time=end)

    assert updated.end_time == end


def test_low_level_functions_create_update_get(taskbadger_server: APIServer) -> None:
    created = taskbadger.create_task("low level", value=1)

    taskbadger.update_task(created.id, status="success", value=100)

    fetched = taskbadger.get_task(created.id)
    assert (fetched.status, fetched.value) == (StatusEnum.SUCCESS, 100)


def test_cancel_task_cancels(taskbadger_server: APIServer) -> None:
    task = taskbadger.create_task("to cancel")

    taskbadger.cancel_task(task.id)

    assert taskbadger_server.task(task.id)["status"] == "cancelled"


def test_to_dict_returns_the_payload(taskbadger_server: APIServer) -> None:
    task = Task.create("dict")

    payload = task.to_dict()

    assert (payload["id"], payload["name"]) == (task.id, "dict")
