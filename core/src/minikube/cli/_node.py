"""``minikube node add | delete | start | stop | list``: one node of a profile at a time.

minikube's rules: ``add`` and ``delete`` need the profile running (its primary node), ``start``
and ``stop`` only need it to exist; a node is named ``m02`` or by its machine (``minikube-m02``);
the primary node cannot be deleted on its own (``minikube delete`` removes the whole profile).
"""

from __future__ import annotations

from .._errors import MinikubeError, UsageError
from ..config import ClusterConfig, Node, load_profile, profile_lock, profile_path, save_profile, update_profile
from ..machine import DEFAULT_WAIT_TIMEOUT, Machines, State
from ..registry import Registry
from . import _ui
from ._lookup import missing_node
from ._nodes import Crew, interrupted_as, reported_as


def _profile(profile: str | None) -> tuple[str, ClusterConfig, Registry, Machines]:
    from ._lookup import not_found
    from ._settings import profile_name

    name = profile_name(profile)
    if not profile_path(name).is_file():
        raise not_found(name)
    reg = Registry()
    return name, load_profile(name), reg, reg.machines()


def _running(name: str, cfg: ClusterConfig, machines: Machines) -> None:
    """minikube's ``mustload.Healthy``: the primary node's host must be running."""
    state = machines.status(name) if machines.exists(name) else State.NONE
    if state != State.RUNNING:
        raise MinikubeError(f"The control-plane node {name} host is not running: state={state or 'Nonexistent'}",
                            reason_id="GUEST_NOT_RUNNING", fix=f'To start a cluster, run: "minikube start -p {name}"')


def _find(name: str, cfg: ClusterConfig, wanted: str) -> Node:
    node = cfg.find_node(wanted)
    if node is None:
        raise missing_node(name, wanted)
    return node


def run_node_add(profile: str | None, worker: bool, control_plane: bool, delete_on_failure: bool, *,
                 wait_timeout: float = DEFAULT_WAIT_TIMEOUT) -> None:
    name, cfg, reg, machines = _profile(profile)
    if not worker and not control_plane:
        raise UsageError("a node must be a worker, a control plane or both: not --worker=false alone",
                         fix=f"Add a worker with: minikube node add -p {name}")
    reg.require(cfg.driver, multinode="minikube node add")
    _running(name, cfg, machines)
    with profile_lock(name):  # two `node add` at once get two names
        cfg = load_profile(name)
        from ._resources import MAX_NODES_FORCED

        if len(cfg.nodes) >= MAX_NODES_FORCED:
            raise UsageError(f'"{name}" has {len(cfg.nodes)} nodes, the most one profile may have',
                             fix=f"Remove one first with: minikube node delete NODE -p {name}")
        node = Node(name=cfg.next_node_name(), control_plane=control_plane, worker=worker)
        cfg.nodes.append(node)
        machine = cfg.machine_name_of(node)
        if machines.exists(machine) or profile_path(machine).is_file():
            raise MinikubeError(f'adding node: the machine "{machine}" exists already', reason_id="GUEST_NODE_ADD",
                                fix=f"Remove it with: minikube delete -p {machine}")
        save_profile(cfg)
    roles = " ".join(r for r, on in (("control-plane", control_plane), ("worker", worker)) if on)
    _ui.set_step("Starting Node")  # minikube names no step of its own for node add
    _ui.info(f"* Adding node {node.name} to cluster {name} as [{roles}]")
    from ._start import local_image

    crew = Crew(machines, cfg, lambda spec: reg.configure(cfg.driver, spec, cfg.driver_options),
                image=local_image(reg, cfg), ssh=reg.waits_for_ssh(cfg.driver), wait_timeout=wait_timeout)
    try:
        crew.up_all([node], parallel=False)
    except MinikubeError as e:
        if delete_on_failure or not machines.exists(machine):
            _forget(name, node, machine, reg, machines)
        if e.reason_id == "MK_INTERRUPTED":
            e.fix = f"Remove the node with: minikube node delete {node.name} -p {name}"
            raise
        raise MinikubeError(f"adding node: {e.message}", reason_id="GUEST_NODE_ADD",
                            fix=e.fix or f"Remove the node with: minikube node delete {node.name} -p {name}") from None
    _ui.step("Done", f"Successfully added {node.name} to {name}!")


def _forget(name: str, node: Node, machine: str, reg: Registry, machines: Machines) -> None:
    """Take a node away: its machine (if any), then its entry in the profile."""
    from ._lifecycle import remove_machine

    if machines.exists(machine):
        remove_machine(reg, machines, machine, profile=name)
    def change(cfg: ClusterConfig) -> None:
        cfg.nodes[:] = [n for n in cfg.nodes if n.name != node.name]

    update_profile(name, change)


def run_node_delete(profile: str | None, wanted: str) -> None:
    name, cfg, reg, machines = _profile(profile)
    _running(name, cfg, machines)
    node = _find(name, cfg, wanted)
    _ui.set_step("Deleting")
    _ui.info(f"* Deleting node {wanted} from cluster {name}")
    if not node.name:
        raise MinikubeError(f'deleting node: "{wanted}" is the primary control-plane node of "{name}": it cannot be '
                            "deleted on its own", reason_id="GUEST_NODE_DELETE",
                            fix=f"Delete the whole cluster with: minikube delete -p {name}")
    machine = cfg.machine_name_of(node)
    with reported_as("GUEST_NODE_DELETE", "deleting node"), \
            interrupted_as("deleting", machine, f"Run: minikube node delete {node.name} -p {name}"):
        _forget(name, node, machine, reg, machines)
    _ui.step("Done", f"Node {wanted} was successfully deleted.")


def run_node_start(profile: str | None, wanted: str, *, wait_timeout: float = DEFAULT_WAIT_TIMEOUT) -> None:
    name, cfg, reg, machines = _profile(profile)
    node = _find(name, cfg, wanted)
    machine = cfg.machine_name_of(node)
    if machines.exists(machine) and machines.status(machine) == State.RUNNING:
        _ui.info(f"* {wanted} is already running")
        return
    _ui.set_step("Starting Node")
    from ._start import local_image

    crew = Crew(machines, cfg, lambda spec: reg.configure(cfg.driver, spec, cfg.driver_options),
                image="" if machines.exists(machine) else local_image(reg, cfg), verb="starting",
                ssh=reg.waits_for_ssh(cfg.driver), wait_timeout=wait_timeout)
    with reported_as("GUEST_NODE_START", "starting node"):
        crew.up_all([node], parallel=False)
    _ui.step("Done", f"Successfully started node {machine}!")


def run_node_stop(profile: str | None, wanted: str) -> None:
    name, cfg, _reg, machines = _profile(profile)
    node = _find(name, cfg, wanted)
    machine = cfg.machine_name_of(node)
    _ui.set_step("Stopping")
    _ui.info(f'* Stopping node "{machine}" ...')
    try:
        with interrupted_as("stopping", machine, f"Run: minikube node stop {wanted} -p {name}"), \
                _ui.spinner(f'Stopping "{machine}" ...'):
            if machines.exists(machine):
                machines.stop(machine)
    except MinikubeError as e:
        if e.reason_id != "MK_INTERRUPTED":
            e.message = f"Failed to stop node {wanted}: {e.message}"
        raise
    _ui.step("Done", f"Successfully stopped node {machine}")


def run_node_list(profile: str | None) -> None:
    name, cfg, _reg, _machines = _profile(profile)
    for n in cfg.nodes:
        _ui.out(f"{cfg.machine_name_of(n)}\t{n.ip}")
