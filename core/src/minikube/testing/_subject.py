"""The driver under test: found through the real discovery, made builtin or as a plugin process."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import ClusterConfig
from ..machine import Driver, HostStore
from ..registry import HEALTH_TIMEOUT, DriverDef, DriverInfo
from ._check_config import check_config
from ._check_def import check_discovery
from ._contracts import PLUGIN_BINARY, ContractViolation


def default_cluster(name: str, home: Path, machine: str) -> ClusterConfig:
    """A small cluster config in ``home``: what the kit hands the driver's config creator."""
    return ClusterConfig(name=machine, driver=name, cpus=1, memory=1024, disk_size=2000,
                         store_path=str(home))


@dataclass
class DriverUnderTest:
    """One installed driver and a MINIKUBE_HOME to run it in.

    ``definition`` comes from the real discovery (the registry's catalog and loader); a driver that is
    not discoverable fails every check that needs it with the same ENTRY_POINT violation.
    External drivers (``init=None``) are made as real plugin processes, ``executable`` or
    ``docker-machine-driver-<name>`` found as minikube finds it.
    """

    name: str
    home: Path
    executable: str | None = None
    cluster_config: Callable[[str, Path, str], ClusterConfig] = default_cluster
    options: dict[str, Any] = field(default_factory=dict)
    timeout: float = 120.0
    health_timeout: float = HEALTH_TIMEOUT
    _found: tuple[DriverInfo, DriverDef] | None = field(default=None, init=False, repr=False)
    _error: ContractViolation | None = field(default=None, init=False, repr=False)

    def discover(self) -> tuple[DriverInfo, DriverDef]:
        __tracebackhide__ = True
        if self._found is None and self._error is None:
            try:
                self._found = check_discovery(self.name)
            except ContractViolation as e:
                self._error = e
        if self._error is not None:
            raise ContractViolation(self._error.contract, self._error.detail) from self._error.__cause__
        assert self._found is not None
        return self._found

    @property
    def info(self) -> DriverInfo:
        return self.discover()[0]

    @property
    def definition(self) -> DriverDef:
        return self.discover()[1]

    @property
    def external(self) -> bool:
        return not self.definition.builtin

    @property
    def store(self) -> HostStore:
        return HostStore(self.home)

    def plugin_executable(self) -> str:
        __tracebackhide__ = True
        if self.executable:
            return self.executable
        from .._errors import PluginError
        from ..machine.plugin import find_plugin_binary

        try:
            return find_plugin_binary(self.name)
        except PluginError as e:
            raise ContractViolation(PLUGIN_BINARY, f"{e.message} (an external driver's package installs it as "
                                                   f"the console script docker-machine-driver-{self.name})") from None

    def new_driver(self) -> Driver:
        """An empty driver, as minikube makes one for every command: builtin, or a plugin process."""
        d = self.definition
        if d.init is not None:
            return d.init()
        from ..machine.plugin import PluginDriver

        return PluginDriver.launch(self.name, executable=self.plugin_executable())

    def machine_name(self) -> str:
        """A fresh machine name, so real backends with global names (libvirt domains) do not collide."""
        return f"conformance-{secrets.token_hex(3)}"

    def cluster(self, machine: str) -> ClusterConfig:
        return self.cluster_config(self.name, self.home, machine)

    def configured(self, machine: str) -> bytes:
        """The driver config ``minikube start`` would save for ``machine`` (checked on the way)."""
        __tracebackhide__ = True
        return check_config(self.definition, self.new_driver, self.cluster(machine), self.store, self.options)
