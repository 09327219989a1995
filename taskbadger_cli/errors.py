"""Exit statuses and the errors commands raise to end with one."""

from __future__ import annotations

import enum


class ExitStatus(enum.IntEnum):
    """How the ``taskbadger`` command ends (``run`` ends with its command's code)."""

    OK = 0
    FAILURE = 1  # the API refused or failed the request
    USAGE = 2  # bad usage or bad input, reported before any request is sent
    INTERRUPTED = 130


class CLIError(Exception):
    """An error that ends the command with one line on stderr and a status."""

    def __init__(self, message: str, status: int = ExitStatus.FAILURE) -> None:
        super().__init__(message)
        self.status = status


class UsageError(CLIError):
    """Bad usage or bad input: exit status 2."""

    def __init__(self, message: str) -> None:
        super().__init__(message, ExitStatus.USAGE)
