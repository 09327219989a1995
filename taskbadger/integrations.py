"""Per-task actions: notifications the service sends as a task progresses.

The service deprecates per-task actions in favour of project-level alerts; they
are still accepted, and building one warns with :class:`DeprecationWarning`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["Action", "EmailIntegration", "Integration", "WebhookIntegration"]

_DEPRECATION = (
    "Per-task actions are deprecated by the Task Badger service; configure "
    "alerts on the project instead."
)


class Integration(Protocol):
    """Where an action's notification goes."""

    @property
    def id(self) -> str:
        """The integration's identifier, as the API names it."""

    def config(self) -> dict[str, Any]:
        """The integration's settings, as the API expects them."""


@dataclass(frozen=True)
class EmailIntegration:
    """Sends an email to ``to`` (several addresses separated by commas)."""

    to: str

    @property
    def id(self) -> str:
        """The integration's identifier."""
        return "email"

    def config(self) -> dict[str, Any]:
        """The integration's settings."""
        return {"to": self.to}


@dataclass(frozen=True)
class WebhookIntegration:
    """Calls a webhook configured in the project, named ``webhook:<slug>``."""

    id: str

    def __post_init__(self) -> None:
        if not self.id.startswith("webhook:") or self.id == "webhook:":
            raise ValueError(f"Webhook id {self.id!r} must look like 'webhook:<slug>'.")

    def config(self) -> dict[str, Any]:
        """The integration's settings."""
        return {}


class Action:
    """Triggers an integration when the task matches ``trigger``.

    Args:
        trigger: When to fire, e.g. ``"*/10%,success,error"``.
        integration: Where the notification goes.
    """

    def __init__(self, trigger: str, integration: Integration) -> None:
        warnings.warn(_DEPRECATION, DeprecationWarning, stacklevel=2)
        self.trigger = trigger
        self.integration = integration

    def to_dict(self) -> dict[str, Any]:
        """The action as the API expects it."""
        return {
            "trigger": self.trigger,
            "integration": self.integration.id,
            "config": self.integration.config(),
        }

    def __repr__(self) -> str:
        return f"Action(trigger={self.trigger!r}, integration={self.integration!r})"
