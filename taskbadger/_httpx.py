"""Loads httpx without the command-line tool it bundles.

When click and rich are installed, ``import httpx`` also imports its own CLI,
and with it click, rich and pygments: a cost applications using only the SDK
should not pay. Marking that one submodule as unavailable while httpx loads
makes httpx fall back to a stub, as it does when its CLI extra is missing.
"""

from __future__ import annotations

import importlib
import sys

_CLI_MODULE = "httpx._main"


def load() -> None:
    """Imports httpx, leaving out its CLI; does nothing if httpx is loaded."""
    if "httpx" in sys.modules or _CLI_MODULE in sys.modules:
        return
    sys.modules[_CLI_MODULE] = None  # type: ignore[assignment]
    try:
        importlib.import_module("httpx")
    finally:
        # Only the first import is affected: the httpx CLI still works later.
        if sys.modules.get(_CLI_MODULE, ...) is None:
            del sys.modules[_CLI_MODULE]


load()
