"""``$MINIKUBE_HOME`` is the user's alone: the directory 0700 and every file the core keeps there 0600,
whichever command made it, and a home an older version left open is closed by the next command that
writes there.  The boot image cache (``cache/``) is left readable: it holds public images."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ._helpers import Mk


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def open_files(home: Path) -> dict[str, int]:
    """Every file or directory below ``home`` (the cache aside) that others than its owner may read."""
    found = {}
    for d, dirs, files in os.walk(home):
        if Path(d) == home:
            dirs[:] = [x for x in dirs if x != "cache"]
        for name in files:
            p = Path(d) / name
            if mode(p) & 0o077:
                found[str(p.relative_to(home))] = mode(p)
    return found


def test_start_makes_a_private_home(mk: Mk) -> None:
    mk.ok("start", "--driver", "fake")
    mk.ok("config", "set", "cpus", "2")
    mk.ok("status")
    assert mode(mk.home) == 0o700
    for f in ("config.toml", "profiles/minikube/config.json", "profiles/minikube/events.json",
              "machines/minikube/config.json", "locks/minikube.lock"):
        assert mode(mk.home / f) == 0o600, f
    assert open_files(mk.home) == {}


def test_config_set_makes_the_same_private_home(mk: Mk) -> None:
    mk.ok("config", "set", "cpus", "2")
    assert mode(mk.home) == 0o700 and mode(mk.home / "config.toml") == 0o600


def test_a_home_an_older_version_left_open_is_closed_by_the_next_command(mk: Mk) -> None:
    mk.ok("start", "--driver", "fake")
    mk.ok("config", "set", "cpus", "2")
    old = [mk.home / "config.toml", mk.home / "profiles" / "minikube" / "events.json",
           mk.home / "locks" / "minikube.lock"]
    os.chmod(mk.home, 0o755)  # what start made before, with the usual umask
    for f in old:
        os.chmod(f, 0o644)
    mk.ok("config", "set", "memory", "2g")
    assert mode(mk.home) == 0o700 and mode(mk.home / "config.toml") == 0o600
    mk.ok("stop")
    assert open_files(mk.home) == {}, "the events log and the lock are closed when next written"
