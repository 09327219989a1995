"""Scopes: data and tags added to every task created inside a block.

Scopes live in a context variable, so each thread and each asyncio task sees
only its own, and a nested scope starts as a copy of the one around it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, MutableMapping
from contextvars import ContextVar
from typing import Any


class Scope(MutableMapping[str, Any]):
    """Data and tags for tasks created while the scope is current.

    It behaves as a dict of task data; :meth:`tag` adds tags.
    """

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        self.data: dict[str, Any] = dict(data or {})
        self.tags: dict[str, str] = dict(tags or {})

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.data[key] = value

    def __delitem__(self, key: str) -> None:
        del self.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def tag(self, tags: Mapping[str, str]) -> None:
        """Adds tags to the scope."""
        self.tags.update(tags)

    def __repr__(self) -> str:
        return f"Scope(data={self.data!r}, tags={self.tags!r})"


_current: ContextVar[Scope | None] = ContextVar("taskbadger_scope", default=None)


@contextlib.contextmanager
def current_scope() -> Iterator[Scope]:
    """Opens a scope that inherits the enclosing one and unwinds on exit.

    Example:
        >>> with taskbadger.current_scope() as scope:
        ...     scope["hostname"] = socket.gethostname()
        ...     scope.tag({"tenant": "acme"})
    """
    outer = active_scope()
    scope = Scope(outer.data, outer.tags)
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


def active_scope() -> Scope:
    """The scope in force here; an empty one outside any block."""
    # A fresh empty scope each time, so nothing written to it outside a block
    # can leak into later tasks.
    scope = _current.get()
    return Scope() if scope is None else scope
