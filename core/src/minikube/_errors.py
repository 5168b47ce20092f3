"""Every reason ID with its exit code, and the whole exception hierarchy.

Exit codes follow minikube's scheme: a category (program 10, resource 20, host 30,
network 40, driver 50, provider 60, guest 80) plus a kind (0 error, 1 conflict,
2 timeout, 3 not running, 4 usage, 5 not found, 6 unavailable, 7 permission, 8 config,
9 unsupported/other).

Exceptions subclass built-ins so callers can catch either::

    MinikubeError (Exception)                      Exiting due to <reason>
    ├── UsageError (ValueError)                    MK_USAGE
    │   └── InvalidNameError                       MK_INVALID_NAME
    ├── ConfigError (ValueError)                   MK_CONFIG_INVALID / GUEST_CONFIG_CORRUPT
    │   └── ConfigVersionError                     GUEST_CONFIG_NEWER
    ├── NotFoundError (LookupError)
    │   ├── MachineNotFoundError                   GUEST_NOT_FOUND
    │   └── DriverNotFoundError                    DRV_NOT_FOUND
    ├── RegistryError (LookupError)
    │   ├── DriverConflictError                    DRV_CONFLICT
    │   ├── DriverBrokenError                      DRV_PLUGIN_BROKEN (quarantined plugin)
    │   └── DriverIncompatibleError                DRV_INCOMPATIBLE_API
    ├── LockedError (TimeoutError)                 GUEST_LOCKED
    └── DriverError (RuntimeError)                 raised by drivers and the machine layer
        ├── HostNotRunningError                    GUEST_NOT_RUNNING ("Host is not running")
        ├── IPNotSetError                          GUEST_NOT_RUNNING ("IP address is not set")
        └── PluginError                            DRV_PLUGIN_FAILED (external plugin protocol)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    """A reason ID as minikube prints it: ``Exiting due to ID: message``."""

    id: str
    exit_code: int
    fix: str = ""
    doc: str = ""


_DOC = "https://minikube.sigs.k8s.io/docs/drivers/"

_REASONS = [
    Reason("MK_FAILURE", 1),
    Reason("MK_INTERRUPTED", 11),
    Reason("MK_USAGE", 14),
    Reason("MK_INVALID_NAME", 14, "Use letters, digits, '-' and '.', starting with a letter or digit."),
    Reason("MK_RESERVED_PROFILE", 11, "Choose a name that is not a minikube command."),
    Reason("MK_USAGE_NO_PROFILE", 14, "To start a cluster, run: minikube start"),
    Reason("MK_CONFIG_INVALID", 18),
    Reason("RSRC_OVER_ALLOC_MEM", 10),  # minikube sets no code for it: the program-error default
    Reason("RSRC_INSUFFICIENT_REQ_MEMORY", 23),
    Reason("RSRC_INSUFFICIENT_SYS_MEMORY", 23),
    Reason("RSRC_INSUFFICIENT_STORAGE", 26, "Free some disk space, then try again."),
    Reason("RSRC_INSUFFICIENT_CORES", 29),
    Reason("HOST_KILL_MOUNT_PROC", 30),
    Reason("HOST_PATH_MISSING", 35),
    Reason("HOST_UNSUPPORTED", 36),
    Reason("HOST_HOME_PERMISSION", 37, "Check the owner and permissions of $MINIKUBE_HOME (default ~/.minikube)."),
    Reason("INET_DOWNLOAD", 40, "Check the URL and your network, then try again."),
    Reason("INET_CHECKSUM", 40, "The download did not match its checksum; check the URL's checksum."),
    Reason("INET_DOWNLOAD_BLOCKED", 42, "Check your network and proxy (HTTPS_PROXY), then try again."),
    Reason("IF_SSH_CLIENT", 70),
    Reason("IF_SSH_TIMEOUT", 72, "Try 'minikube delete', and disable any conflicting VPN or firewall software."),
    Reason("IF_SSH_AUTH", 78),
    Reason("DRV_CONFLICT", 51, "Uninstall one of the distributions: pip uninstall <distribution>"),
    Reason("DRV_NOT_FOUND", 55),
    Reason("DRV_NOT_DETECTED", 55, "", _DOC),
    Reason("DRV_NOT_HEALTHY", 55, "", _DOC),
    Reason("DRV_UNSUPPORTED_OS", 56, "", _DOC),
    Reason("DRV_INCOMPATIBLE_API", 56),
    Reason("DRV_PLUGIN_BROKEN", 58),
    Reason("DRV_PLUGIN_FAILED", 50),
    Reason("DRV_PLUGIN_NOT_FOUND", 55),
    Reason("DRV_NO_IP", 52, "Check your firewall rules for interference, and the driver's network (minikube -v 2 start shows the driver's logs)."),
    Reason("GUEST_DRIVER_MISMATCH", 81),
    Reason("GUEST_LOCKED", 82, "Wait for the other minikube command to finish, then try again."),
    Reason("GUEST_NOT_FOUND", 85),
    Reason("GUEST_NOT_RUNNING", 83, "Start it with: minikube start"),
    Reason("GUEST_CONFIG_CORRUPT", 88),
    Reason("GUEST_CONFIG_NEWER", 88, "Upgrade minikube: pip install -U minikube"),
    Reason("GUEST_PROVISION", 80),
    Reason("GUEST_START", 80, "Run the command again with -v 2 to see the driver's logs."),
    Reason("GUEST_STOP", 80),
    Reason("GUEST_STOP_TIMEOUT", 82, "Run the command again with -v 2 to see the driver's logs; "
                                     "`minikube delete` removes a machine that will not stop."),
    Reason("GUEST_DELETE", 80),
    Reason("GUEST_MOUNT", 80),
    Reason("GUEST_MOUNT_COULD_NOT_CONNECT", 80),
    Reason("GUEST_MOUNT_CONFLICT", 81),
    Reason("GUEST_STATUS", 80),
    Reason("GUEST_NODE_ADD", 80),
    Reason("GUEST_NODE_DELETE", 80),
    Reason("GUEST_NODE_PROVISION", 80),
    Reason("GUEST_NODE_START", 80),
    Reason("GUEST_NODE_RETRIEVE", 85),
]

REASONS: dict[str, Reason] = {r.id: r for r in _REASONS}

#: Reasons that drivers declare in their minikube-driver.toml, registered when the driver is
#: resolved or imported; the core prints them like its own.
_DRIVER_REASONS: dict[str, Reason] = {}

#: Provider reasons are made per driver: PROVIDER_<NAME>_<KIND>.
_PROVIDER_EXIT = {"NOT_FOUND": 65, "ERROR": 69, "NOT_RUNNING": 63, "OBSOLETE": 66}


def is_core_reason(reason_id: str) -> bool:
    """One of minikube's own IDs, or a derived ``PROVIDER_<DRIVER>_<KIND>`` one: no driver may declare these."""
    return reason_id in REASONS or (reason_id.startswith("PROVIDER_")
                                    and any(reason_id.endswith("_" + k) for k in _PROVIDER_EXIT))


def is_known_reason(reason_id: str) -> bool:
    """The core's or a registered driver's ID (derived provider IDs included)."""
    return is_core_reason(reason_id) or reason_id in _DRIVER_REASONS


def register_driver_reasons(reasons: tuple[Reason, ...] | list[Reason]) -> None:
    """Make a driver's declared reasons known (a core ID is never replaced)."""
    for r in reasons:
        if not is_core_reason(r.id):
            _DRIVER_REASONS[r.id] = r


def reason(reason_id: str) -> Reason:
    """The Reason for an ID: the core's, a driver's declared one, a derived provider one, or an
    unknown one (a provider-ish ``PR_``/``PROVIDER_`` ID counts as provider unavailable, 69)."""
    found = REASONS.get(reason_id) or _DRIVER_REASONS.get(reason_id)
    if found is not None:
        return found
    if reason_id.startswith("PROVIDER_"):
        for kind, code in _PROVIDER_EXIT.items():
            if reason_id.endswith("_" + kind):
                return Reason(reason_id, code)
    return Reason(reason_id, 69 if reason_id.startswith(("PR_", "PROVIDER_")) else 1)


def provider_reason(driver: str, kind: str) -> Reason:
    """``PROVIDER_KVM2_NOT_FOUND`` and friends, with minikube's exit codes."""
    return reason(f"PROVIDER_{driver.upper().replace('-', '_')}_{kind}")


class MinikubeError(Exception):
    """Base of every error the CLI reports as ``Exiting due to <ID>: <message>``."""

    default_reason = "MK_FAILURE"

    def __init__(self, message: str, *, reason_id: str | None = None, fix: str | None = None,
                 doc: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.reason_id = reason_id or self.default_reason
        self._fix, self._doc = fix, doc
        self._reason: Reason | None = None

    @property
    def reason(self) -> Reason:
        """Looked up when read, so a driver's declared reason counts even if the driver raised
        before its declaration was registered."""
        return self._reason or reason(self.reason_id)

    @reason.setter
    def reason(self, value: Reason) -> None:
        self._reason, self.reason_id = value, value.id

    @property
    def fix(self) -> str:
        return self.reason.fix if self._fix is None else self._fix

    @fix.setter
    def fix(self, value: str) -> None:
        self._fix = value

    @property
    def doc(self) -> str:
        return self.reason.doc if self._doc is None else self._doc

    @doc.setter
    def doc(self, value: str) -> None:
        self._doc = value

    @property
    def exit_code(self) -> int:
        return self.reason.exit_code


class UsageError(MinikubeError, ValueError):
    default_reason = "MK_USAGE"


class InvalidNameError(UsageError):
    default_reason = "MK_INVALID_NAME"


class ConfigError(MinikubeError, ValueError):
    """A file we keep (or the user edits) is unreadable; the message names the file."""

    default_reason = "GUEST_CONFIG_CORRUPT"


class ConfigVersionError(ConfigError):
    default_reason = "GUEST_CONFIG_NEWER"


class NotFoundError(MinikubeError, LookupError):
    default_reason = "GUEST_NOT_FOUND"


class MachineNotFoundError(NotFoundError):
    default_reason = "GUEST_NOT_FOUND"


class DriverNotFoundError(NotFoundError):
    default_reason = "DRV_NOT_FOUND"


class RegistryError(MinikubeError, LookupError):
    default_reason = "DRV_PLUGIN_BROKEN"


class DriverConflictError(RegistryError):
    default_reason = "DRV_CONFLICT"


class DriverBrokenError(RegistryError):
    default_reason = "DRV_PLUGIN_BROKEN"


class DriverIncompatibleError(RegistryError):
    default_reason = "DRV_INCOMPATIBLE_API"


class LockedError(MinikubeError, TimeoutError):
    default_reason = "GUEST_LOCKED"


class DriverError(MinikubeError, RuntimeError):
    """What a driver raises when an operation fails; drivers may pass their own reason_id."""

    default_reason = "GUEST_PROVISION"


class HostNotRunningError(DriverError):
    default_reason = "GUEST_NOT_RUNNING"

    def __init__(self, message: str = "Host is not running", **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]


class IPNotSetError(DriverError):
    default_reason = "GUEST_NOT_RUNNING"

    def __init__(self, message: str = "IP address is not set", **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]


class PluginError(DriverError):
    """The external plugin process or its protocol failed; the message says how."""

    default_reason = "DRV_PLUGIN_FAILED"
