"""The driver contracts the conformance kit checks, each with the place it is documented.

A failed check raises :class:`ContractViolation`, whose message ends with the contract broken
and its documentation, e.g. ``contract: create -> Running (docs: <url>#contract-create-running)``.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The driver author's guide: the template, the kit and every contract below (one anchor each).
DOCS = "https://github.com/minikube-py/minikube-py/blob/main/cookiecutter-driver/README.md"


@dataclass(frozen=True)
class Contract:
    """One promise a driver makes to minikube."""

    id: str
    title: str

    @property
    def anchor(self) -> str:
        return f"contract-{self.id}"

    @property
    def doc(self) -> str:
        return f"{DOCS}#{self.anchor}"


DEF_VALID = Contract("def-valid", "the DriverDef is well formed")
ENTRY_POINT = Contract("entry-point", "discoverable through its minikube.drivers entry point")
METADATA = Contract("metadata", "minikube-driver.toml agrees with the DriverDef")
HEALTH = Contract("health", "health returns a minikube.registry.Health")
CREATE_FLAGS = Contract("create-flags", "create flags are well formed")
CONFIG_ROUND_TRIP = Contract("config-round-trip", "config round-trips through JSON and the host store")
CREATE_RUNNING = Contract("create-running", "create -> Running")
RUNNING_ADDRESS = Contract("running-address", "a Running machine reports its address")
STATE_PERSISTS = Contract("state-persists", "a driver restored from the saved config sees the machine")
STOP_STOPPED = Contract("stop-stopped", "stop -> Stopped")
START_RUNNING = Contract("start-running", "start -> Running")
RESTART_RUNNING = Contract("restart-running", "restart -> Running")
KILL_STOPPED = Contract("kill-stopped", "kill -> Stopped")
REMOVE_GONE = Contract("remove-gone", "remove -> gone")
MISSING_MACHINE = Contract("missing-machine", "operations on a missing machine fail with GUEST_NOT_FOUND")
STORE_LIFECYCLE = Contract("store-lifecycle", "the minikube lifecycle through the host store")
PLUGIN_BINARY = Contract("plugin-binary", "an external driver's plugin binary speaks libmachine's protocol")
SHARES_KEPT = Contract("shares-kept", "a driver that declares mounts keeps a new machine's shared folders")
NODES_DISTINCT = Contract("nodes-distinct", "a driver that declares multinode makes each node of a profile its own machine")
READY_ON_RETURN = Contract("ready-on-return", "start returns when the machine answers SSH")

CONTRACTS: tuple[Contract, ...] = (
    DEF_VALID, ENTRY_POINT, METADATA, HEALTH, CREATE_FLAGS, CONFIG_ROUND_TRIP, CREATE_RUNNING,
    RUNNING_ADDRESS, STATE_PERSISTS, STOP_STOPPED, START_RUNNING, RESTART_RUNNING, KILL_STOPPED,
    REMOVE_GONE, MISSING_MACHINE, STORE_LIFECYCLE, PLUGIN_BINARY, SHARES_KEPT, NODES_DISTINCT, READY_ON_RETURN,
)


class ContractViolation(AssertionError):
    """A driver broke a contract; the message says what happened, which contract, and where it is documented."""

    def __init__(self, contract: Contract, detail: str) -> None:
        self.contract = contract
        self.detail = detail
        super().__init__(f"{detail}\ncontract: {contract.title} (docs: {contract.doc})")

