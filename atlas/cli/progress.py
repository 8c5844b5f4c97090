"""A one-line progress bar on a terminal's stderr; silent when stderr is a file or a pipe (cron, CI, logs)."""

from __future__ import annotations

import time
from types import TracebackType
from typing import Final, TextIO

WIDTH: Final[int] = 30
INTERVAL_S: Final[float] = 0.2


class Progress:
    """``with Progress(sys.stderr) as bar: ... bar.update(done, total, rows)``: redrawn at most 5 times a second."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.active = bool(getattr(stream, "isatty", lambda: False)())
        self.shown_at = 0.0
        self.started = time.monotonic()

    def __enter__(self) -> Progress:
        return self

    def update(self, done: int, total: int, rows: int) -> None:
        """Bytes read of the file's total, and rows read so far."""
        now = time.monotonic()
        if not self.active or now - self.shown_at < INTERVAL_S:
            return
        self.shown_at = now
        share = min(1.0, done / total) if total and done else 0.0
        bar = "█" * int(share * WIDTH) + "·" * (WIDTH - int(share * WIDTH))
        self.stream.write(f"\r{bar} {share:4.0%}  {rows:,} rows  {now - self.started:,.0f} s ")
        self.stream.flush()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
                 ) -> None:
        if self.active and self.shown_at:
            self.stream.write("\r" + " " * (WIDTH + 40) + "\r")
            self.stream.flush()
