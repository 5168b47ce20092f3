"""DriverDef, Priority and the health State (minikube's ``pkg/minikube/registry``)."""

from __future__ import annotations

import enum
import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..config import ClusterConfig
    from ..machine import Driver


class Priority(enum.IntEnum):
    """How much minikube prefers a driver, lowest to highest (minikube's exact values)."""

    UNKNOWN = 0
    OBSOLETE = 1
    UNHEALTHY = 2
    EXPERIMENTAL = 3
    DISCOURAGED = 4
    DEPRECATED = 5
    FALLBACK = 6
    DEFAULT = 7
    PREFERRED = 8
    HIGHLY_PREFERRED = 9

    @property
    def label(self) -> str:
        return self.name.title().replace("_", "")

    @classmethod
    def parse(cls, text: str | int) -> Priority:
        if isinstance(text, int):
            return cls(text)
        key = text.strip().upper().replace("-", "_").replace(" ", "_")
        if key == "HIGHLYPREFERRED":
            key = "HIGHLY_PREFERRED"
        return cls[key]


@dataclass
class State:
    """A driver's health, as its status check reports it."""

    installed: bool = False
    healthy: bool = False
    running: bool = False
    needs_improvement: bool = False
    error: str = ""
    reason: str = ""
    fix: str = ""
    doc: str = ""
    version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


_OS = {"linux": "linux", "darwin": "darwin", "win32": "windows", "cygwin": "windows"}
_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64",
         "i386": "386", "i686": "386", "armv7l": "arm", "ppc64le": "ppc64le", "s390x": "s390x"}


def current_platform() -> str:
    """This host as Go names it, e.g. ``linux/amd64`` (the analog of Go build tags)."""
    machine = platform.machine().lower()
    return f"{_OS.get(sys.platform, sys.platform)}/{_ARCH.get(machine, machine)}"


def supports(platforms: tuple[str, ...], plat: str | None = None) -> bool:
    """Whether a platform list (``linux/amd64``, ``darwin/*`` or ``darwin``; empty = all) admits ``plat``."""
    if not platforms:
        return True
    plat = plat or current_platform()
    os_name, _, arch = plat.partition("/")
    for p in platforms:
        p_os, _, p_arch = p.partition("/")
        if p_os == os_name and p_arch in ("", "*", arch):
            return True
    return False


@dataclass(frozen=True)
class DriverDef:
    """A driver's registration.  ``init`` set: builtin (in this process); None: external."""

    name: str
    config: Callable[[ClusterConfig], Any] | None = None
    init: Callable[[], Driver] | None = None
    status: Callable[[], State] | None = None
    aliases: tuple[str, ...] = ()
    default: bool = False
    priority: Priority = Priority.UNKNOWN
    platforms: tuple[str, ...] = ()
    vm: bool = True
    description: str = field(default="", compare=False)
    #: External drivers only: the plugin binary's minimum ``version`` and whether it must be
    #: owned by root with the setuid bit (checked on macOS, as for hyperkit).
    plugin_min_version: str = ""
    plugin_setuid: bool = False

    @property
    def builtin(self) -> bool:
        return self.init is not None

    def supported(self, plat: str | None = None) -> bool:
        return supports(self.platforms, plat)

    def health(self) -> State:
        """The status check, or 'installed and healthy' when the def has none."""
        if self.status is None:
            return State(installed=True, healthy=True)
        return self.status()
