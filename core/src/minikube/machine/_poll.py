"""Polling with a deadline: what every driver does while a VM boots, stops or gets an IP."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from .._errors import DriverError

T = TypeVar("T")


def wait_for(check: Callable[[], T | None], *, timeout: float, interval: float = 2.0,
             what: str = "the machine", reason_id: str = "GUEST_START") -> T:
    """Call ``check`` until it returns something truthy, or raise after ``timeout`` seconds.

    The last exception ``check`` raised (if any) is named in the error, so a timeout says why.
    """
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while True:
        try:
            result = check()
            if result:
                return result
        except DriverError:
            raise
        except Exception as e:  # noqa: BLE001 - kept to explain the timeout
            last = e
        if time.monotonic() >= deadline:
            detail = f": {last}" if last else ""
            raise DriverError(f"timed out after {timeout:g}s waiting for {what}{detail}",
                              reason_id=reason_id)
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))
