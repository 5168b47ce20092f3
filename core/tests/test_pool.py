"""minikube.machine.BoundedPool: never more at once than asked, the rest queued; a stop leaves
what is queued undone; a host out of threads gets the work done in the caller's thread."""

from __future__ import annotations

import threading
import time

import pytest
from minikube.machine import BoundedPool, machines_at_once


class Counter:
    def __init__(self, delay: float = 0.05) -> None:
        self.lock = threading.Lock()
        self.now = self.most = 0
        self.done: list[int] = []
        self.delay = delay

    def __call__(self, item: int) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(self.delay)
        with self.lock:
            self.now -= 1
            self.done.append(item)


@pytest.mark.parametrize(("items", "at_once", "most"), [(7, 3, 3), (2, 5, 2), (4, 1, 1)])
def test_no_more_at_once_than_the_bound(items: int, at_once: int, most: int) -> None:
    c = Counter()
    pool = BoundedPool(list(range(items)), c, at_once=at_once)
    assert pool.queued == (items > at_once)
    pool.start().wait(poll=0.01)
    assert c.most == most and sorted(c.done) == list(range(items))


def test_a_stop_leaves_the_queue_undone() -> None:
    stop = threading.Event()
    c = Counter(delay=0.1)

    def one(item: int) -> None:
        stop.set()  # the first item fails: the others are not started
        c(item)

    BoundedPool(list(range(5)), one, at_once=1, stop=stop).start().wait(poll=0.01)
    assert c.done == [0]


def test_no_thread_left_means_the_caller_does_the_work(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refuse)
    c = Counter(delay=0)
    BoundedPool(list(range(3)), c, at_once=2).start().wait()
    assert c.done == [0, 1, 2] and c.most == 1


def test_the_bound_follows_cpus_and_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    from minikube import _host

    monkeypatch.setattr(_host, "cpus", lambda: 8)
    monkeypatch.setattr(_host, "memory_mb", lambda: 16000)
    assert machines_at_once() == 8
    assert machines_at_once(6000) == 2
    assert machines_at_once(64000) == 1  # more than the host has: still one at a time
    monkeypatch.setattr(_host, "cpus", lambda: None)
    assert machines_at_once() == 1
