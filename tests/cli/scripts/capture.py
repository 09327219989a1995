"""Run a command under `supervise` with its output captured, and report on it.

Usage: capture.py REPORT LIMIT PATTERN -- COMMAND...

PATTERN is a progress pattern, or an empty string for none. The command's
output goes wherever this script's own goes, which is what the tests choose.
REPORT gets a JSON object: the outcome's exit code, tails and progress, and
the debug lines in which the output pumps say how many bytes they spliced and
copied.
"""

import json
import logging
import re
import sys

from taskbadger_cli.supervise import supervise


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


report, limit, pattern, dashes, *command = sys.argv[1:]
assert dashes == "--"
lines = Lines()
logger = logging.getLogger("taskbadger_cli.supervise")
logger.addHandler(lines)
logger.setLevel(logging.DEBUG)

outcome = supervise(
    command,
    capture_output=True,
    capture_limit=int(limit),
    progress_pattern=re.compile(pattern) if pattern else None,
)
with open(report, "w") as file:
    json.dump(
        {
            "exit_code": outcome.exit_code,
            "stdout_tail": outcome.stdout_tail,
            "stderr_tail": outcome.stderr_tail,
            "progress": outcome.progress,
            "pumps": sorted(line for line in lines.lines if " spliced, " in line),
        },
        file,
    )
