"""Seconds per stage of a flow run, for the run's summary and the benchmarks."""

from __future__ import annotations

import time


class Stopwatch:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        """Seconds since the previous lap, added to ``name`` (a stage repeated per source adds up)."""
        now = time.perf_counter()
        self.laps[name] = round(self.laps.get(name, 0.0) + now - self._last, 2)
        self._last = now
