"""Which profile, and which of its machines, a command acts on (``-p NAME``, ``-n NODE``).

A profile's primary machine has the profile's name; its other nodes are ``<profile>-m02``...  A
name that is another profile's node is refused as a profile, as minikube refuses it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from .._errors import MachineNotFoundError, MinikubeError, NotFoundError, UsageError
from ..config import NODE_NAME_RE, Node, list_profiles, load_profile, profile_path
from ..machine import Machines
from ..registry import Registry
from ._settings import profile_name

log = logging.getLogger("minikube.cli")


def not_found(name: str) -> MachineNotFoundError:
    return MachineNotFoundError(f'Profile "{name}" not found. Run "minikube profile list" to view all profiles.',
                                fix=f'To start a cluster, run: "minikube start -p {name}"')


def existing_or_none(name: str) -> Machines | None:
    """The machines of this store if machine ``name`` exists in it, else None."""
    machines = Registry().machines()
    log.info("profile %s in %s", name, machines.store.home)
    return machines if machines.exists(name) else None


def existing(profile: str | None) -> tuple[str, Machines]:
    name = profile_name(profile)
    refuse_node_as_profile(name)
    machines = existing_or_none(name)
    if machines is None:
        raise not_found(name)
    return name, machines


def node_machine(name: str, node: str | None, missing: Callable[[str], MinikubeError] | None = None) -> str:
    """The machine of ``-n NODE`` (``m02`` or ``minikube-m02``) in profile ``name``; the primary's by default."""
    if node is None:
        return name
    try:
        cfg = load_profile(name)
    except NotFoundError:
        raise not_found(name) from None
    found = cfg.find_node(node)
    if found is None:
        raise (missing or (lambda n: missing_node(name, n)))(node)
    return cfg.machine_name_of(found)


def node_machines(name: str, machines: Machines, *, unreadable_ok: bool = False) -> list[str]:
    """Every machine of profile ``name``, workers first and the primary last (the order ``delete``
    removes them in, so a network the nodes share goes with the last one).

    The profile's nodes, plus any ``<name>-mNN`` machine in the store that is not a profile of its
    own (a node whose record the profile lost when a command was killed).  A damaged profile
    config is GUEST_CONFIG_CORRUPT, unless ``unreadable_ok`` (``delete``, which is its fix)."""
    found: list[str] = []
    try:
        cfg = load_profile(name)
        found = [cfg.machine_name_of(n) for n in cfg.nodes]
    except NotFoundError:
        found = [name]
    except MinikubeError:
        if not unreadable_ok:
            raise
        found = [name]
    profiles = set(list_profiles())
    prefix = f"{name}-"
    for m in machines.store.list():
        if m.startswith(prefix) and NODE_NAME_RE.match(m[len(prefix):]) and m not in profiles and m not in found:
            found.append(m)
    workers = [m for m in found if m != name]
    return [*workers, name]


def named_as_node_of(machine: str, profile: str) -> Node | None:
    """The node ``machine`` would be by its name alone (``<profile>-mNN``), else None."""
    prefix = f"{profile}-"
    if machine.startswith(prefix) and NODE_NAME_RE.match(machine[len(prefix):]):
        return Node(name=machine[len(prefix):])
    return None


def owner_profile(machine: str, profiles: list[str] | None = None) -> tuple[str, Node] | None:
    """The other profile (and its node) whose machine ``machine`` is, if it is not a profile itself:
    commands refuse to take a node's machine for a profile (``-p minikube-m02``).  A profile
    whose config cannot be read owns the machines named as its nodes (``<profile>-mNN``)."""
    if profile_path(machine).is_file():
        return None
    for other in list_profiles() if profiles is None else profiles:
        try:
            cfg = load_profile(other)
        except MinikubeError:
            node = named_as_node_of(machine, other)
        else:
            node = next((n for n in cfg.nodes if n.name and cfg.machine_name_of(n) == machine), None)
        if node is not None:
            return other, node
    return None


def refuse_node_as_profile(name: str, *, new: bool = False) -> None:
    """A name that is another profile's node is no profile: for a command on a profile it is not
    found (status's exit code 85), for a new one minikube's "Profile name should be unique"."""
    owner = owner_profile(name)
    if owner is None:
        return
    profile, node = owner
    fix = (f"Work on the node with: minikube node start|stop|delete {node.name} -p {profile}, "
           f"or ssh -n {node.name} -p {profile}")
    if new:
        raise UsageError(f'Profile name should be unique: "{name}" is node {node.name} of the profile "{profile}"',
                         fix=fix + "; or choose another profile name")
    raise MachineNotFoundError(f'Profile "{name}" not found: "{name}" is node {node.name} of the profile '
                               f'"{profile}", not a profile', fix=fix)


def missing_node(profile: str, name: str) -> MinikubeError:
    return MachineNotFoundError(f"retrieving node: Could not find node {name}", reason_id="GUEST_NODE_RETRIEVE",
                                fix=f"See the nodes with: minikube node list -p {profile}")


def chosen_profile(name: str) -> str:
    """The profile ``minikube profile NAME`` (and ``config set profile NAME``) makes the active one,
    or minikube's refusal: a name no profile may have, a reserved word, a node's machine, a
    profile that does not exist.  ``default`` is minikube's alias for ``minikube``, which may be
    chosen before it is started."""
    from ..config import DEFAULT_PROFILE, is_reserved, profile_name_problem

    problem = profile_name_problem(name)
    if problem is not None:
        raise UsageError(f"Profile name {name!r} is not valid: {problem}",
                         fix="Choose another name, e.g. minikube profile my-cluster")
    if is_reserved(name):
        raise MinikubeError(f'Profile name "{name}" is reserved: it is a minikube command',
                            reason_id="MK_RESERVED_PROFILE", fix="Choose another name")
    if name.lower() == "default":
        return DEFAULT_PROFILE
    refuse_node_as_profile(name)
    if not profile_path(name).is_file() and existing_or_none(name) is None:
        raise not_found(name)
    return name
