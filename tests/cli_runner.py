"""Running the `atlas` command in tests: in this process (the default, fast) or as a real process.

`run_atlas` calls `atlas.cli.main(args)` the way `python -m atlas` would run it, and returns what a
`subprocess.run(..., capture_output=True, text=True)` of the real command returns: the exit status (argparse's
`SystemExit` included), and stdout/stderr as written to a UTF-8 pipe (not a terminal) and read back with
universal newlines. Environment changes (``None`` removes a variable) hold only for the call; the working
directory is the test's, as the child's was. An exception the command does not turn into an exit status
propagates, so the test fails with its traceback (and pytest's warnings-as-errors apply to the command too).
What stays in the process between commands is only the atlas modules' caches of pure functions (vendored
assets, fonts, search keys, transformers): settings read the environment on every call.

`run_atlas_process` runs the same command as a child process (`python -m atlas`): the few smoke tests that
check the entry point, the exit status and the bytes on a real pipe use it; a child costs ~1 s of imports.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pytest

from atlas.cli import main

Env = Mapping[str, str | None]
"""Environment changes for one command: a value sets the variable, ``None`` removes it."""


@dataclass(frozen=True)
class CliResult:
    """One run of the `atlas` command (the attributes of `subprocess.CompletedProcess` the tests read)."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


class _Pipe(io.TextIOWrapper):
    """A text stream like a child's stdout on a pipe: UTF-8, not a terminal, bytes kept for reading back."""

    def __init__(self) -> None:
        self._bytes = io.BytesIO()
        super().__init__(self._bytes, encoding="utf-8", errors="strict", write_through=True)

    def text(self) -> str:
        """What `subprocess.run(..., text=True)` would read: decoded, with universal newlines."""
        self.flush()
        return self._bytes.getvalue().decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


@contextlib.contextmanager
def _environment(env: Env) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            if value is None:
                patch.delenv(name, raising=False)
            else:
                patch.setenv(name, value)
        yield


def _exit_status(code: object, stderr: io.TextIOBase) -> int:
    """The status `SystemExit(code)` gives a process (a message is printed to stderr, status 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=stderr)
    return 1


def run_atlas(*args: str, env: Env | None = None) -> CliResult:
    """`atlas ARGS` run in this process with `env` applied; see the module docstring."""
    stdout, stderr = _Pipe(), _Pipe()
    # argparse wraps its help to the terminal's width: a child on a pipe has none and falls back to 80 columns
    env = {"COLUMNS": os.environ.get("COLUMNS", "80"), **(env or {})}
    with _environment(env), contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            returncode = main(list(args))
        except SystemExit as exc:  # argparse: --help (0) and bad arguments (2)
            returncode = _exit_status(exc.code, stderr)
    return CliResult(args, returncode, stdout.text(), stderr.text())


def run_atlas_process(*args: str, env: Env | None = None, timeout: float = 180) -> CliResult:
    """`python -m atlas ARGS` as a child process, with this process's environment plus `env`."""
    environment = dict(os.environ)
    for name, value in (env or {}).items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    done = subprocess.run(
        [sys.executable, "-m", "atlas", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=environment,
        timeout=timeout,
        check=False,
    )
    return CliResult(args, done.returncode, done.stdout, done.stderr)
