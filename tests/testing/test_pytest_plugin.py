"""The taskbadger_server fixture, used from test files run by pytester.

Runs whose tests send HTTP requests use a subprocess: an in-process run drops the
modules it imported when it ends, and httpx's lazily loaded transport modules
would then be loaded twice, with two sets of exception classes.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

SDK_TEST = """
import os

import taskbadger


def test_backup_is_tracked(taskbadger_server):
    task = taskbadger.Task.create("nightly-backup")
    task.success()

    assert taskbadger_server.last_task("nightly-backup")["status"] == "success"
"""


def test_fixture_configures_the_sdk(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SDK_TEST)

    result = pytester.runpytest_subprocess()

    result.assert_outcomes(passed=1)


def test_fixture_sets_the_environment(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import os
        from pathlib import Path

        def test_environment(taskbadger_server, tmp_path):
            for name, value in taskbadger_server.environ().items():
                assert os.environ[name] == value
            config = Path(os.environ["TASKBADGER_CONFIG"])
            assert config.parent == tmp_path
            assert not config.exists()
        """
    )

    result = pytester.runpytest()

    result.assert_outcomes(passed=1)


def test_subprocess_inherits_the_server(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import subprocess
        import sys

        CODE = (
            "import taskbadger; taskbadger.init(); "
            "taskbadger.Task.create('from-a-child')"
        )

        def test_child(taskbadger_server):
            subprocess.run([sys.executable, "-c", CODE], check=True)

            assert taskbadger_server.last_task()["name"] == "from-a-child"
        """
    )

    result = pytester.runpytest()

    result.assert_outcomes(passed=1)


def test_sdk_is_unconfigured_after_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import taskbadger

        def test_uses_it(taskbadger_server):
            assert taskbadger.is_configured()

        def test_after(request):
            assert not taskbadger.is_configured()
        """
    )

    result = pytester.runpytest()

    result.assert_outcomes(passed=2)


def test_the_sessions_own_configuration_is_kept_and_restored(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(
        """
        import taskbadger

        def add_team(task):
            task.setdefault("data", {})["team"] = "ops"
            return task

        def pytest_configure(config):
            taskbadger.init(
                token="legacy-key", organization_slug="mine", project_slug="app",
                host="http://127.0.0.1:9", tags={"env": "test"}, before_create=add_team,
            )
        """
    )
    pytester.makepyfile(
        """
        import taskbadger
        from taskbadger import _settings

        def test_tags_and_hook_reach_the_server(taskbadger_server):
            taskbadger.Task.create("job")

            stored = taskbadger_server.last_task("job")
            assert stored["tags"] == {"env": "test"}
            assert stored["data"] == {"team": "ops"}

        def test_the_sessions_configuration_is_back_afterwards():
            settings = _settings.get_settings()
            assert (settings.organization_slug, settings.host) == (
                "mine", "http://127.0.0.1:9"
            )
        """
    )

    result = pytester.runpytest_subprocess()

    result.assert_outcomes(passed=2)


def test_each_test_gets_a_new_server_by_default(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        URLS = set()

        def test_one(taskbadger_server):
            URLS.add(taskbadger_server.url)

        def test_two(taskbadger_server):
            URLS.add(taskbadger_server.url)
            assert len(URLS) == 2
        """
    )

    result = pytester.runpytest()

    result.assert_outcomes(passed=2)


SHARED_SERVER_TESTS = """
import taskbadger

URLS = set()


def test_one(taskbadger_server):
    URLS.add(taskbadger_server.url)
    taskbadger.Task.create("first")
    taskbadger_server.inject_fault(status=500, times=None)


def test_two(taskbadger_server):
    URLS.add(taskbadger_server.url)
    assert len(URLS) == 1
    assert taskbadger_server.tasks == []
    assert taskbadger_server.requests == []
    taskbadger.Task.create("second")
    assert [t["name"] for t in taskbadger_server.tasks] == ["second"]
"""


def test_session_scope_shares_one_emptied_server(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ntaskbadger_server_scope = session\n")
    pytester.makepyfile(SHARED_SERVER_TESTS)

    result = pytester.runpytest_subprocess()

    result.assert_outcomes(passed=2)


def test_unknown_scope_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ntaskbadger_server_scope = module\n")
    pytester.makepyfile(SDK_TEST)

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*taskbadger_server_scope = 'module'*"])


def test_ini_option_is_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")

    result.stdout.fnmatch_lines(["*taskbadger_server_scope*"])


def test_fixture_is_listed_with_its_docs(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--fixtures")

    result.stdout.fnmatch_lines(
        ["taskbadger_server*", "*A local Task Badger API server, with the SDK*"]
    )


def test_sessions_without_the_fixture_start_no_server(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import sys

        def test_plain():
            assert "taskbadger.testing._server" not in sys.modules
        """
    )

    result = pytester.runpytest_subprocess()

    result.assert_outcomes(passed=1)
