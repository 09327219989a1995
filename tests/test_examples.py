"""The shipped examples, run for real under ``taskbadger run``."""

from __future__ import annotations

import os
import subprocess
import tarfile
from pathlib import Path

from cli_runner import TASKBADGER, RunCLI

from taskbadger.testing import APIServer

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
BACKUP = str(EXAMPLES / "backup.sh")


def _source_tree(root: Path, files: int) -> Path:
    source = root / "site"
    (source / "static").mkdir(parents=True)
    for number in range(files):
        (source / "static" / f"page-{number}.html").write_text(f"<p>{number}</p>\n")
    return source


def _cli_path_env() -> dict[str, str]:
    # backup.sh calls `taskbadger update`, so the command must be on PATH.
    path = f"{Path(TASKBADGER).parent}{os.pathsep}{os.environ['PATH']}"
    return {**os.environ, "PATH": path}


def test_backup_archives_every_file_and_is_recorded_as_success(
    taskbadger_server: APIServer, taskbadger_cli: RunCLI, tmp_path: Path
) -> None:
    source = _source_tree(tmp_path, files=23)
    dest = tmp_path / "backups"

    result = taskbadger_cli(
        "run",
        "nightly-backup",
        "--",
        BACKUP,
        str(source),
        str(dest),
        env=_cli_path_env(),
    )

    assert result.returncode == 0, result.stderr
    (archive,) = dest.glob("site-*.tar.gz")
    with tarfile.open(archive) as tar:
        names = sorted(name for name in tar.getnames() if name.endswith(".html"))
    assert len(names) == 23
    task = taskbadger_server.last_task("nightly-backup")
    assert task is not None
    assert task["status"] == "success"
    assert task["value"] == 100
    assert task["data"]["return_code"] == 0


def test_backup_reports_progress_while_it_runs(
    taskbadger_server: APIServer, taskbadger_cli: RunCLI, tmp_path: Path
) -> None:
    source = _source_tree(tmp_path, files=20)

    taskbadger_cli(
        "run",
        "nightly-backup",
        "--",
        BACKUP,
        str(source),
        str(tmp_path / "out"),
        env=_cli_path_env(),
    )

    values = [
        request.body["value"]
        for request in taskbadger_server.requests
        if request.method == "PATCH" and "value" in (request.body or {})
    ]
    assert values == [9, 18, 27, 36, 45, 54, 63, 72, 81, 90, 100]


def test_backup_of_a_missing_directory_fails_and_is_recorded_as_error(
    taskbadger_server: APIServer, taskbadger_cli: RunCLI, tmp_path: Path
) -> None:
    result = taskbadger_cli(
        "run",
        "nightly-backup",
        "--",
        BACKUP,
        str(tmp_path / "missing"),
        env=_cli_path_env(),
    )

    assert result.returncode == 3
    assert "no such directory" in result.stderr
    task = taskbadger_server.last_task("nightly-backup")
    assert task is not None
    assert task["status"] == "error"
    assert task["data"]["return_code"] == 3


def test_demo_runs_a_tracked_backup_and_shows_the_task(tmp_path: Path) -> None:
    demo = subprocess.run(
        ["sh", str(EXAMPLES / "demo.sh")],
        env=_cli_path_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert demo.returncode == 0, demo.stderr
    assert "backed up" in demo.stdout
    assert "nightly-backup" in demo.stdout
    assert "success" in demo.stdout
    assert '"return_code": 0' in demo.stdout
