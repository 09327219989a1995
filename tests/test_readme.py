"""The README's examples run as written."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from cli_runner import TASKBADGER

pytest_plugins = ["pytester"]

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks(section: str) -> list[str]:
    text = README.read_text()
    start = text.index(f"\n## {section}\n")
    end = text.find("\n## ", start + 1)
    body = text[start : end if end != -1 else len(text)]
    return re.findall(r"```python\n(.*?)```", body, flags=re.DOTALL)


def test_testing_your_integration_example_passes(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The example runs `taskbadger` by name, as in an activated virtualenv.
    monkeypatch.setenv(
        "PATH", f"{Path(TASKBADGER).parent}{os.pathsep}{os.environ['PATH']}"
    )
    example = _python_blocks("Testing your integration")[0]
    pytester.makepyfile(test_example=example)

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

    result.assert_outcomes(passed=example.count("\ndef test_"))
