"""Where minikube keeps its files: ``$MINIKUBE_HOME`` (default ``~/.minikube``)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from ._errors import InvalidNameError

#: libmachine's rule for machine names; profiles share it.
NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9\-\.]*$")


def minikube_home() -> Path:
    home = os.environ.get("MINIKUBE_HOME")
    return Path(home) if home else Path.home() / ".minikube"


def validate_name(name: str, what: str = "profile") -> str:
    """Refuse names like ``../x``, ``a/b`` or ``-rf`` before any file is touched."""
    if not NAME_RE.match(name) or name in (".", "..") or len(name) > 200:
        raise InvalidNameError(
            f"invalid {what} name {name!r}: it must match {NAME_RE.pattern}")
    return name


def machines_dir() -> Path:
    return minikube_home() / "machines"


def machine_dir(name: str) -> Path:
    return machines_dir() / validate_name(name, "machine")


def profile_dir(name: str) -> Path:
    return minikube_home() / "profiles" / validate_name(name)


def config_file() -> Path:
    """The user's settings (``minikube config``)."""
    return minikube_home() / "config.toml"


def cache_dir() -> Path:
    return minikube_home() / "cache"
