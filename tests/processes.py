"""What the tests ask of processes the course started and should have stopped."""

from __future__ import annotations

import time

import psutil


def still_running(pids: list[int], within: float) -> list[int]:
    """The pids that are still alive (not zombies) after waiting up to ``within`` seconds for them to go."""

    def alive() -> list[int]:
        out = []
        for pid in pids:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    out.append(pid)
            except psutil.NoSuchProcess:
                pass
        return out

    deadline = time.monotonic() + within
    while alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    return alive()
