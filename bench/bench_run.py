"""What `taskbadger run --capture-output` costs a command that prints a lot.

Runs one loud command (text lines, 1 GiB by default) bare and under the
wrapper, in the same session, against the local API server, and prints a table
of medians: wall time and CPU time of all processes involved, their ratios to
the bare command, and the wrapper's own peak resident memory (read from /proc
while it runs, so the command is not counted).
The output goes to a pipe read by `cat`, the way cron and CI runners collect a
job's output; `--sink devnull` sends it to /dev/null instead, where the bare
command pays nothing at all for its output and the wrapper pays for one more
pipe.

Goals: wall time at most 1.3x the bare command; wrapper peak RSS at most 60 MiB.

With `--json` the same figures are printed as one JSON object instead: the
settings, each case's medians and single runs, and the goals.

Usage:
    .venv/bin/python bench/bench_run.py [--size 1G] [--repeats 3] [--sink pipe]
        [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from taskbadger.testing import APIServer

TASKBADGER = str(Path(sys.executable).with_name("taskbadger"))

LINE = "2024-05-01T03:00:00Z INFO copied block 000123 of 999999 to the archive: ok"
"""A typical log line; the command repeats it until it has printed --size bytes."""

RSS_POLL_INTERVAL = 0.02
"""Seconds between reads of the wrapper's peak RSS; VmHWM only grows, so a read
late in the run sees nearly the whole peak."""

WALL_GOAL = 1.3
RSS_GOAL_MIB = 60.0

UNITS = {"K": 1024, "M": 1024**2, "G": 1024**3}

BARE = "bare command"
CAPTURED = "run --capture-output"


@dataclass
class Measurement:
    """One timed run."""

    seconds: float
    cpu_seconds: float
    peak_rss_mib: float | None


def parse_size(text: str) -> int:
    """A byte count such as 1G, 200M or 4096."""
    unit = UNITS.get(text[-1:].upper())
    return int(float(text[:-1]) * unit) if unit else int(text)


def producer(size: int) -> list[str]:
    """The loud command: `size` bytes of log lines on stdout."""
    return ["sh", "-c", f"yes '{LINE}' | head -c {size}"]


def measure(
    argv: list[str], env: dict[str, str], *, wrapper: bool, sink: str
) -> Measurement:
    """Run argv with its output going to `sink`; time it, watch its peak RSS."""
    peak: list[int] = [0]
    cpu_before = _children_cpu()
    with open(os.devnull, "wb") as devnull:
        begin = time.perf_counter()
        if sink == "pipe":
            process = subprocess.Popen(
                argv, stdout=subprocess.PIPE, stderr=devnull, env=env
            )
            reader = subprocess.Popen(["cat"], stdin=process.stdout, stdout=devnull)
            assert process.stdout is not None
            process.stdout.close()
        else:
            process = subprocess.Popen(argv, stdout=devnull, stderr=devnull, env=env)
        watcher = None
        if wrapper:
            watcher = threading.Thread(target=_watch_rss, args=(process, peak))
            watcher.start()
        code = process.wait()
        if sink == "pipe":
            reader.wait()
        seconds = time.perf_counter() - begin
        if watcher is not None:
            watcher.join()
    if code != 0:
        raise SystemExit(f"{argv[0]} exited with {code}")
    cpu = _children_cpu() - cpu_before
    return Measurement(seconds, cpu, peak[0] / 1024 if wrapper else None)


def _children_cpu() -> float:
    """CPU seconds used by every finished child process, the command's included.

    Unlike wall time it hardly changes when other work shares the machine.
    """
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _watch_rss(process: subprocess.Popen[bytes], peak: list[int]) -> None:
    status = Path(f"/proc/{process.pid}/status")
    while process.poll() is None:
        try:
            text = status.read_text()
        except OSError:
            break
        for line in text.splitlines():
            if line.startswith("VmHWM:"):
                peak[0] = max(peak[0], int(line.split()[1]))
        time.sleep(RSS_POLL_INTERVAL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1G", help="bytes printed (e.g. 1G, 200M)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each case")
    parser.add_argument(
        "--sink",
        choices=("pipe", "devnull"),
        default="pipe",
        help="where the output goes: a pipe read by cat, as cron and CI read "
        "a job's output (default), or straight to /dev/null",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the results as one JSON object"
    )
    args = parser.parse_args()
    size = parse_size(args.size)

    with APIServer() as server:
        env = {**os.environ, **server.environ()}
        command = producer(size)
        cases = {
            BARE: (command, False),
            "run (passthrough)": (
                [TASKBADGER, "run", "bench", "-q", "--", *command],
                True,
            ),
            CAPTURED: (
                [TASKBADGER, "run", "bench", "-q", "--capture-output", "--", *command],
                True,
            ),
        }
        results: dict[str, list[Measurement]] = {name: [] for name in cases}
        for _ in range(args.repeats):
            # Interleaved, so a noisy neighbour slows every case alike.
            for name, (argv, wrapper) in cases.items():
                measurement = measure(argv, env, wrapper=wrapper, sink=args.sink)
                results[name].append(measurement)

    summary = summarize(results, size, args.repeats, args.sink)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        report(summary)


def summarize(
    results: dict[str, list[Measurement]], size: int, repeats: int, sink: str
) -> dict[str, Any]:
    """The medians of every case, their ratios to the bare command, the goals."""
    bare = statistics.median(m.seconds for m in results[BARE])
    bare_cpu = statistics.median(m.cpu_seconds for m in results[BARE])
    cases: dict[str, dict[str, Any]] = {}
    for name, runs in results.items():
        seconds = statistics.median(m.seconds for m in runs)
        cpu = statistics.median(m.cpu_seconds for m in runs)
        rss = [m.peak_rss_mib for m in runs if m.peak_rss_mib is not None]
        cases[name] = {
            "wall_seconds": seconds,
            "wall_ratio": seconds / bare,
            "cpu_seconds": cpu,
            "cpu_ratio": cpu / bare_cpu,
            "wrapper_peak_rss_mib": statistics.median(rss) if rss else None,
            "runs": [asdict(m) for m in runs],
        }

    captured = results[CAPTURED]
    ratio = cases[CAPTURED]["wall_ratio"]
    peak = max(m.peak_rss_mib or 0.0 for m in captured)
    return {
        "size_bytes": size,
        "sink": sink,
        "repeats": repeats,
        "cases": cases,
        "goals": {
            "wall_ratio": ratio,
            "wall_ratio_goal": WALL_GOAL,
            "wall_ratio_met": ratio <= WALL_GOAL,
            "peak_rss_mib": peak,
            "peak_rss_goal_mib": RSS_GOAL_MIB,
            "peak_rss_met": peak <= RSS_GOAL_MIB,
        },
    }


def report(summary: dict[str, Any]) -> None:
    """Print the table of medians and whether the goals are met."""
    print(
        f"{summary['size_bytes'] / 1024**2:.0f} MiB of output to {summary['sink']}, "
        f"median of {summary['repeats']} runs"
    )
    print(
        f"{'case':<24}{'wall s':>8}{'ratio':>7}{'CPU s':>8}{'ratio':>7}"
        f"{'wrapper RSS MiB':>17}"
    )
    for name, case in summary["cases"].items():
        rss = case["wrapper_peak_rss_mib"]
        rss_text = "-" if rss is None else f"{rss:.1f}"
        print(
            f"{name:<24}{case['wall_seconds']:>8.2f}{case['wall_ratio']:>7.2f}"
            f"{case['cpu_seconds']:>8.2f}{case['cpu_ratio']:>7.2f}{rss_text:>17}"
        )

    goals = summary["goals"]
    print(
        f"goals: ratio {goals['wall_ratio']:.2f} <= {WALL_GOAL} "
        f"{'met' if goals['wall_ratio_met'] else 'NOT met'}; "
        f"peak RSS {goals['peak_rss_mib']:.1f} MiB <= {RSS_GOAL_MIB:.0f} "
        f"{'met' if goals['peak_rss_met'] else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
