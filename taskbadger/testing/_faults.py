"""Fault injection: make chosen requests slow, fail, or lose their connection."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field


@dataclass(eq=False)
class Fault:
    """One injected fault and how many requests it has hit so far.

    Attributes:
        status: Answer with this status and an error envelope instead of handling
            the request; ``None`` to handle it normally (after ``latency``).
        latency: Seconds to wait before answering (or dropping).
        retry_after: ``Retry-After`` header sent with ``status``: whole seconds or
            an HTTP-date.
        drop: Close the connection without any response.
        times: How many requests it hits; ``None`` for every matching request.
        path: Regular expression searched in the request path; ``None`` for any.
        method: HTTP method it applies to; ``None`` for any.
        used: How many requests it has hit.
    """

    status: int | None = None
    latency: float = 0.0
    retry_after: int | str | None = None
    drop: bool = False
    times: int | None = 1
    path: str | None = None
    method: str | None = None
    used: int = 0
    _path_pattern: re.Pattern[str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.status is not None and not 100 <= self.status <= 599:
            raise ValueError(f"status must be an HTTP status code, not {self.status}")
        if self.latency < 0:
            raise ValueError("latency must be zero or more seconds")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be at least 1, or None for every request")
        if self.path is not None:
            self._path_pattern = re.compile(self.path)
        if self.method is not None:
            self.method = self.method.upper()

    @property
    def exhausted(self) -> bool:
        """True once it has hit ``times`` requests."""
        return self.times is not None and self.used >= self.times

    def matches(self, method: str, path: str) -> bool:
        """Whether a request with this method and path is one this fault targets."""
        if self.method is not None and method != self.method:
            return False
        return self._path_pattern is None or bool(self._path_pattern.search(path))


class FaultList:
    """Faults in injection order; the first matching one with uses left applies."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        """Append a fault; returns it."""
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()

    def claim(self, method: str, path: str) -> Fault | None:
        """The fault that applies to this request, counting the use; else ``None``."""
        with self._lock:
            for fault in self._faults:
                if not fault.exhausted and fault.matches(method, path):
                    fault.used += 1
                    return fault
        return None
