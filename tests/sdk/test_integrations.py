"""Per-task actions: still accepted, sent as the API expects, deprecated."""

from __future__ import annotations

import pytest

from taskbadger import Action, EmailIntegration, Task, WebhookIntegration
from taskbadger.testing import APIServer


def test_action_warns_that_actions_are_deprecated() -> None:
    with pytest.warns(DeprecationWarning, match="deprecated"):
        Action("success", EmailIntegration(to="me@example.com"))


def test_email_action_is_sent_on_create(taskbadger_server: APIServer) -> None:
    with pytest.warns(DeprecationWarning):
        action = Action("*/10%,success,error", EmailIntegration(to="me@example.com"))

    Task.create("notify", actions=[action])

    assert taskbadger_server.requests[-1].body["actions"] == [
        {
            "trigger": "*/10%,success,error",
            "integration": "email",
            "config": {"to": "me@example.com"},
        }
    ]


def test_webhook_action_is_sent_on_update(taskbadger_server: APIServer) -> None:
    task = Task.create("notify")
    with pytest.warns(DeprecationWarning):
        action = Action("error", WebhookIntegration(id="webhook:ops-alerts"))

    task.update(actions=[action])

    assert taskbadger_server.requests[-1].body["actions"] == [
        {"trigger": "error", "integration": "webhook:ops-alerts", "config": {}}
    ]


@pytest.mark.parametrize("webhook_id", ["ops-alerts", "webhook:", "email"])
def test_webhook_id_must_name_a_webhook(webhook_id: str) -> None:
    with pytest.raises(ValueError, match="webhook:<slug>"):
        WebhookIntegration(id=webhook_id)
