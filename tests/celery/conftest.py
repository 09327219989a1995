"""Fixtures for the Celery tests: Redis, a local API server and a real worker.

Redis, the server and the worker are started once per session, since a worker
takes seconds to start; each test gets an emptied server and a publishing
process configured like the worker.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

import taskbadger
from taskbadger import _settings
from taskbadger.testing import APIServer

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))

# Starting Python, Celery and two forked processes on a busy two-core machine.
STARTUP_TIMEOUT = 60.0
# A warm shutdown lets running tasks finish; none should be running by then.
SHUTDOWN_TIMEOUT = 15.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _stop_group(process: subprocess.Popen[bytes], timeout: float) -> None:
    """Ends a process and everything it started, politely first."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout)
    # Forked pool processes can outlive a parent that exited.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _log_tail(path: Path, lines: int = 40) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private Redis on a free loopback port, for the broker and the results."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = _free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1"]
    command += ["--save", "", "--appendonly", "no"]
    workdir = tmp_path_factory.mktemp("redis")
    log = workdir / "redis.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=workdir,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        _wait_for_redis(url, process, log)
        yield url
    finally:
        _stop_group(process, SHUTDOWN_TIMEOUT)


def _wait_for_redis(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    client = redis.Redis.from_url(url)
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"redis-server exited:\n{_log_tail(log)}")
            with contextlib.suppress(redis.ConnectionError):
                if client.ping():
                    return
            if time.monotonic() > deadline:
                pytest.fail(f"redis-server did not start:\n{_log_tail(log)}")
            time.sleep(0.05)
    finally:
        client.close()


@pytest.fixture(scope="session")
def api_server() -> Iterator[APIServer]:
    """One local API server that the worker and the tests share."""
    with APIServer() as server:
        yield server


@pytest.fixture(scope="session")
def worker(
    redis_url: str, api_server: APIServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """A real prefork worker running ``tests.celery.worker_app``; yields the app."""
    from tests.celery import worker_app

    log = tmp_path_factory.mktemp("worker") / "worker.log"
    env = {
        **os.environ,
        **api_server.environ(),
        worker_app.REDIS_URL_ENV: redis_url,
        "PYTHONPATH": str(ROOT),
    }
    command = [CELERY, "-A", "tests.celery.worker_app", "worker"]
    command += ["--pool=prefork", "--concurrency=2", "--loglevel=INFO"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    command += ["--hostname", f"taskbadger-tests-{os.getpid()}@localhost"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    app = worker_app.app
    app.conf.update(broker_url=redis_url, result_backend=redis_url)
    try:
        _wait_for_worker(app, process, log)
        yield app
    finally:
        _stop_group(process, SHUTDOWN_TIMEOUT)
        app.close()


def _wait_for_worker(app: Any, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not app.control.ping(timeout=0.5):
        if process.poll() is not None:
            pytest.fail(f"the Celery worker exited:\n{_log_tail(log)}")
        if time.monotonic() > deadline:
            pytest.fail(f"the Celery worker did not start:\n{_log_tail(log)}")


@pytest.fixture
def tracked(worker: Any, api_server: APIServer) -> Iterator[APIServer]:
    """The emptied server, with this process publishing like the worker tracks."""
    from tests.celery import worker_app

    api_server.reset()
    taskbadger.init(
        token=api_server.project_key,
        host=api_server.url,
        systems=[worker_app.tracking()],
    )
    try:
        yield api_server
    finally:
        _settings.reset_settings()


@pytest.fixture
def created_by_worker(worker: Any, api_server: APIServer) -> Iterator[APIServer]:
    """The emptied server, with this process leaving task creation to the worker."""
    from tests.celery import worker_app

    api_server.reset()
    integration = worker_app.tracking()
    integration.create_on_publish = False
    taskbadger.init(
        token=api_server.project_key, host=api_server.url, systems=[integration]
    )
    try:
        yield api_server
    finally:
        _settings.reset_settings()
