"""The HTTP side of the local API server: sockets, threads, recording and faults."""

from __future__ import annotations

import base64
import contextlib
import copy
import json
import logging
import os
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

from taskbadger.testing._api import (
    Request,
    Response,
    TaskAPI,
    error_response,
    status_error,
)
from taskbadger.testing._faults import Fault, FaultList
from taskbadger.testing._store import TaskStore
from taskbadger.testing._validation import ErrorDetail

logger = logging.getLogger("taskbadger.testing")

# Status recorded for a request whose connection was closed without an answer.
DROPPED = 0


@dataclass(frozen=True)
class RecordedRequest:
    """A request the server received, and the status it answered with.

    Attributes:
        method: HTTP method, upper case.
        path: URL path, without the query string.
        query: Query parameters (the last value of each).
        headers: Request headers, names lower-cased.
        body: The JSON body parsed, or ``None`` when empty or not JSON.
        status: Response status; 0 when the connection was dropped.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    status: int


class _HTTPServer(ThreadingHTTPServer):
    """A threading server that can close its open keep-alive connections."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: APIServer, ipv6: bool) -> None:
        if ipv6:
            self.address_family = socket.AF_INET6
        self.app = app
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Cut every open connection so idle keep-alive clients see the stop."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            # A client may have closed its side already.
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up mid-request are normal in fault tests, not errors.
        logger.debug("connection from %s ended abruptly", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    """Reads one request, lets ``APIServer`` answer it, writes the answer."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without this, Nagle's algorithm
    # and delayed ACKs add about 40 ms to every keep-alive response.
    disable_nagle_algorithm = True
    server: _HTTPServer

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        # One line per request is logged by APIServer instead, without headers.
        pass

    def _serve(self) -> None:
        url = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=url.path,
            query=dict(parse_qsl(url.query, keep_blank_values=True)),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self._read_body(),
        )
        response = self.server.app._respond(request)
        if response is None:
            self.close_connection = True
            return
        self._write(response)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self) -> bytes:
        chunks = []
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                break
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        while self.rfile.readline().strip():
            pass  # Trailer headers carry nothing the API uses.
        return b"".join(chunks)

    def _write(self, response: Response) -> None:
        payload = b"" if response.body is None else json.dumps(response.body).encode()
        self.send_response(response.status)
        if response.body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


def _project_key(organization: str, project: str, token: str) -> str:
    return base64.b64encode(f"{organization}/{project}/{token}".encode()).decode()


class APIServer:
    """A local Task Badger API on loopback, for tests and demos.

    Example:
        >>> with APIServer() as server:
        ...     os.environ.update(server.environ())
        ...     # run code that uses the SDK, then inspect server.tasks

    Args:
        organization: Organization slug the server answers for.
        project: Project slug the server answers for.
        token: The secret clients must send as ``Authorization: Bearer <token>``.
        host: Address to bind; keep it a loopback address.
        port: Port to bind; 0 picks a free one.
        data_file: SQLite file that keeps tasks across restarts; ``None`` keeps
            them in memory only.
    """

    def __init__(
        self,
        *,
        organization: str = "acme",
        project: str = "backups",
        token: str = "local-secret-token",
        host: str = "127.0.0.1",
        port: int = 0,
        data_file: str | os.PathLike[str] | None = None,
    ) -> None:
        self.organization = organization
        self.project = project
        self.host = host
        self._token = token
        self._port = port
        self._store = TaskStore(organization, project, data_file)
        self._api = TaskAPI(self._store, token)
        self._faults = FaultList()
        self._records: list[RecordedRequest | None] = []
        self._records_lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        where = self.url if self._httpd else "not started"
        return f"<APIServer {self.organization}/{self.project} {where}>"

    # Lifecycle.

    def start(self) -> Self:
        """Bind the socket and serve from a daemon thread; returns the server."""
        if self._httpd is not None or self._stopping.is_set():
            raise RuntimeError("an APIServer can be started only once")
        self._httpd = _HTTPServer((self.host, self._port), self, ipv6=":" in self.host)
        self._port = self._httpd.server_address[1]
        self._store.set_base_url(self.url)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"taskbadger-api-server-{self._port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and the data file."""
        self._stopping.set()
        if self._httpd is not None and self._thread is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd.close_connections()
            self._thread.join()
            self._thread = None
        self._store.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # Addresses and credentials.

    @property
    def port(self) -> int:
        """The bound port (the requested one before ``start``)."""
        return self._port

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8123``, without a trailing slash."""
        if self._httpd is None:
            raise RuntimeError("the server has no address until start() is called")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._port}"

    @property
    def project_key(self) -> str:
        """A project key (base64 of ``organization/project/token``) for this server."""
        return _project_key(self.organization, self.project, self._token)

    def environ(self) -> dict[str, str]:
        """Environment variables that point the SDK and the CLI at this server."""
        return {
            "TASKBADGER_HOST": self.url,
            "TASKBADGER_API_KEY": self.project_key,
            "TASKBADGER_ORG": self.organization,
            "TASKBADGER_PROJECT": self.project,
        }

    # Inspection.

    @property
    def tasks(self) -> list[dict[str, Any]]:
        """Copies of the stored tasks, in creation order."""
        return self._store.all()

    def task(self, task_id: str) -> dict[str, Any]:
        """A copy of one stored task; ``KeyError`` when there is none."""
        return self._store.get(task_id)

    def last_task(self, name: str | None = None) -> dict[str, Any] | None:
        """The most recently created task, or the last one named ``name``."""
        return self._store.last(name)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Answered requests, in arrival order."""
        with self._records_lock:
            return [r for r in self._records if r is not None]

    @property
    def request_count(self) -> int:
        """How many requests have been answered."""
        return len(self.requests)

    def reset(self) -> None:
        """Forget all tasks, recorded requests and faults."""
        self._store.clear()
        self._faults.clear()
        with self._records_lock:
            self._records.clear()

    # Faults.

    def inject_fault(
        self,
        *,
        status: int | None = None,
        latency: float = 0.0,
        retry_after: int | str | None = None,
        drop: bool = False,
        times: int | None = 1,
        path: str | None = None,
        method: str | None = None,
    ) -> Fault:
        """Make upcoming requests slow, fail with ``status``, or be dropped.

        Args:
            status: Answer with this status and an error envelope.
            latency: Seconds to wait before answering or dropping.
            retry_after: ``Retry-After`` value sent with ``status`` (seconds or an
                HTTP-date).
            drop: Close the connection without a response.
            times: Number of requests hit; ``None`` for all from now on.
            path: Regular expression searched in the request path.
            method: Only requests with this HTTP method.

        Returns:
            The fault; its ``used`` attribute counts the requests it hit.
        """
        fault = Fault(
            status=status,
            latency=latency,
            retry_after=retry_after,
            drop=drop,
            times=times,
            path=path,
            method=method,
        )
        return self._faults.add(fault)

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        self._faults.clear()

    # Serving, called from handler threads.

    def _respond(self, request: Request) -> Response | None:
        """The response to a request, or ``None`` to drop the connection."""
        with self._records_lock:
            slot = len(self._records)
            self._records.append(None)
        response = self._choose_response(request)
        status = DROPPED if response is None else response.status
        self._record(slot, request, status)
        logger.info("%s %s %s", request.method, request.path, status or "dropped")
        return response

    def _choose_response(self, request: Request) -> Response | None:
        fault = self._faults.claim(request.method, request.path)
        # Waiting on the stop event lets stop() cut a long latency short.
        if fault is not None and fault.latency and self._stopping.wait(fault.latency):
            return None
        if self._stopping.is_set() or (fault is not None and fault.drop):
            return None
        if fault is not None and fault.status is not None:
            return status_error(fault.status, fault.retry_after)
        return self._answer(request)

    def _answer(self, request: Request) -> Response:
        try:
            return self._api.handle(request)
        except Exception:
            logger.exception("error answering %s %s", request.method, request.path)
            return error_response(500, ErrorDetail("error", "A server error occurred."))

    def _record(self, slot: int, request: Request, status: int) -> None:
        try:
            body = json.loads(request.body) if request.body else None
        except ValueError:
            body = None
        record = RecordedRequest(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=dict(request.headers),
            body=copy.deepcopy(body),
            status=status,
        )
        with self._records_lock:
            if slot < len(self._records):
                self._records[slot] = record
            else:
                # reset() ran while this request was in flight.
                self._records.append(record)
