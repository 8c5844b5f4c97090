"""Cold start at 10⁶: how long a fresh process takes to open the atlas, without and with the registry cache.

    python -m bench.coldstart                     # N = 1M; writes its section into bench/results.md
    python -m bench.coldstart --n 100000,1000000  # other sizes
    python -m bench.coldstart --registry /tmp/projects.csv  # an existing registry CSV instead of the work folder's

Each start is a fresh Python process (as a restarted app server is) timing
`atlas.registry.startup.open_atlas_with_problems`, what the app's `_loaded()` calls before the first
visitor sees anything, on a copy of data/ whose projects.csv is the synthetic registry:

1. before: ``ATLAS_CACHE_DIR=off``, the load as it was (parse, validate, build the search keys);
2. first start: an empty cache folder, so the same load and then the cache written;
3. second start: the cache hit, `REPEAT` times (median reported).

Every size is cached (``ATLAS_CACHE_MIN_BYTES=0``), also those below the app's threshold. The data copy
and the cache folder live in a temp folder (``--work``), deleted afterwards. Target: a
second start ≤ 5 s at 10⁶ (it took ~35 s before the cache).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from atlas.core import settings
from bench.registry import OUT, registry_csv
from bench.report import write_section

RESULTS = Path(__file__).with_name("results.md")
SIZES = (1_000_000,)
REPEAT = 5
TARGET_S = 5.0
BEFORE_ISSUE_S = 35.0
"""The restart time at 10⁶ reported before the cache existed."""
SECTION = "## Cold start (issue 15)"

CHILD = """
import json, resource, time
started = time.perf_counter()
from atlas.registry import startup
imported = time.perf_counter()
seen = {}
real = startup.load_with_cache
def spy(data_dir):
    loaded = real(data_dir)
    seen.update(outcome=loaded.outcome, reason=loaded.reason)
    return loaded
startup.load_with_cache = spy
began = time.perf_counter()
atlas, problems = startup.open_atlas_with_problems()
opened = time.perf_counter()
print(json.dumps({"import_s": imported - started, "open_s": opened - began,
                  "rows": None if atlas is None else len(atlas.projects), "problems": len(problems),
                  "outcome": seen.get("outcome", "?"), "reason": seen.get("reason", ""),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


@dataclass
class Start:
    """One fresh process: the open's seconds, the whole process's, its outcome and peak memory."""

    open_s: float
    process_s: float
    import_s: float
    outcome: str
    reason: str
    rows: int | None
    problems: int
    peak_mb: float


@dataclass
class ColdStart:
    n: int
    registry_mb: float
    cache_mb: float = 0.0
    before: Start | None = None
    first: Start | None = None
    second: list[Start] = field(default_factory=list)

    @property
    def second_s(self) -> float:
        return statistics.median(s.open_s for s in self.second)


def start(data: Path, cache: str) -> Start:
    """Open the atlas of `data` in a fresh interpreter with ``ATLAS_CACHE_DIR=cache``."""
    env = {**os.environ, "ATLAS_DATA_DIR": str(data), "ATLAS_CACHE_DIR": cache, "ATLAS_CACHE_MIN_BYTES": "0"}
    env.pop("ATLAS_DATABASE_URL", None)
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD], env=env, cwd=settings.REPO_ROOT, capture_output=True,
                          text=True, timeout=1800, check=False)
    process_s = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"the child failed ({done.returncode}):\n{done.stderr[-3000:]}")
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return Start(process_s=process_s, **found)


def measure(n: int, *, registry: Path | None, work: Path, repeat: int = REPEAT) -> ColdStart:
    source = registry or registry_csv(n)[0]
    data = work / f"data-{n}"
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(settings.REPO_ROOT / "data", data, ignore=shutil.ignore_patterns("history", ".*"))
    projects = data / settings.DATA_FILES["projects"]
    projects.unlink()
    projects.symlink_to(source.resolve())
    cache = work / f"cache-{n}"
    shutil.rmtree(cache, ignore_errors=True)
    result = ColdStart(n, source.stat().st_size / 1e6)
    result.before = _say("before (no cache)", start(data, "off"))
    result.first = _say("first start (writes the cache)", start(data, str(cache)))
    result.second = [_say("second start (cache hit)", start(data, str(cache))) for _ in range(repeat)]
    result.cache_mb = sum(p.stat().st_size for p in cache.iterdir()) / 1e6 if cache.is_dir() else 0.0
    return result


def _say(label: str, run: Start) -> Start:
    print(f"  {label}: open {run.open_s:.2f} s (process {run.process_s:.2f} s, import {run.import_s:.2f} s), "
          f"{run.outcome} {run.reason}, peak RSS {run.peak_mb:,.0f} MB", flush=True)
    return run


def section(results: list[ColdStart], *, load: tuple[float, ...]) -> list[str]:
    lines = [
        SECTION,
        "",
        "`python -m bench.coldstart`: a fresh Python process opens the atlas (`open_atlas_with_problems`, what the "
        "app's `_loaded()` calls before the first visitor sees anything) on a copy of data/ with the synthetic "
        f"registry; load average before: {load[0]:.2f} (2 shared cores). *Before*: `ATLAS_CACHE_DIR=off`, the "
        "load as it was (parse, validate, build the search keys). *First start*: empty cache folder, the same "
        "load plus writing the cache. *Second start*: the cache hit (median of "
        f"{REPEAT}; all runs listed). \"process\" adds the interpreter's start and the imports. "
        f"Target: second start ≤ {TARGET_S:.0f} s at 10⁶ (about {BEFORE_ISSUE_S:.0f} s before the cache).",
        "",
        "| N | registry | cache files | before: open | first start: open (+ cache written) | second start: open "
        "| second start: process | target | peak RSS before / hit |",
        "|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in results:
        assert r.before is not None and r.first is not None
        hit = r.second_s
        met = f"≤ {TARGET_S:.0f} s: {'met' if hit <= TARGET_S else 'missed'}" if r.n >= 10**6 else "—"
        outcomes = {s.outcome for s in r.second}
        note = "" if outcomes == {"hit"} else f" (outcomes: {', '.join(sorted(outcomes))})"
        each = ", ".join(f"{s.open_s:.2f}" for s in r.second)
        lines.append(
            f"| {r.n:,} | {r.registry_mb:,.0f} MB | {r.cache_mb:,.0f} MB | {r.before.open_s:.1f} s "
            f"| {r.first.open_s:.1f} s ({r.first.outcome}) | {hit:.2f} s ({each})"
            f"{note} | {statistics.median(s.process_s for s in r.second):.2f} s | {met} "
            f"| {r.before.peak_mb:,.0f} / {max(s.peak_mb for s in r.second):,.0f} MB |")
    return [*lines, ""]


def run(sizes: tuple[int, ...], *, registry: Path | None = None, work: Path | None = None,
        output: Path | None = RESULTS) -> list[ColdStart]:
    """Measure every size, write the section into `output` (when given) and the raw runs into `bench.registry.OUT`."""
    load = os.getloadavg()
    results = []
    with tempfile.TemporaryDirectory(prefix="atlas-bench-coldstart-", dir=work) as tmp:
        for n in sizes:
            print(f"cold start, N = {n:,}", flush=True)
            results.append(measure(n, registry=registry, work=Path(tmp)))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "coldstart.json").write_text(json.dumps([asdict(r) for r in results], indent=1), encoding="utf-8")
    if output is not None:
        write_section(output, section(results, load=load))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.coldstart", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=lambda s: tuple(int(v) for v in s.split(",")), default=SIZES)
    parser.add_argument("--registry", type=Path, help="a registry CSV to use (default: OUT's synthetic one)")
    parser.add_argument("--work", type=Path, help="where the temp data copy and cache go (default: the temp dir)")
    parser.add_argument("-o", "--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.registry is not None and len(args.n) != 1:
        parser.error("--registry goes with one size")
    results = run(args.n, registry=args.registry, work=args.work, output=args.output)
    return 0 if all(s.outcome == "hit" for r in results for s in r.second) else 1


if __name__ == "__main__":
    raise SystemExit(main())
