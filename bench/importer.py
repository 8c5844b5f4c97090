"""`atlas import` of a synthetic registry of 10⁵ and 10⁶ rows: wall time and the command's peak memory.

    python -m bench.importer                  # N = 100k, 1M; writes its section into bench/results.md
    python -m bench.importer --n 100000       # one size

Each N runs the real command (`python -m atlas import FILE`) in a child process against a fresh copy of
data/ (the shipped 30 projects), so the time includes reading, checking, validating and saving the
registry. Memory: the command's own peak resident memory (``os.wait4``), and the peak of the proportional
set size (PSS) summed over the command and the worker processes it forks (sampled from /proc every
0.2 s; PSS splits the pages they share, so the sum is what the machine really gives them). Targets (the
importer issue): 10⁶ rows in ≤ 3 min on this 2-core machine, peak ≤ 2.5 GB. Before this importer, the
command refused such files outright (a 10 MB and a 50,000-row limit).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from atlas.core import settings
from bench.registry import registry_csv

RESULTS = Path(__file__).with_name("results.md")
SIZES = (100_000, 1_000_000)
TARGET_S = 180.0
TARGET_MB = 2500.0
SECTION = "## Import from the command line"


@dataclass(frozen=True)
class ImportRun:
    n: int
    seconds: float
    peak_mb: float
    """The command's own peak RSS."""
    tree_pss_mb: float
    """Peak PSS of the command and its workers together."""
    accepted: int
    exit_code: int


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                todo += [int(c) for c in task.read_text().split()]
    return pids


def _pss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
    return total / 1024


class _PssSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.2):
            self.peak = max(self.peak, _pss_mb(_tree(self.pid)))


def measure(n: int) -> ImportRun:
    """Import a synthetic registry of `n` rows into a copy of data/ and time it."""
    source, _ = registry_csv(n)
    with tempfile.TemporaryDirectory(prefix="atlas-bench-import-") as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(settings.REPO_ROOT / "data", data, ignore=shutil.ignore_patterns("history", ".*"))
        env = {**os.environ, "ATLAS_DATA_DIR": str(data)}
        env.pop("ATLAS_DATABASE_URL", None)
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "atlas", "import", str(source), "--author", "bench", "--format", "json"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=tmp,
        )
        sampler = _PssSampler(process.pid)
        sampler.start()
        assert process.stdout is not None
        out = process.stdout.read().decode("utf-8")
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        sampler.done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
    found = re.search(r'"accepted": (\d+)', out)
    return ImportRun(n, seconds, usage.ru_maxrss / 1024, sampler.peak, int(found.group(1)) if found else -1,
                     process.returncode)


def section(runs: list[ImportRun], *, load: tuple[float, ...]) -> list[str]:
    lines = [
        SECTION,
        "",
        f"`python -m bench.importer`: `atlas import` of the synthetic registry (scripts/make_synthetic_registry.py) "
        f"into a copy of data/, in a child process; load average before: {load[0]:.2f}. Peak = the command's "
        "own peak resident memory (`os.wait4`); PSS = proportional set size summed over the command and the worker "
        "processes it forks, sampled every 0.2 s.",
        "",
        "| rows | time | target | peak RSS (command) | peak PSS (command + workers) | target | accepted | exit |",
        "|---:|---:|---|---:|---:|---|---:|---:|",
    ]
    for run in runs:
        big = run.n >= 10**6
        time_target = f"≤ {TARGET_S:.0f} s: {'met' if run.seconds <= TARGET_S else 'missed'}" if big else "—"
        memory = max(run.peak_mb, run.tree_pss_mb)
        memory_target = f"≤ {TARGET_MB / 1000:.1f} GB: {'met' if memory <= TARGET_MB else 'missed'}" if big else "—"
        lines.append(f"| {run.n:,} | {run.seconds:.1f} s | {time_target} | {run.peak_mb:,.0f} MB | "
                     f"{run.tree_pss_mb:,.0f} MB | {memory_target} | {run.accepted:,} | {run.exit_code} |")
    return [*lines, ""]


def write_section(path: Path, lines: list[str], *, heading: str = SECTION) -> None:
    """Replace the section `heading` of results.md (or add it), leaving the other benchmarks' sections as they are."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    body = "\n".join(lines)
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: body + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + body + "\n"
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.importer", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=lambda s: tuple(int(v) for v in s.split(",")), default=SIZES)
    parser.add_argument("-o", "--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    load = os.getloadavg()
    runs = []
    for n in args.n:
        run = measure(n)
        print(f"import N = {n:,}: {run.seconds:.1f} s, peak RSS {run.peak_mb:,.0f} MB, peak PSS with workers "
              f"{run.tree_pss_mb:,.0f} MB, {run.accepted:,} accepted, exit {run.exit_code}", flush=True)
        runs.append(run)
    write_section(args.output, section(runs, load=load))
    return 0 if all(r.exit_code == 0 for r in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
