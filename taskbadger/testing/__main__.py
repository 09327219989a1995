"""Run the local API server in the foreground: ``python -m taskbadger.testing``.

It prints the ``export`` lines that point the SDK and the ``taskbadger`` command
at it, then logs one line per request to stderr until SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import signal
import sqlite3
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import NoReturn

from taskbadger.testing._server import APIServer

PROGRAM = "python -m taskbadger.testing"
# Exit statuses: the server stopped on a signal; it could not start; bad options.
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class _ArgumentParser(argparse.ArgumentParser):
    """Reports bad options on one line, without the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}. See --help.\n")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not between 0 and 65535")
    return port


def _parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog=PROGRAM,
        description=(
            "Run a local Task Badger API server. It prints the environment "
            "variables to export, then serves until interrupted."
        ),
        epilog=f'Example: eval "$({PROGRAM} --port 8123 &)"; taskbadger list',
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind")
    parser.add_argument(
        "--port", type=_port, default=0, help="port to bind (default: a free one)"
    )
    parser.add_argument(
        "--data-file",
        metavar="PATH",
        help="SQLite file that keeps tasks across restarts (default: memory only)",
    )
    parser.add_argument("--org", default="acme", help="organization slug")
    parser.add_argument("--project", default="backups", help="project slug")
    parser.add_argument(
        "--token", default="local-secret-token", help="secret part of the API key"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until SIGINT or SIGTERM; returns the exit status."""
    options = _parser().parse_args(argv)
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    try:
        server = APIServer(
            organization=options.org,
            project=options.project,
            token=options.token,
            host=options.host,
            port=options.port,
            data_file=options.data_file,
        ).start()
    except (OSError, sqlite3.Error) as exc:
        print(f"{PROGRAM}: error: could not start: {exc}", file=sys.stderr)
        return EXIT_FAILED

    _announce(server)
    try:
        # A timed wait keeps the main thread responsive to signals.
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
    print(f"{PROGRAM}: stopped", file=sys.stderr)
    return EXIT_OK


def _announce(server: APIServer) -> None:
    """Print the exports on stdout, then let go of it.

    Releasing stdout ends a reading ``$(...)`` at once, so
    ``eval "$(python -m taskbadger.testing &)"`` returns while the server runs on.
    """
    for name, value in server.environ().items():
        print(f"export {name}={shlex.quote(value)}")
    # A comment, so the output can still be given to eval as it is.
    print(
        f"# the server runs as process {os.getpid()}; stop it with: kill {os.getpid()}"
    )
    sys.stdout.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(message)s",
    )
    logging.getLogger("taskbadger.testing").info("serving on %s", server.url)


if __name__ == "__main__":
    sys.exit(main())
