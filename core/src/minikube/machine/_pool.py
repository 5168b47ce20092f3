"""Machines brought up together, never more at once than the host runs.

A ``parallel`` driver may be asked to make (or start) several machines at the same time: the
nodes of one ``minikube start --nodes N``.  Asking for all N at once is what made a mistyped
``--nodes`` start thousands of threads, and 40 VMs boot at once on a 2-core host.  So the work
goes through a small pool: one thread per machine the host can run at once (its CPUs, and what
its memory holds at the machines' size), the rest queued.  The CLI's node orchestration and the
conformance kit both use it, so a driver is asked exactly as minikube asks it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from .. import _host

log = logging.getLogger("minikube.machine")

T = TypeVar("T")


def machines_at_once(memory_mb: int | None = None) -> int:
    """How many machines one command brings up at the same time: one per host CPU, and no more
    than the host's memory holds at ``memory_mb`` each; at least one."""
    bound = _host.cpus() or 1
    host_mb = _host.memory_mb()
    if memory_mb and host_mb:
        bound = min(bound, host_mb // memory_mb)
    return max(bound, 1)


class BoundedPool:
    """Run ``one(item)`` for every item, at most ``at_once`` at a time, in daemon threads (so the
    caller's thread stays free for Ctrl-C).  Setting ``stop`` leaves what is still queued undone.
    A host that cannot start another thread gets the rest in the caller's thread, in :meth:`wait`."""

    def __init__(self, items: Sequence[T], one: Callable[[T], None], *, at_once: int,
                 stop: threading.Event | None = None) -> None:
        self.total = len(items)
        self.at_once = max(1, min(at_once, self.total))
        self._queue = list(reversed(items))
        self._one: Callable[[T], None] = one
        self._stop = stop or threading.Event()
        self._taking = threading.Lock()
        self._threads: list[threading.Thread] = []

    @property
    def queued(self) -> bool:
        """Whether some items wait for a free place."""
        return self.at_once < self.total

    def _work(self) -> None:
        while not self._stop.is_set():
            with self._taking:
                if not self._queue:
                    return
                item = self._queue.pop()
            self._one(item)

    def start(self) -> BoundedPool:
        for i in range(self.at_once):
            t = threading.Thread(target=self._work, name=f"machines-{i + 1}", daemon=True)
            try:
                t.start()
            except RuntimeError:  # no thread left on this host: wait() does the rest here
                log.info("started %d of %d threads", len(self._threads), self.at_once)
                break
            self._threads.append(t)
        return self

    def wait(self, poll: float = 0.2) -> None:
        """Until every item is done (or ``stop`` is set and the running ones end)."""
        if not self._threads:
            self._work()
        for t in self._threads:
            while t.is_alive():
                t.join(poll)
