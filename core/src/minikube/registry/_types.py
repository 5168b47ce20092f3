"""DriverDef, Priority, Health and Capabilities (minikube's ``pkg/minikube/registry``, with Lima's
driver features).

A driver states its facts once, in ``minikube-driver.toml``; ``DriverDef.declared`` reads them and
takes only the callables.  A def that states everything itself (driver API 1.0) keeps working.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .._errors import Reason
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
        if isinstance(text, bool):
            raise ValueError(f"priority must be a name such as \"Default\", not {text!r}")
        if isinstance(text, int):
            return cls(text)
        key = text.strip().upper().replace("-", "_").replace(" ", "_")
        if key == "HIGHLYPREFERRED":
            key = "HIGHLY_PREFERRED"
        try:
            return cls[key]
        except KeyError:
            raise ValueError(f"unknown priority {text!r} (one of: "
                             f"{', '.join(p.label for p in cls)})") from None


@dataclass
class Health:
    """A driver's health, as its status check reports it (minikube's ``registry.State``)."""

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


#: The kinds of shared folder a driver can offer (``--mount-type``).
MOUNT_KINDS = ("virtiofs", "9p")


@dataclass(frozen=True)
class Capabilities:
    """What a driver supports, read by the host instead of tests of driver names (Lima's
    ``DriverFeatures``, Vagrant's provider capabilities).  Declared under
    ``[drivers.<name>.capabilities]``; everything is off unless declared."""

    #: Shared-folder kinds it can mount in the guest: ``virtiofs``, ``9p``.
    mounts: tuple[str, ...] = ()
    #: Several machines of one profile on one network that reach each other.
    multinode: bool = False
    #: Machines may be created concurrently (minikube's ``DriverDef.Parallel``).
    parallel: bool = False
    #: An external plugin that must run as root (setuid, or started through ``sudo -n``).
    needs_root: bool = False
    #: Its machines boot minikube's ISO (a VM driver): without ``--iso-url``, ``minikube start``
    #: downloads the default boot image for it (driver API 1.2).
    boot_image: bool = False
    #: Its machines run no SSH server (libmachine's ``none`` driver, a test driver whose machines
    #: are host processes): ``start`` does not wait for SSH.
    #: Every other driver's machines answer SSH before ``start`` returns (driver API 1.5).
    no_ssh: bool = False

    #: Capability name -> what a user asks for that needs it (for the refusal).
    WORDS = {"mounts": "shared folders", "multinode": "more than one node",
             "parallel": "creating machines in parallel", "needs_root": "running as root",
             "boot_image": "booting minikube's ISO", "no_ssh": "machines without SSH"}
    _FLAGS = ("multinode", "parallel", "needs_root", "boot_image", "no_ssh")

    def to_dict(self) -> dict[str, Any]:
        return {"mounts": list(self.mounts), "multinode": self.multinode, "parallel": self.parallel,
                "needs_root": self.needs_root, "boot_image": self.boot_image, "no_ssh": self.no_ssh}

    @classmethod
    def parse(cls, table: Any) -> Capabilities:
        """A ``capabilities`` table; an unknown name or a value of the wrong type is a ValueError."""
        if not isinstance(table, Mapping):
            raise ValueError(f"capabilities must be a table, not {type(table).__name__}")
        unknown = sorted(set(table) - {"mounts", *cls._FLAGS})
        if unknown:
            raise ValueError(f"unknown capability {', '.join(map(repr, unknown))} "
                             f"(known: mounts, {', '.join(cls._FLAGS)})")
        for key in cls._FLAGS:
            if key in table and not isinstance(table[key], bool):
                raise ValueError(f"capability {key!r} must be true or false, not {table[key]!r}")
        mounts = table.get("mounts", [])
        if not isinstance(mounts, list) or not all(isinstance(m, str) for m in mounts):
            raise ValueError(f"capability 'mounts' must be a list of mount kinds, not {mounts!r}")
        bad = [m for m in mounts if m not in MOUNT_KINDS]
        if bad:
            raise ValueError(f"capability 'mounts' names unknown kind(s) {', '.join(map(repr, bad))} "
                             f"(known: {', '.join(MOUNT_KINDS)})")
        return cls(mounts=tuple(mounts), **{key: table.get(key, False) for key in cls._FLAGS})


_OS = {"linux": "linux", "darwin": "darwin", "win32": "windows", "cygwin": "windows"}
_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64",
         "i386": "386", "i686": "386", "armv7l": "arm", "ppc64le": "ppc64le", "s390x": "s390x"}


def current_platform() -> str:
    """This host as Go names it, e.g. ``linux/amd64`` (the analog of Go build tags)."""
    import platform

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
    """A driver's registration.  ``init`` set: builtin (in this process); None: external.

    The usual way to make one is :meth:`declared`, which takes the facts from the package's
    ``minikube-driver.toml`` so they are written once.
    """

    name: str
    config: Callable[[ClusterConfig], Any] | None = None
    init: Callable[[], Driver] | None = None
    status: Callable[[], Health] | None = None
    aliases: tuple[str, ...] = ()
    default: bool = False
    priority: Priority = Priority.UNKNOWN
    platforms: tuple[str, ...] = ()
    vm: bool = True
    description: str = field(default="", compare=False)
    #: External drivers only: the plugin binary's minimum ``version``.
    plugin_min_version: str = ""
    #: Driver API 1.0's name for ``capabilities.needs_root`` (kept: a 1.0 def still works).
    plugin_setuid: bool = False
    capabilities: Capabilities = field(default_factory=Capabilities)
    #: The driver's own reason IDs (ID, exit code, fix, doc), printed like the core's.
    reasons: tuple[Reason, ...] = ()

    def __post_init__(self) -> None:
        if self.plugin_setuid and not self.capabilities.needs_root:
            object.__setattr__(self, "capabilities", replace(self.capabilities, needs_root=True))

    @classmethod
    def declared(cls, package: str, *, config: Callable[[ClusterConfig], Any] | None = None,
                 init: Callable[[], Driver] | None = None, status: Callable[[], Health] | None = None,
                 name: str | None = None) -> DriverDef:
        """The def of the driver that ``package``'s ``minikube-driver.toml`` declares, with only
        the callables given here (``init`` only for a builtin driver).

        ``name`` picks the table when the file declares several drivers.  The declared reasons
        are registered with the core, so the driver's own errors print with their exit codes.
        """
        from ._declaration import read_package_declaration

        decl = read_package_declaration(package, name)
        if decl.builtin is not None and decl.builtin != (init is not None):
            raise ValueError(f"{package}/minikube-driver.toml declares builtin = "
                             f"{str(decl.builtin).lower()}, but init is {'missing' if init is None else 'given'}")
        decl.register_reasons()
        return cls(name=decl.name, config=config, init=init, status=status, aliases=decl.aliases,
                   default=bool(decl.default), priority=decl.priority or Priority.UNKNOWN,
                   platforms=decl.platforms, description=decl.summary,
                   plugin_min_version=decl.plugin_min_version, capabilities=decl.capabilities,
                   reasons=decl.reasons)

    @property
    def builtin(self) -> bool:
        return self.init is not None

    def supported(self, plat: str | None = None) -> bool:
        return supports(self.platforms, plat)

    def health(self) -> Health:
        """The status check, or 'installed and healthy' when the def has none."""
        if self.status is None:
            return Health(installed=True, healthy=True)
        return self.status()

