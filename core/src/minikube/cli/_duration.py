"""Go's ``time.Duration`` text (``6m0s``, ``90s``, ``1h30m``, ``1.5s``), as minikube's duration
flags take it (``--wait-timeout``)."""

from __future__ import annotations

import re

from .._errors import UsageError

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


def parse_duration(text: str, flag: str) -> float:
    """Seconds; anything Go's ``time.ParseDuration`` refuses (a bare number but 0, a negative
    duration, an unknown unit) is MK_USAGE naming the flag."""
    value = text.strip()
    if value == "0":
        return 0.0
    pos, total = 0, 0.0
    while pos < len(value):
        m = _PART.match(value, pos)
        if m is None:
            raise UsageError(f'invalid duration "{text}" for {flag}',
                             fix=f"Give a duration with its unit, as Go writes it: {flag}=6m0s, {flag}=90s")
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if not value:
        raise UsageError(f'invalid duration "" for {flag}', fix=f"Give a duration, e.g. {flag}=6m0s")
    return total
