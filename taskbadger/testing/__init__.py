"""A local Task Badger API server for tests and demos.

``APIServer`` is a real HTTP server on loopback that speaks the hosted API: the task
endpoints, authentication, validation, error envelopes, cursor pagination and the
fields the service computes. It records every request and can inject faults.

Known differences from the hosted API:

- Task ids are random 26-character base62 strings, like the hosted service's,
  although the OpenAPI schema declares them as ``uuid``.
- ``parent`` (the id of the parent task) is accepted, returned and filterable with
  ``?parent=ID``, but the OpenAPI schema does not list it.
- Only the secret part of a project key is accepted as the Bearer token, because
  that is what the SDK sends; the full base64 project key is refused.
- ``data`` defaults to an empty object ``{}``; ``queue`` and ``external_id``
  default to the empty string.
- ``value_percent`` is ``value * 100 // value_max``, at most 100; with a
  ``value_max`` of 0 it is 100.
- ``time_to_start`` is read-only and written as a duration,
  ``[-][D ]HH:MM:SS.ffffff``; the schema also lists it in request bodies.
- ``PUT`` requires ``name`` and otherwise behaves like ``PATCH``: fields left out
  keep their values.
- Integer fields accept JSON integers only, not numeric strings or booleans.
- A POST, PUT or PATCH with an empty body and no ``Content-Type`` reads as ``{}``;
  any other body needs ``Content-Type: application/json`` (else 415).
- An unusable ``page_size`` falls back to 100; more than 1000 is cut to 1000.
- The ``actions`` sub-resource endpoints are not served; ``actions`` sent with a
  task are validated and stored (see ``APIServer.task``) but never returned.
- No rate limiting, monitors or alerts, apart from injected faults.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from taskbadger.testing._faults import Fault
    from taskbadger.testing._server import APIServer, RecordedRequest

__all__ = ["APIServer", "Fault", "RecordedRequest"]

# The pytest plugin lives in this package and is loaded by every pytest session
# where taskbadger is installed, so the server modules load on first use only.
_LAZY_NAMES = {
    "APIServer": "taskbadger.testing._server",
    "Fault": "taskbadger.testing._faults",
    "RecordedRequest": "taskbadger.testing._server",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY_NAMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
