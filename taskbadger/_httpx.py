"""Loads httpx on first use, without the command-line tool it bundles.

``import taskbadger`` does not import httpx at all: it is loaded by the first
request, so applications that configure the SDK but send nothing at start-up
(and the pytest plugin) pay nothing for it.

When click and rich are installed, ``import httpx`` also imports its own CLI, and
with it click, rich and pygments. Marking that one submodule as unavailable while
httpx loads makes httpx fall back to a stub, as it does when its CLI extra is
missing.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

_CLI_MODULE = "httpx._main"


_loaded: ModuleType | None = None


def load() -> ModuleType:
    """Returns httpx, importing it without its CLI if it is not loaded yet.

    Safe from many threads at once: the import system makes a second thread wait
    for an import under way instead of seeing a half-initialised module.
    """
    global _loaded
    if _loaded is None:
        _loaded = _import()
    return _loaded


def _import() -> ModuleType:
    hidden = _CLI_MODULE not in sys.modules
    if hidden:
        sys.modules[_CLI_MODULE] = None  # type: ignore[assignment]
    try:
        return importlib.import_module("httpx")
    finally:
        # Only the first import is affected: the httpx CLI still works later.
        if hidden and sys.modules.get(_CLI_MODULE, ...) is None:
            del sys.modules[_CLI_MODULE]
