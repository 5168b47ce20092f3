"""``hyperkit -v``: the version line and the date minikube compares against.

hyperkit prints ``<progname>: <version>`` then its homepage; versions look like
``v0.20190201-11-gc0dd46`` (git builds, Docker Desktop) or ``0.20190201`` (Homebrew).
"""

from __future__ import annotations

import datetime

#: minikube's minimum recommended hyperkit.
MINIMUM_VERSION = "0.20190201"


def version_from_output(output: str) -> str:
    """``hyperkit: v0.20190201-11-gc0dd46`` -> ``v0.20190201-11-gc0dd46``; ValueError if absent."""
    first = output.strip().splitlines()[0] if output.strip() else ""
    _, sep, version = first.partition(": ")
    if not sep or not version.strip():
        raise ValueError(f"unexpected 'hyperkit -v' output: {first[:80]!r}")
    return version.strip()


def version_date(version: str) -> datetime.date:
    """``v0.20190201-11-gc0dd46`` or ``0.20190201`` -> 2019-02-01; ValueError if not a date."""
    part = version.split(".", 1)[1] if "." in version else version
    digits = part[:8]
    try:
        return datetime.datetime.strptime(digits, "%Y%m%d").date()
    except ValueError:
        raise ValueError(f"hyperkit version {version!r} does not carry a YYYYMMDD date") from None


def is_recent_enough(version: str, minimum: str = MINIMUM_VERSION) -> bool:
    return version_date(version) >= version_date(minimum)
