"""Task Badger: track background jobs as tasks with a status, progress and data.

Example:
    >>> import taskbadger
    >>> taskbadger.init(token="***")
    >>> task = taskbadger.Task.create("nightly-backup", status="processing")
    >>> task.success()
"""

import logging

from taskbadger._delivery import flush
from taskbadger._exceptions import (
    APIError,
    ConfigurationError,
    FieldError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TaskbadgerConnectionError,
    TaskbadgerException,
    TaskbadgerTimeoutError,
    UnauthorizedError,
    ValidationError,
)
from taskbadger._http import Session
from taskbadger._models import StatusEnum
from taskbadger._safe import create_task_safe, update_task_safe
from taskbadger._scope import Scope, current_scope
from taskbadger._settings import init, is_configured
from taskbadger._tasks import (
    DefaultMergeStrategy,
    Task,
    TaskPage,
    cancel_task,
    create_task,
    get_task,
    iter_tasks,
    list_tasks,
    update_task,
)
from taskbadger._track import track
from taskbadger.integrations import Action, EmailIntegration, WebhookIntegration

__version__ = "3.0.0"

# Silent unless the application configures logging; see logging's advice for
# libraries.
logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "APIError",
    "Action",
    "ConfigurationError",
    "DefaultMergeStrategy",
    "EmailIntegration",
    "FieldError",
    "NotFoundError",
    "RateLimitedError",
    "Scope",
    "ServerError",
    "Session",
    "StatusEnum",
    "Task",
    "TaskPage",
    "TaskbadgerConnectionError",
    "TaskbadgerException",
    "TaskbadgerTimeoutError",
    "UnauthorizedError",
    "ValidationError",
    "WebhookIntegration",
    "cancel_task",
    "create_task",
    "create_task_safe",
    "current_scope",
    "flush",
    "get_task",
    "init",
    "is_configured",
    "iter_tasks",
    "list_tasks",
    "track",
    "update_task",
    "update_task_safe",
]
