"""Run the benchmarks against the official client and print one table of ratios.

Usage:
    python bench/run_all.py            # everything, full sizes (make bench)
    python bench/run_all.py --quick    # small sizes, a few repeats
    python bench/run_all.py --only 1 --only 3

Both clients talk to a local API server on loopback; nothing leaves the machine.
The table is printed as Markdown on stdout and saved as JSON in bench/results/.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import bench_celery
import bench_cli
import bench_import
import bench_output
import bench_sdk
from harness import (
    BENCH_DIR,
    OFFICIAL_VERSION,
    BenchError,
    Context,
    Row,
    ensure_official_venv,
    format_value,
)

from taskbadger.testing import APIServer

RESULTS_DIR = BENCH_DIR / "results"

# Line number -> the module that measures it, in table order.
BENCHMARKS: dict[int, ModuleType] = {
    1: bench_cli,
    2: bench_import,
    3: bench_sdk,
    4: bench_celery,
    5: bench_output,
}


def main(argv: Sequence[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    lines = sorted(set(options.only or BENCHMARKS))
    ensure_official_venv(_log)

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="taskbadger-bench-") as home:
        ctx = Context(
            server=None,
            home=Path(home),
            quick=options.quick,
            log=_log,
            celery_tasks=options.celery_tasks,
        )
        rows = _measure_all(lines, ctx)
    elapsed = time.monotonic() - started

    print(render_table(rows))
    path = _save(rows, options.quick, elapsed)
    _log(f"done in {elapsed:.0f} s; results saved to {path}")
    return 0 if all(row.met is not False for row in rows) else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench/run_all.py",
        description=(
            "Compare this Task Badger client with the official one, side by side, "
            f"against a local API server (official: taskbadger=={OFFICIAL_VERSION})."
        ),
        epilog="Example: python bench/run_all.py --quick --only 2",
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes and few repeats"
    )
    parser.add_argument(
        "--celery-tasks",
        type=int,
        metavar="N",
        help="time N Celery tasks instead of 500 (50 with --quick)",
    )
    parser.add_argument(
        "--only",
        type=int,
        action="append",
        choices=sorted(BENCHMARKS),
        metavar="N",
        help="run only benchmark N (1-5); repeat the option for several",
    )
    return parser


def _measure_all(lines: Sequence[int], ctx: Context) -> list[Row]:
    rows: list[Row] = []
    with APIServer() as server:
        ctx.server = server
        for line in lines:
            module = BENCHMARKS[line]
            _log(f"{line}. {_summary(module)}")
            server.reset()
            rows.extend(_measure_one(line, module.measure, ctx))
    return rows


def _measure_one(
    line: int, measure: Callable[[Context], list[Row]], ctx: Context
) -> list[Row]:
    # One broken benchmark should not hide the others' figures.
    try:
        return measure(ctx)
    except BenchError as exc:
        _log(f"{line}. failed: {exc}")
        return [
            Row(str(line), _summary(BENCHMARKS[line]), "", None, None, note=str(exc))
        ]


def _summary(module: ModuleType) -> str:
    """The benchmark's one-line description, from its module docstring."""
    first_line = (module.__doc__ or "").strip().splitlines()[0]
    return first_line.split(": ", 1)[-1].replace("`", "").rstrip(".")


def render_table(rows: Sequence[Row]) -> str:
    """The rows as a Markdown table, then their notes as numbered footnotes."""
    header = ["#", "benchmark", "ours", "official", "ratio", "goal", "met?"]
    body: list[list[str]] = []
    notes: list[str] = []
    for row in rows:
        benchmark = row.benchmark
        if row.note:
            notes.append(row.note)
            benchmark += f" [{len(notes)}]"
        body.append(
            [
                row.line,
                benchmark,
                format_value(row.ours, row.unit),
                format_value(row.official, row.unit),
                format_value(row.ratio, "x"),
                "" if row.goal is None else str(row.goal),
                {True: "yes", False: "NO", None: ""}[row.met],
            ]
        )

    widths = [max(len(cells[i]) for cells in [header, *body]) for i in range(7)]
    lines = [
        _table_line(header, widths),
        _table_line(["-" * w for w in widths], widths),
    ]
    lines += [_table_line(cells, widths) for cells in body]
    lines += [""] + [f"[{number}] {note}" for number, note in enumerate(notes, 1)]
    return "\n".join(lines) + "\n"


def _table_line(cells: Sequence[str], widths: Sequence[int]) -> str:
    return (
        "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"
    )


def _save(rows: Sequence[Row], quick: bool, elapsed: float) -> Path:
    now = datetime.now(UTC)
    document = {
        "created": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "quick": quick,
        "seconds": round(elapsed, 1),
        "python": platform.python_version(),
        "machine": platform.platform(),
        "official_version": OFFICIAL_VERSION,
        "rows": [row.to_json() for row in rows],
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"bench-{now:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def _log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
